"""Changing the validator set by transaction: add, remove, re-weight, rotate a node's key.

A ``ValidatorSetChange`` carries the signatures of validators holding more than 2/3 of the power
of the set in force at the height that commits it (the same quorum that commits blocks), each
made with the key that signs that validator's votes, over ``approval_sign_bytes``. The bytes
name the chain, the change and its sequence number (the count of changes committed before it),
so an approval is good for exactly one change, once: "add X", "remove X", "add X" again needs
fresh approvals. One change at a time: while a committed change waits for its height the next
is refused (VALIDATOR_CHANGE_PENDING), so "the set in force" is never ambiguous.

``verify_approvals`` is shared by the executor and the auditor's light-client walk
(ledger/audit/validator_history.py): one definition of a good approval.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from tirkeu_pb import transaction_pb2

from consensus.types import ValidatorId
from consensus.validators import InvalidValidatorSet
from ledger.chain.commit_certificates import CertifyingValidators
from ledger.governance.schedule import (
    CommittedChange,
    certifying_validators,
    read_schedule,
    write_committed_change,
    write_schedule,
)
from ledger.hashing import sha256
from ledger.identity.certificates import (
    CertificateKind,
    MalformedCertificate,
    load_certificate,
)
from ledger.identity.chains import verify_chain
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.revocation import CertificateRejected
from ledger.identity.signatures import sign_ecdsa_p256, verify_ecdsa_p256_signature
from ledger.registry.common import RuleInput, RuleOutcome, require_sole_registrar
from ledger.rejections import RejectionReason
from ledger.state.access import StateOverlay
from ledger.state.records import Validator
from ledger.transactions.envelope import reject

APPROVAL_DOMAIN_TAG = b"tirkeu/validator-set-change/v1"
MAX_VALIDATOR_ID_BYTES = 128
_MAX_POWER = 2**63 - 1


class ChangeKind(enum.Enum):
    ADD = transaction_pb2.ADD_VALIDATOR
    REMOVE = transaction_pb2.REMOVE_VALIDATOR
    REWEIGHT = transaction_pb2.REWEIGHT_VALIDATOR
    ROTATE_KEY = transaction_pb2.ROTATE_VALIDATOR_KEY


class ChangeProblem(enum.Enum):
    MALFORMED = "the change is malformed"
    IMPOSSIBLE = "the change cannot apply to the set in force"
    BAD_APPROVAL = "an approval is not a good signature of a validator in force"
    NO_QUORUM = "the approvers hold no more than 2/3 of the power in force"


class InvalidChange(Exception):
    def __init__(self, problem: ChangeProblem, detail: str) -> None:
        super().__init__(f"{problem.name}: {detail}")
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ValidatorChange:
    kind: ChangeKind
    validator_id: str
    certificate_der: bytes  # ADD and ROTATE_KEY; b"" otherwise
    power: int  # ADD and REWEIGHT; 0 otherwise
    sequence: int


@dataclass(frozen=True, slots=True)
class Approval:
    validator_id: str
    signature: bytes


def parse_change(
    message: transaction_pb2.ValidatorSetChange,
) -> tuple[ValidatorChange, tuple[Approval, ...]]:
    """The change and its approvals from the body; InvalidChange(MALFORMED) for fields that do
    not fit the kind (a certificate on a removal, a power on a key rotation ...)."""
    try:
        kind = ChangeKind(message.kind)
    except ValueError:
        raise InvalidChange(ChangeProblem.MALFORMED, f"unknown kind {message.kind}") from None
    validator_id = message.validator_id
    if not validator_id or len(validator_id.encode("utf-8")) > MAX_VALIDATOR_ID_BYTES:
        raise InvalidChange(ChangeProblem.MALFORMED, "a validator id is 1..128 bytes")
    wants_certificate = kind in (ChangeKind.ADD, ChangeKind.ROTATE_KEY)
    wants_power = kind in (ChangeKind.ADD, ChangeKind.REWEIGHT)
    if wants_certificate != bool(message.certificate):
        raise InvalidChange(ChangeProblem.MALFORMED, f"{kind.name} and a certificate disagree")
    if wants_power != bool(message.power) or message.power > _MAX_POWER:
        raise InvalidChange(ChangeProblem.MALFORMED, f"{kind.name} and power {message.power}")
    change = ValidatorChange(
        kind, validator_id, bytes(message.certificate), message.power, message.sequence
    )
    approvals = tuple(Approval(a.validator_id, bytes(a.signature)) for a in message.approvals)
    return change, approvals


def approval_sign_bytes(chain_id: str, change: ValidatorChange) -> bytes:
    """tag | u16 length + UTF-8 chain id | u64 sequence | u8 kind | u16 length + UTF-8 validator
    id | 32-byte SHA-256 of the certificate DER (zeros when none) | u64 power."""
    encoded_chain = chain_id.encode("utf-8")
    encoded_id = change.validator_id.encode("utf-8")
    certificate_hash = sha256(change.certificate_der) if change.certificate_der else bytes(32)
    return b"".join(
        (
            APPROVAL_DOMAIN_TAG,
            struct.pack(">H", len(encoded_chain)),
            encoded_chain,
            struct.pack(">QB", change.sequence, change.kind.value),
            struct.pack(">H", len(encoded_id)),
            encoded_id,
            certificate_hash,
            struct.pack(">Q", change.power),
        )
    )


def verify_approvals(
    chain_id: str,
    change: ValidatorChange,
    approvals: tuple[Approval, ...],
    in_force: CertifyingValidators,
) -> None:
    """Raise InvalidChange unless the approvals are good signatures of distinct validators in
    force holding more than 2/3 of its power. One bad approval fails the change even beside a
    quorum of good ones: a change carries evidence, and forged evidence is not kept."""
    verify_quorum_approvals(approval_sign_bytes(chain_id, change), approvals, in_force)


def verify_quorum_approvals(
    signed: bytes, approvals: tuple[Approval, ...], in_force: CertifyingValidators
) -> None:
    """``approvals`` are good signatures over ``signed`` of distinct validators of ``in_force``
    holding more than 2/3 of its power; InvalidChange(BAD_APPROVAL or NO_QUORUM) otherwise."""
    seen: set[str] = set()
    power = 0
    for approval in approvals:
        certificate = in_force.certificates.get(ValidatorId(approval.validator_id))
        if certificate is None or approval.validator_id in seen:
            raise InvalidChange(
                ChangeProblem.BAD_APPROVAL, f"{approval.validator_id!r} is not in force or twice"
            )
        seen.add(approval.validator_id)
        if not verify_ecdsa_p256_signature(certificate, approval.signature, signed):
            raise InvalidChange(
                ChangeProblem.BAD_APPROVAL, f"approval of {approval.validator_id!r} does not verify"
            )
        power += in_force.validator_set.power_of(ValidatorId(approval.validator_id))
    if not in_force.validator_set.is_quorum(power):
        raise InvalidChange(
            ChangeProblem.NO_QUORUM,
            f"power {power} of {in_force.validator_set.total_power} is not more than 2/3",
        )


def changed_set(
    validators: tuple[Validator, ...], change: ValidatorChange
) -> tuple[Validator, ...]:
    """The set after ``change``: an added validator goes last in the proposer order, the others
    keep their places. InvalidChange(IMPOSSIBLE) when the change does not fit the set."""
    ids = [v.validator_id for v in validators]
    present = change.validator_id in ids
    if present == (change.kind is ChangeKind.ADD):
        state = "already" if present else "not"
        raise InvalidChange(
            ChangeProblem.IMPOSSIBLE, f"{change.validator_id!r} is {state} in the set"
        )
    if change.certificate_der and any(
        v.certificate_der == change.certificate_der for v in validators
    ):
        raise InvalidChange(ChangeProblem.IMPOSSIBLE, "the certificate is already a validator's")
    if change.kind is ChangeKind.ADD:
        result = (*validators, Validator(change.validator_id, change.certificate_der, change.power))
    elif change.kind is ChangeKind.REMOVE:
        result = tuple(v for v in validators if v.validator_id != change.validator_id)
    else:
        result = tuple(
            v if v.validator_id != change.validator_id else _changed(v, change) for v in validators
        )
    if not result:
        raise InvalidChange(ChangeProblem.IMPOSSIBLE, "the last validator cannot leave")
    try:
        certifying_validators(result)
    except InvalidValidatorSet as error:
        raise InvalidChange(ChangeProblem.IMPOSSIBLE, str(error)) from None
    return result


def _changed(validator: Validator, change: ValidatorChange) -> Validator:
    if change.kind is ChangeKind.REWEIGHT:
        return Validator(validator.validator_id, validator.certificate_der, change.power)
    return Validator(validator.validator_id, change.certificate_der, validator.power)


_REASONS = {
    ChangeProblem.MALFORMED: RejectionReason.VALIDATOR_CHANGE_INVALID,
    ChangeProblem.IMPOSSIBLE: RejectionReason.VALIDATOR_CHANGE_INVALID,
    ChangeProblem.BAD_APPROVAL: RejectionReason.VALIDATOR_APPROVAL_INVALID,
    ChangeProblem.NO_QUORUM: RejectionReason.VALIDATOR_APPROVAL_NO_QUORUM,
}


def apply_validator_set_change(state: StateOverlay, rule_input: RuleInput) -> RuleOutcome:
    """Submitted by a registrar of the State Corporation (who operates the validators), approved
    by the validators themselves; in force from this block's height + 2."""
    require_sole_registrar(rule_input.transaction)
    height = rule_input.block.height
    schedule = read_schedule(state)
    try:
        change, approvals = parse_change(rule_input.transaction.body.validator_set_change)
        if schedule.pending_after(height):
            raise reject(
                RejectionReason.VALIDATOR_CHANGE_PENDING,
                f"the set of height {schedule.sets[-1].from_height} is not in force yet",
            )
        if change.sequence != schedule.changes_committed:
            raise reject(
                RejectionReason.VALIDATOR_CHANGE_STALE,
                f"sequence {change.sequence}, the next is {schedule.changes_committed}",
            )
        in_force = schedule.in_force(height)
        verify_approvals(
            rule_input.block.chain_id, change, approvals, certifying_validators(in_force)
        )
        if change.certificate_der:
            _check_node_certificate(change.certificate_der, rule_input)
        new_set = changed_set(in_force, change)
    except InvalidChange as error:
        raise reject(_REASONS[error.problem], error.detail) from None
    write_schedule(state, schedule.with_change(height, new_set))
    message = rule_input.transaction.body.validator_set_change
    write_committed_change(
        state,
        CommittedChange(change.sequence, height, message.SerializeToString(deterministic=True)),
    )
    return RuleOutcome()


