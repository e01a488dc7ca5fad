"""Body builders shared by `tirkeu`, the demo and the tests (clients/transaction_builders.py)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import load_der_x509_crl
from hypothesis import given, settings
from hypothesis import strategies as st
from tirkeu_pb import transaction_pb2 as pb

from clients import transaction_builders as builders
from ledger.hashing import sha256
from tests.pki_fixtures import FIXTURE_NOW, GUARANTOR_IIN, RECIPIENT_IIN, SPOUSE_IIN, TestAuthority


def test_a_body_carries_chain_expiry_a_sixteen_byte_nonce_and_the_action() -> None:
    action = builders.property_import(
        cadastral_number="21:318:023:1245:1/45",
        address="Astana, Mangilik El 1, apt 45",
        kind="apartment",
        area_square_metres="54.30",
        holder_bin="050140000013",
    )
    body = builders.transaction_body(action, chain_id="tirkeu-test", expiry_height=1000)
    assert body.chain_id == "tirkeu-test"
    assert body.expiry_height == 1000
    assert len(body.nonce) == builders.NONCE_BYTES
    assert builders.action_kind(body) == "property_import"
    assert body.property_import.kind == pb.APARTMENT


def test_two_bodies_of_the_same_request_differ_by_their_nonce() -> None:
    action = builders.revocation_list_update(b"crl")
    first = builders.transaction_body(action, chain_id="c", expiry_height=5)
    second = builders.transaction_body(action, chain_id="c", expiry_height=5)
    assert first.nonce != second.nonce


def test_every_action_kind_has_its_oneof_field() -> None:
    fields = {field.name for field in pb.TransactionBody.DESCRIPTOR.oneofs_by_name["action"].fields}
    assert set(builders.ACTION_FIELDS.values()) == fields


@pytest.mark.parametrize("text", ["fee-paid", "FEE_PAID", " Fee_Paid "])
def test_enum_names_are_read_in_any_case_with_hyphens(text: str) -> None:
    assert builders.enum_name(pb.CheckKind, text, "check kind") == "FEE_PAID"


@pytest.mark.parametrize("text", ["", "unspecified", "CHECK_KIND_UNSPECIFIED", "fee"])
def test_an_unknown_or_unspecified_enum_name_is_refused_with_the_choices(text: str) -> None:
    with pytest.raises(builders.InvalidTransactionInput, match="FEE_PAID"):
        builders.enum_name(pb.CheckKind, text, "check kind")


def test_a_participant_is_iin_colon_role() -> None:
    participant = builders.parse_participant(f"{RECIPIENT_IIN}:recipient")
    assert (participant.iin, participant.role) == (RECIPIENT_IIN, pb.RECIPIENT)
    with pytest.raises(builders.InvalidTransactionInput):
        builders.parse_participant(RECIPIENT_IIN)
    with pytest.raises(builders.InvalidTransactionInput):
        builders.parse_participant(f"{RECIPIENT_IIN}:landlord")


def test_a_representative_participant_names_the_party_she_represents_para_21() -> None:
    participant = builders.parse_participant(f"{GUARANTOR_IIN}:spouse:for:{RECIPIENT_IIN}")
    assert (participant.iin, participant.role, participant.on_behalf_of_iin) == (
        GUARANTOR_IIN,
        pb.SPOUSE,
        RECIPIENT_IIN,
    )
    for malformed in (f"{GUARANTOR_IIN}:spouse:{RECIPIENT_IIN}", f"{GUARANTOR_IIN}:spouse:for"):
        with pytest.raises(builders.InvalidTransactionInput):
            builders.parse_participant(malformed)


def test_a_check_keeps_its_detail_even_with_colons() -> None:
    check = builders.parse_check(
        "not-on-terrorism-financing-list:terrorism-financing-list:failed:listed: 2024-03",
        queried_at_unix_ms=7,
    )
    assert check.kind == pb.NOT_ON_TERRORISM_FINANCING_LIST
    assert check.source == pb.TERRORISM_FINANCING_LIST
    assert not check.passed
    assert check.detail == "listed: 2024-03"
    assert check.queried_at_unix_ms == 7


@pytest.mark.parametrize("text", ["fee-paid", "fee-paid:payment-system", "fee-paid:x:passed"])
def test_a_malformed_check_is_refused(text: str) -> None:
    with pytest.raises(builders.InvalidTransactionInput):
        builders.parse_check(text, queried_at_unix_ms=0)


def test_passed_checks_cover_every_required_check_except_those_left_out() -> None:
    checks = builders.passed_checks(queried_at_unix_ms=1, except_kinds=["spouses_participate"])
    kinds = {pb.CheckKind.Name(check.kind) for check in checks}
    assert "SPOUSES_PARTICIPATE" not in kinds
    assert {"FEE_PAID", "NO_PRECLUDING_ENCUMBRANCE"} <= kinds
    assert all(check.passed for check in checks)


def test_suspension_cites_article_27_and_refusal_article_31_by_default() -> None:
    # Algorithm paras 26/35 and 27/36.
    suspend = builders.registrar_decision(application_id="a", decision="suspend", reason="r")
    refuse = builders.registrar_decision(application_id="a", decision="REFUSE", reason="r")
    register = builders.registrar_decision(application_id="a", decision="register")
    assert (suspend.decision, suspend.ground.article) == (pb.SUSPEND, 27)
    assert suspend.ground.law == builders.LAW_ON_STATE_REGISTRATION
    assert (refuse.decision, refuse.ground.article) == (pb.REFUSE, 31)
    assert not register.HasField("ground")


def test_an_explicit_article_and_paragraph_are_recorded_as_given() -> None:
    decision = builders.registrar_decision(
        application_id="a",
        decision="refuse",
        reason="r",
        article=30,
        paragraph="1",
        subparagraph="3",
    )
    assert (decision.ground.article, decision.ground.paragraph) == (30, "1")
    assert decision.ground.subparagraph == "3"


def test_a_document_is_known_by_the_sha256_of_its_bytes() -> None:
    document = builders.signed_document(b"contract text", b"cms", "Contract No. 1")
    assert document.sha256 == sha256(b"contract text")
    assert (document.cms, document.title) == (b"cms", "Contract No. 1")


def test_a_payment_must_be_positive() -> None:
    with pytest.raises(builders.InvalidTransactionInput):
        builders.payment_document(
            b"r", amount_tiyn=0, payment_reference="x", payer_iin="1", paid_at_unix_ms=1
        )


def test_a_lease_application_names_its_spouse_and_guarantors() -> None:
    document = builders.signed_document(b"c", b"s", "t")
    application = builders.lease_application(
        cadastral_number="c",
        recipient_iin=RECIPIENT_IIN,
        married=True,
        spouse_iin=SPOUSE_IIN,
        guarantors=[builders.GuarantorIdentity("x"), builders.GuarantorIdentity("y", True)],
        contract=document,
        personal_data_consent=document,
    )
    assert application.recipient_marital_status == pb.MARRIED
    assert [(g.iin, g.bin) for g in application.guarantors] == [("x", ""), ("", "y")]
    assert application.HasField("contract")


def test_a_pem_crl_is_carried_as_der() -> None:
    authority = TestAuthority()
    authority.revoke(authority.issue_individual("Revoked"), FIXTURE_NOW)
    der = authority.crl()
    pem = load_der_x509_crl(der).public_bytes(Encoding.PEM)
    assert builders.revocation_list_update(pem).crl == der
    assert builders.revocation_list_update(der).crl == der
    with pytest.raises(builders.InvalidTransactionInput):
        builders.revocation_list_update(b"-----BEGIN X509 CRL-----\nnot base64\n")


@settings(max_examples=50)
@given(expiry=st.integers(min_value=0, max_value=2**64 - 1), chain=st.text(max_size=20))
def test_a_body_survives_its_own_encoding(expiry: int, chain: str) -> None:
    body = builders.transaction_body(
        builders.application_sending("app", pb.PaymentDocument(amount_tiyn=1)),
        chain_id=chain,
        expiry_height=expiry,
    )
    decoded = pb.TransactionBody.FromString(body.SerializeToString(deterministic=True))
    assert decoded == body
