"""OnTimeoutPropose/Prevote/Precommit (Algorithm 1, lines 57-67) and timeout growth (§3)."""

from __future__ import annotations

from consensus import Height, RequestValue, Round, Step, TimeoutKind
from tests.unit.consensus.builders import (
    HEIGHT,
    TIMEOUTS,
    feed,
    precommitted_value,
    prevoted_value,
    skip_to_round,
    started,
    timeout,
)


def test_line_57_timeout_propose_prevotes_nil() -> None:
    core = started()
    actions = feed(core, timeout(TimeoutKind.PROPOSE, 0))
    assert prevoted_value(actions) == [None]
    assert core.state.step is Step.PREVOTE


def test_line_61_timeout_prevote_precommits_nil() -> None:
    core = started()
    feed(core, timeout(TimeoutKind.PROPOSE, 0))
    assert precommitted_value(feed(core, timeout(TimeoutKind.PREVOTE, 0))) == [None]


def test_line_65_timeout_precommit_starts_the_next_round() -> None:
    core = started("v2")  # proposer of round 1
    actions = feed(core, timeout(TimeoutKind.PRECOMMIT, 0))
    assert core.state.round == 1
    assert RequestValue(HEIGHT, Round(1)) in actions


def test_lines_58_62_66_stale_timeouts_change_nothing() -> None:
    core = started()
    skip_to_round(core, 2)
    before = core.state
    actions = feed(
        core,
        timeout(TimeoutKind.PROPOSE, 1),
        timeout(TimeoutKind.PREVOTE, 2),  # right round, wrong step
        timeout(TimeoutKind.PRECOMMIT, 1),
        timeout(TimeoutKind.PROPOSE, 2, height=7),
    )
    assert actions == []
    assert core.state == before


def test_timeouts_grow_linearly_with_the_round() -> None:
    assert [TIMEOUTS.duration_ms(TimeoutKind.PREVOTE, Round(r)) for r in range(3)] == [
        1000,
        1200,
        1400,
    ]
    assert TIMEOUTS.duration_ms(TimeoutKind.PRECOMMIT, Round(2)) == 1600
    assert TIMEOUTS.duration_ms(TimeoutKind.PROPOSE, Round(0)) == 3000


def test_height_is_the_one_started() -> None:
    assert started().state.height == Height(1)
