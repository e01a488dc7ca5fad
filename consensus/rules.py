"""The upon-rules of Algorithm 1 (arXiv 1807.04938v3), one function per rule.

Each rule looks at the core's state and message log, and if its condition holds it acts
and returns True; otherwise it changes nothing and returns False. ``ConsensusCore`` runs
them until none fires. The paper executes enabled rules in any order (its footnote on
atomic upon-rules); the order here only puts deciding first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from consensus.events import CommitDecision
from consensus.types import NO_ROUND, Step, TimeoutKind, VoteType

if TYPE_CHECKING:
    from consensus.core import ConsensusCore


def upon_proposal_line_22(core: ConsensusCore) -> bool:
    """Lines 22-27: upon ⟨PROPOSAL, h_p, round_p, v, -1⟩ from proposer(h_p, round_p)
    while step_p = propose: prevote id(v) if valid and the lock allows (line 23), else nil.
    """
    state = core.state
    if state.step is not Step.PROPOSE:
        return False
    for stored in core.log.proposals(state.round):
        if stored.proposal.valid_round != NO_ROUND:
            continue
        value = stored.proposal.value
        accepted = core.lock_admits_fresh_proposal_line_23(value, stored.value_valid)
        core._broadcast_vote(VoteType.PREVOTE, value if accepted else None)
        core._set_state(step=Step.PREVOTE)
        return True
    return False


def upon_proposal_with_polka_line_28(core: ConsensusCore) -> bool:
    """Lines 28-33: upon ⟨PROPOSAL, h_p, round_p, v, vr⟩ from proposer(h_p, round_p) AND
    2f+1 ⟨PREVOTE, h_p, vr, id(v)⟩ while step_p = propose ∧ 0 <= vr < round_p: prevote
    id(v) if valid and (lockedRound <= vr ∨ lockedValue = v) (line 29), else nil.
    """
    state = core.state
    if state.step is not Step.PROPOSE:
        return False
    for stored in core.log.proposals(state.round):
        value, valid_round = stored.proposal.value, stored.proposal.valid_round
        if not 0 <= valid_round < state.round:
            continue
        if not core.log.prevotes(valid_round).has_quorum_for(value):
            continue
        accepted = core.lock_admits_reproposal_line_29(value, stored.value_valid, valid_round)
        core._broadcast_vote(VoteType.PREVOTE, value if accepted else None)
        core._set_state(step=Step.PREVOTE)
        return True
    return False


def upon_prevote_quorum_any_line_34(core: ConsensusCore) -> bool:
    """Lines 34-35: upon 2f+1 ⟨PREVOTE, h_p, round_p, ∗⟩ while step_p = prevote for the
    first time: schedule OnTimeoutPrevote(h_p, round_p) after timeoutPrevote(round_p).
    """
    state = core.state
    if state.step is not Step.PREVOTE or (34, state.round) in core._fired:
        return False
    if not core.log.prevotes(state.round).has_quorum_of_any():
        return False
    core._fired.add((34, state.round))
    core._schedule(TimeoutKind.PREVOTE)
    return True


def upon_polka_for_proposal_line_36(core: ConsensusCore) -> bool:
    """Lines 36-43: upon ⟨PROPOSAL, h_p, round_p, v, ∗⟩ from proposer(h_p, round_p) AND
    2f+1 ⟨PREVOTE, h_p, round_p, id(v)⟩ while valid(v) ∧ step_p >= prevote for the first
    time: if step_p = prevote, lock v and precommit id(v) (lines 37-41); in any case
    validValue := v, validRound := round_p (lines 42-43).
    """
    state = core.state
    if state.step < Step.PREVOTE or (36, state.round) in core._fired:
        return False
    prevotes = core.log.prevotes(state.round)
    for stored in core.log.proposals(state.round):
        value = stored.proposal.value
        if not (stored.value_valid and prevotes.has_quorum_for(value)):
            continue
        core._fired.add((36, state.round))
        if state.step is Step.PREVOTE:
            # The lock is set before the precommit is signed, so the signing record the
            # node persists with the precommit already carries it (crash safety).
            core._set_state(locked_value=value, locked_round=state.round)
            core._broadcast_vote(VoteType.PRECOMMIT, value)
            core._set_state(step=Step.PRECOMMIT)
        core._set_state(valid_value=value, valid_round=state.round)
        return True
    return False


def upon_polka_nil_line_44(core: ConsensusCore) -> bool:
    """Lines 44-46: upon 2f+1 ⟨PREVOTE, h_p, round_p, nil⟩ while step_p = prevote:
    precommit nil.
    """
    state = core.state
    if state.step is not Step.PREVOTE:
        return False
    if not core.log.prevotes(state.round).has_quorum_for(None):
        return False
    core._broadcast_vote(VoteType.PRECOMMIT, None)
    core._set_state(step=Step.PRECOMMIT)
    return True


def upon_precommit_quorum_any_line_47(core: ConsensusCore) -> bool:
    """Lines 47-48: upon 2f+1 ⟨PRECOMMIT, h_p, round_p, ∗⟩ for the first time: schedule
    OnTimeoutPrecommit(h_p, round_p) after timeoutPrecommit(round_p).
    """
    state = core.state
    if (47, state.round) in core._fired:
        return False
    if not core.log.precommits(state.round).has_quorum_of_any():
        return False
    core._fired.add((47, state.round))
    core._schedule(TimeoutKind.PRECOMMIT)
    return True


def upon_decision_line_49(core: ConsensusCore) -> bool:
    """Lines 49-54: upon ⟨PROPOSAL, h_p, r, v, ∗⟩ from proposer(h_p, r) AND
    2f+1 ⟨PRECOMMIT, h_p, r, id(v)⟩ while decision_p[h_p] = nil: if valid(v), decide v
    (line 51) for any round r.

    Lines 52-54 (next height, reset, StartRound(0)) are left to the node: it applies the
    block, learns the next validator set, and then sends StartHeight(h_p + 1).
    """
    state = core.state
    if state.decision is not None:
        return False
    for round_number, value in core.log.precommit_quorums():
        stored = core.log.proposal_for(round_number, value)
        if stored is None or not stored.value_valid:
            continue
        certificate = core.log.precommits(round_number).votes_for(value)
        core._out.append(CommitDecision(state.height, round_number, value, certificate))
        core._set_state(decision=value)
        return True
    return False


def upon_round_skip_line_55(core: ConsensusCore) -> bool:
    """Lines 55-56: upon f+1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p: StartRound(round).

    Senders are counted once each by power, over proposals and votes of that round; with
    several such rounds the highest is entered.
    """
    state = core.state
    target = core.log.highest_round_with_one_third(above=state.round)
    if target is None:
        return False
    core._start_round(target)
    return True


UPON_RULES: tuple[Callable[[ConsensusCore], bool], ...] = (
    upon_decision_line_49,
    upon_round_skip_line_55,
    upon_proposal_line_22,
    upon_proposal_with_polka_line_28,
    upon_polka_for_proposal_line_36,
    upon_polka_nil_line_44,
    upon_prevote_quorum_any_line_34,
    upon_precommit_quorum_any_line_47,
)
