"""Importing a property from the cadastre (ЖМБМК АЖ, Algorithm paras 2(8), 24(4))."""

from __future__ import annotations

import pytest
from tirkeu_pb import transaction_pb2 as pb

from ledger.rejections import RejectionReason
from ledger.state.records import IdentifierKind, PartyIdentifier, PropertyKind
from tests.pki_fixtures import KTK_BIN, with_wrong_check_digit
from tests.unit.ledger.registry.story import CADASTRAL_NUMBER, Story


def test_property_import_creates_a_property_with_an_empty_sheet() -> None:
    story = Story()
    story.import_property()
    found = story.ledger.property(CADASTRAL_NUMBER)
    assert found is not None
    assert found.kind is PropertyKind.APARTMENT
    assert found.area_square_metres == "54.30"
    assert found.holder == PartyIdentifier(IdentifierKind.BIN, KTK_BIN)
    assert found.registration_sheet == () and found.encumbrances == ()
    assert found.imported_height == story.ledger.height


def test_property_import_only_by_a_registrar() -> None:
    story = Story()
    story.rejected(
        RejectionReason.NOT_REGISTRAR, story.property_import(), story.parties.ktk_officer
    )
    story.applied(story.property_import(), story.parties.registrar)


def test_property_import_signed_by_a_registrar_and_someone_else_is_unexpected_signer() -> None:
    story = Story()
    p = story.parties
    story.rejected(
        RejectionReason.UNEXPECTED_SIGNER, story.property_import(), p.registrar, p.recipient
    )


def test_property_import_twice_is_property_already_exists() -> None:
    story = Story()
    story.import_property()
    story.rejected(
        RejectionReason.PROPERTY_ALREADY_EXISTS, story.property_import(), story.parties.registrar
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cadastral_number", "21-318-023"),
        ("cadastral_number", ""),
        ("address", ""),
        ("kind", pb.PROPERTY_KIND_UNSPECIFIED),
        ("area_square_metres", "54.305"),
        ("area_square_metres", "0"),
        ("area_square_metres", "-1"),
    ],
)
def test_property_import_with_a_malformed_field_is_invalid_field(field: str, value: object) -> None:
    story = Story()
    story.rejected(
        RejectionReason.INVALID_FIELD,
        story.property_import(**{field: value}),
        story.parties.registrar,
    )


def test_property_import_holder_bin_with_wrong_check_digit_is_invalid_bin_para_2_4() -> None:
    story = Story()
    wrong = story.property_import(holder_bin=with_wrong_check_digit(KTK_BIN))
    story.rejected(RejectionReason.INVALID_BIN, wrong, story.parties.registrar)
