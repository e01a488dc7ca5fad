"""Signature algorithms: make and check the signatures that identities put on data.

ECDSA P-256 with SHA-256 (DESIGN.md §3: votes, node TLS, the test PKI's default). Pure.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ledger.identity.certificates import CertificateInfo


def verify_ecdsa_p256_signature(
    certificate: CertificateInfo, signature_der: bytes, data: bytes
) -> bool:
    """Whether `signature_der` (DER ECDSA-Sig-Value) signs SHA-256(`data`) with the certificate's
    P-256 key. False, never an exception, for a bad or garbled signature or another key type."""
    public_key = certificate.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or not _is_p256(public_key):
        return False
    try:
        public_key.verify(signature_der, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def sign_ecdsa_p256(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """A DER ECDSA-Sig-Value over SHA-256(`data`). Raises ValueError for a non-P-256 key."""
    if not isinstance(private_key.curve, ec.SECP256R1):
        raise ValueError(f"expected a P-256 key, got curve {private_key.curve.name}")
    return private_key.sign(data, ec.ECDSA(hashes.SHA256()))


def _is_p256(public_key: object) -> bool:
    return isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(
        public_key.curve, ec.SECP256R1
    )
