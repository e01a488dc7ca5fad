"""What `tirkeu` prints (clients/cli/output.py): JSON with hex bytes and enum names, and text a
registrar reads (numbered sheet entries, legal grounds)."""

from __future__ import annotations

from tirkeu_pb import api_pb2 as api

from clients.cli.output import (
    describe_application,
    describe_property,
    describe_submission,
    local_time,
    message_dict,
)

SHEET = [
    api.RegistrationSheetEntryView(
        number=1,
        kind="LEASE_ENCUMBRANCE_REGISTERED",
        legal_basis="Algorithm para 25",
        basis_document_sha256=b"\x01" * 32,
        right_holder=api.RightHolder(identifier_kind="BIN", identifier="050140000011"),
    ),
    api.RegistrationSheetEntryView(
        number=2, kind="LEASE_ENCUMBRANCE_TERMINATED", legal_basis="Algorithm para 34(1)"
    ),
    api.RegistrationSheetEntryView(
        number=3, kind="OWNERSHIP_REGISTERED", legal_basis="Algorithm para 34(2)"
    ),
]


def test_json_has_every_field_bytes_as_hex_enums_as_names_and_unset_messages_as_null() -> None:
    response = api.SubmitTransactionResponse(transaction_id="ab", status=api.COMMITTED, height=3)
    document = message_dict(response)
    assert document == {
        "transaction_id": "ab",
        "status": "COMMITTED",
        "rejection": None,
        "height": 3,
    }
    entry = message_dict(SHEET[0])
    assert entry["basis_document_sha256"] == "01" * 32
    assert entry["right_holder"] == {"identifier_kind": "BIN", "identifier": "050140000011"}
    assert entry["registrar_iin"] == ""


def test_the_registration_sheet_is_numbered_with_its_legal_basis() -> None:
    text = describe_property(api.PropertyView(cadastral_number="c", registration_sheet=SHEET))
    assert "Registration sheet (3 entries):" in text
    assert "  1. Lease encumbrance registered (Algorithm para 25)" in text
    assert "  2. Lease encumbrance terminated (Algorithm para 34(1))" in text
    assert "  3. Ownership registered (Algorithm para 34(2))" in text
    empty = describe_property(api.PropertyView(cadastral_number="c"))
    assert "Registration sheet: empty" in empty
    assert "Encumbrances: none" in empty


def test_a_rejection_names_its_reason_and_explains_it() -> None:
    response = api.SubmitTransactionResponse(
        transaction_id="ab",
        status=api.REJECTED,
        rejection=api.Rejection(reason="PAYER_NOT_RECIPIENT", detail="paid by IIN 1"),
    )
    text = describe_submission(response)
    assert "REJECTED PAYER_NOT_RECIPIENT" in text
    assert "para 22" in text  # the explanation from ledger/rejections.py
    assert "paid by IIN 1" in text


def test_a_decision_shows_its_article_law_and_reason() -> None:
    view = api.ApplicationView(
        application_id="a",
        status="REFUSED",
        decisions=[
            api.DecisionView(
                decision="REFUSE",
                article=31,
                paragraph="1",
                law="On state registration of rights to real estate",
                reason="already holds a dwelling",
                registrar_iin="900312400566",
            )
        ],
    )
    text = describe_application(view)
    assert 'ground: Art. 31 para 1 of the Law "On state registration of rights to real estate"' in (
        text
    )
    assert "reason: already holds a dwelling" in text
    assert "Fee: not paid" in text


def test_times_are_shown_in_kazakhstan_time() -> None:
    assert local_time(0) == "—"
    assert local_time(1_777_618_800_000) == "2026-05-01 12:00:00 UTC+5"  # 07:00 UTC
