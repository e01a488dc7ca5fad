"""Properties of one core under arbitrary (well-formed) input sequences.

Whatever the other validators send, in whatever order, and whenever timers fire, the core
never asks to sign two different votes or proposals for one (height, round, step), its
signing records always pass the double-sign guard in order, its lock only moves forward
within a height, and it decides at most once per height.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from consensus import (
    BroadcastPrecommit,
    BroadcastPrevote,
    BroadcastProposal,
    CommitDecision,
    Event,
    SigningRecord,
    TimeoutKind,
    ValueReady,
    decide_signing,
)
from consensus.types import Round
from tests.unit.consensus.builders import (
    HEIGHT,
    A,
    B,
    C,
    precommit,
    prevote,
    proposal,
    started,
    timeout,
)

ROUNDS = st.integers(min_value=0, max_value=3)
VALUES = st.sampled_from([A, B, C, None])
OTHERS = st.sampled_from(["v1", "v2", "v3"])

EVENTS: st.SearchStrategy[Event] = st.one_of(
    st.builds(prevote, OTHERS, VALUES, ROUNDS),
    st.builds(precommit, OTHERS, VALUES, ROUNDS),
    st.builds(
        lambda value, round_number, valid_round, valid: proposal(
            value, round_number, min(valid_round, round_number - 1), valid
        ),
        st.sampled_from([A, B, C]),
        ROUNDS,
        st.integers(min_value=-1, max_value=2),
        st.booleans(),
    ),
    st.builds(timeout, st.sampled_from(list(TimeoutKind)), ROUNDS),
    st.builds(lambda r, v: ValueReady(HEIGHT, Round(r), v), ROUNDS, st.sampled_from([A, B, C])),
)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["v0", "v1", "v2", "v3"]), st.lists(EVENTS, max_size=60))
def test_property_a_core_never_double_signs_and_decides_once(me: str, events: list[Event]) -> None:
    core = started(me)
    last: SigningRecord | None = None
    signed: dict[tuple[int, int, int], bytes | None] = {}
    decisions = 0
    lock = (core.state.locked_round, core.state.locked_value)
    for event in events:
        for action in core.step(event):
            if isinstance(action, BroadcastProposal | BroadcastPrevote | BroadcastPrecommit):
                record = action.record
                assert decide_signing(last, record).allowed, (last, record)
                assert signed.setdefault(record.position, record.block_id) == record.block_id
                last = record
            elif isinstance(action, CommitDecision):
                decisions += 1
        state = core.state
        assert state.locked_round >= lock[0]
        if state.locked_round == lock[0]:
            assert state.locked_value == lock[1]
        lock = (state.locked_round, state.locked_value)
        assert state.valid_round >= state.locked_round
    assert decisions <= 1
