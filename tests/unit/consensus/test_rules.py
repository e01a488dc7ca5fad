"""One test group per rule of Algorithm 1 (arXiv 1807.04938v3); line numbers in the names.

The node under test is v0 unless said otherwise; see builders.py for the proposer table.
"""

from __future__ import annotations

from consensus import (
    BlockId,
    BroadcastPrecommit,
    BroadcastProposal,
    CommitDecision,
    ConsensusCore,
    RequestValue,
    Round,
    ScheduleTimeout,
    SigningStep,
    StartHeight,
    Step,
    TimeoutKind,
    ValidatorId,
    ValueReady,
)
from tests.unit.consensus.builders import (
    HEIGHT,
    TIMEOUTS,
    VALIDATORS,
    A,
    B,
    feed,
    only,
    precommit,
    precommitted_value,
    prevote,
    prevoted_value,
    proposal,
    skip_to_round,
    started,
    timeout,
)


def locked_on(value: BlockId, round_number: int) -> ConsensusCore:
    """v0 locked on ``value`` at ``round_number`` (reached by round skip, line 55)."""
    core = started("v0")
    if round_number > 0:
        feed(core, precommit("v1", None, round_number), precommit("v2", None, round_number))
    feed(
        core,
        proposal(value, round_number),
        *(prevote(v, value, round_number) for v in ("v1", "v2", "v3")),
    )
    assert (core.state.locked_value, core.state.locked_round) == (value, round_number)
    return core


# ------------------------------------------------------------------ StartRound, lines 11-21


def test_start_round_lines_11_21_non_proposer_schedules_timeout_propose() -> None:
    core = ConsensusCore(ValidatorId("v0"), TIMEOUTS)
    actions = list(core.step(StartHeight(HEIGHT, VALIDATORS)))
    assert actions == [ScheduleTimeout(TimeoutKind.PROPOSE, HEIGHT, Round(0), 3000)]
    assert (core.state.round, core.state.step) == (0, Step.PROPOSE)


def test_start_round_line_18_proposer_without_valid_value_asks_for_a_value() -> None:
    core = started("v1")  # proposer of round 0
    actions = feed(core, ValueReady(HEIGHT, Round(0), A))
    proposals = only(actions, BroadcastProposal)
    assert [(p.proposal.value, p.proposal.valid_round) for p in proposals] == [(A, -1)]
    # Its own proposal is in its own log at once, so line 22 prevotes it in the same step.
    assert prevoted_value(actions) == [A]


def test_start_round_line_18_request_value_action_is_emitted() -> None:
    core = ConsensusCore(ValidatorId("v1"), TIMEOUTS)
    actions = core.step(StartHeight(HEIGHT, VALIDATORS))
    assert RequestValue(HEIGHT, Round(0)) in actions


def test_start_round_lines_15_16_proposer_reproposes_valid_value_with_valid_round() -> None:
    core = started("v2")  # proposer of round 1
    feed(core, proposal(A), *(prevote(v, A) for v in ("v0", "v1", "v3")))
    assert (core.state.valid_value, core.state.valid_round) == (A, 0)
    feed(core, precommit("v0", None), precommit("v1", None))  # 2f+1 precommits: line 47
    actions = feed(core, timeout(TimeoutKind.PRECOMMIT, 0))  # line 65: StartRound(1)
    proposals = only(actions, BroadcastProposal)
    assert [(p.proposal.value, p.proposal.valid_round) for p in proposals] == [(A, 0)]
    assert not only(actions, RequestValue)


def test_value_ready_is_ignored_when_the_round_has_moved_on() -> None:
    core = started("v1")
    skip_to_round(core, 2)
    assert not only(feed(core, ValueReady(HEIGHT, Round(0), A)), BroadcastProposal)


# ------------------------------------------------------------------ line 22


def test_line_22_prevotes_a_valid_proposal_when_unlocked() -> None:
    core = started()
    actions = feed(core, proposal(A))
    assert prevoted_value(actions) == [A]
    assert core.state.step is Step.PREVOTE


def test_line_23_prevotes_nil_for_an_invalid_proposal() -> None:
    core = started()
    assert prevoted_value(feed(core, proposal(A, valid=False))) == [None]


def test_line_23_prevotes_nil_when_locked_on_another_value() -> None:
    core = locked_on(A, 1)
    skip_to_round(core, 2)
    assert prevoted_value(feed(core, proposal(B, 2))) == [None]


def test_line_23_prevotes_the_locked_value_again() -> None:
    core = locked_on(A, 1)
    skip_to_round(core, 2)
    assert prevoted_value(feed(core, proposal(A, 2))) == [A]


