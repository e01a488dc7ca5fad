"""A reason's retry class (rejection.proto, docs/rejections.md) tells a client whether to build
a new envelope ([envelope]) or to submit the same one again later ([state]). These reasons
depend on the block's time, so the very envelope refused in one block applies in a later one:
they are [state]."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from ledger.execution.executor import AppliedTransaction
from ledger.rejections import Rejection, RejectionReason
from tests.registry_fixtures import make_genesis, payment_document
from tests.unit.ledger.registry.story import Story, shared_parties

REPOSITORY = Path(__file__).resolve().parents[4]
LATER = timedelta(hours=1)


def _retry_class(reason: RejectionReason) -> str:
    """The class the catalogue gives `reason`, read by the generator of docs/rejections.md."""
    path = REPOSITORY / "scripts" / "gen_rejections_doc.py"
    spec = importlib.util.spec_from_file_location("gen_rejections_doc", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    generator = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generator  # dataclasses look their module up while the class is built
    spec.loader.exec_module(generator)
    proto = (REPOSITORY / "proto" / "tirkeu_pb" / "rejection.proto").read_text(encoding="utf-8")
    (found,) = [r for r in generator.parse(proto) if r.name == reason.name]
    return str(found.advice)


def _refused_then_applied(
    story: Story, envelope: bytes, reason: RejectionReason, later: datetime
) -> None:
    refused = story.ledger.apply(envelope)
    assert isinstance(refused, Rejection) and refused.reason is reason
    assert isinstance(story.ledger.apply(envelope, time=later), AppliedTransaction)
    assert _retry_class(reason) == "state"


def test_payment_after_sending_is_state_the_same_sending_passes_later() -> None:
    story = Story()
    p = story.parties
    story.import_property()
    lease_id = story.form_lease()
    paid_at = story.ledger.next_time + LATER  # after the next block
    sending = story.sending(lease_id, payment_document(paid_at=paid_at))
    envelope = story.envelope(sending, p.ktk_officer, p.recipient)
    _refused_then_applied(story, envelope, RejectionReason.PAYMENT_AFTER_SENDING, paid_at)


def test_attestation_out_of_time_is_state_the_same_videoconference_passes_later() -> None:
    story = Story()
    story.import_property()
    lease_id = story.form_lease()
    held_at = story.ledger.next_time + LATER  # after the next block
    videoconference = story.videoconference(lease_id, at=held_at)
    envelope = story.envelope(videoconference, story.parties.registrar)
    _refused_then_applied(story, envelope, RejectionReason.ATTESTATION_OUT_OF_TIME, held_at)


def test_pilot_not_in_force_is_state_the_same_application_passes_once_in_force() -> None:
    first_day = date(2026, 5, 5)  # the first blocks run on 2026-05-04 (UTC+5)
    genesis = make_genesis(
        shared_parties(), pilot_in_force_from=first_day, pilot_in_force_until=date(2027, 5, 4)
    )
    story = Story(genesis=genesis)
    p = story.parties
    story.import_property()
    envelope = story.envelope(story.lease_application(), p.ktk_officer, p.recipient)
    in_force = datetime.fromisoformat("2026-05-05T04:00:00+00:00")  # 09:00 on the 5th, UTC+5
    _refused_then_applied(story, envelope, RejectionReason.PILOT_NOT_IN_FORCE, in_force)
