"""The validator sets in consensus state: the set in force now, and the one scheduled next.

Genesis names the first set (the authorities record); the first committed change writes the
``authority/validator-schedule`` record, and every later change rewrites it. A change committed
in block H is in force from height H + 2 (``EFFECTIVE_DISTANCE``, docs/adr/0011): block H + 1
is still proposed, voted and certified by the set that approved the change, which leaves every
node one full height to learn the new member's key before its votes count.

The state after block X must answer for every height >= X: block X + 1 carries the certificate
of X (checked with the set of X) and is itself certified by the set of X + 1. Sets older than
that are dropped from state when the next change is written; the auditor, who replays from
genesis, keeps every one (ledger/audit).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from consensus.types import ValidatorId
from consensus.validators import InvalidValidatorSet, ValidatorSet
from consensus.validators import Validator as ConsensusValidator
from ledger.chain.commit_certificates import CertifyingValidators
from ledger.identity.certificates import MalformedCertificate, load_certificate
from ledger.identity.identifiers import InvalidIdentifier
from ledger.state.access import (
    StateOverlay,
    StateReader,
    authority_key,
    read_authorities,
    write_authorities,
)
from ledger.state.codec import load_record, save_record
from ledger.state.records import Validator

EFFECTIVE_DISTANCE = 2  # committed at H, in force from H + EFFECTIVE_DISTANCE
SCHEDULE_KEY = authority_key("validator-schedule")


def change_key(sequence: int) -> bytes:
    return authority_key(f"validator-changes/{sequence:020d}")


@dataclass(frozen=True, slots=True)
class CommittedChange:
    """A committed ValidatorSetChange, kept in state for ever (one small record per change) so
    that a node can hand an extract's verifier the whole path from the genesis set."""

    sequence: int
    height: int  # of the block that committed it
    change: bytes  # the serialized ValidatorSetChange, approvals included


def write_committed_change(state: StateOverlay, record: CommittedChange) -> None:
    state.put(change_key(record.sequence), save_record(record))


def read_committed_changes(state: StateReader) -> tuple[CommittedChange, ...]:
    """Every change committed in ``state``, in order."""
    count = read_schedule(state).changes_committed
    found = []
    for sequence in range(count):
        data = state.get(change_key(sequence))
        if data is None:
            raise RuntimeError(f"the record of validator-set change {sequence} is missing")
        found.append(load_record(CommittedChange, data))
    return tuple(found)


class HeightOutsideSchedule(LookupError):
    """The state no longer (or never) knew the set of that height: it is older than the state."""


@dataclass(frozen=True, slots=True)
class ScheduledSet:
    from_height: int  # first height this set certifies
    validators: tuple[Validator, ...]  # in proposer order


@dataclass(frozen=True, slots=True)
class ValidatorSchedule:
    changes_committed: int  # how many set changes were ever committed; the next one's sequence
    sets: tuple[ScheduledSet, ...]  # ascending from_height

    def in_force(self, height: int) -> tuple[Validator, ...]:
        """The set that certifies ``height``."""
        found = None
        for scheduled in self.sets:
            if scheduled.from_height <= height:
                found = scheduled.validators
        if found is None:
            raise HeightOutsideSchedule(f"height {height} is before the oldest set in state")
        return found

    def pending_after(self, height: int) -> bool:
        """Whether a committed change is still waiting to take effect after ``height``."""
        return self.sets[-1].from_height > height

    def with_change(
        self, committed_at: int, validators: tuple[Validator, ...]
    ) -> ValidatorSchedule:
        """The schedule after a change committed in block ``committed_at``: the new set from
        committed_at + EFFECTIVE_DISTANCE, and no set older than what block ``committed_at``
        still needs."""
        kept = [s for s in self.sets if s.from_height > committed_at]
        older = [s for s in self.sets if s.from_height <= committed_at]
        if older:
            kept.insert(0, older[-1])
        kept.append(ScheduledSet(committed_at + EFFECTIVE_DISTANCE, validators))
        return ValidatorSchedule(self.changes_committed + 1, tuple(kept))


def read_schedule(state: StateReader) -> ValidatorSchedule:
    data = state.get(SCHEDULE_KEY)
    if data is not None:
        return _decode_schedule(data)
    # No change yet: genesis's set, from height 1, read from the authorities record.
    return ValidatorSchedule(0, (ScheduledSet(1, read_authorities(state).validators),))


@functools.lru_cache(maxsize=16)
def _decode_schedule(data: bytes) -> ValidatorSchedule:
    return load_record(ValidatorSchedule, data)  # frozen tuples: safe to share


def write_schedule(state: StateOverlay, schedule: ValidatorSchedule) -> None:
    """Store ``schedule`` and keep the authorities record's validators (peer rights, ledger/
    identity/roles.py ``is_validator``) as every member of a set still in the schedule."""
    state.put(SCHEDULE_KEY, save_record(schedule))
    members: list[Validator] = []
    for scheduled in reversed(schedule.sets):
        for validator in scheduled.validators:
            if validator not in members:
                members.append(validator)
    authorities = read_authorities(state)
    # Every other field as it is (replace, so that a field added to Authorities is kept).
    write_authorities(state, replace(authorities, validators=tuple(members)))


def validators_at(state: StateReader, height: int) -> CertifyingValidators:
    """The validators, with their certificates, that certify ``height``: any height >= the
    state's own, and older ones while the schedule still holds their set (double-vote evidence
    is judged so, node/chain/evidence.py); raises HeightOutsideSchedule for an older height."""
    return certifying_validators(read_schedule(state).in_force(height))


@functools.lru_cache(maxsize=32)
def certifying_validators(validators: tuple[Validator, ...]) -> CertifyingValidators:
    """Raises InvalidValidatorSet for a set that cannot certify (empty, duplicate, bad power or
    an unreadable certificate); sets in state were checked when written, so there it means a
    broken invariant."""
    consensus_set = ValidatorSet(
        tuple(ConsensusValidator(ValidatorId(v.validator_id), v.power) for v in validators)
    )
    certificates = {}
    for validator in validators:
        try:
            certificates[ValidatorId(validator.validator_id)] = load_certificate(
                validator.certificate_der
            )
        except (MalformedCertificate, InvalidIdentifier) as error:
            raise InvalidValidatorSet(
                f"certificate of {validator.validator_id!r}: {error}"
            ) from None
    return CertifyingValidators(consensus_set, certificates)


__all__ = [
    "EFFECTIVE_DISTANCE",
    "SCHEDULE_KEY",
    "CommittedChange",
    "HeightOutsideSchedule",
    "ScheduledSet",
    "ValidatorSchedule",
    "certifying_validators",
    "read_committed_changes",
    "read_schedule",
    "validators_at",
    "write_committed_change",
    "write_schedule",
]
