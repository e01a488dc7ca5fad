"""Reading CMS SignedData (RFC 5652) into plain values.

The contract and the KTK letter carry CMS signatures (Algorithm paras 18 and 29: "the legitimacy
... can be checked via ezsigner.kz"); the ledger stores them detached, next to the document's
SHA-256. This module only decodes: it says what a SignedData claims, never whether the claim is
true (that is `ledger.documents.verify`). Anything that is not a SignedData we can read is rejected
with `MalformedCms`, before any value is produced.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import pem as asn1_pem
from asn1crypto import tsp as asn1_tsp  # noqa: F401  (see below)
from asn1crypto import x509 as asn1_x509
from cryptography import x509

from ledger.identity.algorithms import original_encoding

# Importing asn1crypto.tsp registers the signingCertificate(V2) attributes with the CMS parser.

DATA_CONTENT_TYPE = "1.2.840.113549.1.7.1"
SIGNED_DATA_CONTENT_TYPE = "1.2.840.113549.1.7.2"
SHA256_ALGORITHM = "2.16.840.1.101.3.4.2.1"
ECDSA_WITH_SHA256_ALGORITHM = "1.2.840.10045.4.3.2"
# Some producers name the key type, not the signature scheme, in SignerInfo.signatureAlgorithm.
EC_PUBLIC_KEY_ALGORITHM = "1.2.840.10045.2.1"

SIGNATURE_TIMESTAMP_TOKEN = "1.2.840.113549.1.9.16.2.14"  # RFC 3161 Appendix A
TST_INFO_CONTENT_TYPE = "1.2.840.113549.1.9.16.1.4"
NAME_MATCH_CACHE_SIZE = 1024  # (SignerInfo issuer, certificate issuer) pairs remembered

T = TypeVar("T")


class MalformedCms(ValueError):
    """The bytes are not a CMS SignedData that Tirkeu can read."""


class SignerIdentifierKind(enum.Enum):
    ISSUER_AND_SERIAL_NUMBER = "issuer_and_serial_number"
    SUBJECT_KEY_IDENTIFIER = "subject_key_identifier"


@dataclass(frozen=True, slots=True)
class SignerIdentifier:
    """How a SignerInfo names its certificate (RFC 5652 §5.3 SignerIdentifier)."""

    kind: SignerIdentifierKind
    issuer: str | None  # human-readable, for issuerAndSerialNumber
    issuer_der: bytes | None
    serial_number: int | None
    subject_key_identifier: bytes | None


@dataclass(frozen=True, slots=True)
class CmsSigner:
    """One SignerInfo, as claimed by the SignedData (nothing here is verified yet)."""

    identifier: SignerIdentifier
    certificate: x509.Certificate | None  # None when the SignedData does not carry it
    digest_algorithm: str  # dotted OID
    signature_algorithm: str  # dotted OID
    # DER of the signed attributes with the SET OF tag: the exact bytes the signature covers.
    signed_attributes_der: bytes | None
    signature: bytes
    content_type: str | None  # dotted OID from the content-type attribute
    message_digest: bytes | None
    signing_time: datetime | None  # tz-aware UTC
    signing_certificate_sha256: tuple[bytes, ...]  # signingCertificateV2 SHA-256 hashes
    # RFC 3161 tokens over this signature (unsigned id-aa-signatureTimeStampToken; CAdES-T)
    timestamp_tokens: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class SignedDocument:
    """A decoded CMS SignedData. `content` is None when the signature is detached."""

    der: bytes
    content_type: str  # dotted OID of the encapsulated content
    content: bytes | None
    certificates: tuple[x509.Certificate, ...]
    signers: tuple[CmsSigner, ...]

    @property
    def is_detached(self) -> bool:
        return self.content is None


def load_cms(data: bytes) -> SignedDocument:
    """Decode DER or PEM ("CMS"/"PKCS7") SignedData; raise MalformedCms for anything else."""
    der = _unarmor(data)
    try:
        content_info = asn1_cms.ContentInfo.load(der, strict=True)
        content_type = content_info["content_type"].dotted
        if content_type != SIGNED_DATA_CONTENT_TYPE:
            raise MalformedCms(f"content type is {content_type}, not SignedData")
        return _read_signed_data(der, content_info["content"])
    except MalformedCms:
        raise
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        OverflowError,
        AttributeError,  # asn1crypto on some garbled structures
        x509.InvalidVersion,  # cryptography's, not a ValueError
    ) as error:
        raise MalformedCms(f"not a readable CMS SignedData: {error}") from error


def _unarmor(data: bytes) -> bytes:
    if not isinstance(data, bytes) or not data:
        raise MalformedCms("empty input")
    # Only a leading armour is PEM: DER may contain "-----BEGIN" anywhere, e.g. in attached content.
    if not data.lstrip().startswith(b"-----BEGIN"):
        return data
    try:
        object_name, _headers, der = asn1_pem.unarmor(data)
    except ValueError as error:
        raise MalformedCms(f"unreadable PEM: {error}") from error
    if object_name not in {"CMS", "PKCS7"}:
        raise MalformedCms(f"PEM block is {object_name!r}, expected CMS or PKCS7")
    return bytes(der)


def _read_signed_data(der: bytes, signed_data: asn1_cms.SignedData) -> SignedDocument:
    encapsulated = signed_data["encap_content_info"]
    content_value = encapsulated["content"]
    content = None if isinstance(content_value, asn1_core.Void) else _octets(content_value)
    certificates = _read_certificates(signed_data["certificates"])
    signers = tuple(
        _read_signer(signer_info, certificates) for signer_info in signed_data["signer_infos"]
    )
    if not signers:
        raise MalformedCms("SignedData has no SignerInfo")
    return SignedDocument(
        der=der,
        content_type=encapsulated["content_type"].dotted,
        content=content,
        certificates=tuple(certificate for certificate, _ in certificates),
        signers=signers,
    )


def _octets(value: asn1_core.Asn1Value) -> bytes:
    """The content octets of eContent (merging BER chunks of a streamed OCTET STRING)."""
    if not isinstance(value, asn1_core.OctetString | asn1_core.ParsableOctetString):
        raise MalformedCms("eContent is not an OCTET STRING")
    return bytes(value)


_Embedded = tuple[x509.Certificate, asn1_x509.Certificate]


def _read_certificates(certificate_set: asn1_cms.CertificateSet) -> tuple[_Embedded, ...]:
    found: list[_Embedded] = []
    if isinstance(certificate_set, asn1_core.Void):
        return ()
    for choice in certificate_set:
        if choice.name != "certificate":
            continue  # attribute and "other" certificates play no part in signer checks
        asn1_certificate = choice.chosen
        certificate = x509.load_der_x509_certificate(original_encoding(asn1_certificate))
        found.append((certificate, asn1_certificate))
    return tuple(found)


def _read_signer(
    signer_info: asn1_cms.SignerInfo, certificates: tuple[_Embedded, ...]
) -> CmsSigner:
    identifier = _read_identifier(signer_info["sid"])
    signed_attributes = signer_info["signed_attrs"]
    attributes_der: bytes | None = None
    values: dict[str, list[asn1_core.Asn1Value]] = {}
    if not isinstance(signed_attributes, asn1_core.Void):
        # The signature covers the attributes as received, re-tagged from [0] to SET OF (§5.4);
        # re-encoding them could reorder or normalise and would break a valid signature.
        attributes_der = asn1_core.SetOf(contents=signed_attributes.contents).dump()
        values = _attribute_values(signed_attributes)
    return CmsSigner(
        identifier=identifier,
        certificate=_find_certificate(identifier, certificates),
        digest_algorithm=signer_info["digest_algorithm"]["algorithm"].dotted,
        signature_algorithm=signer_info["signature_algorithm"]["algorithm"].dotted,
        signed_attributes_der=attributes_der,
        signature=bytes(signer_info["signature"].native),
        content_type=_single(values, "content_type", lambda value: value.dotted),
        message_digest=_single(values, "message_digest", lambda value: bytes(value.native)),
        signing_time=_single(values, "signing_time", lambda value: value.native),
        signing_certificate_sha256=_signing_certificate_hashes(values),
        timestamp_tokens=_timestamp_tokens(signer_info["unsigned_attrs"]),
    )


def _timestamp_tokens(attributes: asn1_cms.CMSAttributes) -> tuple[bytes, ...]:
    if isinstance(attributes, asn1_core.Void):
        return ()
    return tuple(
        original_encoding(value)
        for attribute in attributes
        if attribute["type"].dotted == SIGNATURE_TIMESTAMP_TOKEN
        for value in attribute["values"]
    )


def _read_identifier(sid: asn1_cms.SignerIdentifier) -> SignerIdentifier:
    if sid.name == "issuer_and_serial_number":
        issuer_der = sid.chosen["issuer"].dump()
        return SignerIdentifier(
            kind=SignerIdentifierKind.ISSUER_AND_SERIAL_NUMBER,
            issuer=_human_friendly(issuer_der),
            issuer_der=issuer_der,
            serial_number=int(sid.chosen["serial_number"].native),
            subject_key_identifier=None,
        )
    return SignerIdentifier(
        kind=SignerIdentifierKind.SUBJECT_KEY_IDENTIFIER,
        issuer=None,
        issuer_der=None,
        serial_number=None,
        subject_key_identifier=bytes(sid.chosen.native),
    )


@functools.lru_cache(maxsize=NAME_MATCH_CACHE_SIZE)
def _human_friendly(name_der: bytes) -> str:
    # Formatting a Name costs a tenth of a lease application's admission; the same few issuer
    # names recur, so the text is remembered under the Name's exact DER (failures are not).
    return str(asn1_x509.Name.load(name_der).human_friendly)


def _find_certificate(
    identifier: SignerIdentifier, certificates: tuple[_Embedded, ...]
) -> x509.Certificate | None:
    for certificate, asn1_certificate in certificates:
        if _names_certificate(identifier, asn1_certificate):
            return certificate
    return None


def _names_certificate(identifier: SignerIdentifier, certificate: asn1_x509.Certificate) -> bool:
    if identifier.kind is SignerIdentifierKind.SUBJECT_KEY_IDENTIFIER:
        key_identifier = certificate.key_identifier
        if key_identifier is None:
            # RFC 5280 §4.2.1.2 method 1, what producers use when the extension is absent.
            key_identifier = certificate.public_key.sha1
        return bytes(key_identifier) == identifier.subject_key_identifier
    if identifier.issuer_der is None or certificate.serial_number != identifier.serial_number:
        return False
    return _same_name(identifier.issuer_der, certificate.issuer.dump())


@functools.lru_cache(maxsize=NAME_MATCH_CACHE_SIZE)
def _same_name(first_der: bytes, second_der: bytes) -> bool:
    """Whether two DER Names are the same name. asn1crypto compares them after RFC 5280 §7.1
    string preparation, not byte for byte, which is slow (a quarter of a lease application's
    CMS verification): the verdict is remembered under the two names' exact DER bytes, which
    are the same few issuer names document after document. An exception is never remembered."""
    return bool(asn1_x509.Name.load(second_der) == asn1_x509.Name.load(first_der))


def _attribute_values(attributes: asn1_cms.CMSAttributes) -> dict[str, list[asn1_core.Asn1Value]]:
    values: dict[str, list[asn1_core.Asn1Value]] = {}
    for attribute in attributes:
        name = attribute["type"].native
        if name in values:
            raise MalformedCms(f"signed attribute {name} appears twice (RFC 5652 §5.3)")
        values[name] = list(attribute["values"])
    return values


def _single(
    values: dict[str, list[asn1_core.Asn1Value]],
    name: str,
    read: Callable[[asn1_core.Asn1Value], T],
) -> T | None:
    if name not in values:
        return None
    if len(values[name]) != 1:
        raise MalformedCms(f"signed attribute {name} must have exactly one value")
    return read(values[name][0])


def _signing_certificate_hashes(values: dict[str, list[asn1_core.Asn1Value]]) -> tuple[bytes, ...]:
    found: list[bytes] = []
    for signing_certificate in values.get("signing_certificate_v2", []):
        for certificate_id in signing_certificate["certs"]:
            if certificate_id["hash_algorithm"]["algorithm"].dotted == SHA256_ALGORITHM:
                found.append(bytes(certificate_id["cert_hash"].native))
    return tuple(found)
