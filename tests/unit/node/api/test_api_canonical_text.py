"""Canonical text at the node's door (ADR 0018): SubmitTransaction over mutual TLS answers a
look-alike cadastral number and a bidi override with their named rejections and codes (76-80 of
rejection.proto), naming the character by code point, never echoing it."""

from __future__ import annotations

from tirkeu_pb import api_pb2, rejection_pb2

from tests.unit.ledger.registry.story import CADASTRAL_NUMBER
from tests.unit.node.api.conftest import Api

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_a_look_alike_cadastral_number_is_answered_identifier_not_ascii(api: Api) -> None:
    parties = api.in_process.parties
    api.submit_and_seal(api.story.property_import(), parties.registrar)
    look_alike = CADASTRAL_NUMBER.translate(FULLWIDTH)
    envelope = api.story.envelope(
        api.story.property_import(cadastral_number=look_alike), parties.registrar
    )
    answer = api.ledger(parties.registrar).SubmitTransaction(
        api_pb2.SubmitTransactionRequest(envelope=envelope)
    )
    assert answer.status == api_pb2.REJECTED
    assert (answer.rejection.reason, answer.rejection.reason_code) == (
        "IDENTIFIER_NOT_ASCII",
        rejection_pb2.REJECTION_REASON_IDENTIFIER_NOT_ASCII,
    )
    assert "U+FF12" in answer.rejection.detail and "２" not in answer.rejection.detail


def test_a_bidi_override_in_an_address_is_answered_text_format_character(api: Api) -> None:
    parties = api.in_process.parties
    spoofed = api.story.property_import(address="Астана, \u202e54 пәтер")
    envelope = api.story.envelope(spoofed, parties.registrar)
    answer = api.ledger(parties.registrar).SubmitTransaction(
        api_pb2.SubmitTransactionRequest(envelope=envelope)
    )
    assert answer.status == api_pb2.REJECTED
    assert answer.rejection.reason_code == rejection_pb2.REJECTION_REASON_TEXT_FORMAT_CHARACTER
    assert "U+202E" in answer.rejection.detail and "\u202e" not in answer.rejection.detail
