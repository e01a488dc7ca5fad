"""Look-alike identifiers (issue 13 point 4, ADR 0018): a cadastral number, an area or an IIN
written with digits of another script is refused by name, and never makes a second property."""

from __future__ import annotations

import pytest

from ledger.rejections import RejectionReason
from tests.pki_fixtures import RECIPIENT_IIN
from tests.unit.ledger.registry.story import CADASTRAL_NUMBER, Story

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


@pytest.mark.parametrize("digits", [FULLWIDTH, ARABIC_INDIC, DEVANAGARI])
def test_a_look_alike_cadastral_number_does_not_make_a_second_property(
    digits: dict[int, str],
) -> None:
    story = Story()
    story.import_property()
    look_alike = CADASTRAL_NUMBER.translate(digits)
    before = list(story.ledger.state.items())
    story.rejected(
        RejectionReason.IDENTIFIER_NOT_ASCII,
        story.property_import(cadastral_number=look_alike),
        story.parties.registrar,
    )
    assert story.ledger.property(look_alike) is None
    assert list(story.ledger.state.items()) == before  # the rejected transaction wrote nothing


def test_a_lease_on_a_look_alike_cadastral_number_is_refused_by_name() -> None:
    story = Story()
    story.import_property()
    story.rejected(
        RejectionReason.IDENTIFIER_NOT_ASCII,
        story.lease_application(cadastral_number=CADASTRAL_NUMBER.translate(ARABIC_INDIC)),
        story.parties.ktk_officer,
        story.parties.recipient,
    )


def test_an_area_in_fullwidth_digits_is_refused() -> None:
    story = Story()
    story.rejected(
        RejectionReason.IDENTIFIER_NOT_ASCII,
        story.property_import(area_square_metres="54.30".translate(FULLWIDTH)),
        story.parties.registrar,
    )


def test_an_iin_in_arabic_indic_digits_is_refused_by_name() -> None:
    story = Story()
    story.import_property()
    story.rejected(
        RejectionReason.IDENTIFIER_NOT_ASCII,
        story.lease_application(recipient_iin=RECIPIENT_IIN.translate(ARABIC_INDIC)),
        story.parties.ktk_officer,
        story.parties.recipient,
    )


def test_a_kazakh_address_is_accepted() -> None:
    story = Story()
    address = "Астана қ., Мәңгілік Ел даңғылы, 1-үй, 45-пәтер (ғ ң ө ұ ү һ і)"
    story.applied(story.property_import(address=address), story.parties.registrar)
    found = story.ledger.property(CADASTRAL_NUMBER)
    assert found is not None and found.address == address
