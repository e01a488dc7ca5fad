"""Signed envelopes (clients/envelopes.py): what the ledger verifies is what the client signed."""

from __future__ import annotations

from pathlib import Path

import pytest
from tirkeu_pb import transaction_pb2 as pb

from clients import transaction_builders as builders
from clients.client import (
    AlreadySigned,
    InvalidCredentials,
    InvalidEnvelopeFile,
    SigningIdentity,
    add_signature,
    decode_body,
    read_envelope,
    sign_body,
    transaction_id,
    write_envelope,
)
from clients.pki.authority import IssuedCertificate
from ledger.hashing import sha256_hex
from ledger.identity.certificates import load_certificate
from ledger.identity.signatures import verify_ecdsa_p256_signature
from tests.pki_fixtures import SPOUSE_IIN, TestAuthority


@pytest.fixture(scope="module")
def authority() -> TestAuthority:
    return TestAuthority()


def _body() -> pb.TransactionBody:
    return builders.transaction_body(
        builders.registrar_decision(application_id="a", decision="register"),
        chain_id="tirkeu-test",
        expiry_height=10,
    )


def _identity(issued: IssuedCertificate) -> SigningIdentity:
    return SigningIdentity.from_pem(issued.key_pem, issued.pem)


def test_each_signature_verifies_over_the_body_bytes_with_its_certificate(
    authority: TestAuthority,
) -> None:
    ktk, recipient = authority.issue_ktk_officer(), authority.issue_individual("Recipient")
    envelope = sign_body(_body(), [_identity(ktk), _identity(recipient)])
    assert [s.certificate for s in envelope.signatures] == [ktk.der, recipient.der]
    for signature in envelope.signatures:
        certificate = load_certificate(signature.certificate)
        assert verify_ecdsa_p256_signature(certificate, signature.signature, envelope.body)


def test_the_transaction_id_is_the_sha256_of_the_body(authority: TestAuthority) -> None:
    envelope = sign_body(_body(), [_identity(authority.issue_registrar())])
    assert transaction_id(envelope) == sha256_hex(envelope.body)
    assert decode_body(envelope).registrar_decision.application_id == "a"


def test_adding_a_signature_keeps_the_body_and_the_earlier_signatures(
    authority: TestAuthority,
) -> None:
    ktk, spouse = authority.issue_ktk_officer(), authority.issue_individual("Spouse", SPOUSE_IIN)
    first = sign_body(_body(), [_identity(ktk)])
    second = add_signature(first, _identity(spouse))
    assert second.body == first.body
    assert second.signatures[0] == first.signatures[0]
    assert len(second.signatures) == 2
    assert len(first.signatures) == 1  # the original is not changed


def test_the_same_certificate_cannot_sign_twice(authority: TestAuthority) -> None:
    registrar = _identity(authority.issue_registrar())
    envelope = sign_body(_body(), [registrar])
    with pytest.raises(AlreadySigned):
        add_signature(envelope, registrar)


def test_a_key_that_is_not_the_certificates_is_refused(authority: TestAuthority) -> None:
    one, other = authority.issue_registrar(), authority.issue_ktk_officer()
    with pytest.raises(InvalidCredentials, match="does not belong"):
        SigningIdentity.from_pem(other.key_pem, one.pem)


def test_unreadable_credential_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidCredentials, match=r"missing\.pem"):
        SigningIdentity.from_files(tmp_path / "missing.pem", tmp_path / "missing.pem")
    (tmp_path / "key.pem").write_text("not a key")
    (tmp_path / "cert.pem").write_text("not a certificate")
    with pytest.raises(InvalidCredentials):
        SigningIdentity.from_files(tmp_path / "key.pem", tmp_path / "cert.pem")


def test_a_chain_file_signs_with_its_first_certificate(authority: TestAuthority) -> None:
    registrar = authority.issue_registrar()
    identity = SigningIdentity.from_pem(registrar.key_pem, registrar.pem + authority.chain_pem)
    assert identity.certificate_der == registrar.der


def test_an_envelope_file_round_trips_and_garbage_is_named(
    authority: TestAuthority, tmp_path: Path
) -> None:
    envelope = sign_body(_body(), [_identity(authority.issue_registrar())])
    path = tmp_path / "tx.env"
    write_envelope(path, envelope)
    assert read_envelope(path) == envelope
    path.write_bytes(b"\xff\xff\xff")
    with pytest.raises(InvalidEnvelopeFile):
        read_envelope(path)
    path.write_bytes(b"")
    with pytest.raises(InvalidEnvelopeFile, match="without a body"):
        read_envelope(path)
    with pytest.raises(InvalidEnvelopeFile):
        read_envelope(tmp_path / "absent.env")
