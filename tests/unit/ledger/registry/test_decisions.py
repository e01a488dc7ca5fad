"""Registrar decisions and the application status machine (paras 25-27, 34-36, DESIGN.md §2)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from tirkeu_pb import transaction_pb2 as pb

from ledger.execution.executor import AppliedTransaction
from ledger.registry.notifications import NotificationChannel
from ledger.rejections import Rejection, RejectionReason
from ledger.state.records import ApplicationStatus
from tests.pki_fixtures import KTK_OFFICER_IIN, RECIPIENT_IIN
from tests.unit.ledger.registry.story import Story

ALL_DECISIONS = (pb.REGISTER, pb.SUSPEND, pb.RESUME, pb.REFUSE)
ALLOWED = {
    ApplicationStatus.SUBMITTED: {pb.REGISTER, pb.SUSPEND, pb.REFUSE},
    ApplicationStatus.SUSPENDED: {pb.RESUME, pb.REFUSE},
    ApplicationStatus.REGISTERED: set(),
    ApplicationStatus.REFUSED: set(),
}


def _grounded(story: Story, application_id: str, decision: pb.Decision) -> pb.RegistrarDecision:
    article = {pb.SUSPEND: 27, pb.REFUSE: 31}.get(decision)
    return story.decision(application_id, decision, article=article, reason="stated reason")


def _in_status(status: ApplicationStatus) -> tuple[Story, str]:
    story = Story()
    application_id = story.lease_ready_to_register()
    registrar = story.parties.registrar
    if status is ApplicationStatus.SUSPENDED:
        story.applied(_grounded(story, application_id, pb.SUSPEND), registrar)
    elif status is ApplicationStatus.REGISTERED:
        story.applied(_grounded(story, application_id, pb.REGISTER), registrar)
    elif status is ApplicationStatus.REFUSED:
        story.applied(_grounded(story, application_id, pb.REFUSE), registrar)
    return story, application_id


@pytest.mark.parametrize("status", list(ALLOWED))
def test_status_machine_allows_exactly_the_designed_transitions(status: ApplicationStatus) -> None:
    for decision in ALL_DECISIONS:
        story, application_id = _in_status(status)
        outcome = story.submit(_grounded(story, application_id, decision), story.parties.registrar)
        if decision in ALLOWED[status]:
            assert isinstance(outcome, AppliedTransaction), (status, decision, outcome)
        else:
            assert isinstance(outcome, Rejection), (status, decision, outcome)
            assert outcome.reason is RejectionReason.INVALID_STATUS_TRANSITION


def test_resume_returns_a_suspended_application_to_submitted_without_notifying() -> None:
    story, application_id = _in_status(ApplicationStatus.SUSPENDED)
    notified = len(story.ledger.notifications)
    story.applied(story.decision(application_id, pb.RESUME), story.parties.registrar)
    application = story.ledger.application(application_id)
    assert application is not None and application.status is ApplicationStatus.SUBMITTED
    assert len(story.ledger.notifications) == notified


def test_decision_signed_by_a_ktk_certificate_is_not_registrar_para_25() -> None:
    story = Story()
    application_id = story.lease_ready_to_register()
    register = story.decision(application_id, pb.REGISTER)
    story.rejected(RejectionReason.NOT_REGISTRAR, register, story.parties.ktk_officer)
    story.applied(register, story.parties.registrar)


def test_state_corporation_employee_not_listed_as_registrar_is_not_registrar() -> None:
    story = Story()
    application_id = story.lease_ready_to_register()
    unlisted = story.parties.authority.issue_registrar("Clerk", iin=KTK_OFFICER_IIN)
    story.rejected(
        RejectionReason.NOT_REGISTRAR, story.decision(application_id, pb.REGISTER), unlisted
    )


def test_suspension_must_cite_article_27_with_a_reason_para_26() -> None:
    story = Story()
    application_id = story.lease_ready_to_register()
    registrar = story.parties.registrar
    for article, reason in ((None, "reason"), (31, "reason"), (27, "  ")):
        wrong = story.decision(application_id, pb.SUSPEND, article=article, reason=reason)
        story.rejected(RejectionReason.LEGAL_GROUND_REQUIRED, wrong, registrar)
    story.applied(story.decision(application_id, pb.SUSPEND, article=27, reason="r"), registrar)


def test_refusal_must_cite_article_31_with_a_reason_para_27() -> None:
    story = Story()
    application_id = story.lease_ready_to_register()
    registrar = story.parties.registrar
    for article, reason in ((None, "reason"), (27, "reason"), (31, "")):
        wrong = story.decision(application_id, pb.REFUSE, article=article, reason=reason)
        story.rejected(RejectionReason.LEGAL_GROUND_REQUIRED, wrong, registrar)
    story.applied(story.decision(application_id, pb.REFUSE, article=31, reason="r"), registrar)


def test_decision_without_a_decision_is_invalid_field() -> None:
    story = Story()
    application_id = story.lease_ready_to_register()
    unspecified = story.decision(application_id, pb.DECISION_UNSPECIFIED)
    story.rejected(RejectionReason.INVALID_FIELD, unspecified, story.parties.registrar)


def test_decision_on_an_unknown_application_is_application_not_found() -> None:
    story = Story()
    story.lease_ready_to_register()
    missing = story.decision("cd" * 32, pb.REGISTER)
    story.rejected(RejectionReason.APPLICATION_NOT_FOUND, missing, story.parties.registrar)


def test_decision_records_registrar_ground_reason_and_block() -> None:
    story = Story()
    application_id = story.lease_ready_to_register()
    outcome = story.applied(
        story.decision(application_id, pb.SUSPEND, article=27, reason="r"), story.parties.registrar
    )
    application = story.ledger.application(application_id)
    assert application is not None
    (decision,) = application.decisions
    assert decision.registrar_iin == story.parties.registrar.info.iin
    assert decision.ground is not None and decision.ground.article == 27
    assert decision.reason == "r"
    assert decision.transaction_id == outcome.transaction_id
    assert decision.height == story.ledger.height


@pytest.mark.parametrize("decision", [pb.REGISTER, pb.SUSPEND, pb.REFUSE])
def test_para_28_platform_cabinet_notification_is_addressed_to_the_recipient(
    decision: pb.Decision,
) -> None:
    """Para 28: «көрсетілетін қызметті алушының https://egov.kz … веб-порталындағы және
    платформадағы жеке кабинетіне жолданады» — "sent to the recipient's personal cabinet on the
    egov.kz web portal and on the platform": both cabinets are the recipient's, not KTK's."""
    story = Story()
    application_id = story.lease_ready_to_register()
    story.applied(_grounded(story, application_id, decision), story.parties.registrar)
    assert [(n.channel, n.addressee, n.legal_basis) for n in story.ledger.notifications] == [
        (NotificationChannel.EGOV_CABINET, RECIPIENT_IIN, "Algorithm para 28"),
        (NotificationChannel.PLATFORM_CABINET, RECIPIENT_IIN, "Algorithm para 28"),
    ]


def test_para_38_resumption_restarts_the_deadline_inference_adr_0007() -> None:
    """Para 38: «… төлемді растау алынған күннен кейінгі бір жұмыс күнінен кешіктірмей» — "no
    later than one working day after the day the payment confirmation is received". The text is
    silent on suspension; ADR 0007 D9: the one working day runs again from the resumption."""
    story, application_id = _in_status(ApplicationStatus.SUSPENDED)
    before = story.ledger.application(application_id)
    assert before is not None and before.service_deadline is not None
    resumed_at = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)  # Wednesday 11:00 in Astana
    envelope = story.envelope(story.decision(application_id, pb.RESUME), story.parties.registrar)
    assert isinstance(story.ledger.apply(envelope, time=resumed_at), AppliedTransaction)
    after = story.ledger.application(application_id)
    assert after is not None and after.status is ApplicationStatus.SUBMITTED
    assert before.service_deadline < date(2026, 6, 11) == after.service_deadline
