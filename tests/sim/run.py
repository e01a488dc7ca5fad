"""Run the deterministic simulator over seeds; exit 1 on any violation.

python -m tests.sim.run --seeds 200                 # seeds 0..199, random faults
python -m tests.sim.run --seeds 1000 --byzantine 1  # one Byzantine validator of four
python -m tests.sim.run --seed 1234 --byzantine 1 --verbose   # replay one seed
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tests.sim.simulation import SimConfig, SimResult, run_seed


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/sim", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100, help="how many seeds to run")
    parser.add_argument("--start", type=int, default=0, help="first seed")
    parser.add_argument("--seed", type=int, help="run this one seed only")
    parser.add_argument("--validators", type=int, default=4)
    parser.add_argument("--byzantine", type=int, default=0, help="Byzantine validators")
    parser.add_argument("--no-faults", action="store_true", help="perfect network, no crashes")
    parser.add_argument("--verbose", action="store_true", help="trace every step")
    arguments = parser.parse_args(argv)
    if arguments.validators < 1 or not 0 <= arguments.byzantine < arguments.validators:
        parser.error("need 1 or more validators and fewer Byzantine than validators")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
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
