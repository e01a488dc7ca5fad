"""The attestation must be of this application, as it stands (review finding #5).

Para 23: the registrar checks "when the e-application reaches ЖМБМК АЖ", so the checks are dated
between the application's sending and the attestation's block; para 21: the videoconference
verifies signatures already placed, so it is dated between the forming and its block (the exact
windows: ADR 0007 D3).
Para 21: KTK's representative, the recipient and the spouse join the videoconference, each once,
and KTK's representative is not on the recipient's side. Paras 26, 35: after a suspension the
registrar attests afresh. Each test shows the rejection, then the repaired action applying.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from tirkeu_pb import transaction_pb2 as pb

from ledger.execution.executor import AppliedTransaction
from ledger.identity.revocation import TrustStore
from ledger.registry.registration import require_registrable
from ledger.rejections import RejectionReason, TransactionRejected
from ledger.state.records import unix_ms
from tests.pki_fixtures import RECIPIENT_IIN, SPOUSE_IIN
from tests.unit.ledger.registry.story import Story

ONE_SECOND = timedelta(seconds=1)


def _paid(*, married: bool = False) -> tuple[Story, str, datetime]:
    """An application sent with its payment, and the time of the sending's block."""
    story = Story()
    story.import_property()
    application_id = story.submit_lease(married=married)
    return story, application_id, story.now()


def _register(story: Story, application_id: str) -> pb.RegistrarDecision:
    return story.decision(application_id, pb.REGISTER)


def test_check_dated_before_the_application_arrived_is_out_of_time_para_23() -> None:
    """Para 23: «электрондық өтініш келіп түскен кезде» — "when the e-application arrives"."""
    story, application_id, submitted_at = _paid()
    registrar = story.parties.registrar
    attestation = story.attestation(application_id)
    attestation.checks[-1].queried_at_unix_ms = unix_ms(submitted_at - ONE_SECOND)  # para 23(e)
    story.rejected(RejectionReason.ATTESTATION_OUT_OF_TIME, attestation, registrar)
    story.applied(story.attestation(application_id, at=submitted_at), registrar)
    story.applied(_register(story, application_id), registrar)


def test_para_21_videoconference_dated_before_the_signatures_is_refused() -> None:
    """Para 21: «қойылған қолдарының растығын» — "the authenticity of the signatures placed":
    a videoconference dated before the application was formed and signed is not of it."""
    story = Story()
    story.import_property()
    application_id = story.form_lease()
    formed_at = story.now()
    registrar = story.parties.registrar
    early = story.videoconference(application_id, at=formed_at - ONE_SECOND)
    story.rejected(RejectionReason.ATTESTATION_OUT_OF_TIME, early, registrar)
    story.applied(story.videoconference(application_id, at=formed_at), registrar)


@pytest.mark.parametrize("dated", ["videoconference", "fee_check"])
def test_attestation_dated_after_its_block_is_out_of_time_para_23(dated: str) -> None:
    story, application_id, _ = _paid()
    registrar = story.parties.registrar
    block_time = story.ledger.next_time  # the block the attestation goes into
    attestation = story.attestation(application_id)
    after = unix_ms(block_time + ONE_SECOND)
    if dated == "videoconference":
        attestation.videoconference.held_at_unix_ms = after
    else:
        attestation.checks[0].queried_at_unix_ms = after
    story.rejected(RejectionReason.ATTESTATION_OUT_OF_TIME, attestation, registrar)
    story.applied(story.attestation(application_id, at=story.ledger.next_time), registrar)


def test_register_refuses_an_attestation_out_of_time_para_23() -> None:
    """REGISTER judges the recorded dates again (an attestation of an older chain, say)."""
    story = Story()
    application_id = story.lease_ready_to_register()
    application = story.ledger.application(application_id)
    assert application is not None and application.attestation is not None
    now = story.ledger.next_time
    trust = TrustStore(authorities=())
    require_registrable(application, now, trust)  # as recorded, it is in time
    assert application.videoconference is not None
    old = replace(application.videoconference, held_at_unix_ms=0)  # 1970
    with pytest.raises(TransactionRejected) as raised:
        require_registrable(replace(application, videoconference=old), now, trust)
    assert raised.value.reason is RejectionReason.ATTESTATION_OUT_OF_TIME


@pytest.mark.parametrize("side", ["recipient", "spouse"])
def test_ktk_representative_is_neither_recipient_nor_spouse_inference_adr_0007(side: str) -> None:
    story, application_id, _ = _paid(married=True)
    registrar = story.parties.registrar
    impostor = RECIPIENT_IIN if side == "recipient" else SPOUSE_IIN
    participants = [
        pb.VideoconferenceParticipant(iin=impostor, role=pb.KTK_REPRESENTATIVE),
        pb.VideoconferenceParticipant(iin=RECIPIENT_IIN, role=pb.RECIPIENT),
        pb.VideoconferenceParticipant(iin=SPOUSE_IIN, role=pb.SPOUSE),
    ]
    attestation = story.attestation(application_id, married=True, participants=participants)
    rejection = story.rejected(RejectionReason.CONFLICT_OF_INTEREST, attestation, registrar)
    assert f"is the {side}" in rejection.detail
    story.applied(story.attestation(application_id, married=True), registrar)
    story.applied(_register(story, application_id), registrar)


@pytest.mark.parametrize("second_role", [pb.RECIPIENT, pb.GUARANTOR])
def test_each_participant_takes_part_once_para_21(second_role: int) -> None:
    story, application_id, _ = _paid()
    registrar = story.parties.registrar
    attestation = story.attestation(application_id)
    attestation.videoconference.participants.append(
        pb.VideoconferenceParticipant(iin=RECIPIENT_IIN, role=second_role)  # type: ignore[arg-type]
    )
    rejection = story.rejected(RejectionReason.INVALID_FIELD, attestation, registrar)
    assert "takes part twice" in rejection.detail
    story.applied(story.attestation(application_id), registrar)


def test_attestation_before_the_last_suspension_is_stale_inference_adr_0007() -> None:
    story = Story()
    registrar = story.parties.registrar
    application_id = story.lease_ready_to_register()
    suspend = story.decision(application_id, pb.SUSPEND, article=27, reason="clarify the plan")
    story.applied(suspend, registrar)
    story.applied(story.decision(application_id, pb.RESUME), registrar)
    story.rejected(RejectionReason.ATTESTATION_STALE, _register(story, application_id), registrar)
    story.applied(story.attestation(application_id), registrar)
    story.applied(_register(story, application_id), registrar)


def test_attestation_in_the_block_of_the_suspension_is_stale_inference_adr_0007() -> None:
    """Within one block the ledger does not order an attestation after a suspension."""
    story = Story()
    registrar = story.parties.registrar
    application_id = story.lease_ready_to_register()
    suspend = story.decision(application_id, pb.SUSPEND, article=27, reason="clarify the plan")
    attest = story.attestation(application_id)
    outcomes = story.ledger.apply_block(
        [story.envelope(suspend, registrar), story.envelope(attest, registrar)]
    )
    assert all(isinstance(outcome, AppliedTransaction) for outcome in outcomes)
    story.applied(story.decision(application_id, pb.RESUME), registrar)
    story.rejected(RejectionReason.ATTESTATION_STALE, _register(story, application_id), registrar)
    story.applied(story.attestation(application_id), registrar)
    story.applied(_register(story, application_id), registrar)
