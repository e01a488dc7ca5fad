"""Verify once (ledger/transactions/verdicts.py): the remembered verdicts are pure functions of
the bytes; a warm cache changes no outcome, and what depends on state and time (certificate
validity at block time) is still judged on every use."""

from __future__ import annotations

from datetime import UTC, datetime

from tirkeu_pb import transaction_pb2 as pb

from ledger.execution.executor import AppliedTransaction
from ledger.identity.signatures import sign_ecdsa_p256
from ledger.rejections import Rejection, RejectionReason
from ledger.transactions import verdicts
from tests.unit.ledger.registry.story import Story


def _hits() -> int:
    return verdicts.envelope_signatures_verify.cache_info().hits


def test_a_remembered_verdict_gives_the_outcome_a_cold_check_gives() -> None:
    warm_story = Story()
    cold_story = Story(warm_story.parties, warm_story.genesis)
    lease = warm_story.lease_application()
    p = warm_story.parties
    for story in (warm_story, cold_story):
        story.import_property()
    envelope = warm_story.envelope(lease, p.ktk_officer, p.recipient)
    verdicts.clear()
    assert verdicts.envelope_signatures_verify(envelope)  # as admission leaves it
    assert verdicts.parsed_cms.cache_info().currsize == 0
    hits = _hits()
    warm = warm_story.ledger.apply(envelope)
    assert _hits() == hits + 1
    verdicts.clear()
    cold = cold_story.ledger.apply(envelope)
    assert isinstance(warm, AppliedTransaction)
    assert warm == cold
    assert warm.application_id is not None
    assert warm_story.ledger.application(warm.application_id) == cold_story.ledger.application(
        warm.application_id
    )
    assert warm_story.ledger.notifications == cold_story.ledger.notifications


def test_a_bad_signature_is_named_the_same_with_or_without_the_verdict() -> None:
    story = Story()
    body = story.builder.body(story.property_import()).SerializeToString()
    p = story.parties
    wrong_key = pb.Signature(
        certificate=p.registrar.der, signature=sign_ecdsa_p256(p.recipient.key, body)
    )
    envelope = pb.Envelope(body=body, signatures=[wrong_key]).SerializeToString()
    verdicts.clear()
    outcomes = [story.ledger.apply(envelope) for _ in range(2)]  # cold, then remembered
    assert not verdicts.envelope_signatures_verify(envelope)
    assert outcomes[0] == outcomes[1]
    assert isinstance(outcomes[0], Rejection)
    assert outcomes[0].reason is RejectionReason.BAD_SIGNATURE


def test_certificate_validity_is_judged_at_each_block_time_even_when_signatures_verified() -> None:
    story = Story()
    expired = story.parties.authority.issue_registrar(not_after=datetime(2026, 1, 1, tzinfo=UTC))
    envelope = story.envelope(story.property_import(), expired)
    verdicts.clear()
    assert verdicts.envelope_signatures_verify(envelope)  # the bytes verify
    outcome = story.ledger.apply(envelope)
    assert isinstance(outcome, Rejection)
    assert outcome.reason is RejectionReason.CERTIFICATE_EXPIRED


def test_the_memory_is_bounded() -> None:
    assert verdicts.envelope_signatures_verify.cache_info().maxsize == verdicts.ENVELOPE_CAPACITY
    assert verdicts.parsed_cms.cache_info().maxsize == verdicts.DOCUMENT_CAPACITY
