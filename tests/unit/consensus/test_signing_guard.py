"""Double-sign guard: never two different messages for one (height, round, step); never back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from consensus import (
    NO_ROUND,
    BlockId,
    Height,
    ResumePoint,
    Round,
    SigningRecord,
    SigningStep,
    SigningVerdict,
    Step,
    decide_signing,
    resume_point,
)
from tests.unit.consensus.builders import A, B


def record(
    height: int,
    round_number: int,
    step: SigningStep,
    block_id: BlockId | None,
    *,
    locked_round: int = NO_ROUND,
    locked_value: BlockId | None = None,
) -> SigningRecord:
    return SigningRecord(
        Height(height), Round(round_number), step, block_id, Round(locked_round), locked_value
    )


def test_first_signature_is_allowed() -> None:
    assert decide_signing(None, record(1, 0, SigningStep.PREVOTE, A)) is SigningVerdict.SIGN


def test_a_later_step_round_or_height_is_allowed() -> None:
    last = record(5, 2, SigningStep.PREVOTE, A)
    for later in (
        record(5, 2, SigningStep.PRECOMMIT, None),
        record(5, 3, SigningStep.PROPOSAL, B),
        record(6, 0, SigningStep.PREVOTE, None),
    ):
        assert decide_signing(last, later) is SigningVerdict.SIGN


def test_a_conflicting_vote_for_the_same_height_round_step_is_refused() -> None:
    last = record(5, 2, SigningStep.PREVOTE, A)
    assert decide_signing(last, record(5, 2, SigningStep.PREVOTE, B)) is (
        SigningVerdict.REFUSE_CONFLICT
    )
    assert decide_signing(last, record(5, 2, SigningStep.PREVOTE, None)) is (
        SigningVerdict.REFUSE_CONFLICT
    )


def test_the_identical_message_may_be_signed_again() -> None:
    last = record(5, 2, SigningStep.PRECOMMIT, A, locked_round=2, locked_value=A)
    verdict = decide_signing(
        last, record(5, 2, SigningStep.PRECOMMIT, A, locked_round=2, locked_value=A)
    )
    assert verdict is SigningVerdict.SIGN_AGAIN
    assert verdict.allowed


def test_going_backwards_is_refused() -> None:
    last = record(5, 2, SigningStep.PRECOMMIT, A)
    for earlier in (
        record(5, 2, SigningStep.PREVOTE, A),
        record(5, 1, SigningStep.PRECOMMIT, A),
        record(4, 9, SigningStep.PRECOMMIT, A),
    ):
        verdict = decide_signing(last, earlier)
        assert verdict is SigningVerdict.REFUSE_REGRESSION
        assert not verdict.allowed


def test_the_lock_never_moves_back_within_a_height_but_resets_with_it() -> None:
    last = record(5, 3, SigningStep.PRECOMMIT, A, locked_round=3, locked_value=A)
    unlocking = record(5, 4, SigningStep.PREVOTE, B, locked_round=1, locked_value=B)
    assert decide_signing(last, unlocking) is SigningVerdict.REFUSE_LOCK_REGRESSION
    assert decide_signing(last, record(6, 0, SigningStep.PREVOTE, B)) is SigningVerdict.SIGN


STEPS = st.sampled_from(list(SigningStep))
REQUESTS = st.builds(
    record,
    st.integers(1, 3),
    st.integers(0, 3),
    STEPS,
    st.sampled_from([A, B, None]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(REQUESTS, max_size=25))
def test_property_what_is_signed_never_conflicts_and_never_goes_back(
    requests: list[SigningRecord],
) -> None:
    last: SigningRecord | None = None
    signed: dict[tuple[int, int, int], BlockId | None] = {}
    for request in requests:
        if decide_signing(last, request).allowed:
            assert signed.setdefault(request.position, request.block_id) == request.block_id
            assert last is None or request.position >= last.position
            last = request


def test_resume_point_restores_round_step_and_lock_of_the_same_height() -> None:
    last = record(7, 4, SigningStep.PREVOTE, None, locked_round=2, locked_value=A)
    assert resume_point(last, Height(7)) == ResumePoint(
        round=Round(4),
        step=Step.PREVOTE,
        proposal_signed=False,
        locked_round=Round(2),
        locked_value=A,
    )
    proposal = resume_point(record(7, 1, SigningStep.PROPOSAL, B), Height(7))
    assert proposal is not None and (proposal.step, proposal.proposal_signed) == (
        Step.PROPOSE,
        True,
    )


def test_no_resume_point_for_another_height_or_without_record() -> None:
    assert resume_point(None, Height(1)) is None
    assert resume_point(record(6, 0, SigningStep.PRECOMMIT, A), Height(7)) is None