def test_line_22_fires_only_in_step_propose() -> None:
    core = started()
    feed(core, timeout(TimeoutKind.PROPOSE, 0))  # prevote nil, step prevote (line 59)
    assert prevoted_value(feed(core, proposal(A))) == []


def test_line_22_ignores_a_proposal_that_claims_a_valid_round() -> None:
    """A proposal with vr >= 0 goes to line 28, which needs the polka of vr."""
    core = started()
    skip_to_round(core, 1)
    assert prevoted_value(feed(core, proposal(A, 1, valid_round=0))) == []
    assert core.state.step is Step.PROPOSE


# ------------------------------------------------------------------ line 28


def test_line_28_prevotes_a_reproposal_backed_by_a_polka_when_locked_round_is_older() -> None:
    core = locked_on(A, 0)
    skip_to_round(core, 2)
    actions = feed(
        core,
        *(prevote(v, B, 1) for v in ("v1", "v2", "v3")),
        proposal(B, 2, valid_round=1),
    )
    assert prevoted_value(actions) == [B]


def test_line_29_prevotes_nil_when_locked_later_than_the_valid_round_on_another_value() -> None:
    core = locked_on(A, 1)
    skip_to_round(core, 2)
    actions = feed(
        core,
        *(prevote(v, B, 0) for v in ("v1", "v2", "v3")),
        proposal(B, 2, valid_round=0),
    )
    assert prevoted_value(actions) == [None]


def test_line_29_prevotes_the_locked_value_even_from_an_older_valid_round() -> None:
    core = locked_on(A, 1)
    skip_to_round(core, 2)
    feed(core, prevote("v3", A, 0))  # with v1, v2 below: a polka for A in round 0
    actions = feed(core, prevote("v1", A, 0), prevote("v2", A, 0), proposal(A, 2, valid_round=0))
    assert prevoted_value(actions) == [A]


def test_line_29_accepts_a_valid_round_equal_to_the_locked_round() -> None:
    """lockedRound <= vr, not <: here more than f equivocated, so round 1 has two polkas."""
    core = locked_on(A, 1)
    skip_to_round(core, 2)
    actions = feed(
        core,
        *(prevote(v, B, 1) for v in ("v1", "v2", "v3")),  # second votes of round 1
        proposal(B, 2, valid_round=1),
    )
    assert prevoted_value(actions) == [B]


def test_line_29_prevotes_nil_for_an_invalid_reproposal() -> None:
    core = started()
    skip_to_round(core, 2)
    actions = feed(
        core,
        *(prevote(v, B, 1) for v in ("v1", "v2", "v3")),
        proposal(B, 2, valid_round=1, valid=False),
    )
    assert prevoted_value(actions) == [None]


def test_line_28_waits_for_the_polka_of_the_valid_round() -> None:
    core = started()
    skip_to_round(core, 2)
    actions = feed(core, proposal(B, 2, valid_round=1), prevote("v1", B, 1), prevote("v2", B, 1))
    assert prevoted_value(actions) == []
    assert prevoted_value(feed(core, prevote("v3", B, 1))) == [B]


# ------------------------------------------------------------------ line 34


def test_line_34_schedules_timeout_prevote_once_on_any_two_thirds_of_prevotes() -> None:
    core = started()
    feed(core, timeout(TimeoutKind.PROPOSE, 0))  # v0 prevotes nil
    actions = feed(core, prevote("v1", A), prevote("v2", B), prevote("v3", None))
    scheduled = [a for a in only(actions, ScheduleTimeout) if a.kind is TimeoutKind.PREVOTE]
    assert scheduled == [ScheduleTimeout(TimeoutKind.PREVOTE, HEIGHT, Round(0), 1000)]


def test_line_34_needs_step_prevote() -> None:
    core = started()
    actions = feed(core, prevote("v1", A), prevote("v2", B), prevote("v3", None))
    assert not [a for a in only(actions, ScheduleTimeout) if a.kind is TimeoutKind.PREVOTE]


# ------------------------------------------------------------------ line 36


def test_line_36_locks_and_precommits_on_a_polka_for_the_proposal() -> None:
    core = started()
    actions = feed(core, proposal(A), prevote("v1", A), prevote("v2", A))
    precommits = only(actions, BroadcastPrecommit)
    assert [p.vote.value for p in precommits] == [A]
    state = core.state
    assert (state.locked_value, state.locked_round, state.valid_value, state.valid_round) == (
        A,
        0,
        A,
        0,
    )
    assert state.step is Step.PRECOMMIT


