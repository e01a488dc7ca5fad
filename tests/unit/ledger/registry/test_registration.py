"""What a REGISTER decision requires (paras 23-25, 32-34): each condition, named after its
paragraph; each test shows the rejection and then the registration once the condition holds."""

from __future__ import annotations

import pytest
from tirkeu_pb import transaction_pb2 as pb

from ledger.rejections import RejectionReason
from ledger.state.records import ApplicationStatus, EncumbranceStatus
from tests.pki_fixtures import OTHER_BIN, RECIPIENT_IIN, SPOUSE_IIN
from tests.unit.ledger.registry.story import CADASTRAL_NUMBER, Story


def _register(story: Story, application_id: str) -> pb.RegistrarDecision:
    return story.decision(application_id, pb.REGISTER)


def _participant(iin: str, role: int) -> pb.VideoconferenceParticipant:
    return pb.VideoconferenceParticipant(iin=iin, role=role)  # type: ignore[arg-type]


def test_register_refused_without_the_fee_check_in_the_payment_system_para_23a() -> None:
    """Para 23(a): «төлемнің бар-жоғын тексеру» — "checking whether the payment was made": the
    payment document came with the sending; the registrar's FEE_PAID check in the payment system
    is required as well."""
    story = Story()
    registrar = story.parties.registrar
    story.import_property()
    application_id = story.submit_lease()
    checks = story.checks(leave_out=[(pb.FEE_PAID, pb.PAYMENT_SYSTEM)])
    story.applied(story.attestation(application_id, checks=checks), registrar)
    story.rejected(RejectionReason.CHECK_NOT_PASSED, _register(story, application_id), registrar)
    story.applied(story.attestation(application_id), registrar)
    story.applied(_register(story, application_id), registrar)


def test_register_refused_without_videoconference_or_checks_paras_21_23() -> None:
    story = Story()
    registrar = story.parties.registrar
    story.import_property()
    application_id = story.submit_lease()
    story.rejected(RejectionReason.ATTESTATION_MISSING, _register(story, application_id), registrar)
    story.applied(story.videoconference(application_id), registrar)
    rejection = story.rejected(
        RejectionReason.ATTESTATION_MISSING, _register(story, application_id), registrar
    )
    assert "checks" in rejection.detail
    story.applied(story.attestation(application_id, with_videoconference=False), registrar)
    story.applied(_register(story, application_id), registrar)


def test_register_refused_unless_videoconference_confirms_signatures_capacity_will_para_23() -> (
    None
):
    story = Story()
    registrar = story.parties.registrar
    application_id = story.lease_ready_to_register()
    story.applied(story.attestation(application_id, confirmed=False), registrar)
    story.rejected(
        RejectionReason.VIDEOCONFERENCE_NOT_CONFIRMED, _register(story, application_id), registrar
    )
    story.applied(story.attestation(application_id), registrar)
    story.applied(_register(story, application_id), registrar)


@pytest.mark.parametrize("absent", ["ktk_representative", "recipient"])
def test_register_refused_unless_ktk_representative_and_recipient_took_part_para_21(
    absent: str,
) -> None:
    story = Story()
    registrar = story.parties.registrar
    application_id = story.lease_ready_to_register()
    ktk = _participant(str(story.parties.ktk_officer.info.iin), pb.KTK_REPRESENTATIVE)
    recipient = _participant(RECIPIENT_IIN, pb.RECIPIENT)
    present = [recipient] if absent == "ktk_representative" else [ktk]
    story.applied(story.attestation(application_id, participants=present), registrar)
    story.rejected(RejectionReason.PARTICIPANT_ABSENT, _register(story, application_id), registrar)
    story.applied(story.attestation(application_id, participants=[ktk, recipient]), registrar)
    story.applied(_register(story, application_id), registrar)


def test_register_refused_when_married_spouse_did_not_join_the_videoconference_para_23b() -> None:
    story = Story()
    registrar = story.parties.registrar
    application_id = story.lease_ready_to_register(married=True)
    ktk = _participant(str(story.parties.ktk_officer.info.iin), pb.KTK_REPRESENTATIVE)
    without_spouse = [ktk, _participant(RECIPIENT_IIN, pb.RECIPIENT)]
    attestation = story.attestation(application_id, married=True, participants=without_spouse)
    story.applied(attestation, registrar)
    story.rejected(RejectionReason.SPOUSE_ABSENT, _register(story, application_id), registrar)
    story.applied(story.attestation(application_id, married=True), registrar)
    story.applied(_register(story, application_id), registrar)


def test_register_refused_when_the_spouse_found_by_the_civil_registry_is_absent_para_23b() -> None:
    story = Story()
    registrar = story.parties.registrar
    application_id = story.lease_ready_to_register(married=False)
    # АХАЖ АЖ says the recipient is married; the spouse did not join the videoconference.
    ktk = _participant(str(story.parties.ktk_officer.info.iin), pb.KTK_REPRESENTATIVE)
    without_spouse = [ktk, _participant(RECIPIENT_IIN, pb.RECIPIENT)]
    attestation = story.attestation(application_id, married=True, participants=without_spouse)
    story.applied(attestation, registrar)
    story.rejected(RejectionReason.SPOUSE_ABSENT, _register(story, application_id), registrar)


