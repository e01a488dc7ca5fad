"""Reading identities from certificates: the national CA's IIN/BIN conventions (DESIGN.md §3,
Algorithm para 2(4), 2(7)) and the kinds of certificate the ledger accepts."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.hashing import sha256_hex
from ledger.identity.certificates import (
    CertificateKind,
    MalformedCertificate,
    load_certificate,
    load_certificates_pem,
)
from ledger.identity.identifiers import InvalidIdentifier, complete_with_check_digit
from tests.pki_fixtures import (
    KTK_BIN,
    KTK_NAME,
    KTK_OFFICER_IIN,
    RECIPIENT_IIN,
    TestAuthority,
    with_wrong_check_digit,
)
from tests.unit.ledger.identity.raw import raw_leaf

AUTHORITY = TestAuthority()


def _person_name(serial_number: str, organisational_unit: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, "Someone")]
    attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    if organisational_unit is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, organisational_unit))
    return x509.Name(attributes)


def test_individual_certificate_carries_iin_in_subject_serial_number() -> None:
    issued = AUTHORITY.issue_individual("Айгүл Серікқызы", RECIPIENT_IIN)
    info = load_certificate(issued.der)
    assert info.kind is CertificateKind.INDIVIDUAL
    assert info.iin == RECIPIENT_IIN
    assert info.bin is None
    assert info.organisation is None
    assert info.subject_common_name == "Айгүл Серікқызы"
    assert info.issuer_common_name == "Test Issuing CA"
    assert f"serialNumber=IIN{RECIPIENT_IIN}" in info.subject
    assert info.key_usage == frozenset({"digital_signature", "non_repudiation"})
    assert info.extended_key_usages == frozenset(
        {
            ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string,
            ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string,
            "1.2.398.3.3.4.1.1",  # the NCA's "individual" role (ledger/identity/nca.py)
        }
    )
    assert info.policies == frozenset({"1.2.398.3.3.2.3"})  # the NCA's individual signing
    assert not info.is_ca


def test_employee_certificate_carries_bin_in_ou_and_organisation_in_o() -> None:
    info = AUTHORITY.issue_employee("KTK Officer", KTK_OFFICER_IIN, KTK_BIN, KTK_NAME).info
    assert info.kind is CertificateKind.EMPLOYEE
    assert (info.iin, info.bin, info.organisation) == (KTK_OFFICER_IIN, KTK_BIN, KTK_NAME)


def test_node_certificate_is_a_tls_server_without_iin() -> None:
    info = AUTHORITY.issue_node("registrar-1").info
    assert info.kind is CertificateKind.NODE
    assert info.subject_common_name == "registrar-1"
    assert info.iin is None
    assert ExtendedKeyUsageOID.SERVER_AUTH.dotted_string in info.extended_key_usages


def test_authorities_are_cas_linked_by_key_identifiers() -> None:
    root, intermediate = AUTHORITY.root.info, AUTHORITY.intermediate.info
    assert root.kind is intermediate.kind is CertificateKind.AUTHORITY
    assert root.is_ca and intermediate.is_ca
    assert intermediate.path_length == 0
    assert intermediate.authority_key_id == root.subject_key_id is not None
    leaf = AUTHORITY.issue_individual("Leaf").info
    assert leaf.authority_key_id == intermediate.subject_key_id
    assert {"key_cert_sign", "crl_sign"} <= root.key_usage


def test_der_and_pem_give_the_same_identity_and_fingerprint_of_der() -> None:
    issued = AUTHORITY.issue_individual("Recipient")
    from_der, from_pem = load_certificate(issued.der), load_certificate(issued.pem)
    assert from_der == from_pem
    assert from_der.fingerprint == sha256_hex(issued.der)
    assert from_der.der == issued.certificate.public_bytes(Encoding.DER)
    assert from_der.not_valid_before.tzinfo is not None


def test_pem_bundle_loads_every_certificate_in_order() -> None:
    infos = load_certificates_pem(AUTHORITY.chain_pem)
    assert [info.subject_common_name for info in infos] == ["Test Issuing CA", "Test National CA"]


def test_pem_bundle_is_not_a_single_certificate() -> None:
    with pytest.raises(MalformedCertificate, match="expected one certificate"):
        load_certificate(AUTHORITY.chain_pem)


@pytest.mark.parametrize(
    "data",
    [b"", b"not a certificate", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"],
)
def test_garbage_is_malformed(data: bytes) -> None:
    with pytest.raises(MalformedCertificate):
        load_certificate(data)


def test_truncated_and_padded_der_are_malformed() -> None:
    der = AUTHORITY.issue_individual("Recipient").der
    with pytest.raises(MalformedCertificate):
        load_certificate(der[:-1])
    with pytest.raises(MalformedCertificate):
        load_certificate(der + b"\x00")


def test_text_instead_of_bytes_is_malformed() -> None:
    with pytest.raises(MalformedCertificate, match="expected bytes"):
        load_certificate(AUTHORITY.root.pem.decode())  # type: ignore[arg-type]


def test_iin_with_wrong_check_digit_is_an_invalid_identifier() -> None:
    bad_iin = with_wrong_check_digit(RECIPIENT_IIN)
    certificate = raw_leaf(AUTHORITY.intermediate, _person_name("IIN" + bad_iin))
    with pytest.raises(InvalidIdentifier, match=bad_iin):
        load_certificate(certificate.public_bytes(Encoding.DER))


def test_bin_with_wrong_check_digit_is_an_invalid_identifier() -> None:
    bad_bin = with_wrong_check_digit(KTK_BIN)
    subject = _person_name("IIN" + RECIPIENT_IIN, "BIN" + bad_bin)
    certificate = raw_leaf(AUTHORITY.intermediate, subject)
    with pytest.raises(InvalidIdentifier, match=bad_bin):
        load_certificate(certificate.public_bytes(Encoding.DER))


def test_iin_of_eleven_digits_is_an_invalid_identifier() -> None:
    certificate = raw_leaf(AUTHORITY.intermediate, _person_name("IIN" + RECIPIENT_IIN[:11]))
    with pytest.raises(InvalidIdentifier):
        load_certificate(certificate.public_bytes(Encoding.DER))


def test_serial_number_without_iin_prefix_is_not_an_iin() -> None:
    # Another CA's serialNumber convention: no IIN, so with clientAuth only it is no one we know.
    certificate = raw_leaf(AUTHORITY.intermediate, _person_name("PAS" + RECIPIENT_IIN))
    with pytest.raises(MalformedCertificate, match="neither a CA, a node"):
        load_certificate(certificate.public_bytes(Encoding.DER))


def test_two_iins_in_one_subject_are_malformed() -> None:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Twice"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN" + RECIPIENT_IIN),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN" + KTK_OFFICER_IIN),
        ]
    )
    certificate = raw_leaf(AUTHORITY.intermediate, subject)
    with pytest.raises(MalformedCertificate, match="2 IIN values"):
        load_certificate(certificate.public_bytes(Encoding.DER))


def test_subject_without_common_name_is_malformed() -> None:
    subject = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN" + RECIPIENT_IIN)])
    certificate = raw_leaf(AUTHORITY.intermediate, subject)
    with pytest.raises(MalformedCertificate, match="no common name"):
        load_certificate(certificate.public_bytes(Encoding.DER))


def test_node_with_an_iin_is_a_person_not_a_node() -> None:
    # "NODE if EKU serverAuth and no IIN": a person's certificate never becomes a node identity.
    subject = _person_name("IIN" + RECIPIENT_IIN)
    eku = (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH)
    certificate = raw_leaf(AUTHORITY.intermediate, subject, extended_key_usages=eku)
    assert (
        load_certificate(certificate.public_bytes(Encoding.DER)).kind is CertificateKind.INDIVIDUAL
    )


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise_anything_but_malformed(data: bytes) -> None:
    with pytest.raises(MalformedCertificate):
        load_certificate(data)


CORRUPTIBLE = AUTHORITY.issue_individual("Recipient")


@pytest.mark.filterwarnings(
    "ignore:Parsed a serial number:cryptography.utils.CryptographyDeprecationWarning"
)
@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=255), st.integers(min_value=0))
def test_a_corrupted_certificate_is_refused_or_kept_byte_for_byte(
    value: int, position: int
) -> None:
    # The fingerprint must identify exactly the bytes a signer sent: a parser that quietly
    # re-encoded a damaged certificate would give two byte strings one identity.
    der = bytearray(CORRUPTIBLE.der)
    index = position % len(der)
    der[index] = value if der[index] != value else value ^ 0xFF
    try:
        info = load_certificate(bytes(der))
    except (MalformedCertificate, InvalidIdentifier):
        return
    assert info.der == bytes(der)
    assert info.fingerprint == sha256_hex(bytes(der)) != CORRUPTIBLE.info.fingerprint


@settings(max_examples=25, deadline=None)
@given(st.from_regex(r"\A[0-9]{11}\Z"))
def test_every_valid_iin_round_trips_and_every_one_digit_change_is_refused(prefix: str) -> None:
    iin = complete_with_check_digit(prefix)
    if iin is None:  # no IIN exists with these eleven digits
        return
    assert AUTHORITY.issue_individual("Round Trip", iin).info.iin == iin
    certificate = raw_leaf(
        AUTHORITY.intermediate, _person_name("IIN" + with_wrong_check_digit(iin))
    )
    with pytest.raises(InvalidIdentifier):
        load_certificate(certificate.public_bytes(Encoding.DER))
