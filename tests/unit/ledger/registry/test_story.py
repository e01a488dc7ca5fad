"""The whole lease-to-own story through BlockExecutor, with real certificates and real CMS:
import -> lease application formed -> videoconference -> sent with the payment -> checks ->
suspend (Art. 27) -> resume -> register -> termination + ownership -> register; and a refused
application (Algorithm paras 19-37)."""

from __future__ import annotations

from datetime import timedelta

from tirkeu_pb import transaction_pb2 as pb

from ledger.registry.notifications import NotificationChannel, NotificationEvent
from ledger.state.records import (
    ApplicationStatus,
    Decision,
    EncumbranceStatus,
    IdentifierKind,
    PartyIdentifier,
    SheetEntryKind,
)
from tests.pki_fixtures import KTK_BIN, RECIPIENT_IIN, REGISTRAR_IIN
from tests.registry_fixtures import FIRST_CREDIT_BUREAU_BIN, payment_document
from tests.unit.ledger.registry.story import CADASTRAL_NUMBER, Story


def test_lease_to_own_story_ends_with_the_former_lessee_as_owner_paras_19_to_37() -> None:
    story = Story()
    p = story.parties
    story.import_property()
    # In the text's order: formed (paras 19-20), videoconference (21), paid and sent (22),
    # checked on arrival (23-24).
    lease_id = story.form_lease()
    story.applied(story.videoconference(lease_id), p.registrar)
    story.send(lease_id)
    story.applied(story.attestation(lease_id, with_videoconference=False), p.registrar)
    suspend = story.decision(lease_id, pb.SUSPEND, article=27, reason="documents to be clarified")
    story.applied(suspend, p.registrar)
    story.applied(story.decision(lease_id, pb.RESUME), p.registrar)
    story.applied(story.attestation(lease_id), p.registrar)  # paras 26, 35: attested afresh
    story.applied(story.decision(lease_id, pb.REGISTER), p.registrar)

    leased = story.ledger.property(CADASTRAL_NUMBER)
    assert leased is not None
    assert [e.status for e in leased.encumbrances] == [EncumbranceStatus.ACTIVE]
    assert leased.holder == PartyIdentifier(IdentifierKind.BIN, KTK_BIN)

    pair_id = story.submit_termination(lease_id)
    story.applied(story.attestation(pair_id), p.registrar)
    story.applied(story.decision(pair_id, pb.REGISTER), p.registrar)

    owned = story.ledger.property(CADASTRAL_NUMBER)
    assert owned is not None
    assert owned.holder == PartyIdentifier(IdentifierKind.IIN, RECIPIENT_IIN)
    assert [e.status for e in owned.encumbrances] == [EncumbranceStatus.TERMINATED]
    sheet = owned.registration_sheet
    assert [(e.number, e.kind, e.legal_basis) for e in sheet] == [
        (1, SheetEntryKind.LEASE_ENCUMBRANCE_REGISTERED, "Algorithm para 25"),
        (2, SheetEntryKind.LEASE_ENCUMBRANCE_TERMINATED, "Algorithm para 34(1)"),
        (3, SheetEntryKind.OWNERSHIP_REGISTERED, "Algorithm para 34(2)"),
    ]
    assert [e.application_id for e in sheet] == [lease_id, pair_id, pair_id]
    assert {e.registrar_iin for e in sheet} == {REGISTRAR_IIN}
    assert sheet[2].right_holder == PartyIdentifier(IdentifierKind.IIN, RECIPIENT_IIN)

    lease = story.ledger.application(lease_id)
    pair = story.ledger.application(pair_id)
    assert lease is not None and pair is not None
    assert lease.status is ApplicationStatus.REGISTERED
    assert pair.status is ApplicationStatus.REGISTERED
    assert [d.decision for d in lease.decisions] == [
        Decision.SUSPEND,
        Decision.RESUME,
        Decision.REGISTER,
    ]
    assert lease.decisions[0].ground is not None and lease.decisions[0].ground.article == 27

    notified = [
        (n.application_id, n.event, n.channel, n.addressee, n.legal_basis)
        for n in story.ledger.notifications
    ]
    assert notified == [
        # Para 28: the recipient's cabinets on egov.kz and on the platform; none for the resumption.
        (
            lease_id,
            NotificationEvent.SUSPENDED,
            NotificationChannel.EGOV_CABINET,
            RECIPIENT_IIN,
            "Algorithm para 28",
        ),
        (
            lease_id,
            NotificationEvent.SUSPENDED,
            NotificationChannel.PLATFORM_CABINET,
            RECIPIENT_IIN,
            "Algorithm para 28",
        ),
        (
            lease_id,
            NotificationEvent.REGISTERED,
            NotificationChannel.EGOV_CABINET,
            RECIPIENT_IIN,
            "Algorithm para 28",
        ),
        (
            lease_id,
            NotificationEvent.REGISTERED,
            NotificationChannel.PLATFORM_CABINET,
            RECIPIENT_IIN,
            "Algorithm para 28",
        ),
        # Para 37: First Credit Bureau and the egov cabinet.
        (
            pair_id,
            NotificationEvent.REGISTERED,
            NotificationChannel.FIRST_CREDIT_BUREAU,
            FIRST_CREDIT_BUREAU_BIN,
            "Algorithm para 37",
        ),
        (
            pair_id,
            NotificationEvent.REGISTERED,
            NotificationChannel.EGOV_CABINET,
            RECIPIENT_IIN,
            "Algorithm para 37",
        ),
    ]


