"""What the core accepts, rejects, ignores and buffers; evidence; restart; observers."""

from __future__ import annotations

import pytest

from consensus import (
    BlockId,
    BroadcastPrecommit,
    BroadcastPrevote,
    BroadcastProposal,
    ConsensusCore,
    ConsensusNotStarted,
    Height,
    HeightOutOfOrder,
    Proposal,
    ProposalReceived,
    RejectedMessage,
    RejectionReason,
    ReportConflictingProposal,
    ReportEquivocation,
    ResumePoint,
    Round,
    StartHeight,
    Step,
    TimeoutKind,
    ValidatorId,
    ValueReady,
    Vote,
    VoteReceived,
    VoteType,
)
from tests.unit.consensus.builders import (
    HEIGHT,
    TIMEOUTS,
    VALIDATORS,
    A,
    B,
    C,
    feed,
    only,
    precommit,
    prevote,
    proposal,
    started,
    timeout,
    vote,
)


def test_events_before_start_height_are_a_usage_error() -> None:
    core = ConsensusCore(ValidatorId("v0"), TIMEOUTS)
    with pytest.raises(ConsensusNotStarted):
        core.step(prevote("v1", A))
    with pytest.raises(ConsensusNotStarted):
        _ = core.state


def test_start_height_must_move_forward() -> None:
    core = started()
    with pytest.raises(HeightOutOfOrder):
        core.step(StartHeight(HEIGHT, VALIDATORS))
    with pytest.raises(HeightOutOfOrder):
        ConsensusCore(ValidatorId("v0")).step(StartHeight(Height(-1), VALIDATORS))
    core.step(StartHeight(Height(5), VALIDATORS))  # catch-up may skip heights
    assert (core.state.height, core.state.round, core.state.step) == (5, 0, Step.PROPOSE)


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (prevote("mallory", A), RejectionReason.UNKNOWN_SENDER),
        (
            ProposalReceived(Proposal(HEIGHT, Round(0), A, Round(-1), ValidatorId("v3")), True),
            RejectionReason.NOT_PROPOSER,
        ),
        (prevote("v1", BlockId(b"short")), RejectionReason.MALFORMED_BLOCK_ID),
        (proposal(BlockId(b"\x01" * 31)), RejectionReason.MALFORMED_BLOCK_ID),
        (prevote("v1", A, round_number=-1), RejectionReason.NEGATIVE_ROUND),
        (proposal(A, round_number=2, valid_round=2), RejectionReason.VALID_ROUND_OUT_OF_RANGE),
        (proposal(A, round_number=2, valid_round=-2), RejectionReason.VALID_ROUND_OUT_OF_RANGE),
    ],
    ids=["unknown", "not-proposer", "short-id", "short-proposal", "neg-round", "vr>=r", "vr<-1"],
)
def test_messages_no_honest_validator_signs_are_rejected_and_change_nothing(
    event: VoteReceived | ProposalReceived, reason: RejectionReason
) -> None:
    core = started()
    before, messages = core.state, core.current_height_messages()
    with pytest.raises(RejectedMessage) as rejected:
        core.step(event)
    assert rejected.value.reason is reason
    assert (core.state, core.current_height_messages()) == (before, messages)


def test_value_ready_with_a_malformed_block_id_is_rejected() -> None:
    core = started("v1")
    with pytest.raises(RejectedMessage):
        core.step(ValueReady(HEIGHT, Round(0), BlockId(b"")))


def test_messages_of_older_heights_are_ignored() -> None:
    core = started()
    core.step(StartHeight(Height(3), VALIDATORS))
    assert feed(core, precommit("v1", A), prevote("v2", A)) == []
    assert core.current_height_messages() == ()


def test_messages_of_the_next_height_are_buffered_and_replayed_when_it_starts() -> None:
    core = started()
    early = [vote(VoteType.PREVOTE, v, A, 0, height=2) for v in ("v1", "v2", "v3")]
    assert feed(core, *early) == []
    # Proposer of (2, 0) is v2.
    early_proposal = ProposalReceived(
        Proposal(Height(2), Round(0), A, Round(-1), ValidatorId("v2")), True
    )
    feed(core, early_proposal)
    actions = core.step(StartHeight(Height(2), VALIDATORS))
    # Replayed: the proposal makes v0 prevote A, and the polka makes it lock and precommit.
    assert [a.vote.value for a in only(list(actions), BroadcastPrevote)] == [A]
    assert [a.vote.value for a in only(list(actions), BroadcastPrecommit)] == [A]


