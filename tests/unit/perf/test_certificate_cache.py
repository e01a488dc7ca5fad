"""Parsed certificates are remembered by their exact DER bytes (ledger.identity.certificates): the
cache
must change no result, serve nothing for bytes that differ, and remember no failure."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clients.pki.authority import IssuedCertificate
from ledger.hashing import sha256_hex
from ledger.identity.certificates import (
    CertificateInfo,
    MalformedCertificate,
    _load_certificate_cached,
    load_certificate,
)
from ledger.identity.chains import verify_chain
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.revocation import CertificateProblem, CertificateRejected
from tests.pki_fixtures import TestAuthority
from tests.registry_fixtures import FIRST_BLOCK_TIME
from tests.unit.ledger.registry.story import shared_parties


def _uncached(data: bytes) -> CertificateInfo:
    """What load_certificate computes, without the cache."""
    return _load_certificate_cached.__wrapped__(data)


def _recipient() -> IssuedCertificate:
    return shared_parties().recipient


def _with_wrong_iin_digit(der: bytes) -> bytes:
    start = der.index(b"IIN") + len("IIN")
    last = start + 11  # the check digit, the twelfth
    wrong = b"0" if der[last : last + 1] != b"0" else b"1"
    return der[:last] + wrong + der[last + 1 :]


def test_cached_result_equals_a_fresh_parse_and_is_shared() -> None:
    der = _recipient().der
    first = load_certificate(der)
    second = load_certificate(bytes(bytearray(der)))  # equal bytes, another object
    assert first == _uncached(der)
    assert second is first


def test_a_changed_signature_byte_is_parsed_afresh_and_refused_in_the_chain() -> None:
    recipient = _recipient()
    trust = shared_parties().authority.trust_store()
    verify_chain(load_certificate(recipient.der), trust, FIRST_BLOCK_TIME)  # cached as valid
    tampered = recipient.der[:-1] + bytes([recipient.der[-1] ^ 0x01])  # inside the signature
    info = load_certificate(tampered)
    assert info.fingerprint == sha256_hex(tampered) != recipient.info.fingerprint
    assert info.der == tampered
    with pytest.raises(CertificateRejected) as rejected:
        verify_chain(info, trust, FIRST_BLOCK_TIME)
    assert rejected.value.problem is CertificateProblem.BAD_CHAIN_SIGNATURE


def test_a_changed_iin_digit_raises_every_time_even_after_the_original_was_cached() -> None:
    der = _recipient().der
    load_certificate(der)
    broken = _with_wrong_iin_digit(der)
    for _ in range(2):  # a failure is not remembered as anything, nor does it hide the original
        with pytest.raises(InvalidIdentifier):
            load_certificate(broken)
    assert load_certificate(der).fingerprint == sha256_hex(der)


def test_malformed_input_raises_every_time() -> None:
    for _ in range(2):
        with pytest.raises(MalformedCertificate):
            load_certificate(b"\x30\x03\x02\x01\x01")
        with pytest.raises(MalformedCertificate):
            load_certificate(bytearray(_recipient().der))  # type: ignore[arg-type]


def test_pem_and_der_of_one_certificate_describe_it_alike() -> None:
    recipient = _recipient()
    assert load_certificate(recipient.pem) == load_certificate(recipient.der)


@settings(max_examples=40, deadline=None)
@given(position=st.integers(min_value=0), mask=st.integers(min_value=1, max_value=255))
def test_any_flipped_byte_gives_what_an_uncached_parse_gives(position: int, mask: int) -> None:
    der = _recipient().der
    load_certificate(der)  # the original is in the cache
    index = position % len(der)
    changed = der[:index] + bytes([der[index] ^ mask]) + der[index + 1 :]
    try:
        expected: CertificateInfo | type[Exception] = _uncached(changed)
    except (MalformedCertificate, InvalidIdentifier) as error:
        expected = type(error)
    if isinstance(expected, CertificateInfo):
        assert load_certificate(changed) == expected
        assert load_certificate(changed).fingerprint == sha256_hex(changed)
    else:
        with pytest.raises(expected):
            load_certificate(changed)


def test_another_authoritys_certificate_is_not_confused_with_a_cached_one() -> None:
    other = TestAuthority("Other CA", issuing_name="Other Issuing CA").issue_individual("Other")
    load_certificate(_recipient().der)
    assert load_certificate(other.der).fingerprint == sha256_hex(other.der)