def test_line_36_the_precommit_signing_record_already_carries_the_new_lock() -> None:
    core = started()
    actions = feed(core, proposal(A), prevote("v1", A), prevote("v2", A))
    (precommit_action,) = only(actions, BroadcastPrecommit)
    record = precommit_action.record
    assert (record.step, record.block_id, record.locked_round, record.locked_value) == (
        SigningStep.PRECOMMIT,
        A,
        0,
        A,
    )


def test_lines_42_43_after_precommitting_nil_only_valid_value_is_updated() -> None:
    core = started()
    feed(core, timeout(TimeoutKind.PROPOSE, 0))  # prevote nil (line 59)
    feed(core, timeout(TimeoutKind.PREVOTE, 0))  # precommit nil, step precommit (line 63)
    actions = feed(core, proposal(A), prevote("v1", A), prevote("v3", A), prevote("v2", A))
    assert not only(actions, BroadcastPrecommit)
    state = core.state
    assert (state.locked_value, state.locked_round) == (None, -1)
    assert (state.valid_value, state.valid_round) == (A, 0)


def test_line_36_does_not_fire_in_step_propose() -> None:
    core = started()
    feed(core, prevote("v1", A), prevote("v2", A), prevote("v3", A))
    assert core.state.valid_value is None
    assert core.state.step is Step.PROPOSE


def test_line_36_needs_a_valid_proposal() -> None:
    core = started()
    actions = feed(core, proposal(A, valid=False), prevote("v1", A), prevote("v2", A))
    assert precommitted_value(actions) == []
    assert core.state.valid_value is None


# ------------------------------------------------------------------ line 44


def test_line_44_precommits_nil_on_a_polka_for_nil() -> None:
    core = started()
    actions = feed(core, proposal(A), prevote("v1", None), prevote("v2", None), prevote("v3", None))
    assert precommitted_value(actions) == [None]
    assert core.state.step is Step.PRECOMMIT


# ------------------------------------------------------------------ line 47


def test_line_47_schedules_timeout_precommit_once_on_any_two_thirds_of_precommits() -> None:
    core = started()
    actions = feed(core, precommit("v1", A), precommit("v2", None), precommit("v3", B))
    actions += feed(core, precommit("v0", None))
    scheduled = [a for a in only(actions, ScheduleTimeout) if a.kind is TimeoutKind.PRECOMMIT]
    assert scheduled == [ScheduleTimeout(TimeoutKind.PRECOMMIT, HEIGHT, Round(0), 1000)]


# ------------------------------------------------------------------ line 49


def test_line_49_decides_on_the_proposal_and_two_thirds_of_precommits() -> None:
    core = started()
    actions = feed(core, proposal(A), precommit("v1", A), precommit("v2", A), precommit("v3", A))
    (decision,) = only(actions, CommitDecision)
    assert (decision.height, decision.round, decision.value) == (HEIGHT, 0, A)
    assert sorted(v.validator for v in decision.precommits) == ["v1", "v2", "v3"]
    assert core.state.decision == A


def test_line_49_decides_for_a_past_round() -> None:
    core = started()
    skip_to_round(core, 3)
    actions = feed(core, precommit("v1", A, 1), precommit("v3", A, 1), precommit("v0", A, 1))
    assert not only(actions, CommitDecision)  # the proposal of round 1 is still missing
    (decision,) = only(feed(core, proposal(A, 1)), CommitDecision)
    assert (decision.round, decision.value) == (1, A)


def test_line_50_does_not_decide_an_invalid_value() -> None:
    core = started()
    actions = feed(core, proposal(A, valid=False), *(precommit(v, A) for v in ("v1", "v2", "v3")))
    assert not only(actions, CommitDecision)


def test_line_49_fires_once_and_the_decided_height_ignores_further_messages() -> None:
    core = started()
    feed(core, proposal(A), *(precommit(v, A) for v in ("v1", "v2", "v3")))
    assert feed(core, precommit("v0", A), timeout(TimeoutKind.PRECOMMIT, 0), prevote("v1", B)) == []


# ------------------------------------------------------------------ line 55


def test_line_55_enters_a_round_where_more_than_a_third_sent_messages() -> None:
    core = started()
    feed(core, prevote("v1", None, 5))
    assert core.state.round == 0  # one of four is not more than 1/3
    actions = feed(core, proposal(A, 5))  # proposer of round 5 is v2: a second sender
    assert core.state.round == 5
    assert only(actions, ScheduleTimeout)[0].duration_ms == 3000 + 5 * 500
    # The proposal that arrived first is in the log, so line 22 prevotes it at once.
    assert prevoted_value(actions) == [A]


def test_line_55_counts_each_sender_once() -> None:
    core = started()
    feed(core, prevote("v1", None, 4), precommit("v1", None, 4), prevote("v1", A, 4))
    assert core.state.round == 0
