"""OCSP responses (RFC 6960) as revocation evidence, beside CRLs.

A BasicOCSPResponse is accepted when its signature verifies (any algorithm of the registry,
GOST included) with the key of either the CA that issued the certificates it speaks of, or a
responder certificate that CA issued with the id-kp-OCSPSigning extended key usage (RFC 6960
§4.2.2.2). Each SingleResponse names a certificate by CertID (hashes of its issuer's name and
key, and its serial), matched here against the trusted authorities. Times are the responder's:
producedAt says when it signed, a "good" status is evidence only as of then, and a revocation
carries its own revocationTime (which is what enters a trust store, as a CRL entry would).

Pure: the response is passed in, never fetched; no clock (callers compare producedAt with the
time of use).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from asn1crypto import core as asn1_core
from asn1crypto import ocsp as asn1_ocsp

from ledger.hashing import sha256
from ledger.identity.algorithms import (
    STREEBOG_256,
    STREEBOG_512,
    digest,
    original_encoding,
    public_key_bits,
    verify_signature,
)
from ledger.identity.certificates import (
    CertificateInfo,
    MalformedCertificate,
    load_certificate_leniently,
)
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.revocation import (
    CertificateProblem,
    CertificateRejected,
    FrozenRevocations,
    TrustStore,
)

OCSP_SIGNING = "1.3.6.1.5.5.7.3.9"
_SHA1 = "1.3.14.3.2.26"


def _sha1(data: bytes) -> bytes:
    return hashlib.sha1(data, usedforsecurity=False).digest()  # RFC 6960's default for CertID


def _streebog_256(data: bytes) -> bytes:
    return digest(STREEBOG_256, data)


def _streebog_512(data: bytes) -> bytes:
    return digest(STREEBOG_512, data)


_CERT_ID_HASHES: dict[str, Callable[[bytes], bytes]] = {
    _SHA1: _sha1,
    "2.16.840.1.101.3.4.2.1": sha256,
    STREEBOG_256: _streebog_256,
    STREEBOG_512: _streebog_512,
}


class MalformedOcspResponse(ValueError):
    """Bytes that are not a successful BasicOCSPResponse we can read."""


class OcspStatus(enum.Enum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class OcspEntry:
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    hash_algorithm: str  # dotted OID
    serial_number: int
    status: OcspStatus
    revoked_at: datetime | None
    this_update: datetime
    next_update: datetime | None
    issuer_fingerprint: str | None = None  # the trusted CA the CertID names, once verified


@dataclass(frozen=True, slots=True)
class OcspResponse:
    der: bytes
    produced_at: datetime
    signed_data: bytes  # the DER of tbsResponseData
    signature_algorithm: str
    signature: bytes
    certificates: tuple[bytes, ...]  # DER of the certificates the responder carried
    entries: tuple[OcspEntry, ...]
    responder_fingerprint: str | None = None  # set by verify_ocsp_response


def load_ocsp_response(data: bytes) -> OcspResponse:
    """Parse DER; raises MalformedOcspResponse naming what is wrong (an unsuccessful status,
    a response type other than basic, garbled structure)."""
    if not isinstance(data, bytes) or not data:
        raise MalformedOcspResponse("empty input")
    try:
        response = asn1_ocsp.OCSPResponse.load(data, strict=True)
        status = response["response_status"].native
        if status != "successful":
            raise MalformedOcspResponse(f"the responder answered {status!r}, not a status")
        if response["response_bytes"]["response_type"].native != "basic_ocsp_response":
            raise MalformedOcspResponse("not a BasicOCSPResponse (RFC 6960 §4.2.1)")
        basic = response["response_bytes"]["response"].parsed
        data_part = basic["tbs_response_data"]
        certificates = () if isinstance(basic["certs"], asn1_core.Void) else basic["certs"]
        return OcspResponse(
            der=data,
            produced_at=data_part["produced_at"].native,
            signed_data=bytes(data_part.dump()),
            signature_algorithm=basic["signature_algorithm"]["algorithm"].dotted,
            signature=bytes(basic["signature"].native),
            certificates=tuple(original_encoding(c) for c in certificates),
            entries=tuple(_entry(single) for single in data_part["responses"]),
        )
    except MalformedOcspResponse:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise MalformedOcspResponse(f"not a readable OCSP response: {error}") from None


def _entry(single: asn1_ocsp.SingleResponse) -> OcspEntry:
    cert_id = single["cert_id"]
    status = single["cert_status"]
    revoked_at = None
    if status.name == "revoked":
        revoked_at = status.chosen["revocation_time"].native
    next_update = single["next_update"]
    return OcspEntry(
        issuer_name_hash=bytes(cert_id["issuer_name_hash"].native),
        issuer_key_hash=bytes(cert_id["issuer_key_hash"].native),
        hash_algorithm=cert_id["hash_algorithm"]["algorithm"].dotted,
        serial_number=int(cert_id["serial_number"].native),
        status=OcspStatus(status.name),
        revoked_at=revoked_at,
        this_update=single["this_update"].native,
        next_update=None if isinstance(next_update, asn1_core.Void) else next_update.native,
    )


def verify_ocsp_response(response: OcspResponse, trust: TrustStore) -> OcspResponse:
    """The response with its responder and each entry's issuer filled in, once its signature
    verifies with a trusted CA or a responder that CA delegated. Entries naming no trusted CA
    are dropped. Raises CertificateRejected (UNKNOWN_AUTHORITY, BAD_CHAIN_SIGNATURE,
    WRONG_KEY_USAGE)."""
    entries = [_with_issuer(entry, trust) for entry in response.entries]
    named = [entry for entry in entries if entry.issuer_fingerprint is not None]
    if not named:
        raise CertificateRejected(
            CertificateProblem.UNKNOWN_AUTHORITY,
            "the OCSP response speaks of no certificate issued by a trusted authority",
        )
    issuers = {entry.issuer_fingerprint for entry in named}
    if len(issuers) != 1:
        raise CertificateRejected(
            CertificateProblem.UNKNOWN_AUTHORITY, "the OCSP response mixes several CAs"
        )
    issuer = next(a for a in trust.authorities if a.fingerprint in issuers)
    responder = _responder(response, issuer)
    return replace(response, entries=tuple(named), responder_fingerprint=responder.fingerprint)


def _with_issuer(entry: OcspEntry, trust: TrustStore) -> OcspEntry:
    hash_function = _CERT_ID_HASHES.get(entry.hash_algorithm)
    if hash_function is None:
        return entry
    for authority in trust.authorities:
        name_hash = hash_function(authority.certificate.subject.public_bytes())
        key_hash = hash_function(public_key_bits(authority.key.spki_der))
        if name_hash == entry.issuer_name_hash and key_hash == entry.issuer_key_hash:
            return replace(entry, issuer_fingerprint=authority.fingerprint)
    return entry


def _responder(response: OcspResponse, issuer: CertificateInfo) -> CertificateInfo:
    if _signed_by(response, issuer):
        return issuer  # the CA answers for itself
    for der in response.certificates:
        try:
            delegate = load_certificate_leniently(der)
        except (MalformedCertificate, InvalidIdentifier):
            continue
        if not _signed_by(response, delegate):
            continue
        issued_by_ca = delegate.certificate.issuer == issuer.certificate.subject and (
            _certificate_signed_by(delegate, issuer)
        )
        if not issued_by_ca:
            raise CertificateRejected(
                CertificateProblem.BAD_CHAIN_SIGNATURE,
                f"the OCSP responder {delegate.subject!r} was not issued by {issuer.subject!r}",
            )
        if OCSP_SIGNING not in delegate.extended_key_usages:
            raise CertificateRejected(
                CertificateProblem.WRONG_KEY_USAGE,
                f"{delegate.subject!r} lacks id-kp-OCSPSigning (RFC 6960 §4.2.2.2)",
            )
        return delegate
    raise CertificateRejected(
        CertificateProblem.BAD_CHAIN_SIGNATURE,
        f"the OCSP response's signature verifies neither with {issuer.subject!r} nor with a "
        "responder it carries",
    )


def _signed_by(response: OcspResponse, signer: CertificateInfo) -> bool:
    return verify_signature(
        signer.key, response.signature_algorithm, response.signature, response.signed_data
    )


def _certificate_signed_by(subject: CertificateInfo, issuer: CertificateInfo) -> bool:
    return verify_signature(
        issuer.key,
        subject.signature_algorithm,
        subject.certificate.signature,
        subject.certificate.tbs_certificate_bytes,
    )


def trust_with_ocsp(trust: TrustStore, response: OcspResponse) -> TrustStore:
    """This store plus the revocations a verified response reports (permanent, earliest time
    wins, as for CRLs). "good" and "unknown" entries change nothing."""
    if response.responder_fingerprint is None:
        raise ValueError("verify_ocsp_response must check a response before it is trusted")
    merged = dict(trust.revoked)
    for entry in response.entries:
        if entry.status is OcspStatus.REVOKED and entry.issuer_fingerprint and entry.revoked_at:
            key = (entry.issuer_fingerprint, entry.serial_number)
            known = merged.get(key)
            merged[key] = entry.revoked_at if known is None else min(known, entry.revoked_at)
    return replace(trust, revoked=FrozenRevocations(merged.items()))
