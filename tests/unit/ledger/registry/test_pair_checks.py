"""The pair of para 29 through the registrar's hands: the videoconference (para 30), the checks on
arrival (paras 32-33), suspension and refusal (paras 35-36), notified per para 37. The rules are
shared with the lease; these tests show that they hold for the pair too."""

from __future__ import annotations

import pytest
from tirkeu_pb import transaction_pb2 as pb

from ledger.registry.notifications import NotificationChannel, NotificationEvent
from ledger.rejections import RejectionReason
from ledger.state.records import ApplicationStatus, EncumbranceStatus
from tests.pki_fixtures import KTK_OFFICER_IIN, RECIPIENT_IIN, SPOUSE_IIN
from tests.registry_fixtures import FIRST_CREDIT_BUREAU_BIN, payment_document
from tests.unit.ledger.registry.story import CADASTRAL_NUMBER, Story

MARRIED = {"recipient_marital_status": pb.MARRIED, "spouse_iin": SPOUSE_IIN}
EVERYONE = {
    "KTK representative": (KTK_OFFICER_IIN, pb.KTK_REPRESENTATIVE),
    "recipient": (RECIPIENT_IIN, pb.RECIPIENT),
    "spouse": (SPOUSE_IIN, pb.SPOUSE),
}


def _married_pair_sent() -> tuple[Story, str]:
    """A married lessee's pair, formed and sent; no videoconference or checks yet."""
    story = Story()
    lease_id = story.registered_lease()
    pair_id = story.form_termination(lease_id, **MARRIED)
    story.send(pair_id, payment_document(reference="KZ-PAY-2"))
    return story, pair_id


def _register(story: Story, pair_id: str) -> pb.RegistrarDecision:
    return story.decision(pair_id, pb.REGISTER)


@pytest.mark.parametrize("absent", list(EVERYONE))
def test_para_30_pair_register_refused_unless_ktk_representative_recipient_and_spouse_took_part(
    absent: str,
) -> None:
    """Para 30: «Мәмілеге қатысушылар (ҚТК өкілі, көрсетілетін қызметті алушы, жұбайы
    (зайыбы)) … бейнеконференцбайланысқа қосылады» — "the participants (KTK's representative,
    the recipient, the spouse) join the videoconference"."""
    story, pair_id = _married_pair_sent()
    registrar = story.parties.registrar
    present = [
        pb.VideoconferenceParticipant(iin=iin, role=role)
        for who, (iin, role) in EVERYONE.items()
        if who != absent
    ]
    story.applied(story.attestation(pair_id, married=True, participants=present), registrar)
    expected = (
        RejectionReason.SPOUSE_ABSENT if absent == "spouse" else RejectionReason.PARTICIPANT_ABSENT
    )
    story.rejected(expected, _register(story, pair_id), registrar)
    story.applied(story.attestation(pair_id, married=True), registrar)
    story.applied(_register(story, pair_id), registrar)


PAIR_CHECKS = [
    (pb.FEE_PAID, pb.PAYMENT_SYSTEM),  # para 32: «төлемнің бар-жоғын тексеру»
    (pb.SPOUSES_PARTICIPATE, pb.CIVIL_STATUS_REGISTRY),  # para 33(3) АХАЖ АЖ
    (pb.SIGNATURES_AND_IDENTIFIERS, pb.INDIVIDUALS_DATABASE),  # para 33(1) ЖТ МДБ
    (pb.SIGNATURES_AND_IDENTIFIERS, pb.LEGAL_ENTITIES_DATABASE),  # para 33(2) ЗТ МДБ
    (pb.NO_PRECLUDING_ENCUMBRANCE, pb.REAL_ESTATE_CADASTRE),  # para 33(4) ЖМБМК АЖ
    (pb.NOT_ON_TERRORISM_FINANCING_LIST, pb.TERRORISM_FINANCING_LIST),  # para 32
]


@pytest.mark.parametrize("missing", PAIR_CHECKS)
def test_para_32_pair_register_refused_without_each_check(missing: tuple[int, int]) -> None:
    """Para 32: «ЖМБМК АЖ-ға электрондық өтініштер келіп түскен кезде … тексереді» — "when the
    e-applications arrive in ЖМБМК АЖ, the registrar checks" the fee, both spouses, EDS and
    IIN/BIN, encumbrances and the terrorism-financing list."""
    story, pair_id = _married_pair_sent()
    registrar = story.parties.registrar
    incomplete = story.attestation(pair_id, married=True, checks=story.checks(leave_out=[missing]))
    story.applied(incomplete, registrar)
    story.rejected(RejectionReason.CHECK_NOT_PASSED, _register(story, pair_id), registrar)
    story.applied(story.attestation(pair_id, married=True), registrar)
    story.applied(_register(story, pair_id), registrar)


