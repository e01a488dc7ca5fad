"""The registrar's records: the videoconference (paras 21, 30) and the checks on arrival (paras
23-24, 32-33)."""

from __future__ import annotations

from tirkeu_pb import transaction_pb2 as pb

from ledger.rejections import RejectionReason
from ledger.state.records import CheckKind, ParticipantRole
from tests.pki_fixtures import RECIPIENT_IIN, SPOUSE_IIN
from tests.unit.ledger.registry.story import Story


def _submitted() -> tuple[Story, str]:
    story = Story()
    story.import_property()
    return story, story.submit_lease()


def test_attestation_is_recorded_and_a_later_one_replaces_it_para_23() -> None:
    story, application_id = _submitted()
    registrar = story.parties.registrar
    story.applied(story.attestation(application_id, checks=story.checks()[:1]), registrar)
    story.applied(story.attestation(application_id), registrar)
    application = story.ledger.application(application_id)
    assert application is not None and application.attestation is not None
    assert application.videoconference is not None
    attestation = application.attestation
    assert len(attestation.checks) == 6
    assert attestation.checks[0].kind is CheckKind.FEE_PAID
    assert (RECIPIENT_IIN, ParticipantRole.RECIPIENT) in {
        (p.iin, p.role) for p in application.videoconference.participants
    }
    assert attestation.registrar_iin == registrar.info.iin


def test_checks_without_a_videoconference_keep_the_one_recorded_before_adr_0007() -> None:
    """The videoconference recorded on its own (para 21, before the sending) stands when the
    registrar later records only the checks (paras 23-24)."""
    story = Story()
    registrar = story.parties.registrar
    story.import_property()
    application_id = story.form_lease()
    held = story.applied(story.videoconference(application_id), registrar)
    story.send(application_id)
    story.applied(story.attestation(application_id, with_videoconference=False), registrar)
    application = story.ledger.application(application_id)
    assert application is not None and application.videoconference is not None
    assert application.videoconference.transaction_id == held.transaction_id
    assert application.attestation is not None


def test_para_23_checks_before_the_application_arrives_are_refused() -> None:
    """Para 23: «электрондық өтініш келіп түскен кезде» — "when the e-application arrives": a
    FORMED application has not arrived, so no checks yet; the videoconference may be held."""
    story = Story()
    registrar = story.parties.registrar
    story.import_property()
    application_id = story.form_lease()
    rejection = story.rejected(
        RejectionReason.INVALID_STATUS_TRANSITION, story.attestation(application_id), registrar
    )
    assert "has not arrived" in rejection.detail
    story.applied(story.videoconference(application_id), registrar)


def test_videoconference_only_by_a_registrar_para_21() -> None:
    story = Story()
    story.import_property()
    application_id = story.form_lease()
    held = story.videoconference(application_id)
    story.rejected(RejectionReason.NOT_REGISTRAR, held, story.parties.ktk_officer)
    story.rejected(
        RejectionReason.APPLICATION_NOT_FOUND,
        story.videoconference("ab" * 32),
        story.parties.registrar,
    )
    without = story.videoconference(application_id)
    without.ClearField("videoconference")
    story.rejected(RejectionReason.INVALID_FIELD, without, story.parties.registrar)
    story.applied(held, story.parties.registrar)


def test_videoconference_of_a_decided_application_is_invalid_status_transition() -> None:
    story = Story()
    application_id = story.registered_lease()
    story.rejected(
        RejectionReason.INVALID_STATUS_TRANSITION,
        story.videoconference(application_id),
        story.parties.registrar,
    )


def test_attestation_only_by_a_registrar_para_21() -> None:
    story, application_id = _submitted()
    attestation = story.attestation(application_id)
    story.rejected(RejectionReason.NOT_REGISTRAR, attestation, story.parties.ktk_officer)
    story.applied(attestation, story.parties.registrar)


def test_attestation_for_an_unknown_application_is_application_not_found() -> None:
    story, _ = _submitted()
    story.rejected(
        RejectionReason.APPLICATION_NOT_FOUND,
        story.attestation("ab" * 32),
        story.parties.registrar,
    )


def test_attestation_of_a_decided_application_is_invalid_status_transition() -> None:
    story = Story()
    application_id = story.registered_lease()
    story.rejected(
        RejectionReason.INVALID_STATUS_TRANSITION,
        story.attestation(application_id),
        story.parties.registrar,
    )


def test_attestation_fields_are_validated() -> None:
    story, application_id = _submitted()
    registrar = story.parties.registrar
    bad_iin = story.attestation(
        application_id, participants=[pb.VideoconferenceParticipant(iin="1", role=pb.RECIPIENT)]
    )
    story.rejected(RejectionReason.INVALID_IIN, bad_iin, registrar)
    no_role = story.attestation(
        application_id, participants=[pb.VideoconferenceParticipant(iin=RECIPIENT_IIN)]
    )
    story.rejected(RejectionReason.INVALID_FIELD, no_role, registrar)
    no_source = story.attestation(application_id, checks=[pb.Check(kind=pb.FEE_PAID)])
    story.rejected(RejectionReason.INVALID_FIELD, no_source, registrar)
    spouse_unmarried = story.attestation(application_id)
    spouse_unmarried.recipient_civil_status.spouse_iin = SPOUSE_IIN
    story.rejected(RejectionReason.INVALID_FIELD, spouse_unmarried, registrar)
