"""Sending a formed application with the fee's payment document (Algorithm paras 22, 31) and the
service deadline it starts (para 38)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tirkeu_pb import transaction_pb2 as pb

from ledger.rejections import RejectionReason
from ledger.state.records import ApplicationStatus
from tests.pki_fixtures import GUARANTOR_IIN, RECIPIENT_IIN, REGISTRAR_IIN
from tests.registry_fixtures import make_genesis, payment_document
from tests.unit.ledger.registry.story import Story, shared_parties


def _formed() -> tuple[Story, str]:
    story = Story()
    story.import_property()
    return story, story.form_lease()


def test_para_22_payment_before_sending_by_recipient() -> None:
    """Para 22: «Көрсетілетін қызметті алушы … ақы төлеуді жүргізгеннен кейін, … ақы төлеу
    туралы құжаттың электрондық көшірмесін қоса бере отырып, … жолдауды жүзеге асырады» — "the
    recipient, after making the payment, attaching the e-copy of the payment document, carries
    out the sending": no sending without the payment, nor with someone else's, nor before it."""
    story, application_id = _formed()
    p = story.parties
    signers = (p.ktk_officer, p.recipient)
    unpaid = pb.ApplicationSending(application_id=application_id)
    story.rejected(RejectionReason.PAYMENT_REQUIRED_BEFORE_SENDING, unpaid, *signers)
    for payer in (GUARANTOR_IIN, REGISTRAR_IIN):
        by_another = story.sending(application_id, payment_document(payer_iin=payer))
        story.rejected(RejectionReason.PAYER_NOT_RECIPIENT, by_another, *signers)
    later = story.ledger.next_time + timedelta(seconds=1)
    paid_after = story.sending(application_id, payment_document(paid_at=later))
    story.rejected(RejectionReason.PAYMENT_AFTER_SENDING, paid_after, *signers)
    story.applied(story.sending(application_id), *signers)
    application = story.ledger.application(application_id)
    assert application is not None and application.payment is not None
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.payment.payer_iin == RECIPIENT_IIN


def test_para_22_application_sent_by_recipient_and_ktk_authorised_person() -> None:
    """Para 22: «көрсетілетін қызметті алушының және ҚТК уәкілетті тұлғасының ЭЦҚ куәландыру
    жолымен растай отырып» — "confirming by the EDS of the recipient and of KTK's authorised
    person": both, and nobody else."""
    story, application_id = _formed()
    p = story.parties
    sending = story.sending(application_id)
    story.rejected(RejectionReason.MISSING_REQUIRED_SIGNATURE, sending, p.ktk_officer)
    story.rejected(RejectionReason.NOT_KTK_AUTHORISED_PERSON, sending, p.recipient)
    story.rejected(
        RejectionReason.UNEXPECTED_SIGNER, sending, p.ktk_officer, p.recipient, p.guarantor
    )
    story.applied(sending, p.ktk_officer, p.recipient)


def test_para_22_there_is_no_payment_after_sending() -> None:
    """The payment travels with the sending only: a second sending is refused, and the body that
    confirmed a payment later (field 12, PaymentConfirmation) is gone from the contract."""
    story, application_id = _formed()
    story.send(application_id)
    p = story.parties
    story.rejected(
        RejectionReason.INVALID_STATUS_TRANSITION,
        story.sending(application_id, payment_document(reference="KZ-PAY-9")),
        p.ktk_officer,
        p.recipient,
    )
    assert "payment_confirmation" not in pb.TransactionBody.DESCRIPTOR.fields_by_name
    assert "payment" not in pb.LeaseApplication.DESCRIPTOR.fields_by_name


def test_para_31_pair_payer_is_not_restricted_inference_adr_0007() -> None:
    """Para 31 attaches the payment document and names no payer (ADR 0007 D4)."""
    story = Story()
    lease_id = story.registered_lease()
    pair_id = story.form_termination(lease_id)
    story.send(pair_id, payment_document(payer_iin=GUARANTOR_IIN, reference="KZ-PAY-2"))
    pair = story.ledger.application(pair_id)
    assert pair is not None and pair.payment is not None
    assert pair.payment.payer_iin == GUARANTOR_IIN


