"""Order para 8: the pilot's rules apply only in its window; new applications outside it are
refused, applications already submitted may still be decided."""

from __future__ import annotations

from datetime import date, datetime

from tirkeu_pb import transaction_pb2 as pb

from ledger.execution.executor import AppliedTransaction
from ledger.rejections import Rejection, RejectionReason
from tests.registry_fixtures import make_genesis
from tests.unit.ledger.registry.story import Story, shared_parties

LAST_PILOT_DAY = date(2026, 5, 4)  # the first blocks run on Monday 2026-05-04 (UTC+5)
AFTER_THE_PILOT = datetime.fromisoformat("2026-05-04T19:30:00+00:00")  # 00:30 on the 5th, UTC+5


def test_new_application_after_the_pilot_window_is_pilot_not_in_force_order_para_8() -> None:
    genesis = make_genesis(shared_parties(), pilot_in_force_until=LAST_PILOT_DAY)
    story = Story(genesis=genesis)
    p = story.parties
    lease_id = story.lease_ready_to_register()  # inside the window
    late = story.envelope(story.lease_application(), p.ktk_officer, p.recipient)
    outcome = story.ledger.apply(late, time=AFTER_THE_PILOT)
    assert isinstance(outcome, Rejection) and outcome.reason is RejectionReason.PILOT_NOT_IN_FORCE
    register = story.envelope(story.decision(lease_id, pb.REGISTER), p.registrar)
    assert isinstance(story.ledger.apply(register, time=AFTER_THE_PILOT), AppliedTransaction)
    late_pair = story.envelope(story.termination(lease_id), p.ktk_officer, p.recipient)
    outcome = story.ledger.apply(late_pair, time=AFTER_THE_PILOT)
    assert isinstance(outcome, Rejection) and outcome.reason is RejectionReason.PILOT_NOT_IN_FORCE


def test_new_application_before_the_pilot_window_is_pilot_not_in_force_order_para_8() -> None:
    genesis = make_genesis(
        shared_parties(),
        pilot_in_force_from=date(2026, 5, 5),
        pilot_in_force_until=date(2027, 5, 4),
    )
    story = Story(genesis=genesis)
    p = story.parties
    story.import_property()
    story.rejected(
        RejectionReason.PILOT_NOT_IN_FORCE, story.lease_application(), p.ktk_officer, p.recipient
    )
    in_force = story.envelope(story.lease_application(), p.ktk_officer, p.recipient)
    assert isinstance(story.ledger.apply(in_force, time=AFTER_THE_PILOT), AppliedTransaction)


def test_application_formed_inside_the_window_is_sent_and_decided_after_it_adr_0012() -> None:
    """Only forming is refused after the window: an application formed inside it would
    otherwise stay FORMED for ever (nothing withdraws it)."""
    genesis = make_genesis(shared_parties(), pilot_in_force_until=LAST_PILOT_DAY)
    story = Story(genesis=genesis)
    p = story.parties
    story.import_property()
    lease_id = story.form_lease()  # inside the window
    sending = story.envelope(story.sending(lease_id), p.ktk_officer, p.recipient)
    assert isinstance(story.ledger.apply(sending, time=AFTER_THE_PILOT), AppliedTransaction)
    story.applied(story.attestation(lease_id), p.registrar)
    story.applied(story.decision(lease_id, pb.REGISTER), p.registrar)
    late = story.envelope(story.lease_application(), p.ktk_officer, p.recipient)
    outcome = story.ledger.apply(late)
    assert isinstance(outcome, Rejection) and outcome.reason is RejectionReason.PILOT_NOT_IN_FORCE
