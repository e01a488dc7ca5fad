"""The validator set in force at every height, from the genesis file and the changes alone.

The auditor trusts the genesis file and nothing the node says (ADR 0003). Like a light client
(Tendermint's "trusting" verification across validator-set changes), it follows each
``ValidatorSetChange`` of a certified block through its approvals: the change counts only when
validators holding more than 2/3 of the power of the set in force sign it (the check the
executor makes, ``verify_approvals``), and then its set certifies from the committing height
+ 2. A change whose approvals fail is a defect and changes nothing, so every later height is
judged by the set the genesis and the good changes make: a forged approval cannot smuggle a key
in. Unlike the node's state, the history keeps every set: old blocks stay verifiable forever.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError
from tirkeu_pb import transaction_pb2

from ledger.audit.anchor import TrustAnchor
from ledger.audit.defects import Defect, DefectKind
from ledger.chain.commit_certificates import CertifyingValidators
from ledger.governance.schedule import EFFECTIVE_DISTANCE, certifying_validators
from ledger.governance.validator_changes import (
    ChangeProblem,
    InvalidChange,
    changed_set,
    parse_change,
    verify_approvals,
)
from ledger.state.records import Validator


@dataclass(frozen=True, slots=True)
class SetChangeSeen:
    """One change the history accepted: committed in ``height``, certifying from
    ``height + EFFECTIVE_DISTANCE``."""

    height: int
    transaction_index: int
    sequence: int
    kind: str
    validator_id: str


class ValidatorHistory:
    """Every set in force from height 1, built from genesis and the certified changes."""

    def __init__(self, anchor: TrustAnchor) -> None:
        self._chain_id = anchor.chain_id
        self._sets: list[tuple[int, tuple[Validator, ...]]] = [
            (1, anchor.genesis.authorities().validators)
        ]
        self.changes: list[SetChangeSeen] = []

    def validators_at(self, height: int) -> CertifyingValidators:
        return certifying_validators(self._in_force(height))

    def _in_force(self, height: int) -> tuple[Validator, ...]:
        found = self._sets[0][1]
        for from_height, validators in self._sets:
            if from_height <= height:
                found = validators
        return found

    @staticmethod
    def carries_change(transactions: Sequence[bytes]) -> bool:
        return any(_set_change(envelope) is not None for envelope in transactions)

    def follow_block(self, height: int, transactions: Sequence[bytes]) -> list[Defect]:
        """Take in the set changes of the certified block ``height``; a defect for each change
        that is not a good one (and it changes nothing)."""
        defects: list[Defect] = []
        for index, envelope in enumerate(transactions):
            message = _set_change(envelope)
            if message is None:
                continue
            try:
                self.follow_change(height, message, transaction_index=index)
            except InvalidChange as error:
                defects.append(
                    Defect(
                        DefectKind.VALIDATOR_CHANGE_UNAPPROVED,
                        str(error),
                        height=height,
                        field=f"transactions[{index}].validator_set_change",
                        transaction_index=index,
                        validator_id=message.validator_id or None,
                    )
                )
        return defects

    def follow_change(
        self,
        height: int,
        message: transaction_pb2.ValidatorSetChange,
        *,
        transaction_index: int = 0,
    ) -> None:
        """Take in one change committed at ``height``; InvalidChange (and nothing changes)
        unless it is the next one, the previous one is in force, and its approvals hold."""
        change, approvals = parse_change(message)
        impossible = ChangeProblem.IMPOSSIBLE
        if change.sequence != len(self.changes):
            detail = f"sequence {change.sequence}, the next is {len(self.changes)}"
            raise InvalidChange(impossible, detail)
        if self._sets[-1][0] > height:
            raise InvalidChange(impossible, "a previous change has not taken effect yet")
        in_force = self._in_force(height)
        verify_approvals(self._chain_id, change, approvals, certifying_validators(in_force))
        self._sets.append((height + EFFECTIVE_DISTANCE, changed_set(in_force, change)))
        self.changes.append(
            SetChangeSeen(
                height, transaction_index, change.sequence, change.kind.name, change.validator_id
            )
        )


def _set_change(envelope: bytes) -> transaction_pb2.ValidatorSetChange | None:
    try:
        body = transaction_pb2.TransactionBody.FromString(
            transaction_pb2.Envelope.FromString(envelope).body
        )
    except (DecodeError, ValueError):
        return None  # not a transaction at all: the replay names it
    if body.WhichOneof("action") != "validator_set_change":
        return None
    return body.validator_set_change
