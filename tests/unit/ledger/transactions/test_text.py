"""Canonical text in every body (issue 13 point 4, ADR 0018, ledger/transactions/text.py).

The property test drives every string field of every body kind, enumerated from the proto
descriptors (a new field is driven from its first commit): into a body whose every text field
holds good text it injects a non-ASCII digit, a bidi control, a control character or non-NFC
text, signs it, and submits it to a ledger at admission (``check_transaction``) and in a block;
both must name the reason and the state must not change.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tirkeu_pb import transaction_pb2 as pb

from clients.transaction_builders import transaction_body
from ledger.chain.genesis import InvalidGenesis, load_genesis
from ledger.rejections import Rejection, RejectionReason
from ledger.transactions.text import (
    FIELD_SYNTAX,
    REPERTOIRE_RANGES,
    TextKind,
    check_body_text,
    string_fields_of,
)
from tests.pki_fixtures import RECIPIENT_IIN
from tests.registry_fixtures import (
    InMemoryLedger,
    make_genesis,
    make_genesis_document,
    sign_envelope,
)
from tests.unit.ledger.registry.story import shared_parties

TEXT_REASONS = {
    RejectionReason.TEXT_NOT_NFC,
    RejectionReason.TEXT_CONTROL_CHARACTER,
    RejectionReason.TEXT_FORMAT_CHARACTER,
    RejectionReason.TEXT_CHARACTER_NOT_ALLOWED,
    RejectionReason.IDENTIFIER_NOT_ASCII,
}
BIDI_CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))] + [
    "\u200e",
    "\u200f",
    "\u061c",
]
CONTROLS = ["\x00", "\x01", "\x1b", "\t", "\n", "\r", "\x7f", "\x85", "\x9b", "\u2028", "\u2029"]
# Each not NFC wherever it stands: a letter and its combining mark that NFC composes, or a
# singleton NFC replaces (Angstrom, Ohm, Kelvin signs).
NOT_NFC = ["и\u0306", "е\u0308", "Е\u0308", "i\u0308", "e\u0301", "\u212b", "\u2126", "\u212a"]
NON_ASCII_DIGITS = st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())
KAZAKH = "Астана қ., Мәңгілік Ел даңғылы 1, пәтер 45 — «ә ғ қ ң ө ұ ү һ і» № 2026/117"
# Identifier values that also pass the rules' own syntax where a rule reads them first.
IDENTIFIER_VALUES = {
    "chain_id": "tirkeu-test",
    "cadastral_number": "21:318:023:1245:1/45",
    "area_square_metres": "54.30",
    "pilot_in_force_until": "2027-05-31",
    "paragraph": "1",
    "subparagraph": "2",
    "payment_reference": "KZ-PAY-2026-117",
    "validator_id": "registrar-1",
}

ACTIONS = pb.TransactionBody.DESCRIPTOR.oneofs_by_name["action"].fields


def _text_paths(descriptor: Any, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_STRING:
            yield (*prefix, field.name)
        elif field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type is not None:
            yield from _text_paths(field.message_type, (*prefix, field.name))


def _every_text_field() -> list[tuple[str, tuple[str, ...]]]:
    """(action, path of a string field inside the body) for every action: chain_id and every
    string field of the action's message, nested and repeated messages included."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for action in ACTIONS:
        found.append((action.name, ("chain_id",)))
        found += [(action.name, path) for path in _text_paths(action.message_type, (action.name,))]
    return found


TEXT_FIELDS = _every_text_field()


