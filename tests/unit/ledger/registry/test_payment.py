"""The fee payment confirmation (Algorithm paras 22, 31) and the service deadline (para 38)."""

from __future__ import annotations

from datetime import date, datetime

from tirkeu_pb import transaction_pb2 as pb

from ledger.rejections import RejectionReason
from tests.registry_fixtures import make_genesis
from tests.unit.ledger.registry.story import Story, shared_parties


def _submitted() -> tuple[Story, str]:
    story = Story()
    story.import_property()
    return story, story.submit_lease()


def test_payment_confirmation_sets_payment_and_deadline_para_38() -> None:
    story, application_id = _submitted()
    story.applied(story.payment_confirmation(application_id), story.parties.ktk_officer)
    application = story.ledger.application(application_id)
    assert application is not None and application.payment is not None
    assert application.payment.confirmed_on == date(2026, 5, 4)  # Monday, UTC+5
    assert application.service_deadline == date(2026, 5, 5)


def test_payment_confirmation_by_a_registrar_is_accepted_para_22() -> None:
    story, application_id = _submitted()
    story.applied(story.payment_confirmation(application_id), story.parties.registrar)


def test_payment_confirmation_only_by_ktk_or_a_registrar_para_22() -> None:
    story, application_id = _submitted()
    confirmation = story.payment_confirmation(application_id)
    story.rejected(RejectionReason.NOT_KTK_AUTHORISED_PERSON, confirmation, story.parties.recipient)
    story.applied(confirmation, story.parties.ktk_officer)


def test_payment_confirmed_twice_is_payment_already_confirmed() -> None:
    story, application_id = _submitted()
    story.applied(story.payment_confirmation(application_id), story.parties.ktk_officer)
    story.rejected(
        RejectionReason.PAYMENT_ALREADY_CONFIRMED,
        story.payment_confirmation(application_id),
        story.parties.ktk_officer,
    )


def test_payment_for_an_unknown_application_is_application_not_found() -> None:
    story, _ = _submitted()
    story.rejected(
        RejectionReason.APPLICATION_NOT_FOUND,
        story.payment_confirmation("00" * 32),
        story.parties.ktk_officer,
    )


def test_payment_without_a_payment_document_is_invalid_payment() -> None:
    story, application_id = _submitted()
    story.rejected(
        RejectionReason.INVALID_PAYMENT,
        pb.PaymentConfirmation(application_id=application_id),
        story.parties.ktk_officer,
    )


def test_payment_for_a_refused_application_is_invalid_status_transition() -> None:
    story, application_id = _submitted()
    refusal = story.decision(application_id, pb.REFUSE, article=31, reason="Art. 31 ground")
    story.applied(refusal, story.parties.registrar)
    story.rejected(
        RejectionReason.INVALID_STATUS_TRANSITION,
        story.payment_confirmation(application_id),
        story.parties.ktk_officer,
    )


def _deadline_when_confirmed_at(moment: str, holidays: tuple[date, ...] = ()) -> date | None:
    story = Story(genesis=make_genesis(shared_parties(), holidays=holidays))
    story.import_property()
    application_id = story.submit_lease()
    envelope = story.envelope(story.payment_confirmation(application_id), story.parties.registrar)
    story.ledger.apply(envelope, time=datetime.fromisoformat(moment))
    application = story.ledger.application(application_id)
    assert application is not None
    return application.service_deadline


def test_deadline_skips_the_weekend_para_38() -> None:
    # Friday 2026-05-08 15:00 in Astana: due Monday.
    assert _deadline_when_confirmed_at("2026-05-08T10:00:00+00:00") == date(2026, 5, 11)


def test_deadline_day_is_the_local_day_utc_plus_5_para_38() -> None:
    # Thursday 20:30 UTC is already Friday 01:30 in Astana: due Monday, not Friday.
    assert _deadline_when_confirmed_at("2026-05-07T20:30:00+00:00") == date(2026, 5, 11)


def test_deadline_skips_holidays_from_genesis_para_38() -> None:
    holidays = (date(2026, 5, 11),)
    assert _deadline_when_confirmed_at("2026-05-08T10:00:00+00:00", holidays) == date(2026, 5, 12)
