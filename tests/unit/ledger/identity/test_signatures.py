"""ECDSA P-256 with SHA-256, the one signature scheme of transactions, votes and documents
(DESIGN.md §3)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.identity.signatures import sign_ecdsa_p256, verify_ecdsa_p256_signature
from tests.pki_fixtures import TestAuthority

AUTHORITY = TestAuthority()
SIGNER = AUTHORITY.issue_individual("Signer")
OTHER = AUTHORITY.issue_individual("Other")


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=256))
def test_signature_verifies_with_the_signers_certificate_only(data: bytes) -> None:
    signature = sign_ecdsa_p256(SIGNER.key, data)
    assert verify_ecdsa_p256_signature(SIGNER.info, signature, data)
    assert not verify_ecdsa_p256_signature(OTHER.info, signature, data)


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=1, max_size=64), st.integers(min_value=0), st.integers(1, 255))
def test_any_changed_byte_of_the_data_fails(data: bytes, position: int, flip: int) -> None:
    signature = sign_ecdsa_p256(SIGNER.key, data)
    changed = bytearray(data)
    changed[position % len(data)] ^= flip
    assert not verify_ecdsa_p256_signature(SIGNER.info, signature, bytes(changed))


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=80))
def test_garbled_signature_is_false_not_an_exception(garbage: bytes) -> None:
    assert not verify_ecdsa_p256_signature(SIGNER.info, garbage, b"body")


def test_signature_by_a_non_p256_certificate_is_false() -> None:
    p384_key = ec.generate_private_key(ec.SECP384R1())
    p384 = AUTHORITY.issue_individual("P-384", key=p384_key)
    signature = p384_key.sign(b"body", ec.ECDSA(hashes.SHA256()))
    assert not verify_ecdsa_p256_signature(p384.info, signature, b"body")


def test_signing_with_a_non_p256_key_is_refused() -> None:
    with pytest.raises(ValueError, match="P-256"):
        sign_ecdsa_p256(ec.generate_private_key(ec.SECP384R1()), b"body")
