"""The deterministic simulator over many seeds, plus proof that it can fail.

A failing seed prints its replay command, e.g. ``scripts/sim --seed 1234 --byzantine 1
--validators 4 --verbose``.
"""

from __future__ import annotations

from collections import Counter

import pytest

from consensus import ConsensusCore, Event, StartHeight, ValidatorSet
from consensus.events import Action
from tests.sim.byzantine import AmnesicCore
from tests.sim.checker import ViolationKind
from tests.sim.run import main
from tests.sim.scenario import PlanKind
from tests.sim.simulation import SimConfig, SimResult, Strategy, run_seed


def run_seeds(  # noqa: PLR0917 (the tests name the configuration positionally)
    seeds: range,
    validators: int = 4,
    byzantine: int = 0,
    faults: bool = True,
    strategy: Strategy = Strategy.RANDOM,
    plan: PlanKind = PlanKind.RANDOM,
) -> list[SimResult]:
    results = [
        run_seed(
            SimConfig(
                seed,
                validators=validators,
                byzantine=byzantine,
                faults=faults,
                strategy=strategy,
                plan=plan,
            )
        )
        for seed in seeds
    ]
    failures = [
        f"{r.summary()}\n    {'; '.join(map(str, r.violations))}\n    replay: "
        f"{r.config.replay_command()}"
        for r in results
        if not r.ok
    ]
    assert not failures, "\n".join(failures)
    return results


def totals(results: list[SimResult]) -> Counter[str]:
    counted: Counter[str] = Counter()
    for result in results:
        counted.update(dict(result.counts))
    return counted


def test_default_suite_200_seeds_with_random_faults() -> None:
    results = run_seeds(range(200))
    seen = totals(results)
    # The faults really happened, or passing would prove nothing.
    for what in (
        "crashes",
        "crashes_between_persist_and_send",
        "restarts_resuming_a_signed_height",
        "blocks_caught_up_by_sync",
        "fault isolate_proposer",
        "fault split",
    ):
        assert seen[what] > 0, what
    assert sum(r.network.lost for r in results) > 0
    assert sum(r.network.duplicated for r in results) > 0
    assert min(min(r.honest_heights) for r in results) >= 2


def test_acceptance_1000_seeds_one_byzantine_of_four_with_network_faults() -> None:
    results = run_seeds(range(1000), validators=4, byzantine=1)
    seen = totals(results)
    assert seen["evidence_reports"] > 0  # the Byzantine validator did equivocate
    assert seen["invalid_proposals_received"] > 0  # and proposed invalid blocks
    assert seen["rejected_messages"] == 0  # it equivocates with well-formed messages


def test_seven_validators_two_byzantine() -> None:
    run_seeds(range(60), validators=7, byzantine=2)


def test_without_faults_every_seed_commits_quickly() -> None:
    for result in run_seeds(range(20), faults=False):
        assert result.progress_ms is not None and result.progress_ms < 5_000


def test_a_seed_replays_event_for_event() -> None:
    def traced(seed: int) -> tuple[list[str], SimResult]:
        lines: list[str] = []
        result = run_seed(SimConfig(seed=seed, byzantine=1), trace=lines.append)
        return lines, result

    first_lines, first = traced(7)
    again_lines, again = traced(7)
    assert first_lines == again_lines and len(first_lines) > 100
    assert (first.summary(), first.counts) == (again.summary(), again.counts)
    other_lines, _ = traced(8)
    assert other_lines != first_lines


# ------------------------------------------------------------------ the simulator can fail


def first_violation(  # noqa: PLR0917
    factory: type[ConsensusCore],
    seeds: range,
    kinds: set[ViolationKind],
    validators: int,
    byzantine: int,
    strategy: Strategy = Strategy.RANDOM,
) -> SimResult | None:
    for seed in seeds:
        config = SimConfig(seed, validators=validators, byzantine=byzantine, strategy=strategy)
        result = run_seed(config, factory)
        if {v.kind for v in result.violations} & kinds:
            return result
    return None


def test_mutation_ignoring_the_lock_breaks_agreement_and_is_caught() -> None:
    """Lines 23 and 29 without the lock: the simulator must find a fork."""
    found = first_violation(
        AmnesicCore, range(2000), {ViolationKind.AGREEMENT}, validators=4, byzantine=1
    )
    assert found is not None, "no seed in 0..1999 caught a core that ignores its lock"
    assert "--seed" in found.config.replay_command()


class WeakQuorumSet(ValidatorSet):
    """Counts "2/3 or more" instead of "more than 2/3"."""

    __slots__ = ()

    def is_quorum(self, power: int) -> bool:
        return 3 * power >= 2 * self.total_power


class WeakQuorumCore(ConsensusCore):
    def step(self, event: Event) -> tuple[Action, ...]:
        if isinstance(event, StartHeight):
            weak = WeakQuorumSet(event.validator_set.validators)
            event = StartHeight(event.height, weak, event.resume)
        return super().step(event)


def test_mutation_two_thirds_without_more_than_is_caught() -> None:
    """With six validators "2/3 or more" is 4 votes instead of 5: commits lack a quorum."""
    found = first_violation(
        WeakQuorumCore,
        range(50),
        {ViolationKind.CERTIFICATE, ViolationKind.AGREEMENT},
        validators=6,
        byzantine=1,
    )
    assert found is not None


class ForgetfulCore(ConsensusCore):
    """Ignores the resume point after a restart, as if nothing had been signed before."""

    def step(self, event: Event) -> tuple[Action, ...]:
        if isinstance(event, StartHeight) and event.resume is not None:
            event = StartHeight(event.height, event.validator_set)
        return super().step(event)


def test_a_core_that_forgets_what_it_signed_is_stopped_by_the_guard_and_reported() -> None:
    found = first_violation(
        ForgetfulCore, range(100), {ViolationKind.GUARD_REFUSAL}, validators=4, byzantine=0
    )
    assert found is not None


class MuteCore(ConsensusCore):
    """Never acts after starting a height: nothing is ever committed."""

    def step(self, event: Event) -> tuple[Action, ...]:
        actions = super().step(event)
        return actions if isinstance(event, StartHeight) else ()


def test_a_stalled_chain_is_reported_as_a_liveness_violation() -> None:
    result = run_seed(SimConfig(seed=3), MuteCore)
    assert [v.kind for v in result.violations] == [ViolationKind.LIVENESS]


# ------------------------------------------------------------------ command line


def test_cli_passes_good_seeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seeds", "5", "--start", "40", "--byzantine", "1"]) == 0
    assert "5 of 5 seeds passed" in capsys.readouterr().out


def test_cli_fails_and_prints_the_replay_command(capsys: pytest.CaptureFixture[str]) -> None:
    """Two Byzantine of four is more than Tendermint tolerates: seed 18 stalls."""
    assert main(["--seed", "18", "--byzantine", "2"]) == 1
    captured = capsys.readouterr()
    assert "replay: scripts/sim --seed 18 --validators 4 --byzantine 2 --verbose" in captured.out
    assert "violations are expected" in captured.err


def test_cli_verbose_traces_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seed", "1", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "boots at h1" in out and "commits h1" in out
