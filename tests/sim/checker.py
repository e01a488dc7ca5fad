"""Invariants the simulator checks as the run goes (every commit and every signature).

State only changes through commits and signatures, so checking at those points is the
same as checking after every step, at a fraction of the cost.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from consensus import BlockId, Height, Proposal, ValidatorId, ValidatorSet, Vote
from consensus.types import ConsensusMessage, short_id
from tests.sim.network import CommittedBlock


class ViolationKind(enum.Enum):
    AGREEMENT = "agreement"  # two honest nodes committed different blocks at one height
    VALIDITY = "validity"  # an honest node committed a value never proposed, or invalid
    CERTIFICATE = "certificate"  # a commit without > 2/3 matching precommits
    HONEST_DOUBLE_SIGN = "honest_double_sign"  # an honest validator signed two different
    GUARD_REFUSAL = "guard_refusal"  # the core asked an honest node to sign what it must not
    HONEST_ACCUSED = "honest_accused"  # equivocation evidence against an honest validator
    LIVENESS = "liveness"  # no progress within the bound after the network healed


@dataclass(frozen=True, slots=True)
class Violation:
    kind: ViolationKind
    at_ms: int
    detail: str

    def __str__(self) -> str:
        return f"{self.kind.value} at {self.at_ms} ms: {self.detail}"


def certificate_problem(block: CommittedBlock, validator_set: ValidatorSet) -> str | None:
    """Why ``block.precommits`` is not a commit certificate for it, or None if it is."""
    voters: dict[ValidatorId, Vote] = {}
    for vote in block.precommits:
        if (vote.height, vote.round, vote.value) != (block.height, block.round, block.value):
            return f"precommit {vote} does not match the block"
        if vote.validator in voters:
            return f"{vote.validator} counted twice"
        voters[vote.validator] = vote
    power = sum(validator_set.power_of(v) for v in voters)
    if not validator_set.is_quorum(power):
        return f"only {power} of {validator_set.total_power} power"
    return None


class Checker:
    def __init__(self, validator_set: ValidatorSet, honest: frozenset[ValidatorId]) -> None:
        self.validator_set = validator_set
        self.honest = honest
        self.violations: list[Violation] = []
        self.value_validity: dict[BlockId, bool] = {}
        self.proposed_values: set[BlockId] = set()
        self.decided: dict[Height, tuple[BlockId, ValidatorId]] = {}
        self.commits = 0
        self.max_honest_round = 0  # how far rounds grew: long partitions must push this up
        self._signed_by_honest: dict[tuple[ValidatorId, Height, int, str], BlockId | None] = {}

    def fail(self, kind: ViolationKind, at_ms: int, detail: str) -> None:
        self.violations.append(Violation(kind, at_ms, detail))

    def on_signed(self, at_ms: int, signer: ValidatorId, message: ConsensusMessage) -> None:
        if isinstance(message, Proposal):
            self.proposed_values.add(message.value)
            kind = "proposal"
        else:
            kind = message.vote_type.value
        if signer not in self.honest:
            return
        self.max_honest_round = max(self.max_honest_round, message.round)
        key = (signer, message.height, message.round, kind)
        if key in self._signed_by_honest and self._signed_by_honest[key] != message.value:
            self.fail(
                ViolationKind.HONEST_DOUBLE_SIGN,
                at_ms,
                f"{signer} signed {kind} h{message.height} r{message.round} for "
                f"{short_id(self._signed_by_honest[key])} and {short_id(message.value)}",
            )
        self._signed_by_honest[key] = message.value

    def on_commit(self, at_ms: int, node: ValidatorId, block: CommittedBlock) -> None:
        self.commits += 1
        if node not in self.honest:
            return
        problem = certificate_problem(block, self.validator_set)
        if problem is not None:
            self.fail(ViolationKind.CERTIFICATE, at_ms, f"{node} h{block.height}: {problem}")
        if block.value not in self.proposed_values or not self.value_validity.get(block.value):
            self.fail(
                ViolationKind.VALIDITY,
                at_ms,
                f"{node} committed {short_id(block.value)} at h{block.height}, which was "
                f"{'invalid' if block.value in self.proposed_values else 'never proposed'}",
            )
        earlier = self.decided.get(block.height)
        if earlier is None:
            self.decided[block.height] = (block.value, node)
        elif earlier[0] != block.value:
            self.fail(
                ViolationKind.AGREEMENT,
                at_ms,
                f"h{block.height}: {earlier[1]} committed {short_id(earlier[0])}, "
                f"{node} committed {short_id(block.value)} (round {block.round})",
            )

    def on_evidence(self, at_ms: int, reporter: ValidatorId, accused: ValidatorId) -> None:
        if reporter in self.honest and accused in self.honest:
            self.fail(
                ViolationKind.HONEST_ACCUSED, at_ms, f"{reporter} has evidence against {accused}"
            )
