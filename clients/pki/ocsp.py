"""OCSP responses (RFC 6960) from the test CA: the CA itself or a delegated responder signs,
with any key type (a GOST responder as the NCA's). Built with asn1crypto and signed through
the signature registry (ledger/identity/private_keys.py), because `cryptography`'s OCSP builder
cannot sign with GOST keys. Verified by ledger/identity/ocsp.py."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import core as asn1_core
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from clients.pki.authority import IssuedCertificate, Validity, issue_leaf
from clients.pki.profiles import LeafProfile, authority_name
from ledger.identity.algorithms import KeyAlgorithm, public_key_bits
from ledger.identity.ocsp import OcspStatus
from ledger.identity.private_keys import SigningKey, sign, signature_algorithm

RESPONDER_PROFILE = LeafProfile(
    frozenset({"digital_signature"}), (ExtendedKeyUsageOID.OCSP_SIGNING,)
)


@dataclass(frozen=True, slots=True)
class OcspAnswer:
    serial_number: int
    status: OcspStatus
    revoked_at: datetime | None = None


def issue_ocsp_responder(
    issuer: IssuedCertificate[SigningKey], name: str, validity: Validity, key: SigningKey
) -> IssuedCertificate[SigningKey]:
    """A delegated responder: id-kp-OCSPSigning, issued by the CA it answers for."""
    return issue_leaf(issuer, authority_name(name), RESPONDER_PROFILE, validity, key=key)


def algorithm_identifier(key: SigningKey) -> dict[str, object]:
    algorithm = signature_algorithm(key)
    if algorithm.key is KeyAlgorithm.ECDSA_P256:
        return {"algorithm": algorithm.oid}
    return {"algorithm": algorithm.oid, "parameters": asn1_core.Null()}


def build_ocsp_response(
    signer: IssuedCertificate[SigningKey],
    issuer: IssuedCertificate[SigningKey],
    answers: Iterable[OcspAnswer],
    *,
    produced_at: datetime,
    this_update: datetime,
    next_update: datetime | None = None,
) -> bytes:
    """DER OCSPResponse about certificates `issuer` issued, signed by `signer` (the issuer or a
    responder it delegated; a delegated responder's certificate is carried). CertIDs use SHA-1,
    RFC 6960's default and what the NCA's responder answers to."""
    name_hash = hashlib.sha1(issuer.certificate.subject.public_bytes(), usedforsecurity=False)
    key_hash = hashlib.sha1(public_key_bits(issuer.info.key.spki_der), usedforsecurity=False)
    responses = []
    for answer in answers:
        if answer.status is OcspStatus.REVOKED:
            status = asn1_ocsp.CertStatus(
                name="revoked", value={"revocation_time": answer.revoked_at}
            )
        else:
            status = asn1_ocsp.CertStatus(name=answer.status.value, value=asn1_core.Null())
        single: dict[str, object] = {
            "cert_id": {
                "hash_algorithm": {"algorithm": "sha1"},
                "issuer_name_hash": name_hash.digest(),
                "issuer_key_hash": key_hash.digest(),
                "serial_number": answer.serial_number,
            },
            "cert_status": status,
            "this_update": this_update,
        }
        if next_update is not None:
            single["next_update"] = next_update
        responses.append(single)
    responder_key_hash = hashlib.sha1(
        public_key_bits(signer.info.key.spki_der), usedforsecurity=False
    ).digest()
    data = asn1_ocsp.ResponseData(
        {
            "responder_id": asn1_ocsp.ResponderId(name="by_key", value=responder_key_hash),
            "produced_at": produced_at,
            "responses": responses,
        }
    )
    signed_data = data.dump()
    basic: dict[str, object] = {
        "tbs_response_data": data,
        "signature_algorithm": algorithm_identifier(signer.key),
        "signature": sign(signer.key, signed_data),
    }
    if signer.info.fingerprint != issuer.info.fingerprint:
        basic["certs"] = [asn1_x509.Certificate.load(signer.der)]
    response = asn1_ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {
                "response_type": "basic_ocsp_response",
                "response": asn1_ocsp.BasicOCSPResponse(basic),
            },
        }
    )
    return bytes(response.dump())