def test_para_23b_married_recipient_registers_when_the_spouse_took_part() -> None:
    """Para 23(b): «ерлі-зайыптылардың екеуінің де міндетті қатысуы» — "the mandatory
    participation of both spouses": participation in the videoconference, not a signature. Found
    married by АХАЖ АЖ, the application signed by KTK and the recipient only, it registers."""
    story = Story()
    registrar = story.parties.registrar
    application_id = story.lease_ready_to_register(married=False)
    story.applied(story.attestation(application_id, married=True), registrar)
    story.applied(_register(story, application_id), registrar)
    application = story.ledger.application(application_id)
    assert application is not None
    assert all(SPOUSE_IIN not in link.signer for link in application.signing_certificates)


def test_register_refused_when_the_attested_spouse_is_not_the_declared_one_para_23b() -> None:
    story = Story()
    registrar = story.parties.registrar
    application_id = story.lease_ready_to_register(married=True)
    other_spouse = story.attestation(application_id, married=True)
    other_spouse.recipient_civil_status.spouse_iin = story.parties.guarantor.info.iin or ""
    story.applied(other_spouse, registrar)
    story.rejected(RejectionReason.SPOUSE_ABSENT, _register(story, application_id), registrar)
    assert other_spouse.recipient_civil_status.spouse_iin != SPOUSE_IIN


REQUIRED = [
    (pb.SIGNATURES_AND_IDENTIFIERS, pb.INDIVIDUALS_DATABASE),  # paras 23(c), 24(1)
    (pb.SIGNATURES_AND_IDENTIFIERS, pb.LEGAL_ENTITIES_DATABASE),  # paras 23(c), 24(2)
    (pb.SPOUSES_PARTICIPATE, pb.CIVIL_STATUS_REGISTRY),  # paras 23(b), 24(3)
    (pb.NO_PRECLUDING_ENCUMBRANCE, pb.REAL_ESTATE_CADASTRE),  # paras 23(d), 24(4)
    (pb.NOT_ON_TERRORISM_FINANCING_LIST, pb.TERRORISM_FINANCING_LIST),  # para 23(e)
]


@pytest.mark.parametrize("missing", REQUIRED)
def test_register_refused_without_each_required_check_paras_23_24(missing: tuple[int, int]) -> None:
    story = Story()
    registrar = story.parties.registrar
    application_id = story.lease_ready_to_register()
    incomplete = story.attestation(application_id, checks=story.checks(leave_out=[missing]))
    story.applied(incomplete, registrar)
    story.rejected(RejectionReason.CHECK_NOT_PASSED, _register(story, application_id), registrar)
    story.applied(story.attestation(application_id), registrar)
    story.applied(_register(story, application_id), registrar)


def test_register_refused_when_a_check_failed_para_23e() -> None:
    story = Story()
    registrar = story.parties.registrar
    application_id = story.lease_ready_to_register()
    checks = story.checks()
    checks[-1].passed = False
    checks[-1].detail = "participant found on the list"
    story.applied(story.attestation(application_id, checks=checks), registrar)
    story.rejected(RejectionReason.CHECK_NOT_PASSED, _register(story, application_id), registrar)


def test_lease_registered_only_on_a_property_held_by_ktk_inference_adr_0007() -> None:
    """Not para 23(d) («мемлекеттік тіркеуді болдырмайтын ауыртпалықтардың болмауы», "no
    encumbrances precluding registration"), which says nothing of the holder: an inference."""
    elsewhere = Story()
    registrar = elsewhere.parties.registrar
    elsewhere.import_property(holder_bin=OTHER_BIN)
    application_id = elsewhere.submit_lease()
    elsewhere.applied(elsewhere.attestation(application_id), registrar)
    refused = elsewhere.rejected(
        RejectionReason.PROPERTY_NOT_HELD_BY_KTK, _register(elsewhere, application_id), registrar
    )
    assert refused.detail.endswith("inference (ADR 0007 D11)")
    assert "para" not in refused.reason.explanation
    held_by_ktk = Story()
    lease_id = held_by_ktk.lease_ready_to_register()
    held_by_ktk.applied(_register(held_by_ktk, lease_id), registrar)


def test_second_lease_on_a_leased_property_is_precluding_encumbrance_para_23d() -> None:
    story = Story()
    registrar = story.parties.registrar
    first = story.lease_ready_to_register()
    second = story.submit_lease()
    story.applied(story.attestation(second), registrar)
    story.applied(_register(story, first), registrar)
    story.rejected(RejectionReason.PRECLUDING_ENCUMBRANCE, _register(story, second), registrar)


def test_second_lease_registers_when_the_first_was_refused_para_23d() -> None:
    story = Story()
    registrar = story.parties.registrar
    first = story.lease_ready_to_register()
    second = story.submit_lease()
    story.applied(story.attestation(second), registrar)
    story.applied(story.decision(first, pb.REFUSE, article=31, reason="r"), registrar)
    story.applied(_register(story, second), registrar)


def test_lease_registration_makes_the_encumbrance_and_the_sheet_entry_para_25() -> None:
    story = Story()
    application_id = story.registered_lease()
    found = story.ledger.property(CADASTRAL_NUMBER)
    application = story.ledger.application(application_id)
    assert found is not None and application is not None
    assert application.status is ApplicationStatus.REGISTERED
    (encumbrance,) = found.encumbrances
    assert encumbrance.status is EncumbranceStatus.ACTIVE
    assert encumbrance.lessee_iin == RECIPIENT_IIN
    assert encumbrance.registered_height == story.ledger.height
    (entry,) = found.registration_sheet
    assert entry.number == 1 and entry.legal_basis == "Algorithm para 25"
    assert entry.basis_document_sha256 == encumbrance.contract_sha256
    assert entry.transaction_id == application.decisions[-1].transaction_id