def test_refused_application_leaves_the_property_unencumbered_para_27() -> None:
    story = Story()
    lease_id = story.lease_ready_to_register()
    refusal = story.decision(lease_id, pb.REFUSE, article=31, reason="grounds of Art. 31")
    story.applied(refusal, story.parties.registrar)

    application = story.ledger.application(lease_id)
    assert application is not None and application.status is ApplicationStatus.REFUSED
    assert application.decisions[-1].reason == "grounds of Art. 31"
    found = story.ledger.property(CADASTRAL_NUMBER)
    assert found is not None and found.encumbrances == () and found.registration_sheet == ()
    assert [(n.event, n.reason) for n in story.ledger.notifications] == [
        (NotificationEvent.REFUSED, "grounds of Art. 31"),
        (NotificationEvent.REFUSED, "grounds of Art. 31"),
    ]


def test_para_21_videoconference_before_payment_and_sending_is_accepted() -> None:
    """Paras 21-22: the videoconference «белгіленген уақытта» ("at the appointed time") verifies
    «қойылған қолдарының растығын» ("the signatures placed"); then «ақы төлеуді жүргізгеннен
    кейін … жолдауды жүзеге асырады» ("after making the payment … carries out the sending").
    Formed, videoconference, paid, sent, checked, registered — in that order of blocks."""
    story = Story()
    p = story.parties
    story.import_property()
    lease_id = story.form_lease()
    formed = story.ledger.height
    story.applied(story.videoconference(lease_id), p.registrar)
    held = story.ledger.height
    paid_at = story.now() + timedelta(seconds=30)  # after the videoconference's block
    story.send(lease_id, payment_document(paid_at=paid_at))
    sent = story.ledger.height
    story.applied(story.attestation(lease_id, with_videoconference=False), p.registrar)
    story.applied(story.decision(lease_id, pb.REGISTER), p.registrar)
    lease = story.ledger.application(lease_id)
    assert lease is not None and lease.status is ApplicationStatus.REGISTERED
    assert lease.videoconference is not None and lease.payment is not None
    assert (formed, lease.videoconference.height, lease.submitted_height) == (formed, held, sent)
    assert formed < held < sent
    assert lease.payment.paid_at == paid_at


def test_para_30_pair_videoconference_before_the_applications_are_signed_is_accepted() -> None:
    """Paras 30-31: «Мәмілеге қатысушылар … бейнеконференцбайланысқа қосылады» ("the
    participants join the videoconference"), then the applications «… қол қоюмен расталады»
    ("are confirmed by signing"): the pair's videoconference is recorded while it is FORMED."""
    story = Story()
    p = story.parties
    lease_id = story.registered_lease()
    pair_id = story.form_termination(lease_id)
    story.applied(story.videoconference(pair_id), p.registrar)
    story.send(pair_id, payment_document(reference="KZ-PAY-2"))
    story.applied(story.attestation(pair_id, with_videoconference=False), p.registrar)
    story.applied(story.decision(pair_id, pb.REGISTER), p.registrar)
    pair = story.ledger.application(pair_id)
    assert pair is not None and pair.status is ApplicationStatus.REGISTERED
    assert pair.videoconference is not None and pair.submitted_height is not None
    assert pair.videoconference.height < pair.submitted_height


def test_videoconference_after_sending_is_accepted_inference_adr_0007() -> None:
    """ADR 0007 D2: the videoconference may also be held after the sending, with the checks."""
    story = Story()
    p = story.parties
    story.import_property()
    lease_id = story.submit_lease()
    story.applied(story.attestation(lease_id), p.registrar)
    story.applied(story.decision(lease_id, pb.REGISTER), p.registrar)
