"""The validator set: who votes, with what power, and who proposes when.

Thresholds are the paper's, counted by voting power (Algorithm 1, §"n = 3f + 1" text):
a quorum ("2f + 1") is more than 2/3 of the total power, "f + 1" is more than 1/3.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

from consensus.types import Height, Round, ValidatorId

# Bumped if the hashed encoding below ever changes; part of what is hashed.
_HASH_DOMAIN = b"tirkeu/validator-set/v1"
# Powers are hashed as unsigned 64-bit; keep a bit of headroom for sums.
_MAX_POWER = 2**63


class InvalidValidatorSet(ValueError):
    """The validator set given from outside (genesis, configuration) is malformed."""


@dataclass(frozen=True, slots=True)
class Validator:
    validator_id: ValidatorId
    power: int


@dataclass(frozen=True, slots=True)
class ValidatorSet:
    """Ordered validators. The order is the proposer rotation and is part of the hash."""

    validators: tuple[Validator, ...]
    _power_by_id: dict[ValidatorId, int] = field(init=False, repr=False, compare=False)
    total_power: int = field(init=False)

    def __post_init__(self) -> None:
        if not self.validators:
            raise InvalidValidatorSet("a validator set needs at least one validator")
        power_by_id: dict[ValidatorId, int] = {}
        for validator in self.validators:
            if not validator.validator_id:
                raise InvalidValidatorSet("a validator id must not be empty")
            if validator.validator_id in power_by_id:
                raise InvalidValidatorSet(f"duplicate validator id {validator.validator_id!r}")
            if isinstance(validator.power, bool) or not 0 < validator.power < _MAX_POWER:
                raise InvalidValidatorSet(
                    f"validator {validator.validator_id!r} needs an integer power in 1..2^63-1"
                )
            power_by_id[validator.validator_id] = validator.power
        object.__setattr__(self, "_power_by_id", power_by_id)
        object.__setattr__(self, "total_power", sum(power_by_id.values()))

    @classmethod
    def with_equal_power(cls, validator_ids: Iterable[str]) -> ValidatorSet:
        return cls(tuple(Validator(ValidatorId(v), 1) for v in validator_ids))

    @property
    def validator_ids(self) -> tuple[ValidatorId, ...]:
        return tuple(v.validator_id for v in self.validators)

    def __len__(self) -> int:
        return len(self.validators)

    def __contains__(self, validator_id: object) -> bool:
        return validator_id in self._power_by_id

    def power_of(self, validator_id: ValidatorId) -> int:
        """Voting power of a member; 0 for anyone outside the set."""
        return self._power_by_id.get(validator_id, 0)

    def is_quorum(self, power: int) -> bool:
        """2f + 1: strictly more than 2/3 of the total power (integers, so no rounding)."""
        return 3 * power > 2 * self.total_power

    def is_one_third(self, power: int) -> bool:
        """f + 1: strictly more than 1/3 of the total power; at least one honest sender."""
        return 3 * power > self.total_power

    def proposer(self, height: Height, round_number: Round) -> ValidatorId:
        """proposer(h, round): plain round robin in set order, (h + round) mod n, deterministic
        from height + round (the paper's assumption; docs/architecture.md §10).

        Power is not consulted on purpose (ADR 0011): a rotation weighted by contiguous slots
        gave one validator runs of up to its power / gcd consecutive rounds, so a crashed one
        stalled the chain for that many timeouts. Here each round change moves to the next
        validator, so n - 1 crashed or faulty proposers cost at most n - 1 rounds at a height.
        """
        if height < 0 or round_number < 0:
            raise ValueError(f"no proposer for height {height}, round {round_number}")
        return self.validators[(height + round_number) % len(self.validators)].validator_id

    def validator_set_hash(self) -> bytes:
        """SHA-256 over a length-prefixed encoding of (id, power) in set order."""
        parts = [_HASH_DOMAIN, struct.pack(">I", len(self.validators))]
        for validator in self.validators:
            encoded_id = validator.validator_id.encode("utf-8")
            parts.append(struct.pack(">I", len(encoded_id)))
            parts.append(encoded_id)
            parts.append(struct.pack(">Q", validator.power))
        return hashlib.sha256(b"".join(parts)).digest()
