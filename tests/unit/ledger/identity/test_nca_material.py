"""The national CA's real GOST 2022 root and intermediate (tests/nca_material.py says where they
come from): they pin the byte conventions of GOST 34.10-2015 keys and signatures that Tirkeu
reads and writes, and one flipped bit fails by name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography import x509

from ledger.identity.algorithms import (
    GOST_2015_512_KEY,
    GOST_2015_512_PARAMETERS,
    GOST_2015_512_SIGNATURE,
    KeyAlgorithm,
    gost_spki,
    verify_signature,
)
from ledger.identity.certificates import CertificateKind, load_certificate
from ledger.identity.chains import verify_chain
from ledger.identity.revocation import CertificateProblem, CertificateRejected, TrustStore
from tests.nca_material import nca_gost_2022_intermediate, nca_gost_2022_root

AT = datetime(2026, 5, 1, tzinfo=UTC)


def test_the_root_key_is_gost_2015_512_on_tc26_512_a() -> None:
    root = load_certificate(nca_gost_2022_root())
    assert root.kind is CertificateKind.AUTHORITY
    assert root.key.algorithm is KeyAlgorithm.GOST_2015_512
    assert (root.key.algorithm_oid, root.key.parameters_oid) == (
        GOST_2015_512_KEY,
        GOST_2015_512_PARAMETERS,
    )
    assert root.signature_algorithm == GOST_2015_512_SIGNATURE
    assert "1.2.398.3.1.2" in root.policies
    # We write exactly the SubjectPublicKeyInfo the NCA writes (X‖Y little-endian).
    point = root.key._native
    assert isinstance(point, tuple)
    assert gost_spki(KeyAlgorithm.GOST_2015_512, point) == root.key.spki_der


def test_the_roots_self_signature_verifies() -> None:
    root = load_certificate(nca_gost_2022_root())
    tbs = root.certificate.tbs_certificate_bytes
    assert verify_signature(root.key, root.signature_algorithm, root.certificate.signature, tbs)
    # RFC 4491's layout (s‖r big-endian = the whole value reversed) is not what the NCA writes.
    reversed_layout = root.certificate.signature[::-1]
    assert not verify_signature(root.key, root.signature_algorithm, reversed_layout, tbs)


def test_the_intermediate_chains_to_the_root() -> None:
    root = load_certificate(nca_gost_2022_root())
    intermediate = load_certificate(nca_gost_2022_intermediate())
    chain = verify_chain(intermediate, TrustStore(authorities=(root,)), AT)
    assert [c.fingerprint for c in chain] == [intermediate.fingerprint, root.fingerprint]


def _flipped(der: bytes, offset_from_end: int) -> bytes:
    damaged = bytearray(der)
    damaged[len(damaged) - offset_from_end] ^= 0x01
    return bytes(damaged)


@pytest.mark.parametrize("offset_from_end", [1, 40, 100])
def test_a_flipped_bit_in_the_signature_is_a_bad_chain_signature(offset_from_end: int) -> None:
    root = load_certificate(nca_gost_2022_root())
    damaged = load_certificate(_flipped(nca_gost_2022_intermediate(), offset_from_end))
    with pytest.raises(CertificateRejected) as raised:
        verify_chain(damaged, TrustStore(authorities=(root,)), AT)
    assert raised.value.problem is CertificateProblem.BAD_CHAIN_SIGNATURE


def test_a_flipped_bit_in_the_signed_part_is_a_bad_chain_signature() -> None:
    root = load_certificate(nca_gost_2022_root())
    der = nca_gost_2022_intermediate()
    certificate = x509.load_der_x509_certificate(der)
    # A bit of the serial number, inside the to-be-signed part: still a readable certificate.
    serial = certificate.serial_number.to_bytes(20, "big").lstrip(b"\0")
    offset = der.index(serial)
    damaged = bytearray(der)
    damaged[offset + 3] ^= 0x01
    with pytest.raises(CertificateRejected) as raised:
        verify_chain(load_certificate(bytes(damaged)), TrustStore(authorities=(root,)), AT)
    assert raised.value.problem is CertificateProblem.BAD_CHAIN_SIGNATURE
