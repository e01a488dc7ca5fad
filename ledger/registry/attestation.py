"""The registrar's attestation: the videoconference and the checks of the state databases.

Paras 21 and 30: the KTK representative, the recipient and the spouse join a videoconference with
the registrar, who verifies the authenticity of the signatures, legal capacity and that the will
conforms to its expression (para 23). Paras 23-24 and 32-33: the registrar checks the fee, the
spouses' participation, EDS and IIN/BIN, encumbrances and the terrorism-financing list in the
named databases. The registrar records all of it here; a later attestation replaces an earlier
one. Whether it suffices is judged when the registrar decides to register (registration.py).

What is refused here already: the checks are made "when the e-application reaches ЖМБМК АЖ"
(para 23), so every check and the videoconference must be dated within [the application's
submission, this block] (ATTESTATION_OUT_OF_TIME); each person takes part once, and KTK's
representative is neither the recipient nor the spouse (para 21); the registrar is not a party
to the application (CONFLICT_OF_INTEREST, ADR 0005).
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
from ledger.rejections import RejectionReason
from ledger.state.access import StateOverlay, write_application
from ledger.state.records import (
    Application,
    AttestationRecord,
    CheckKind,
    CheckRecord,
    Participant,
    ParticipantRole,
    SourceDatabase,
    from_unix_ms,
    unix_ms,
)
from ledger.transactions.envelope import reject

MAX_DETAIL_LENGTH = 2000
# Times outside these cannot be shown as dates (datetime's years 1..9999); shown as numbers.
MIN_UNIX_MS = -62_135_596_800_000
MAX_UNIX_MS = 253_402_300_799_999


def apply_registrar_attestation(state: StateOverlay, rule_input: RuleInput) -> RuleOutcome:
    registrar = require_sole_registrar(rule_input.transaction)
    action = rule_input.transaction.body.registrar_attestation
    application = require_application(state, action.application_id)
    if not application.status.is_undecided:
        raise reject(
            RejectionReason.INVALID_STATUS_TRANSITION,
            f"application {application.application_id} is already {application.status.name}",
        )
    if not action.HasField("videoconference"):
        raise reject(RejectionReason.INVALID_FIELD, "the videoconference is absent")
    if registrar.iin is None:
        raise RuntimeError("a registrar certificate without an IIN")
    videoconference = action.videoconference
    civil_status = action.recipient_civil_status
    spouse_iin = None
    if civil_status.married:
        spouse_iin = require_iin(civil_status.spouse_iin, "recipient_civil_status.spouse_iin")
    elif civil_status.spouse_iin:
        raise reject(RejectionReason.INVALID_FIELD, "a spouse IIN without marriage")
    require_registrar_not_party(registrar.iin, application, attested_spouse_iin=spouse_iin)
    participants = tuple(_participants(videoconference.participants))
    _require_distinct_sides(application, participants, spouse_iin)
    attestation = AttestationRecord(
        registrar_iin=registrar.iin,
        transaction_id=rule_input.transaction.transaction_id,
        height=rule_input.block.height,
        videoconference_held_at_unix_ms=videoconference.held_at_unix_ms,
        participants=participants,
        signatures_authentic=videoconference.signatures_authentic,
        legal_capacity_confirmed=videoconference.legal_capacity_confirmed,
        will_conforms_to_expression=videoconference.will_conforms_to_expression,
        checks=tuple(_checks(action.checks)),
        recipient_married=civil_status.married,
        recipient_spouse_iin=spouse_iin,
    )
    require_attested_in_time(application, attestation, rule_input.block.time)
    write_application(state, replace(application, attestation=attestation))
    return RuleOutcome(application_id=application.application_id)


def _participants(
    participants: Sequence[transaction_pb2.VideoconferenceParticipant],
) -> list[Participant]:
    found: list[Participant] = []
    for index, participant in enumerate(participants):
        field = f"videoconference.participants[{index}]"
        if participant.role == transaction_pb2.PARTICIPANT_ROLE_UNSPECIFIED:
            raise reject(RejectionReason.INVALID_FIELD, f"{field}.role is not given")
        role = ParticipantRole[transaction_pb2.ParticipantRole.Name(participant.role)]
        found.append(Participant(require_iin(participant.iin, f"{field}.iin"), role))
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


def require_attested_in_time(
    application: Application, attestation: AttestationRecord, now: datetime
) -> None:
    """Para 23: the registrar checks "when the e-application reaches ЖМБМК АЖ"; a check or a
    videoconference dated before the application was submitted, or after `now` (the block
    time), is not a check of this application (para 23(e): an old terrorism-list answer says
    nothing)."""
    earliest, latest = unix_ms(application.submitted_at), unix_ms(now)
    dated = [("the videoconference", attestation.videoconference_held_at_unix_ms)]
    dated += [
        (f"the check {c.kind.name} in {c.source.name}", c.queried_at_unix_ms)
        for c in attestation.checks
    ]
    for what, moment in dated:
        if not earliest <= moment <= latest:
            raise reject(
                RejectionReason.ATTESTATION_OUT_OF_TIME,
                f"{what} is dated {_iso(moment)}, outside [{_iso(earliest)}, {_iso(latest)}]: "
                "from the application's submission to the block (para 23)",
            )


def _require_distinct_sides(
    application: Application, participants: Sequence[Participant], attested_spouse: str | None
) -> None:
    """Para 21: KTK's representative, the recipient and the spouse join the videoconference,
    each once; KTK's representative is someone other than the recipient and the spouse."""
    recipient_side = {
        application.recipient_iin: "recipient",
        **{iin: "spouse" for iin in (application.spouse_iin, attested_spouse) if iin},
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
