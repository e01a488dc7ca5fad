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
from datetime import UTC, datetime

from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ledger.documents.algorithms import signer_algorithm
from ledger.documents.parse import DATA_CONTENT_TYPE, load_cms
from ledger.hashing import sha256
from ledger.identity.algorithms import SHA256, SignatureAlgorithm, UnsupportedKey, digest
from ledger.identity.certificates import MalformedCertificate, load_certificate_leniently
from ledger.identity.private_keys import SigningKey, public_spki, sign, signature_algorithm

# UTCTime can only say years 1950–2049 (RFC 5652 §11.3); later times need GeneralizedTime.
_LAST_UTC_TIME_YEAR = 2049
_SIGNED_DATA_VERSIONS = ("v0", "v1", "v2", "v3", "v4", "v5")


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
            "certificates": _certificate_choices((certificate, *chain), ()),
            "signer_infos": [signer_info],
        }
    )
    return _content_info(signed_data)


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
    existing = asn1_cms.ContentInfo.load(document.der)["content"]
    version = _combined_version(existing["version"].native, identify_by_key_identifier)
    # asn1crypto reads a v1 SignedData's content info with the PKCS #7 spec, later ones with CMS's.
    content_info_spec = (
        asn1_cms.ContentInfo if version == "v1" else asn1_cms.EncapsulatedContentInfo
    )
    # The existing SignerInfos are reused as parsed, so their signed bytes stay exactly as made.
    signed_data = asn1_cms.SignedData(
        {
            "version": version,
            "digest_algorithms": _digest_algorithms_with(
                existing["digest_algorithms"], digest_algorithm
            ),
            "encap_content_info": content_info_spec.load(existing["encap_content_info"].dump()),
            "certificates": _certificate_choices(
                (certificate, *chain), _existing_certificate_choices(existing)
            ),
            "signer_infos": [*existing["signer_infos"], signer_info],
        }
    )
    if not isinstance(existing["crls"], asn1_core.Void):
        signed_data["crls"] = existing["crls"]
    return _content_info(signed_data)


def attach_timestamp(existing_cms: bytes, signer_index: int, token: bytes) -> bytes:
    """`existing_cms` with an RFC 3161 token as an unsigned attribute of one SignerInfo
    (id-aa-signatureTimeStampToken, CAdES-T). The signed bytes of every signer are untouched:
    unsigned attributes lie outside what the signature covers."""
    content_info = asn1_cms.ContentInfo.load(load_cms(existing_cms).der)
    signed_data = content_info["content"]
    signer_infos = list(signed_data["signer_infos"])
    if not 0 <= signer_index < len(signer_infos):
        raise IndexError(f"the SignedData has {len(signer_infos)} signer(s), no {signer_index}")
    signer_info = signer_infos[signer_index]
    attributes = (
        []
        if isinstance(signer_info["unsigned_attrs"], asn1_core.Void)
        else list(signer_info["unsigned_attrs"])
    )
    attributes.append(
        {"type": "signature_time_stamp_token", "values": [asn1_cms.ContentInfo.load(token)]}
    )
    signer_info["unsigned_attrs"] = asn1_cms.CMSAttributes(attributes)
    signed_data["signer_infos"] = signer_infos
    return _content_info(signed_data)


def _content_info(signed_data: asn1_cms.SignedData) -> bytes:
    content_info = asn1_cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return bytes(content_info.dump())


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
    asn1_certificate = asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))
    attributes = asn1_cms.CMSAttributes(
        [
            {"type": "content_type", "values": [content_type]},
            {"type": "signing_time", "values": [_time(signing_time)]},
            {"type": "message_digest", "values": [digest(digest_algorithm, content)]},
            {"type": "signing_certificate_v2", "values": [_signing_certificate(asn1_certificate)]},
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


def _signing_certificate(certificate: asn1_x509.Certificate) -> dict[str, object]:
    """RFC 5035 signingCertificateV2: binds the signature to this exact certificate."""
    issuer = asn1_x509.GeneralName(name="directory_name", value=certificate.issuer)
    return {
        "certs": [
            {
                "cert_hash": sha256(certificate.dump()),
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


def _existing_certificate_choices(
    signed_data: asn1_cms.SignedData,
) -> tuple[asn1_cms.CertificateChoices, ...]:
    if isinstance(signed_data["certificates"], asn1_core.Void):
        return ()
    return tuple(signed_data["certificates"])


def _certificate_choices(
    certificates: Iterable[x509.Certificate],
    existing: tuple[asn1_cms.CertificateChoices, ...],
) -> list[asn1_cms.CertificateChoices]:
    choices = list(existing)
    seen = {choice.dump() for choice in existing}
    for certificate in certificates:
        choice = asn1_cms.CertificateChoices(
            name="certificate",
            value=asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER)),
        )
        if choice.dump() not in seen:
            seen.add(choice.dump())
            choices.append(choice)
    return choices


def _digest_algorithms_with(
    existing: asn1_cms.DigestAlgorithms, digest_algorithm: str
) -> list[asn1_cms.DigestAlgorithm]:
    algorithms = list(existing)
    if all(algorithm["algorithm"].dotted != digest_algorithm for algorithm in algorithms):
        algorithms.append(asn1_cms.DigestAlgorithm({"algorithm": digest_algorithm}))
    return algorithms


def _combined_version(existing_version: str, identify_by_key_identifier: bool) -> str:
    """RFC 5652 §5.1: v3 once any SignerInfo names its signer by subject key identifier."""
    wanted = "v3" if identify_by_key_identifier else "v1"
    if existing_version not in _SIGNED_DATA_VERSIONS:
        return wanted
    return max(existing_version, wanted, key=_SIGNED_DATA_VERSIONS.index)
