"""The registrar's records: the videoconference, and the checks of the state databases.

Paras 21 and 30: the KTK representative, the recipient and the spouse join a videoconference with
the registrar, who verifies «қойылған қолдарының растығын» ("the authenticity of the signatures
placed"), legal capacity and that the will conforms to its expression. The text places it after
the application is formed and signed and before the payment and the sending (paras 21-22,
30-31), so a VideoconferenceAttestation is accepted from the forming on (FORMED, SUBMITTED or
SUSPENDED); it may also be recorded after the sending, with the checks (ADR 0007 D2). Paras 23-24
and 32-33: «электрондық өтініш келіп түскен кезде» ("when the e-application arrives") the
registrar checks the fee, the spouses' participation, EDS and IIN/BIN, encumbrances and the
terrorism-financing list in the named databases: a RegistrarAttestation, only once the
application is SUBMITTED or SUSPENDED. A later record replaces the earlier. Whether it all
suffices is judged when the registrar decides to register (registration.py).

Refused here already: the videoconference dated outside [the forming, this block], a check
outside [the sending, this block] (ATTESTATION_OUT_OF_TIME; the lower bounds are the text's, the
exact window an inference, ADR 0007 D3); a person taking part twice; KTK's representative who is
on the other side (a party or a party's representative), or a registrar who is a party
(CONFLICT_OF_INTEREST, inference, ADR 0007 D12).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from tirkeu_pb import transaction_pb2

from ledger.registry.common import (
    RuleInput,
    RuleOutcome,
    require_application,
    require_iin,
    require_registrar_not_party,
    require_sole_registrar,
)
from ledger.registry.parties import applicant_side, individual_guarantors
from ledger.rejections import RejectionReason
from ledger.state.access import StateOverlay, write_application
from ledger.state.records import (
    Application,
    ApplicationStatus,
    AttestationRecord,
    CheckKind,
    CheckRecord,
    Participant,
    ParticipantRole,
    SourceDatabase,
    VideoconferenceRecord,
    from_unix_ms,
    unix_ms,
)
from ledger.transactions.envelope import reject

MAX_DETAIL_LENGTH = 2000
# Times outside these cannot be shown as dates (datetime's years 1..9999); shown as numbers.
MIN_UNIX_MS = -62_135_596_800_000
MAX_UNIX_MS = 253_402_300_799_999


def apply_videoconference_attestation(state: StateOverlay, rule_input: RuleInput) -> RuleOutcome:
    """Paras 21, 30: the videoconference, from the forming on."""
    registrar_iin = _registrar_iin(rule_input)
    action = rule_input.transaction.body.videoconference_attestation
    application = require_application(state, action.application_id)
    if not application.status.is_open:
        raise reject(
            RejectionReason.INVALID_STATUS_TRANSITION,
            f"application {application.application_id} is already {application.status.name}",
        )
    checks = application.attestation
    attested_spouse = None if checks is None else checks.recipient_spouse_iin
    require_registrar_not_party(registrar_iin, application, attested_spouse_iin=attested_spouse)
    if not action.HasField("videoconference"):
        raise reject(RejectionReason.INVALID_FIELD, "the videoconference is absent")
    record = _videoconference(
        action.videoconference, application, attested_spouse, registrar_iin, rule_input
    )
    write_application(state, replace(application, videoconference=record))
    return RuleOutcome(application_id=application.application_id)


def apply_registrar_attestation(state: StateOverlay, rule_input: RuleInput) -> RuleOutcome:
    """Paras 23-24, 32-33: the checks once the application has arrived, with the videoconference
    when the registrar holds it then."""
    registrar_iin = _registrar_iin(rule_input)
    action = rule_input.transaction.body.registrar_attestation
    application = require_application(state, action.application_id)
    if application.status is ApplicationStatus.FORMED:
        raise reject(
            RejectionReason.INVALID_STATUS_TRANSITION,
            f"application {application.application_id} is FORMED: it has not arrived in "
            "ЖМБМК АЖ, and the checks are made «электрондық өтініш келіп түскен кезде», when it "
            "arrives (para 23)",
        )
    if not application.status.is_undecided:
        raise reject(
            RejectionReason.INVALID_STATUS_TRANSITION,
            f"application {application.application_id} is already {application.status.name}",
        )
    civil_status = action.recipient_civil_status
    spouse_iin = None
    if civil_status.married:
        spouse_iin = require_iin(civil_status.spouse_iin, "recipient_civil_status.spouse_iin")
    elif civil_status.spouse_iin:
        raise reject(RejectionReason.INVALID_FIELD, "a spouse IIN without marriage")
    require_registrar_not_party(registrar_iin, application, attested_spouse_iin=spouse_iin)
    videoconference = application.videoconference
    if action.HasField("videoconference"):
        videoconference = _videoconference(
            action.videoconference, application, spouse_iin, registrar_iin, rule_input
        )
    attestation = AttestationRecord(
        registrar_iin=registrar_iin,
        transaction_id=rule_input.transaction.transaction_id,
        height=rule_input.block.height,
        checks=tuple(_checks(action.checks)),
        recipient_married=civil_status.married,
        recipient_spouse_iin=spouse_iin,
    )
    attested = replace(application, videoconference=videoconference, attestation=attestation)
    require_attested_in_time(attested, rule_input.block.time)
    write_application(state, attested)
    return RuleOutcome(application_id=application.application_id)


def _registrar_iin(rule_input: RuleInput) -> str:
    registrar = require_sole_registrar(rule_input.transaction)
    if registrar.iin is None:
        raise RuntimeError("a registrar certificate without an IIN")
    return registrar.iin


def _videoconference(
    videoconference: transaction_pb2.Videoconference,
    application: Application,
    attested_spouse: str | None,
    registrar_iin: str,
    rule_input: RuleInput,
) -> VideoconferenceRecord:
    participants = tuple(_participants(videoconference.participants, application))
    _require_distinct_sides(application, participants, attested_spouse)
    record = VideoconferenceRecord(
        registrar_iin=registrar_iin,
        transaction_id=rule_input.transaction.transaction_id,
        height=rule_input.block.height,
        held_at_unix_ms=videoconference.held_at_unix_ms,
        participants=participants,
        signatures_authentic=videoconference.signatures_authentic,
        legal_capacity_confirmed=videoconference.legal_capacity_confirmed,
        will_conforms_to_expression=videoconference.will_conforms_to_expression,
    )
    _require_in_window(
        [("the videoconference", record.held_at_unix_ms)],
        unix_ms(application.formed_at),
        unix_ms(rule_input.block.time),
        "from the application's forming (para 21: the signatures are placed first) to the block",
    )
    return record


def _participants(
    participants: Sequence[transaction_pb2.VideoconferenceParticipant], application: Application
) -> list[Participant]:
    """Who took part, in which role and capacity: in person, or as the authorised representative
    of a party whose power of attorney the application records (para 21, ADR 0007 D7)."""
    found: list[Participant] = []
    for index, participant in enumerate(participants):
        field = f"videoconference.participants[{index}]"
        if participant.role == transaction_pb2.PARTICIPANT_ROLE_UNSPECIFIED:
            raise reject(RejectionReason.INVALID_FIELD, f"{field}.role is not given")
        role = ParticipantRole[transaction_pb2.ParticipantRole.Name(participant.role)]
        iin = require_iin(participant.iin, f"{field}.iin")
        principal = None
        if participant.on_behalf_of_iin:
            principal = require_iin(participant.on_behalf_of_iin, f"{field}.on_behalf_of_iin")
            if role is ParticipantRole.KTK_REPRESENTATIVE or all(
                (r.principal_iin, r.representative_iin) != (principal, iin)
                for r in application.representations
            ):
                raise reject(
                    RejectionReason.POWER_OF_ATTORNEY_INVALID,
                    f"{field}: IIN {iin} has no power of attorney of {principal} recorded on "
                    "the application (para 21)",
                )
        found.append(Participant(iin, role, principal))
    return found


def _checks(checks: Sequence[transaction_pb2.Check]) -> list[CheckRecord]:
    found: list[CheckRecord] = []
    for index, check in enumerate(checks):
        field = f"checks[{index}]"
        if check.kind == transaction_pb2.CHECK_KIND_UNSPECIFIED:
            raise reject(RejectionReason.INVALID_FIELD, f"{field}.kind is not given")
        if check.source == transaction_pb2.SOURCE_DATABASE_UNSPECIFIED:
            raise reject(RejectionReason.INVALID_FIELD, f"{field}.source is not given")
        if len(check.detail) > MAX_DETAIL_LENGTH:
            raise reject(RejectionReason.INVALID_FIELD, f"{field}.detail is too long")
        found.append(
            CheckRecord(
                kind=CheckKind[transaction_pb2.CheckKind.Name(check.kind)],
                source=SourceDatabase[transaction_pb2.SourceDatabase.Name(check.source)],
                passed=check.passed,
                detail=check.detail,
                queried_at_unix_ms=check.queried_at_unix_ms,
            )
        )
    return found


def require_attested_in_time(application: Application, now: datetime) -> None:
    """The videoconference within [the forming, `now`] (para 21: it verifies signatures already
    placed); each check within [the sending, `now`] (para 23: checked "when the e-application
    arrives"; para 23(e): an old terrorism-list answer says nothing). The exact windows are an
    inference (ADR 0007 D3). `now` is the block time."""
    latest = unix_ms(now)
    videoconference = application.videoconference
    if videoconference is not None:
        _require_in_window(
            [("the videoconference", videoconference.held_at_unix_ms)],
            unix_ms(application.formed_at),
            latest,
            "from the application's forming (para 21) to the block",
        )
    attestation = application.attestation
    if attestation is not None:
        if application.submitted_at is None:
            raise RuntimeError("checks recorded on an application that was never sent")
        _require_in_window(
            [
                (f"the check {c.kind.name} in {c.source.name}", c.queried_at_unix_ms)
                for c in attestation.checks
            ],
            unix_ms(application.submitted_at),
            latest,
            "from the application's arrival (para 23) to the block",
        )


def _require_in_window(
    dated: list[tuple[str, int]], earliest: int, latest: int, window: str
) -> None:
    for what, moment in dated:
        if not earliest <= moment <= latest:
            raise reject(
                RejectionReason.ATTESTATION_OUT_OF_TIME,
                f"{what} is dated {_iso(moment)}, outside [{_iso(earliest)}, {_iso(latest)}]: "
                f"{window} — window: inference (ADR 0007 D3)",
            )


def _require_distinct_sides(
    application: Application, participants: Sequence[Participant], attested_spouse: str | None
) -> None:
    """Para 21: KTK's representative, the recipient and the spouse join the videoconference,
    each once; KTK's representative is nobody facing KTK: not the recipient, the spouse (declared
    or found), a guarantor, the new holder, nor anyone's recorded representative (inference,
    ADR 0007 D12)."""
    recipient_side = {
        iin: party
        for spouse in (application.spouse_iin, attested_spouse)
        for party, iin in applicant_side(
            application.recipient_iin,
            spouse,
            application.representations,
            application.new_holder_iin,
            individual_guarantors(application),
        )
    }
    for participant in participants:
        side = recipient_side.get(participant.iin)
        if participant.role is ParticipantRole.KTK_REPRESENTATIVE and side is not None:
            raise reject(
                RejectionReason.CONFLICT_OF_INTEREST,
                f"KTK's representative IIN {participant.iin} is the {side} — inference "
                "(ADR 0007 D12)",
            )
    seen: set[str] = set()
    for index, participant in enumerate(participants):
        if participant.iin in seen:
            raise reject(
                RejectionReason.INVALID_FIELD,
                f"videoconference.participants[{index}]: IIN {participant.iin} takes part twice",
            )
        seen.add(participant.iin)


def _iso(milliseconds: int) -> str:
    if not MIN_UNIX_MS <= milliseconds <= MAX_UNIX_MS:
        return f"{milliseconds} ms since 1970"
    return from_unix_ms(milliseconds).isoformat()
