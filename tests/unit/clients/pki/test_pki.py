"""The issuance library (clients/pki/authority.py) and the in-memory test authority built on it."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import given, settings
from hypothesis import strategies as st

from clients.pki.authority import (
    InvalidIssueRequest,
    Revocation,
    Validity,
    build_revocation_list,
    employee_name,
    individual_name,
    load_private_key,
    node_profile,
    parse_subject_alternative_name,
)
from ledger.identity.certificates import CertificateKind
from ledger.identity.chains import verify_chain
from ledger.identity.identifiers import has_valid_check_digit
from ledger.identity.private_keys import public_spki
from ledger.identity.revocation import CertificateProblem, CertificateRejected, load_revocation_list
from tests.pki_fixtures import (
    FIXTURE_NOW,
    KTK_BIN,
    RECIPIENT_IIN,
    STATE_CORPORATION_BIN,
    TEST_BINS,
    TEST_IINS,
    TestAuthority,
    with_wrong_check_digit,
)

AUTHORITY = TestAuthority()


def names_of(profile_names: tuple[x509.GeneralName, ...]) -> list[str]:
    return [str(name.value) for name in profile_names]


def test_node_names_are_localhost_loopback_node_id_and_extras_without_duplicates() -> None:
    profile = node_profile("validator-2", ["IP:10.0.0.2", "localhost", "DNS:v2.example", "::1"])
    assert names_of(profile.subject_alternative_names) == [
        "localhost",
        "validator-2",
        "127.0.0.1",
        "10.0.0.2",
        "v2.example",
        "::1",
    ]


def test_node_id_that_is_not_a_dns_name_stays_out_of_the_names() -> None:
    profile = node_profile("узел 1")
    assert names_of(profile.subject_alternative_names) == ["localhost", "127.0.0.1"]


@pytest.mark.parametrize("text", ["IP:localhost", "has space", "-leading.example", "a..b", ""])
def test_bad_subject_alternative_names_are_refused(text: str) -> None:
    with pytest.raises(InvalidIssueRequest):
        parse_subject_alternative_name(text)


@settings(max_examples=50, deadline=None)
@given(st.ip_addresses())
def test_any_ip_address_is_an_ip_name(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    assert parse_subject_alternative_name(str(address)) == x509.IPAddress(address)


def test_validity_must_be_timezone_aware_and_ordered() -> None:
    with pytest.raises(InvalidIssueRequest, match="timezone"):
        Validity(datetime(2026, 1, 1), datetime(2027, 1, 1))
    with pytest.raises(InvalidIssueRequest, match="not after"):
        Validity(FIXTURE_NOW, FIXTURE_NOW)


def test_subject_names_check_identifiers() -> None:
    with pytest.raises(InvalidIssueRequest, match="IIN"):
        individual_name("X", with_wrong_check_digit(RECIPIENT_IIN))
    with pytest.raises(InvalidIssueRequest, match="BIN"):
        employee_name("X", RECIPIENT_IIN, with_wrong_check_digit(KTK_BIN), "KTK")
    with pytest.raises(InvalidIssueRequest, match="subject name"):
        individual_name("", RECIPIENT_IIN)


def test_key_pem_round_trips_to_the_certificates_key() -> None:
    issued = AUTHORITY.issue_individual("Recipient")
    assert public_spki(load_private_key(issued.key_pem)) == issued.info.key.spki_der
    assert issued.der == issued.certificate.public_bytes(Encoding.DER)


def test_unspecified_revocation_reason_is_omitted_and_others_kept() -> None:
    revocations = [
        Revocation(1, FIXTURE_NOW, x509.ReasonFlags.unspecified),
        Revocation(2, FIXTURE_NOW, x509.ReasonFlags.key_compromise),
    ]
    crl = build_revocation_list(
        AUTHORITY.intermediate, revocations, 1, FIXTURE_NOW, FIXTURE_NOW + timedelta(days=1)
    )
    reasons: dict[int, x509.ReasonFlags | None] = {}
    for entry in crl:
        try:
            reasons[entry.serial_number] = entry.extensions.get_extension_for_class(
                x509.CRLReason
            ).value.reason
        except x509.ExtensionNotFound:
            reasons[entry.serial_number] = None
    assert reasons == {1: None, 2: x509.ReasonFlags.key_compromise}


def test_fixture_identifiers_are_valid_and_their_corruptions_are_not() -> None:
    for number in (*TEST_IINS, *TEST_BINS):
        assert has_valid_check_digit(number)
        assert not has_valid_check_digit(with_wrong_check_digit(number))
    assert len(set(TEST_IINS)) == len(TEST_IINS)


def test_fixture_roles() -> None:
    officer, registrar = AUTHORITY.issue_ktk_officer(), AUTHORITY.issue_registrar()
    assert (officer.info.kind, officer.info.bin) == (CertificateKind.EMPLOYEE, KTK_BIN)
    assert registrar.info.bin == STATE_CORPORATION_BIN
    assert AUTHORITY.issue_node("n1", organisation="KTK", bin_=KTK_BIN).info.kind is (
        CertificateKind.NODE
    )


def test_fixture_crl_numbers_increase_and_trust_store_applies_revocations() -> None:
    authority = TestAuthority()
    leaf = authority.issue_individual("Revoked")
    authority.revoke(leaf.serial_number, FIXTURE_NOW)
    numbers = [load_revocation_list(authority.crl()).crl_number for _ in range(3)]
    assert numbers == [1, 2, 3]
    assert verify_chain(leaf.info, authority.trust_store(include_revocations=False), FIXTURE_NOW)
    with pytest.raises(CertificateRejected) as raised:
        verify_chain(leaf.info, authority.trust_store(), FIXTURE_NOW)
    assert raised.value.problem is CertificateProblem.REVOKED


def test_fixture_defaults_hold_at_wall_clock_time() -> None:
    leaf = AUTHORITY.issue_node("n1")
    assert verify_chain(leaf.info, AUTHORITY.trust_store(), datetime.now(UTC))[0] == leaf.info
