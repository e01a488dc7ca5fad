"""Signatures that identities put on data: the façade over the algorithm registry.

A certificate's key type fixes the one algorithm its holder signs with (ledger/identity/
algorithms.py): ECDSA P-256 with SHA-256 (DER ECDSA-Sig-Value), RSA PKCS#1 v1.5 with SHA-256,
GOST 34.10-2015 256/512 with Streebog (r‖s little-endian, the NCA's layout). Transaction
envelopes of people may use any of them; votes, commit certificates and node TLS stay ECDSA
P-256 (`verify_ecdsa_p256_signature`). Pure.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from ledger.identity.algorithms import DEFAULT_SIGNATURE, KeyAlgorithm, verify_signature
from ledger.identity.certificates import CertificateInfo
from ledger.identity.private_keys import SigningKey, sign


def verify_certificate_signature(
    certificate: CertificateInfo, signature: bytes, data: bytes
) -> bool:
    """Whether `signature` signs `data` with the certificate's key, under the algorithm its key
    type implies. False, never an exception, for a bad signature or an unsupported key."""
    algorithm = DEFAULT_SIGNATURE.get(certificate.key.algorithm)
    if algorithm is None:
        return False
    return verify_signature(certificate.key, algorithm.oid, signature, data)


def verify_ecdsa_p256_signature(
    certificate: CertificateInfo, signature_der: bytes, data: bytes
) -> bool:
    """Whether `signature_der` (DER ECDSA-Sig-Value) signs SHA-256(`data`) with the certificate's
    P-256 key. False for any other key type: validators vote with P-256 keys only."""
    if certificate.key.algorithm is not KeyAlgorithm.ECDSA_P256:
        return False
    return verify_certificate_signature(certificate, signature_der, data)


def sign_ecdsa_p256(private_key: SigningKey, data: bytes) -> bytes:
    """A DER ECDSA-Sig-Value over SHA-256(`data`). Raises ValueError for a non-P-256 key."""
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise ValueError("expected a P-256 key")
    return sign(private_key, data)


def sign_data(key: SigningKey, data: bytes) -> bytes:
    """A signature over `data` with any supported key (the client library, envelopes)."""
    return sign(key, data)
