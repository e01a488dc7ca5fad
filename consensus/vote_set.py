"""Votes of one type for one (height, round), counted by voting power.

A second, different vote from the same validator for the same height, round and type is
equivocation: it is recorded and returned as evidence. How it is counted follows the
paper, whose conditions count the *senders* of matching messages ("2f + 1 ⟨PREVOTE, h, r,
id(v)⟩" is power of validators that sent a prevote for id(v)):

- towards the tally of one value a validator counts at most once;
- towards "any value" (2f + 1 ⟨PREVOTE, h, r, ∗⟩) it counts once, with its first vote;
- an equivocator's second vote does count towards the tally of *its* value.

The last point is deliberate. If every node counted only the first vote it happened to
receive, an honest node could lock on a polka that includes the equivocator's vote for v
while the others, having received its other vote first, could never verify that polka
(line 28): the lock would never be released and one Byzantine validator could stall the
chain (the simulator finds this). Counting it is safe: two quorums intersect in more than
f power, hence in an honest validator, and an honest validator never votes twice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from consensus.types import BlockId, Height, Round, ValidatorId, Vote, VoteType
from consensus.validators import ValidatorSet


class UnknownValidator(ValueError):
    """A message names a sender outside the validator set of its height."""

    def __init__(self, validator_id: ValidatorId) -> None:
        super().__init__(f"{validator_id!r} is not in the validator set")
        self.validator_id = validator_id


class VoteOutOfPlace(ValueError):
    """A vote was offered to the vote set of another height, round or type (caller bug)."""


class AddVoteOutcome(enum.Enum):
    ADDED = "added"
    DUPLICATE = "duplicate"  # the very same vote again (gossip repeats): nothing changes
    # A different vote from a validator that already voted; reported once per distinct vote.
    EQUIVOCATION = "equivocation"


@dataclass(frozen=True, slots=True)
class AddVoteResult:
    outcome: AddVoteOutcome
    # For EQUIVOCATION: the vote that was counted first (the new one is not counted).
    counted_vote: Vote | None = None


@dataclass(frozen=True, slots=True)
class Equivocation:
    """Two different signed votes by one validator for one height, round and type."""

    first: Vote
    second: Vote


class VoteSet:
    """One vote per validator; tallies of power per value (``None`` is nil)."""

    __slots__ = (
        "_equivocations",
        "_first_votes",
        "_power_by_value",
        "_total_power",
        "_votes_by_value",
        "height",
        "round",
        "validator_set",
        "vote_type",
    )

    def __init__(
        self,
        validator_set: ValidatorSet,
        height: Height,
        round_number: Round,
        vote_type: VoteType,
    ) -> None:
        self.validator_set = validator_set
        self.height = height
        self.round = round_number
        self.vote_type = vote_type
        self._first_votes: dict[ValidatorId, Vote] = {}
        self._votes_by_value: dict[BlockId | None, dict[ValidatorId, Vote]] = {}
        self._power_by_value: dict[BlockId | None, int] = {}
        self._total_power = 0
        self._equivocations: list[Equivocation] = []

    def add(self, vote: Vote) -> AddVoteResult:
        """Count ``vote`` (see the module docstring); report equivocation."""
        if (vote.height, vote.round, vote.vote_type) != (self.height, self.round, self.vote_type):
            raise VoteOutOfPlace(
                f"{vote.vote_type.value} for {vote.height}/{vote.round} offered to the "
                f"{self.vote_type.value} set of {self.height}/{self.round}"
            )
        power = self.validator_set.power_of(vote.validator)
        if power == 0:
            raise UnknownValidator(vote.validator)
        for_value = self._votes_by_value.setdefault(vote.value, {})
        if vote.validator in for_value:
            return AddVoteResult(AddVoteOutcome.DUPLICATE)  # a vote is (type, h, r, value)
        for_value[vote.validator] = vote
        self._power_by_value[vote.value] = self._power_by_value.get(vote.value, 0) + power
        first = self._first_votes.get(vote.validator)
        if first is not None:
            self._equivocations.append(Equivocation(first, vote))
            return AddVoteResult(AddVoteOutcome.EQUIVOCATION, first)
        self._first_votes[vote.validator] = vote
        self._total_power += power
        return AddVoteResult(AddVoteOutcome.ADDED)

    @property
    def total_power(self) -> int:
        """Power of all validators that voted, whatever they voted for; each counted once."""
        return self._total_power

    def power_for(self, value: BlockId | None) -> int:
        return self._power_by_value.get(value, 0)

    def has_quorum_for(self, value: BlockId | None) -> bool:
        """2f + 1 ⟨TYPE, h, r, value⟩."""
        return self.validator_set.is_quorum(self.power_for(value))

    def has_quorum_of_any(self) -> bool:
        """2f + 1 ⟨TYPE, h, r, ∗⟩: a quorum voted, not necessarily for one value."""
        return self.validator_set.is_quorum(self._total_power)

    def values_with_quorum(self) -> tuple[BlockId | None, ...]:
        """Values (or nil) with 2f + 1; never two unless more than f power equivocated."""
        return tuple(v for v, p in self._power_by_value.items() if self.validator_set.is_quorum(p))

    def votes_for(self, value: BlockId | None) -> tuple[Vote, ...]:
        """Every vote for ``value``, one per validator (a commit certificate, for precommits)."""
        return tuple(self._votes_by_value.get(value, {}).values())

    def first_vote_of(self, validator_id: ValidatorId) -> Vote | None:
        return self._first_votes.get(validator_id)

    def votes(self) -> tuple[Vote, ...]:
        """Every vote received, equivocations included (gossip relays them all)."""
        return tuple(
            v for by_validator in self._votes_by_value.values() for v in by_validator.values()
        )

    @property
    def equivocations(self) -> tuple[Equivocation, ...]:
        return tuple(self._equivocations)
