"""The registrar's attestation: the videoconference and the checks of the state databases.

Paras 21 and 30: the KTK representative, the recipient and the spouse join a videoconference with
the registrar, who verifies the authenticity of the signatures, legal capacity and that the will
conforms to its expression (para 23). Paras 23-24 and 32-33: the registrar checks the fee, the
spouses' participation, EDS and IIN/BIN, encumbrances and the terrorism-financing list in the
named databases. The registrar records all of it here; a later attestation replaces an earlier
one. Whether it suffices is judged when the registrar decides to register (registration.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tirkeu_pb import transaction_pb2

from ledger.records import (
    AttestationRecord,
    CheckKind,
    CheckRecord,
    Participant,
    ParticipantRole,
    SourceDatabase,
)
from ledger.registry.common import (
    RuleInput,
    RuleOutcome,
    require_application,
    require_iin,
    require_sole_registrar,
)
from ledger.rejections import RejectionReason
from ledger.state import StateOverlay, write_application
from ledger.transactions import reject

MAX_DETAIL_LENGTH = 2000


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
    attestation = AttestationRecord(
        registrar_iin=registrar.iin,
        transaction_id=rule_input.transaction.transaction_id,
        height=rule_input.block.height,
        videoconference_held_at_unix_ms=videoconference.held_at_unix_ms,
        participants=tuple(_participants(videoconference.participants)),
        signatures_authentic=videoconference.signatures_authentic,
        legal_capacity_confirmed=videoconference.legal_capacity_confirmed,
        will_conforms_to_expression=videoconference.will_conforms_to_expression,
        checks=tuple(_checks(action.checks)),
        recipient_married=civil_status.married,
        recipient_spouse_iin=spouse_iin,
    )
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