def test_vote_equivocation_is_reported_once() -> None:
    core = started()
    actions = feed(core, prevote("v1", A), prevote("v1", B), prevote("v1", B))
    reports = only(actions, ReportEquivocation)
    assert [(r.vote_a.value, r.vote_b.value) for r in reports] == [(A, B)]


def test_conflicting_proposals_are_reported_and_the_first_drives_line_22() -> None:
    core = started()
    actions = feed(core, proposal(A), proposal(B))
    assert [a.vote.value for a in only(actions, BroadcastPrevote)] == [A]
    reports = only(actions, ReportConflictingProposal)
    assert [(r.proposal_a.value, r.proposal_b.value) for r in reports] == [(A, B)]


def test_line_49_decides_a_second_proposal_of_an_equivocating_proposer() -> None:
    """The quorum may form on the proposal this node received second."""
    core = started()
    feed(core, proposal(A), proposal(B))
    actions = feed(core, *(precommit(v, B) for v in ("v1", "v2", "v3")))
    assert core.state.decision == B
    assert actions


def test_line_28_sees_a_polka_that_includes_an_equivocators_other_vote() -> None:
    """Regression (found by the simulator): a node that counted an equivocator's nil
    prevote first must still accept the polka for A that includes its A prevote, or the
    honest nodes locked on A could never get the others to prevote A again."""
    core = started()
    feed(core, prevote("v3", None), prevote("v1", A), prevote("v2", A), prevote("v3", A))
    feed(core, timeout(TimeoutKind.PROPOSE, 0))  # v0 missed the proposal: nil
    feed(core, precommit("v1", None, 1), precommit("v2", None, 1))  # line 55: round 1
    actions = feed(core, proposal(A, 1, valid_round=0))
    assert [a.vote.value for a in only(actions, BroadcastPrevote)] == [A]


def test_restart_resumes_round_step_and_lock_without_signing_again() -> None:
    core = ConsensusCore(ValidatorId("v0"), TIMEOUTS)
    resume = ResumePoint(Round(2), Step.PREVOTE, False, Round(1), A)
    actions = core.step(StartHeight(HEIGHT, VALIDATORS, resume))
    assert actions == ()  # prevote of round 2 was signed before the crash: nothing to redo
    state = core.state
    assert (state.round, state.step, state.locked_round, state.locked_value) == (
        2,
        Step.PREVOTE,
        1,
        A,
    )
    assert (state.valid_round, state.valid_value) == (1, A)
    # Its own prevote comes back from its write-ahead log; then a polka for nil completes.
    later = feed(core, prevote("v0", None, 2), prevote("v1", None, 2), prevote("v2", None, 2))
    assert [a.vote.value for a in only(later, BroadcastPrecommit)] == [None]


def test_restart_after_signing_a_proposal_does_not_propose_again() -> None:
    core = ConsensusCore(ValidatorId("v1"), TIMEOUTS)  # proposer of round 0
    resume = ResumePoint(Round(0), Step.PROPOSE, True, Round(-1), None)
    actions = core.step(StartHeight(HEIGHT, VALIDATORS, resume))
    assert not only(list(actions), BroadcastProposal)
    assert not feed(core, ValueReady(HEIGHT, Round(0), C))


def test_an_observer_follows_and_decides_but_never_signs() -> None:
    core = ConsensusCore(ValidatorId("ktk-observer"), TIMEOUTS)
    core.step(StartHeight(HEIGHT, VALIDATORS))
    actions = feed(
        core,
        proposal(A),
        *(prevote(v, A) for v in ("v1", "v2", "v3")),
        *(precommit(v, A) for v in ("v1", "v2", "v3")),
    )
    assert not [a for a in actions if isinstance(a, BroadcastPrevote | BroadcastPrecommit)]
    assert core.state.decision == A


def test_the_log_lists_every_message_of_the_height_for_gossip() -> None:
    core = started()
    feed(core, proposal(A), prevote("v1", A), prevote("v1", B))
    messages = core.current_height_messages()
    own = Vote(VoteType.PREVOTE, HEIGHT, Round(0), A, ValidatorId("v0"))
    assert proposal(A).proposal in messages and own in messages
    assert Vote(VoteType.PREVOTE, HEIGHT, Round(0), B, ValidatorId("v1")) in messages


def test_a_non_event_is_a_type_error() -> None:
    core = started()
    with pytest.raises(TypeError):
        core.step("prevote")  # type: ignore[arg-type]