def _fill(message: Message) -> None:
    """Every string field good text, every message field present, repeated ones once."""
    for field in message.DESCRIPTOR.fields:
        if field.type == FieldDescriptor.TYPE_STRING:
            value = _good_value(field)
            if field.is_repeated:
                getattr(message, field.name).append(value)
            else:
                setattr(message, field.name, value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            child = (
                getattr(message, field.name).add()
                if field.is_repeated
                else getattr(message, field.name)
            )
            child.SetInParent()
            _fill(child)


def _good_value(field: Any) -> str:
    if FIELD_SYNTAX[field.full_name].kind is TextKind.FREE_TEXT:
        return KAZAKH
    if field.name in IDENTIFIER_VALUES:
        return IDENTIFIER_VALUES[field.name]
    if field.name.endswith("_id"):
        return "ab" * 32  # a transaction id: 64 hex digits
    return RECIPIENT_IIN  # every other identifier is an IIN or a BIN: 12 digits


def _body(action: str) -> pb.TransactionBody:
    body = pb.TransactionBody(chain_id="tirkeu-test", expiry_height=10_000, nonce=b"n" * 16)
    getattr(body, action).SetInParent()
    _fill(getattr(body, action))
    return body


def _set(body: pb.TransactionBody, path: tuple[str, ...], value: str) -> None:
    target: Message = body
    for name in path[:-1]:
        child = getattr(target, name)
        target = child[0] if isinstance(child, Iterator) or hasattr(child, "add") else child
    setattr(target, path[-1], value)


def _get(body: pb.TransactionBody, path: tuple[str, ...]) -> str:
    target: object = body
    for name in path:
        child = getattr(target, name)
        target = child[0] if hasattr(child, "add") else child
    assert isinstance(target, str)
    return target


def _syntax_of(action: str, path: tuple[str, ...]) -> TextKind:
    descriptor: Any = pb.TransactionBody.DESCRIPTOR
    for name in path[:-1]:
        descriptor = descriptor.fields_by_name[name].message_type
    return FIELD_SYNTAX[descriptor.fields_by_name[path[-1]].full_name].kind


_LEDGER: list[InMemoryLedger] = []


def _ledger() -> InMemoryLedger:
    if not _LEDGER:
        _LEDGER.append(InMemoryLedger(make_genesis(shared_parties())))
    return _LEDGER[0]


def _submit_both_ways(body: pb.TransactionBody) -> tuple[object, object]:
    """(admission outcome, block outcome) of ``body`` signed by a registrar."""
    ledger = _ledger()
    envelope = sign_envelope(
        body.SerializeToString(deterministic=True), [shared_parties().registrar]
    )
    return ledger.check(envelope), ledger.apply(envelope)


def test_every_string_field_of_every_body_has_a_declared_syntax() -> None:
    descriptor: Any = pb.TransactionBody.DESCRIPTOR
    fields = {field.full_name for field in string_fields_of(descriptor)}
    missing = sorted(fields - FIELD_SYNTAX.keys())
    stale = sorted(FIELD_SYNTAX.keys() - fields)
    assert not missing, (
        f"string fields without a text rule (ledger/transactions/text.py): {missing}"
    )
    assert not stale, f"FIELD_SYNTAX names fields the bodies no longer have: {stale}"


@pytest.mark.parametrize("action", [a.name for a in ACTIONS])
def test_a_body_of_good_text_passes_the_text_rules(action: str) -> None:
    """The control for the property test: what it injects into is good text."""
    body = _body(action)
    check_body_text(body)
    admitted, executed = _submit_both_ways(body)
    for outcome in (admitted, executed):
        assert not (isinstance(outcome, Rejection) and outcome.reason in TEXT_REASONS), outcome


@st.composite
def _injections(draw: st.DrawFn) -> tuple[str, tuple[str, ...], str, RejectionReason]:
    action, path = draw(st.sampled_from(TEXT_FIELDS))
    free = _syntax_of(action, path) is TextKind.FREE_TEXT
    kind = draw(st.sampled_from(["digit", "bidi", "control", "not_nfc"]))
    if kind == "digit":
        bad = draw(NON_ASCII_DIGITS)
        reason = (
            RejectionReason.TEXT_CHARACTER_NOT_ALLOWED
            if free
            else RejectionReason.IDENTIFIER_NOT_ASCII
        )
    elif kind == "bidi":
        bad, reason = draw(st.sampled_from(BIDI_CONTROLS)), RejectionReason.TEXT_FORMAT_CHARACTER
    elif kind == "control":
        bad, reason = draw(st.sampled_from(CONTROLS)), RejectionReason.TEXT_CONTROL_CHARACTER
    else:
        bad = draw(st.sampled_from(NOT_NFC))
        reason = RejectionReason.TEXT_NOT_NFC if free else RejectionReason.IDENTIFIER_NOT_ASCII
    return action, path, bad, reason


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(injection=_injections(), where=st.floats(min_value=0, max_value=1), replace=st.booleans())
def test_bad_text_in_any_field_of_any_body_is_refused_by_name_and_changes_nothing(
    injection: tuple[str, tuple[str, ...], str, RejectionReason], where: float, replace: bool
) -> None:
    action, path, bad, reason = injection
    body = _body(action)
    good = _get(body, path)
    at = min(int(where * len(good)), len(good) - 1)
    # Replacing one character (a digit of an IIN by ٣) or inserting one.
    _set(body, path, good[:at] + bad + good[at + int(replace) :])
    before = list(_ledger().state.items())
    admitted, executed = _submit_both_ways(body)
    assert isinstance(admitted, Rejection) and admitted.reason is reason, (path, admitted)
    assert isinstance(executed, Rejection) and executed.reason is reason, (path, executed)
    assert list(_ledger().state.items()) == before
    assert bad not in admitted.detail  # named by code point, never echoed raw


def test_text_fields_cover_every_body_kind_and_nested_message() -> None:
    kinds = {action for action, _ in TEXT_FIELDS}
    assert kinds == {a.name for a in ACTIONS}
    assert ("registrar_attestation", ("registrar_attestation", "checks", "detail")) in TEXT_FIELDS
    assert (
        "lease_application",
        ("lease_application", "representations", "power_of_attorney", "title"),
    ) in TEXT_FIELDS


def test_the_repertoire_is_assigned_characters_without_digits_of_other_scripts() -> None:
    """Nodes on different Pythons must judge alike: every allowed code point is assigned (so its
    NFC behaviour is frozen by Unicode's stability policy) and none is a non-ASCII digit."""
    for low, high in REPERTOIRE_RANGES:
        for code_point in range(low, high + 1):
            character = chr(code_point)
            category = unicodedata.category(character)
            assert category not in ("Cn", "Cc", "Cf", "Co", "Cs"), hex(code_point)
            assert category != "Nd" or character.isascii(), hex(code_point)


def test_kazakh_and_russian_letters_pass_and_a_wide_sample_of_others_does_not() -> None:
    body = _body("property_import")
    body.property_import.address = "ӘҒҚҢӨҰҮҺІ әғқңөұүһі ЁЙЪЭЮЯ ёйъэюя, ул. Абая 10/2, кв. 5 ₸ №3"
    check_body_text(body)
    for foreign in ("\u0661", "\uff11", "\u00a0", "\ue000", "\U0001f600", "\u0627"):
        body.property_import.address = "Астана " + foreign
        with pytest.raises(Exception) as raised:
            check_body_text(body)
        assert getattr(raised.value, "reason", None) is RejectionReason.TEXT_CHARACTER_NOT_ALLOWED


def test_an_over_long_free_text_is_invalid_field() -> None:
    body = _body("registrar_decision")
    body.registrar_decision.reason = "ы" * 4001
    with pytest.raises(Exception) as raised:
        check_body_text(body)
    assert getattr(raised.value, "reason", None) is RejectionReason.INVALID_FIELD


def test_the_client_builder_signs_nfc_text() -> None:
    """A client normalises what a person typed before signing (ADR 0018): the signer signs
    the bytes the ledger accepts; the ledger itself never rewrites them."""
    action = pb.PropertyImport(address="Алматы, ул. Баи\u0306закова 1", cadastral_number="21:1")
    body = transaction_body(action, chain_id="tirkeu-test", expiry_height=5, nonce=b"n" * 16)
    assert body.property_import.address == "Алматы, ул. Байзакова 1"
    assert unicodedata.is_normalized("NFC", body.property_import.address)


@pytest.mark.parametrize(
    "chain_id", ["тіркеу-pilot", "tirkeu\u202e-pilot", "tirkeu\x00", "t" * 129]
)
def test_a_genesis_whose_chain_id_no_body_could_carry_is_refused(chain_id: str) -> None:
    """Every body names the chain id and body text is canonical: a chain id outside printable
    ASCII would make every transaction of the chain IDENTIFIER_NOT_ASCII (or a text reason)."""
    document = make_genesis_document(shared_parties())
    document["chain_id"] = chain_id
    with pytest.raises(InvalidGenesis, match="chain_id"):
        load_genesis(json.dumps(document).encode())
