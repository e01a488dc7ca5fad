"""Certificate revocation lists: parsed, verified against the trust store, then merged into it.
Revocation lives in consensus state so that every node judges a signature the same way
(DESIGN.md §2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given, settings
from hypothesis import strategies as st

from clients.pki.authority import (
    IssuedCertificate,
    Revocation,
    Validity,
    build_revocation_list,
    generate_key,
    issue_intermediate,
)
from ledger.hashing import sha256_hex
from ledger.identity.revocation import (
    CertificateProblem,
    CertificateRejected,
    MalformedRevocationList,
    RevocationList,
    TrustStore,
    load_revocation_list,
    verify_revocation_list,
)
from tests.pki_fixtures import DEFAULT_NOT_AFTER, DEFAULT_NOT_BEFORE, FIXTURE_NOW, TestAuthority

AUTHORITY = TestAuthority()
EARLIER = FIXTURE_NOW - timedelta(days=10)


def _crl(issuer: IssuedCertificate, *revocations: Revocation, number: int = 1) -> bytes:
    crl = build_revocation_list(issuer, revocations, number, FIXTURE_NOW, DEFAULT_NOT_AFTER)
    return crl.public_bytes(Encoding.DER)


def _verified(data: bytes, trust: TrustStore | None = None) -> RevocationList:
    return verify_revocation_list(load_revocation_list(data), trust or AUTHORITY.trust_store())


def test_loaded_list_carries_number_times_and_entries_but_no_issuer_until_verified() -> None:
    revocation = Revocation(1234, EARLIER, x509.ReasonFlags.key_compromise)
    der = _crl(AUTHORITY.intermediate, revocation, number=7)
    crl = load_revocation_list(der)
    assert crl.issuer_fingerprint is None
    assert crl.crl_number == 7
    assert crl.issuer_name == "CN=Test Issuing CA,C=KZ"
    assert crl.authority_key_id == AUTHORITY.intermediate.info.subject_key_id
    assert (crl.this_update, crl.next_update) == (FIXTURE_NOW, DEFAULT_NOT_AFTER)
    assert [(r.serial_number, r.revoked_at) for r in crl.revoked] == [(1234, EARLIER)]
    assert crl.der == der
    pem = crl.revocation_list.public_bytes(Encoding.PEM)
    assert load_revocation_list(pem) == crl


def test_verified_list_names_its_issuer_by_fingerprint() -> None:
    crl = _verified(_crl(AUTHORITY.intermediate))
    assert crl.issuer_fingerprint == AUTHORITY.intermediate.info.fingerprint
    assert crl.issuer_fingerprint == sha256_hex(AUTHORITY.intermediate.der)


def test_list_from_an_untrusted_authority_is_unknown() -> None:
    stranger = TestAuthority()
    with pytest.raises(CertificateRejected) as raised:
        _verified(_crl(stranger.intermediate))
    assert raised.value.problem is CertificateProblem.UNKNOWN_AUTHORITY


def test_list_signed_with_another_key_under_the_issuers_name_is_a_bad_signature() -> None:
    impostor = IssuedCertificate(
        generate_key(), AUTHORITY.intermediate.certificate, AUTHORITY.intermediate.info
    )
    with pytest.raises(CertificateRejected) as raised:
        _verified(_crl(impostor, Revocation(99, EARLIER)))
    assert raised.value.problem is CertificateProblem.BAD_CHAIN_SIGNATURE


def test_list_signed_by_a_ca_without_crl_sign_is_wrong_key_usage() -> None:
    validity = Validity(DEFAULT_NOT_BEFORE, DEFAULT_NOT_AFTER)
    no_crl_sign = issue_intermediate(
        AUTHORITY.root, "No CRL CA", validity, key_usage=frozenset({"key_cert_sign"})
    )
    trust = TrustStore(authorities=(AUTHORITY.root.info, no_crl_sign.info))
    with pytest.raises(CertificateRejected) as raised:
        _verified(_crl(no_crl_sign), trust)
    assert raised.value.problem is CertificateProblem.WRONG_KEY_USAGE


def test_only_a_verified_list_enters_the_trust_store() -> None:
    with pytest.raises(ValueError, match="verify_revocation_list"):
        AUTHORITY.trust_store().with_revocation_list(
            load_revocation_list(_crl(AUTHORITY.intermediate))
        )


def test_revocation_is_permanent_and_keeps_its_earliest_time() -> None:
    issuer = AUTHORITY.intermediate
    first = _verified(_crl(issuer, Revocation(5, EARLIER), number=1))
    later_time = _verified(_crl(issuer, Revocation(5, FIXTURE_NOW), number=2))
    omitted = _verified(_crl(issuer, number=3))
    trust = AUTHORITY.trust_store()
    for crl in (later_time, first, omitted):
        trust = trust.with_revocation_list(crl)
    assert trust.revocation_time(issuer.info.fingerprint, 5) == EARLIER
    assert trust.revocation_time(issuer.info.fingerprint, 6) is None
    assert trust.revocation_time(AUTHORITY.root.info.fingerprint, 5) is None


def test_trust_store_is_an_immutable_hashable_value() -> None:
    trust = AUTHORITY.trust_store()
    crl = _verified(_crl(AUTHORITY.intermediate, Revocation(5, EARLIER)))
    updated = trust.with_revocation_list(crl)
    assert trust.revoked == {}
    assert dict(updated.revoked) == {(AUTHORITY.intermediate.info.fingerprint, 5): EARLIER}
    assert updated == trust.with_revocation_list(crl)
    assert hash(updated) == hash(trust.with_revocation_list(crl))
    assert TrustStore(trust.authorities, {(crl.issuer_fingerprint or "", 5): EARLIER}) == updated


def test_list_without_crl_number_is_malformed() -> None:
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(AUTHORITY.intermediate.certificate.subject)
        .last_update(FIXTURE_NOW)
        .next_update(DEFAULT_NOT_AFTER)
        .sign(AUTHORITY.intermediate.key, hashes.SHA256())
    )
    with pytest.raises(MalformedRevocationList, match="CRL number"):
        load_revocation_list(crl.public_bytes(Encoding.DER))


def test_certificate_is_not_a_revocation_list() -> None:
    with pytest.raises(MalformedRevocationList):
        load_revocation_list(AUTHORITY.root.der)
    with pytest.raises(MalformedRevocationList):
        load_revocation_list(AUTHORITY.root.pem)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_malformed(data: bytes) -> None:
    with pytest.raises(MalformedRevocationList):
        load_revocation_list(data)


CORRUPTIBLE = _crl(AUTHORITY.intermediate, Revocation(5, EARLIER))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=255), st.integers(min_value=0))
def test_corrupted_list_is_malformed_or_fails_verification(value: int, position: int) -> None:
    der = bytearray(CORRUPTIBLE)
    index = position % len(der)
    der[index] = value if der[index] != value else value ^ 0xFF
    try:
        crl = load_revocation_list(bytes(der))
    except MalformedRevocationList:
        return
    assert crl.der == bytes(der)
    with pytest.raises(CertificateRejected):
        verify_revocation_list(crl, AUTHORITY.trust_store())
