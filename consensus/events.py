"""Events the node feeds into ``ConsensusCore.step`` and actions the core returns.

Events are inputs (a message arrived, a timer fired, a block is ready); actions are outputs
the node carries out in order (sign-persist-send, schedule a timer, build a block, commit).
"""

from __future__ import annotations

from dataclasses import dataclass

from consensus.signing_guard import ResumePoint, SigningRecord
from consensus.types import BlockId, Height, Proposal, Round, TimeoutKind, Vote
from consensus.validators import ValidatorSet

# --------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class StartHeight:
    """Begin consensus at ``height`` with its validator set (Algorithm 1, lines 10 and 52-54).

    ``resume`` is given after a restart, from the persisted signing record of this height
    (``signing_guard.resume_point``), so the core neither re-signs nor forgets its lock.
    """

    height: Height
    validator_set: ValidatorSet
    resume: ResumePoint | None = None


@dataclass(frozen=True, slots=True)
class ProposalReceived:
    """A signature-verified proposal; ``value_valid`` is the node's valid(v) after executing it."""

    proposal: Proposal
    value_valid: bool


@dataclass(frozen=True, slots=True)
class VoteReceived:
    """A signature-verified prevote or precommit (the vote carries its type)."""

    vote: Vote


@dataclass(frozen=True, slots=True)
class TimeoutFired:
    """A timer scheduled by ``ScheduleTimeout`` expired (OnTimeoutX, lines 57-67)."""

    kind: TimeoutKind
    height: Height
    round: Round


@dataclass(frozen=True, slots=True)
class ValueReady:
    """The node's answer to ``RequestValue``: getValue() of line 18, a block id to propose."""

    height: Height
    round: Round
    value: BlockId


Event = StartHeight | ProposalReceived | VoteReceived | TimeoutFired | ValueReady

# --------------------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class BroadcastProposal:
    """Persist ``record`` (if the guard allows), then sign and send to the other validators.

    The core has already logged the message as sent; do not feed it back to it.
    """

    proposal: Proposal
    record: SigningRecord


@dataclass(frozen=True, slots=True)
class BroadcastPrevote:
    """As BroadcastProposal, for a prevote (nil when ``vote.value`` is None)."""

    vote: Vote
    record: SigningRecord


@dataclass(frozen=True, slots=True)
class BroadcastPrecommit:
    """As BroadcastProposal, for a precommit; ``record`` carries the lock it implies."""

    vote: Vote
    record: SigningRecord


@dataclass(frozen=True, slots=True)
class ScheduleTimeout:
    """Feed ``TimeoutFired(kind, height, round)`` back after ``duration_ms``; never cancelled."""

    kind: TimeoutKind
    height: Height
    round: Round
    duration_ms: int


@dataclass(frozen=True, slots=True)
class RequestValue:
    """Build (or fetch from the mempool) a block to propose; answer with ``ValueReady``."""

    height: Height
    round: Round


@dataclass(frozen=True, slots=True)
class CommitDecision:
    """decision_p[h] = v (line 51): apply the block, then send ``StartHeight(height + 1)``.

    ``precommits`` are the votes for ``value`` at ``round``: more than 2/3 of the power,
    the commit certificate stored with the block.
    """

    height: Height
    round: Round
    value: BlockId
    precommits: tuple[Vote, ...]


@dataclass(frozen=True, slots=True)
class ReportEquivocation:
    """Evidence: one validator signed two different votes for one height, round and type."""

    vote_a: Vote
    vote_b: Vote


@dataclass(frozen=True, slots=True)
class ReportConflictingProposal:
    """Evidence: the proposer of a round signed two different proposals for it."""

    proposal_a: Proposal
    proposal_b: Proposal


Action = (
    BroadcastProposal
    | BroadcastPrevote
    | BroadcastPrecommit
    | ScheduleTimeout
    | RequestValue
    | CommitDecision
    | ReportEquivocation
    | ReportConflictingProposal
)