def test_sending_sets_payment_and_deadline_para_38() -> None:
    story, application_id = _formed()
    story.send(application_id)
    application = story.ledger.application(application_id)
    assert application is not None and application.payment is not None
    assert application.payment.confirmed_on == date(2026, 5, 4)  # Monday, UTC+5
    assert application.service_deadline == date(2026, 5, 5)


def test_sending_an_unknown_application_is_application_not_found() -> None:
    story, _ = _formed()
    p = story.parties
    story.rejected(
        RejectionReason.APPLICATION_NOT_FOUND,
        story.sending("00" * 32),
        p.ktk_officer,
        p.recipient,
    )


def test_sending_an_incomplete_payment_is_invalid_payment() -> None:
    story, application_id = _formed()
    p = story.parties
    for payment in (
        payment_document(amount_tiyn=0),
        payment_document(reference=" "),
        pb.PaymentDocument(sha256=bytes(32), amount_tiyn=1, payment_reference="x"),
    ):
        payment.payer_iin = payment.payer_iin or RECIPIENT_IIN
        story.rejected(
            RejectionReason.INVALID_PAYMENT,
            story.sending(application_id, payment),
            p.ktk_officer,
            p.recipient,
        )
    story.rejected(
        RejectionReason.INVALID_IIN,
        story.sending(application_id, payment_document(payer_iin="1")),
        p.ktk_officer,
        p.recipient,
    )


def test_sending_a_refused_application_is_invalid_status_transition() -> None:
    story, application_id = _formed()
    story.send(application_id)
    refusal = story.decision(application_id, pb.REFUSE, article=31, reason="Art. 31 ground")
    story.applied(refusal, story.parties.registrar)
    p = story.parties
    story.rejected(
        RejectionReason.INVALID_STATUS_TRANSITION,
        story.sending(application_id),
        p.ktk_officer,
        p.recipient,
    )


def _deadline_when_sent_at(moment: str, holidays: tuple[date, ...] = ()) -> date | None:
    story = Story(genesis=make_genesis(shared_parties(), holidays=holidays))
    story.import_property()
    application_id = story.form_lease()
    p = story.parties
    envelope = story.envelope(story.sending(application_id), p.ktk_officer, p.recipient)
    story.ledger.apply(envelope, time=datetime.fromisoformat(moment))
    application = story.ledger.application(application_id)
    assert application is not None
    return application.service_deadline


def test_para_38_deadline_runs_from_the_sending_block() -> None:
    """Para 38: «… төлемді растау алынған күннен кейінгі бір жұмыс күнінен кешіктірмей» — "no
    later than one working day after the day the payment confirmation is received": the
    sending's block is that day (a Monday here), not the forming's."""
    assert _deadline_when_sent_at("2026-05-11T05:00:00+00:00") == date(2026, 5, 12)


def test_deadline_skips_the_weekend_para_38() -> None:
    # Friday 2026-05-08 15:00 in Astana: due Monday.
    assert _deadline_when_sent_at("2026-05-08T10:00:00+00:00") == date(2026, 5, 11)


def test_deadline_day_is_the_local_day_utc_plus_5_para_38() -> None:
    # Thursday 20:30 UTC is already Friday 01:30 in Astana: due Monday, not Friday.
    assert _deadline_when_sent_at("2026-05-07T20:30:00+00:00") == date(2026, 5, 11)


def test_deadline_skips_holidays_from_genesis_para_38() -> None:
    holidays = (date(2026, 5, 11),)
    assert _deadline_when_sent_at("2026-05-08T10:00:00+00:00", holidays) == date(2026, 5, 12)


def test_para_38_payment_received_on_a_saturday_evening_is_due_monday_inference_adr_0007() -> None:
    """Para 38 counts from «төлемді растау алынған күннен» ("the day the payment confirmation is
    received"); seed 000 is silent on after-hours and holiday receipts (seeds 001, 002, 004 move
    them to the next working day for their services). ADR 0007 D10: no shift — Saturday 22:00
    in Astana is Saturday; the first working day after it is Monday."""
    assert _deadline_when_sent_at("2026-05-09T17:00:00+00:00") == date(2026, 5, 11)