def _check_node_certificate(der: bytes, rule_input: RuleInput) -> None:
    try:
        certificate = load_certificate(der)
        verify_chain(certificate, rule_input.trust, rule_input.block.time)
    except (MalformedCertificate, InvalidIdentifier, CertificateRejected) as error:
        raise InvalidChange(ChangeProblem.IMPOSSIBLE, f"certificate: {error}") from None
    if certificate.kind is not CertificateKind.NODE:
        raise InvalidChange(ChangeProblem.IMPOSSIBLE, "the certificate is not a node certificate")


# --- building a change (the cluster tool, tests) ------------------------------------------------


def sign_approval(
    private_key: ec.EllipticCurvePrivateKey,
    validator_id: str,
    chain_id: str,
    change: ValidatorChange,
) -> Approval:
    """``validator_id``'s approval of ``change``, made with its node (vote-signing) key."""
    return Approval(
        validator_id, sign_ecdsa_p256(private_key, approval_sign_bytes(chain_id, change))
    )


def change_message(
    change: ValidatorChange, approvals: tuple[Approval, ...]
) -> transaction_pb2.ValidatorSetChange:
    return transaction_pb2.ValidatorSetChange(
        kind=change.kind.value,
        validator_id=change.validator_id,
        certificate=change.certificate_der,
        power=change.power,
        sequence=change.sequence,
        approvals=[
            transaction_pb2.ValidatorApproval(validator_id=a.validator_id, signature=a.signature)
            for a in approvals
        ],
    )
