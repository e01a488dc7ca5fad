"""Small builders for consensus unit tests: four validators v0..v3 of power 1, height 1.

The proposer of (height 1, round r) is v[(1 + r) % 4]: r0 v1, r1 v2, r2 v3, r3 v0.
"""

from __future__ import annotations

from typing import TypeVar

from consensus import (
    NO_ROUND,
    Action,
    BlockId,
    BroadcastPrecommit,
    BroadcastPrevote,
    ConsensusCore,
    Event,
    Height,
    Proposal,
    ProposalReceived,
    Round,
    StartHeight,
    TimeoutConfig,
    TimeoutFired,
    TimeoutKind,
    ValidatorId,
    ValidatorSet,
    Vote,
    VoteReceived,
    VoteType,
)

VALIDATORS = ValidatorSet.with_equal_power(["v0", "v1", "v2", "v3"])
TIMEOUTS = TimeoutConfig(
    timeout_propose_ms=3000,
    timeout_propose_delta_ms=500,
    timeout_prevote_ms=1000,
    timeout_prevote_delta_ms=200,
    timeout_precommit_ms=1000,
    timeout_precommit_delta_ms=300,
)
HEIGHT = Height(1)
A = BlockId(b"\xaa" * 32)
B = BlockId(b"\xbb" * 32)
C = BlockId(b"\xcc" * 32)

ActionT = TypeVar("ActionT")


def proposer_of(round_number: int, height: int = 1) -> ValidatorId:
    return VALIDATORS.proposer(Height(height), Round(round_number))


def proposal(
    value: BlockId,
    round_number: int = 0,
    valid_round: int = NO_ROUND,
    valid: bool = True,
    height: int = 1,
) -> ProposalReceived:
    message = Proposal(
        Height(height),
        Round(round_number),
        value,
        Round(valid_round),
        proposer_of(round_number, height),
    )
    return ProposalReceived(message, value_valid=valid)


def vote(
    vote_type: VoteType,
    validator: str,
    value: BlockId | None,
    round_number: int = 0,
    height: int = 1,
) -> VoteReceived:
    return VoteReceived(
        Vote(vote_type, Height(height), Round(round_number), value, ValidatorId(validator))
    )


def prevote(validator: str, value: BlockId | None, round_number: int = 0) -> VoteReceived:
    return vote(VoteType.PREVOTE, validator, value, round_number)


def precommit(validator: str, value: BlockId | None, round_number: int = 0) -> VoteReceived:
    return vote(VoteType.PRECOMMIT, validator, value, round_number)


def timeout(kind: TimeoutKind, round_number: int = 0, height: int = 1) -> TimeoutFired:
    return TimeoutFired(kind, Height(height), Round(round_number))


def started(me: str = "v0") -> ConsensusCore:
    core = ConsensusCore(ValidatorId(me), TIMEOUTS)
    core.step(StartHeight(HEIGHT, VALIDATORS))
    return core


def feed(core: ConsensusCore, *events: Event) -> list[Action]:
    """Step every event; all actions, in order."""
    actions: list[Action] = []
    for event in events:
        actions.extend(core.step(event))
    return actions


def only(actions: list[Action], kind: type[ActionT]) -> list[ActionT]:
    return [a for a in actions if isinstance(a, kind)]


def prevoted_value(actions: list[Action]) -> list[BlockId | None]:
    return [a.vote.value for a in actions if isinstance(a, BroadcastPrevote)]


def precommitted_value(actions: list[Action]) -> list[BlockId | None]:
    return [a.vote.value for a in actions if isinstance(a, BroadcastPrecommit)]


def skip_to_round(core: ConsensusCore, round_number: int) -> None:
    """f + 1 precommits (nil) of a higher round make the core enter it (line 55)."""
    feed(core, precommit("v1", None, round_number), precommit("v2", None, round_number))
    assert core.state.round == round_number
