"""Canonical text injected into genuinely valid transactions (ADR 0018): the lease-to-own story
records every registry action with text in it (a Kazakh address, titles, a married recipient, a
check's detail, a suspension's law and reason); each recorded transaction applies as it is, and
one bad character in any of its text fields makes it refused by name, at admission and in a
block, with the state unchanged. (test_text.py drives every field of every body, governance
bodies included, through bodies filled by descriptor.)"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import IssuedCertificate
from ledger.execution.executor import AppliedTransaction
from ledger.rejections import Rejection, RejectionReason
from ledger.state.access import MappingState
from ledger.transactions.text import FIELD_SYNTAX, TextKind
from tests.registry_fixtures import EnvelopeBuilder, InMemoryLedger, sign_envelope
from tests.unit.ledger.registry.story import Action, Story

ADDRESS = "Астана қ., Мәңгілік Ел даңғылы, 1-үй, 45-пәтер"
DETAIL = "ЖТ МДБ: деректер сәйкес, 2026-05-04 тексерілді"
REASON = "Құжаттар толық емес: ғимараттың техникалық паспорты жоқ (№ 17)"


@dataclass(frozen=True)
class Step:
    """A valid transaction of the story and the ledger just before it."""

    kind: str
    ledger: InMemoryLedger
    action: Action
    signers: tuple[IssuedCertificate, ...]


def _copy(ledger: InMemoryLedger) -> InMemoryLedger:
    copied = InMemoryLedger(ledger.genesis, first_block_time=ledger.next_time)
    copied.state = MappingState(dict(ledger.state.items()))
    copied.height, copied.last_block_time = ledger.height, ledger.last_block_time
    return copied


def _record_steps() -> list[Step]:
    steps: list[Step] = []

    def step(story: Story, action: Action, *signers: IssuedCertificate) -> str:
        kind = pb.TransactionBody.DESCRIPTOR.fields_by_name
        name = next(f.name for f in kind.values() if f.message_type is action.DESCRIPTOR)
        steps.append(Step(name, _copy(story.ledger), action, signers))
        return story.applied(action, *signers).application_id or ""

    story = Story()
    p = story.parties
    step(story, story.property_import(address=ADDRESS), p.registrar)
    lease = step(story, story.lease_application(married=True), p.ktk_officer, p.recipient)
    step(story, story.videoconference(lease, married=True), p.registrar)
    step(story, story.sending(lease), p.ktk_officer, p.recipient)
    attestation = story.attestation(lease, married=True, with_videoconference=False)
    for check in attestation.checks:
        check.detail = DETAIL
    step(story, attestation, p.registrar)
    step(story, story.decision(lease, pb.SUSPEND, article=27, reason=REASON), p.registrar)
    pair_story = Story()
    registered = pair_story.registered_lease()
    step(pair_story, pair_story.termination(registered), p.ktk_officer)
    return steps


STEPS = _record_steps()


def _text_values(message: Message, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(path, value) of every non-empty string the message sets; a path holds field names and,
    after a repeated field, the index."""
    for field, value in message.ListFields():
        items = list(value) if field.is_repeated else [value]
        for index, item in enumerate(items):
            where = (*path, field.name, index) if field.is_repeated else (*path, field.name)
            if field.type == FieldDescriptor.TYPE_STRING and item:
                yield where, item
            elif field.type == FieldDescriptor.TYPE_MESSAGE:
                yield from _text_values(item, where)


def _place(body: pb.TransactionBody, path: tuple[Any, ...], value: str) -> TextKind:
    """Sets the string at ``path``; returns its field's kind."""
    target: Any = body
    for part in path[:-1]:
        target = target[part] if isinstance(part, int) else getattr(target, part)
    setattr(target, path[-1], value)
    return FIELD_SYNTAX[target.DESCRIPTOR.fields_by_name[path[-1]].full_name].kind


def _outcomes(step: Step, body: pb.TransactionBody) -> tuple[object, object, bool]:
    """Admission and block outcome of ``body`` signed by the step's signers on a copy of its
    ledger, and whether the state stayed as it was."""
    ledger = _copy(step.ledger)
    envelope = sign_envelope(body.SerializeToString(deterministic=True), step.signers)
    before = list(ledger.state.items())
    admitted = ledger.check(envelope)
    executed = ledger.apply(envelope)
    return admitted, executed, list(ledger.state.items()) == before


def _body(step: Step) -> pb.TransactionBody:
    return EnvelopeBuilder(step.ledger.genesis.chain_id).body(step.action)


def test_the_story_records_every_registry_action_that_carries_text() -> None:
    assert {s.kind for s in STEPS} == {
        "property_import",
        "lease_application",
        "videoconference_attestation",
        "application_sending",
        "registrar_attestation",
        "registrar_decision",
        "termination_ownership_application",
    }


@pytest.mark.parametrize("step", STEPS, ids=[s.kind for s in STEPS])
def test_each_recorded_transaction_applies_as_it_is(step: Step) -> None:
    admitted, executed, _ = _outcomes(step, _body(step))
    assert isinstance(admitted, str), admitted
    assert isinstance(executed, AppliedTransaction), executed


BAD = st.one_of(
    st.tuples(st.just("digit"), st.characters(categories=["Nd"]).filter(lambda c: c > "\x7f")),
    st.tuples(st.just("bidi"), st.sampled_from(["\u202e", "\u202d", "\u2067", "\u200f", "\u061c"])),
    st.tuples(st.just("control"), st.sampled_from(["\x00", "\n", "\x1b", "\x9b", "\u2028"])),
    st.tuples(st.just("not_nfc"), st.sampled_from(["и\u0306", "е\u0308", "\u212b", "e\u0301"])),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), bad=BAD, where=st.floats(min_value=0, max_value=1))
def test_one_bad_character_in_any_text_of_a_valid_transaction_is_refused_by_name(
    data: st.DataObject, bad: tuple[str, str], where: float
) -> None:
    step = data.draw(st.sampled_from(STEPS))
    body = _body(step)
    path, good = data.draw(st.sampled_from(list(_text_values(body, ()))))
    at = min(int(where * len(good)), len(good) - 1)
    kind = _place(body, path, good[:at] + bad[1] + good[at + 1 :])
    identifier = kind is TextKind.IDENTIFIER
    reason = {
        "digit": (
            RejectionReason.IDENTIFIER_NOT_ASCII
            if identifier
            else RejectionReason.TEXT_CHARACTER_NOT_ALLOWED
        ),
        "bidi": RejectionReason.TEXT_FORMAT_CHARACTER,
        "control": RejectionReason.TEXT_CONTROL_CHARACTER,
        "not_nfc": (
            RejectionReason.IDENTIFIER_NOT_ASCII if identifier else RejectionReason.TEXT_NOT_NFC
        ),
    }[bad[0]]
    admitted, executed, unchanged = _outcomes(step, body)
    assert isinstance(admitted, Rejection) and admitted.reason is reason, (path, admitted)
    assert isinstance(executed, Rejection) and executed.reason is reason, (path, executed)
    assert unchanged