def test_para_32b_pair_refused_when_the_civil_registry_finds_a_spouse_who_did_not_take_part() -> (
    None
):
    """Para 32: «… ерлі-зайыптылардың екеуінің де міндетті қатысуы» — "the mandatory
    participation of both spouses": the pair declared NOT_MARRIED, АХАЖ АЖ finds a spouse."""
    story = Story()
    registrar = story.parties.registrar
    lease_id = story.registered_lease()
    pair_id = story.submit_termination(lease_id)
    without_spouse = [
        pb.VideoconferenceParticipant(iin=KTK_OFFICER_IIN, role=pb.KTK_REPRESENTATIVE),
        pb.VideoconferenceParticipant(iin=RECIPIENT_IIN, role=pb.RECIPIENT),
    ]
    found_married = story.attestation(pair_id, married=True, participants=without_spouse)
    story.applied(found_married, registrar)
    story.rejected(RejectionReason.SPOUSE_ABSENT, _register(story, pair_id), registrar)
    story.applied(story.attestation(pair_id, married=True), registrar)
    story.applied(_register(story, pair_id), registrar)


def test_para_32e_pair_refused_when_a_participant_is_on_the_terrorism_financing_list() -> None:
    """Para 32: «… терроризмді … қаржыландырумен байланысты ұйымдар мен тұлғалардың тізбесінде
    … болмауы» — "absence from the list of persons linked to terrorism financing"."""
    story, pair_id = _married_pair_sent()
    registrar = story.parties.registrar
    checks = story.checks()
    checks[-1].passed = False
    checks[-1].detail = "a participant is on the list"
    story.applied(story.attestation(pair_id, married=True, checks=checks), registrar)
    rejection = story.rejected(
        RejectionReason.CHECK_NOT_PASSED, _register(story, pair_id), registrar
    )
    assert "TERRORISM_FINANCING_LIST" in rejection.detail


def test_para_33_pair_checks_must_come_from_the_named_databases() -> None:
    """Para 33: «Тексеру ЖТ МДБ, ЗТ МДБ, АХАЖ АЖ, ЖМБМК АЖ сервистері бойынша жүргізіледі» —
    "the check is made through the services of" the named databases: a passed check from
    another source does not count."""
    story, pair_id = _married_pair_sent()
    registrar = story.parties.registrar
    checks = story.checks()
    for check in checks:
        if check.kind == pb.NO_PRECLUDING_ENCUMBRANCE:
            check.source = pb.INDIVIDUALS_DATABASE  # not ЖМБМК АЖ
    story.applied(story.attestation(pair_id, married=True, checks=checks), registrar)
    story.rejected(RejectionReason.CHECK_NOT_PASSED, _register(story, pair_id), registrar)


def test_para_35_pair_suspension_cites_article_27_and_notifies_the_bureau_and_egov() -> None:
    """Para 35: «… 27-бабында көзделген негіздер болған кезде … тоқтата тұруды» — "suspension
    on the grounds of Art. 27"; para 37: notified to First Credit Bureau and the recipient's
    egov cabinet, not to the platform."""
    story, pair_id = _married_pair_sent()
    registrar = story.parties.registrar
    ungrounded = story.decision(pair_id, pb.SUSPEND, article=31, reason="wrong article")
    story.rejected(RejectionReason.LEGAL_GROUND_REQUIRED, ungrounded, registrar)
    before = len(story.ledger.notifications)
    suspend = story.decision(pair_id, pb.SUSPEND, article=27, reason="letter to be clarified")
    story.applied(suspend, registrar)
    pair = story.ledger.application(pair_id)
    assert pair is not None and pair.status is ApplicationStatus.SUSPENDED
    notified = [
        (n.channel, n.addressee, n.event, n.legal_basis)
        for n in story.ledger.notifications[before:]
    ]
    assert notified == [
        (
            NotificationChannel.FIRST_CREDIT_BUREAU,
            FIRST_CREDIT_BUREAU_BIN,
            NotificationEvent.SUSPENDED,
            "Algorithm para 37",
        ),
        (
            NotificationChannel.EGOV_CABINET,
            RECIPIENT_IIN,
            NotificationEvent.SUSPENDED,
            "Algorithm para 37",
        ),
    ]
    flat = story.ledger.property(CADASTRAL_NUMBER)
    assert flat is not None
    assert [e.status for e in flat.encumbrances] == [EncumbranceStatus.ACTIVE]


def test_para_36_pair_refusal_cites_article_31_and_leaves_the_lease_active() -> None:
    """Para 36: «… 31-бабында көзделген негіздер болған кезде … бас тартуды» — "refusal on the
    grounds of Art. 31": the lease stays ACTIVE, KTK still holds the flat, and a new pair may be
    formed."""
    story, pair_id = _married_pair_sent()
    registrar = story.parties.registrar
    unreasoned = story.decision(pair_id, pb.REFUSE, article=31)
    story.rejected(RejectionReason.LEGAL_GROUND_REQUIRED, unreasoned, registrar)
    story.applied(story.decision(pair_id, pb.REFUSE, article=31, reason="r"), registrar)
    pair = story.ledger.application(pair_id)
    assert pair is not None and pair.status is ApplicationStatus.REFUSED
    flat = story.ledger.property(CADASTRAL_NUMBER)
    assert flat is not None and flat.active_lease() is not None
    assert flat.holder.identifier != RECIPIENT_IIN
    assert pair.lease_application_id is not None
    story.form_termination(pair.lease_application_id)
