"""Making CMS SignedData (RFC 5652), DER, with any key Tirkeu signs with: ECDSA P-256, RSA
PKCS#1 v1.5 (SHA-256) or GOST 34.10-2015 (Streebog; ledger/identity/algorithms.py). The content's
messageDigest is SHA-256 unless asked otherwise: the ledger knows documents by their SHA-256
(ADR 0009); a GOST signer may digest with its Streebog instead, as NCALayer does.

A contract is signed by several people in turn: the recipient, then the guarantors, then KTK
last (Algorithm paras 17–18). `sign_cms` makes the first signature and `add_signer` adds each
further SignerInfo to the same SignedData, leaving the earlier signers' bytes untouched.

Pure: the signing time is passed in; nothing here reads a clock.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ledger.documents import der
from ledger.documents.algorithms import signer_algorithm
from ledger.documents.parse import (
    DATA_CONTENT_TYPE,
    SIGNATURE_TIMESTAMP_TOKEN,
    SIGNED_DATA_CONTENT_TYPE,
    load_cms,
)
from ledger.hashing import sha256
from ledger.identity.algorithms import SHA256, SignatureAlgorithm, UnsupportedKey, digest
from ledger.identity.certificates import MalformedCertificate, load_certificate_leniently
from ledger.identity.private_keys import SigningKey, public_spki, sign, signature_algorithm

# UTCTime can only say years 1950–2049 (RFC 5652 §11.3); later times need GeneralizedTime.
_LAST_UTC_TIME_YEAR = 2049
_CERTIFICATES_TAG = 0xA0  # [0] IMPLICIT CertificateSet
_CRLS_TAG = 0xA1  # [1] IMPLICIT RevocationInfoChoices
_UNSIGNED_TAG = 0xA1  # SignerInfo [1] IMPLICIT unsignedAttrs
_EXPLICIT_0 = 0xA0  # ContentInfo content [0] EXPLICIT


class SigningRejection(enum.Enum):
    KEY_NOT_SUPPORTED = "the private key is not of a type Tirkeu signs with"
    DIGEST_NOT_FOR_KEY = "that digest algorithm does not go with this key's signatures"
    KEY_DOES_NOT_MATCH_CERTIFICATE = "the private key does not belong to the certificate"
    SIGNING_TIME_WITHOUT_TIME_ZONE = "the signing time has no time zone"
    CONTENT_DOES_NOT_MATCH = "the document is not the one the existing signers signed"
    CONTENT_TYPE_NOT_DATA = "the existing SignedData does not encapsulate plain data"


class CmsSigningRejected(ValueError):
    """A signature that cannot be made from these inputs; nothing was produced."""

    def __init__(self, reason: SigningRejection) -> None:
        super().__init__(reason.value)
        self.reason = reason


def sign_cms(
    content: bytes,
    private_key: SigningKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    *,
    attached: bool = False,
    signing_time: datetime,
    identify_by_key_identifier: bool = False,
    digest_algorithm: str = SHA256,
    content_type: str = DATA_CONTENT_TYPE,
) -> bytes:
    """A DER ContentInfo holding SignedData with one signer over `content` (plain data, or
    e.g. an RFC 3161 TSTInfo for a timestamp token).

    Detached (no eContent) unless `attached`. The signer's certificate and `chain` are embedded so
    that a verifier holding only the root can build the path.
    """
    signer_info = _signer_info(
        content,
        digest_algorithm,
        private_key,
        certificate,
        signing_time,
        identify_by_key_identifier=identify_by_key_identifier,
        content_type=content_type,
    )
    # RFC 5652 §5.1: v3 for a subject key identifier or content other than data.
    plain = content_type == DATA_CONTENT_TYPE and not identify_by_key_identifier
    signed_data = asn1_cms.SignedData(
        {
            "version": "v1" if plain else "v3",
            "digest_algorithms": [{"algorithm": digest_algorithm}],
            "encap_content_info": {
                "content_type": content_type,
                # asn1crypto would parse other content types (a TSTInfo) from the raw octets.
                "content": (
                    None
                    if not attached
                    else content
                    if content_type == DATA_CONTENT_TYPE
                    else asn1_core.ParsableOctetString(content)
                ),
            },
            "signer_infos": [signer_info],
        }
    )
    version, algorithms, encapsulated, signer_infos = der.children(signed_data.dump())
    certificates = _certificate_set([], (certificate, *chain))
    return _content_info([version, algorithms, encapsulated, certificates, signer_infos])


def add_signer(
    existing_cms: bytes,
    content: bytes,
    private_key: SigningKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    *,
    signing_time: datetime,
    identify_by_key_identifier: bool = False,
    digest_algorithm: str = SHA256,
) -> bytes:
    """`existing_cms` with one more SignerInfo over the same `content` (Algorithm paras 17–18).

    Raises MalformedCms for an unreadable `existing_cms`, and CmsSigningRejected when `content`
    is not the document the existing signers signed (a co-signature must be over the same bytes).
    """
    document = load_cms(existing_cms)
    if document.content_type != DATA_CONTENT_TYPE:
        raise CmsSigningRejected(SigningRejection.CONTENT_TYPE_NOT_DATA)
    if document.content is not None and document.content != content:
        raise CmsSigningRejected(SigningRejection.CONTENT_DOES_NOT_MATCH)
    for existing_signer in document.signers:
        if existing_signer.message_digest is None:
            continue
        if signer_algorithm(
            existing_signer.signature_algorithm, existing_signer.digest_algorithm
        ) is None or existing_signer.message_digest != digest(
            existing_signer.digest_algorithm, content
        ):
            raise CmsSigningRejected(SigningRejection.CONTENT_DOES_NOT_MATCH)
    signer_info = _signer_info(
        content,
        digest_algorithm,
        private_key,
        certificate,
        signing_time,
        identify_by_key_identifier=identify_by_key_identifier,
    )
    parts = _signed_data_parts(document.der)
    version = _combined_version(parts.version, identify_by_key_identifier)
    algorithm = bytes(asn1_cms.DigestAlgorithm({"algorithm": digest_algorithm}).dump())
    algorithms = der.children(parts.digest_algorithms)
    if all(der.children(known)[0] != der.children(algorithm)[0] for known in algorithms):
        algorithms.append(algorithm)
    # The existing SignerInfos and certificates are carried as the bytes they came as, so their
    # signed bytes stay exactly as made.
    fields = [
        der.integer(version),
        der.set_of(algorithms),
        parts.encapsulated,
        _certificate_set(parts.certificates, (certificate, *chain)),
        *([parts.crls] if parts.crls else []),
        der.set_of([*parts.signer_infos, bytes(signer_info.dump())]),
    ]
    return _content_info(fields)


@dataclass(frozen=True, slots=True)
class _SignedDataParts:
    version: int
    digest_algorithms: bytes
    encapsulated: bytes
    certificates: list[bytes]
    crls: bytes | None
    signer_infos: list[bytes]


def _signed_data_parts(cms_der: bytes) -> _SignedDataParts:
    """The fields of the SignedData in `cms_der`, each as encoded (BER input is first brought
    to DER, which needs asn1crypto to re-encode it)."""
    try:
        content_info = der.children(cms_der)
    except ValueError:
        content_info = der.children(bytes(asn1_cms.ContentInfo.load(cms_der).dump(force=True)))
    (signed_data,) = der.children(content_info[1])
    fields = der.children(signed_data)
    version = int.from_bytes(der.contents(fields[0]), "big")
    certificates: list[bytes] = []
    crls = None
    for field_der in fields[3:-1]:
        if field_der[0] == _CERTIFICATES_TAG:
            certificates = der.children(field_der)
        elif field_der[0] == _CRLS_TAG:
            crls = field_der
    return _SignedDataParts(
        version=version,
        digest_algorithms=fields[1],
        encapsulated=fields[2],
        certificates=certificates,
        crls=crls,
        signer_infos=der.children(fields[-1]),
    )


def attach_timestamp(existing_cms: bytes, signer_index: int, token: bytes) -> bytes:
    """`existing_cms` with an RFC 3161 token as an unsigned attribute of one SignerInfo (in the
    order load_cms lists them; id-aa-signatureTimeStampToken, CAdES-T). The signed bytes of
    every signer are untouched: unsigned attributes lie outside what the signature covers."""
    load_cms(existing_cms)  # MalformedCms for what is not a SignedData
    parts = _signed_data_parts(existing_cms)
    if not 0 <= signer_index < len(parts.signer_infos):
        raise IndexError(f"the SignedData has {len(parts.signer_infos)} signer(s)")
    signer_info = der.children(parts.signer_infos[signer_index])
    unsigned = der.children(signer_info.pop()) if signer_info[-1][0] == _UNSIGNED_TAG else []
    attribute = der.tlv(
        der.SEQUENCE, der.object_identifier(SIGNATURE_TIMESTAMP_TOKEN) + der.set_of([token])
    )
    signer_info.append(der.set_of([*unsigned, attribute], _UNSIGNED_TAG))
    signer_infos = list(parts.signer_infos)
    signer_infos[signer_index] = der.tlv(der.SEQUENCE, b"".join(signer_info))
    fields = [
        der.integer(parts.version),
        parts.digest_algorithms,
        parts.encapsulated,
        *([der.set_of(parts.certificates, _CERTIFICATES_TAG)] if parts.certificates else []),
        *([parts.crls] if parts.crls else []),
        der.set_of(signer_infos),
    ]
    return _content_info(fields)


def _content_info(signed_data_fields: list[bytes]) -> bytes:
    signed_data = der.tlv(der.SEQUENCE, b"".join(signed_data_fields))
    return der.tlv(
        der.SEQUENCE,
        der.object_identifier(SIGNED_DATA_CONTENT_TYPE) + der.tlv(_EXPLICIT_0, signed_data),
    )


def _certificate_set(existing: list[bytes], certificates: Iterable[x509.Certificate]) -> bytes:
    encodings = list(existing)
    for certificate in certificates:
        encoding = certificate.public_bytes(Encoding.DER)
        if encoding not in encodings:
            encodings.append(encoding)
    return der.set_of(encodings, _CERTIFICATES_TAG)


def _signer_info(
    content: bytes,
    digest_algorithm: str,
    private_key: SigningKey,
    certificate: x509.Certificate,
    signing_time: datetime,
    *,
    identify_by_key_identifier: bool,
    content_type: str = DATA_CONTENT_TYPE,
) -> asn1_cms.SignerInfo:
    algorithm = _check_key(private_key, certificate)
    if signer_algorithm(algorithm.oid, digest_algorithm) is None:
        raise CmsSigningRejected(SigningRejection.DIGEST_NOT_FOR_KEY)
    certificate_der = certificate.public_bytes(Encoding.DER)
    asn1_certificate = asn1_x509.Certificate.load(certificate_der)
    attributes = asn1_cms.CMSAttributes(
        [
            {"type": "content_type", "values": [content_type]},
            {"type": "signing_time", "values": [_time(signing_time)]},
            {"type": "message_digest", "values": [digest(digest_algorithm, content)]},
            {
                "type": "signing_certificate_v2",
                "values": [_signing_certificate(asn1_certificate, certificate_der)],
            },
        ]
    )
    # RFC 5652 §5.4: the signature covers the DER of the attributes tagged as a SET OF, not [0].
    signature = sign(private_key, attributes.dump())
    if identify_by_key_identifier:
        sid = asn1_cms.SignerIdentifier(
            name="subject_key_identifier", value=_key_identifier(asn1_certificate)
        )
        version = "v3"
    else:
        sid = asn1_cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value={
                "issuer": asn1_certificate.issuer,
                "serial_number": asn1_certificate.serial_number,
            },
        )
        version = "v1"
    return asn1_cms.SignerInfo(
        {
            "version": version,
            "sid": sid,
            "digest_algorithm": {"algorithm": digest_algorithm},
            "signed_attrs": attributes,
            "signature_algorithm": {"algorithm": algorithm.oid},
            "signature": signature,
        }
    )


def _check_key(private_key: SigningKey, certificate: x509.Certificate) -> SignatureAlgorithm:
    try:
        algorithm = signature_algorithm(private_key)
    except UnsupportedKey:
        raise CmsSigningRejected(SigningRejection.KEY_NOT_SUPPORTED) from None
    try:
        # Leniently: whether the key matches does not depend on the subject's identifiers.
        certified = load_certificate_leniently(certificate.public_bytes(Encoding.DER))
    except MalformedCertificate:
        raise CmsSigningRejected(SigningRejection.KEY_DOES_NOT_MATCH_CERTIFICATE) from None
    if public_spki(private_key) != certified.key.spki_der:
        raise CmsSigningRejected(SigningRejection.KEY_DOES_NOT_MATCH_CERTIFICATE)
    return algorithm


def _time(signing_time: datetime) -> asn1_cms.Time:
    if signing_time.tzinfo is None or signing_time.utcoffset() is None:
        raise CmsSigningRejected(SigningRejection.SIGNING_TIME_WITHOUT_TIME_ZONE)
    # Both ASN.1 time forms are encoded here to whole seconds, so drop the fraction first.
    utc = signing_time.astimezone(UTC).replace(microsecond=0)
    if utc.year <= _LAST_UTC_TIME_YEAR:
        return asn1_cms.Time(name="utc_time", value=utc)
    return asn1_cms.Time(name="generalized_time", value=utc)


def _signing_certificate(
    certificate: asn1_x509.Certificate, certificate_der: bytes
) -> dict[str, object]:
    """RFC 5035 signingCertificateV2: binds the signature to this exact certificate."""
    issuer = asn1_x509.GeneralName(name="directory_name", value=certificate.issuer)
    return {
        "certs": [
            {
                "cert_hash": sha256(certificate_der),
                "issuer_serial": {
                    "issuer": [issuer],
                    "serial_number": certificate.serial_number,
                },
            }
        ]
    }


def _key_identifier(certificate: asn1_x509.Certificate) -> bytes:
    key_identifier = certificate.key_identifier
    if key_identifier is None:
        key_identifier = certificate.public_key.sha1  # RFC 5280 §4.2.1.2 method 1
    return bytes(key_identifier)


def _combined_version(existing_version: int, identify_by_key_identifier: bool) -> int:
    """RFC 5652 §5.1: v3 once any SignerInfo names its signer by subject key identifier."""
    return max(existing_version, 3 if identify_by_key_identifier else 1)
