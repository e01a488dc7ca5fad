"""Run the deterministic simulator over seeds; exit 1 on any violation.

python -m tests.sim.run --seeds 200                 # seeds 0..199, random faults
python -m tests.sim.run --seeds 1000 --byzantine 1  # one Byzantine validator of four
python -m tests.sim.run --seed 1234 --byzantine 1 --verbose   # replay one seed
python -m tests.sim.run --validators 7 --byzantine 2 --strategy coordinated --plan long-partition
python -m tests.sim.run --long                      # the documented long setting (every config)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from tests.sim.scenario import PlanKind
from tests.sim.simulation import SimConfig, SimResult, Strategy, run_seed


@dataclass(frozen=True, slots=True)
class Configuration:
    """One line of the long setting: a validator set, an adversary, a fault plan."""

    validators: int
    byzantine: int
    strategy: Strategy
    plan: PlanKind
    seeds: int

    def label(self) -> str:
        adversary = (
            f"{self.byzantine} {self.strategy.value} Byzantine" if self.byzantine else "honest"
        )
        return f"n={self.validators}, {adversary}, {self.plan.value} faults"


# ``--long``: 10,400 seeds over every configuration the simulator knows, all at the
# Byzantine bound f = (n - 1) / 3 except the fault-only line; docs/reliability.md records it.
LONG_SETTING = (
    Configuration(4, 0, Strategy.RANDOM, PlanKind.RANDOM, 1_000),
    Configuration(4, 1, Strategy.RANDOM, PlanKind.RANDOM, 2_000),
    Configuration(4, 1, Strategy.COORDINATED, PlanKind.RANDOM, 2_000),
    Configuration(4, 1, Strategy.COORDINATED, PlanKind.LONG_PARTITION, 1_500),
    Configuration(7, 2, Strategy.COORDINATED, PlanKind.RANDOM, 1_200),
    Configuration(7, 2, Strategy.COORDINATED, PlanKind.LONG_PARTITION, 800),
    Configuration(7, 2, Strategy.RANDOM, PlanKind.LONG_PARTITION, 400),
    Configuration(10, 3, Strategy.COORDINATED, PlanKind.RANDOM, 900),
    Configuration(10, 3, Strategy.COORDINATED, PlanKind.LONG_PARTITION, 600),
)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/sim", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100, help="how many seeds to run")
    parser.add_argument("--start", type=int, default=0, help="first seed")
    parser.add_argument("--seed", type=int, help="run this one seed only")
    parser.add_argument("--validators", type=int, default=4)
    parser.add_argument("--byzantine", type=int, default=0, help="Byzantine validators")
    parser.add_argument("--no-faults", action="store_true", help="perfect network, no crashes")
    parser.add_argument(
        "--strategy",
        choices=[s.value for s in Strategy],
        default=Strategy.RANDOM.value,
        help="Byzantine behaviour: each on its own, or one coalition splitting the honest",
    )
    parser.add_argument(
        "--plan",
        choices=[p.value for p in PlanKind],
        default=PlanKind.RANDOM.value,
        help="fault plan: short random faults, or partitions lasting many rounds",
    )
    parser.add_argument(
        "--long",
        action="store_true",
        help="run every configuration of the long setting (10,400 seeds) with a table",
    )
    parser.add_argument("--verbose", action="store_true", help="trace every step")
    arguments = parser.parse_args(argv)
    if arguments.validators < 1 or not 0 <= arguments.byzantine < arguments.validators:
        parser.error("need 1 or more validators and fewer Byzantine than validators")
    return arguments


def run_configuration(config: Configuration, start: int) -> tuple[list[SimResult], float]:
    began = time.perf_counter()
    results = []
    for seed in range(start, start + config.seeds):
        sim_config = SimConfig(
            seed=seed,
            validators=config.validators,
            byzantine=config.byzantine,
            strategy=config.strategy,
            plan=config.plan,
        )
        results.append(run_seed(sim_config))
    return results, time.perf_counter() - began


def run_long(start: int) -> int:
    """Every configuration of LONG_SETTING; one Markdown table row each, failures listed."""
    print(
        "| configuration | seeds | time (s) | blocks committed (honest node x height) | "
        "max round | longest recovery after the heal (virtual s) | violations |"
    )
    print("|---|---|---|---|---|---|---|")
    failed = 0
    total_seeds = 0
    for config in LONG_SETTING:
        results, seconds = run_configuration(config, start)
        bad = [r for r in results if not r.ok]
        failed += len(bad)
        total_seeds += len(results)
        commits = sum(sum(r.honest_heights) for r in results)
        recovery = max((r.progress_ms or 0) for r in results) / 1000
        print(
            f"| {config.label()} | {len(results)} | {seconds:.0f} | {commits} | "
            f"{max(r.max_round for r in results)} | {recovery:.1f} | {len(bad)} |",
            flush=True,
        )
        for result in bad:
            print(f"  {result.summary()}: {'; '.join(map(str, result.violations))}")
            print(f"  replay: {result.config.replay_command()}")
    print(f"{total_seeds - failed} of {total_seeds} seeds passed")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.long:
        return run_long(arguments.start)
    seeds = (
        [arguments.seed]
        if arguments.seed is not None
        else range(arguments.start, arguments.start + arguments.seeds)
    )
    tolerated = (arguments.validators - 1) // 3
    if arguments.byzantine > tolerated:
        print(
            f"note: {arguments.byzantine} Byzantine of {arguments.validators} is more than "
            f"the {tolerated} Tendermint tolerates; violations are expected",
            file=sys.stderr,
        )
    failures: list[SimResult] = []
    for seed in seeds:
        config = SimConfig(
            seed=seed,
            validators=arguments.validators,
            byzantine=arguments.byzantine,
            faults=not arguments.no_faults,
            strategy=Strategy(arguments.strategy),
            plan=PlanKind(arguments.plan),
        )
        result = run_seed(config, trace=print if arguments.verbose else None)
        if arguments.verbose or not result.ok:
            print(result.summary())
        if not result.ok:
            failures.append(result)
            for violation in result.violations:
                print(f"  {violation}")
            print(f"  replay: {config.replay_command()}")
    count = len(seeds)
    print(f"{count - len(failures)} of {count} seeds passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
