"""Tirkeu benchmarks: throughput, latency and memory, each next to the bound it is measured
against (docs/benchmarks.md). Run through ``scripts/bench`` or ``python -m tests.bench.run``.

    scripts/bench                         # the default run (~2 minutes on 2 cores)
    scripts/bench --quick                 # ~20 s: small samples, small state tree
    scripts/bench --preload-records 100000 --check-targets   # every target at its size
    scripts/bench --json > bench.json
    scripts/bench --cluster [--quick]     # 4 validators + the KTK observer (bench/cluster_target)

Exit status: 0 when the run completed (targets met or not), 1 when ``--check-targets`` is given
and a target was missed or not measured, 2 when the benchmark itself could not run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from ledger.identity.private_keys import KEY_TYPES
from tests.bench.bounds import measure_bounds
from tests.bench.cluster_target import ClusterTarget, SubmitVia
from tests.bench.end_to_end import EndToEndResult, measure_end_to_end
from tests.bench.executor import measure_executor
from tests.bench.node_target import LedgerTarget, SingleValidator
from tests.bench.report import BenchReport, Environment, compare, render_table, report_json
from tests.bench.state_tree import StateTreeResult, measure_state_tree
from tests.bench.targets import all_met, evaluate_targets
from tests.bench.workloads import Workload, WorkloadFactory
from tests.pki_fixtures import TestAuthority
from tests.registry_fixtures import Parties

PRELOAD_FIRST_NUMBER = 50_000_000  # preloaded properties never collide with the workload's
EXIT_TARGETS_MISSED = 1
EXIT_BENCHMARK_FAILED = 2

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BenchOptions:
    workload: Workload = Workload.REGISTRATIONS
    transactions: int = 2000  # end to end
    clients: int = 8
    executor_transactions: int = 1000
    block_size: int = 200  # the executor's blocks, as the node's max_transactions
    samples_per_kind: int = 100  # for the admission bound
    ecdsa_seconds: float = 2.0
    tree_records: int = 100_000
    tree_batch_size: int = 100
    preload_records: int = 0
    node: bool = True  # False: in-process measurements only
    cluster: bool = False  # end to end on 4 validators + the KTK observer instead of one node
    submit_via: SubmitVia = SubmitVia.OBSERVER  # with cluster: where clients submit
    person_key_type: str = "p256"  # the people's keys: p256, rsa, gost256, gost512 (the NCA's)


DEFAULT_OPTIONS = BenchOptions()
QUICK_OPTIONS = BenchOptions(
    transactions=250,
    executor_transactions=250,
    samples_per_kind=15,
    ecdsa_seconds=0.5,
    tree_records=10_000,
)


def run_benchmark(options: BenchOptions, progress: Progress = lambda _: None) -> BenchReport:
    environment = Environment.here()
    parties = Parties.create(TestAuthority(person_key_type=KEY_TYPES[options.person_key_type]))
    progress("1/4 signature-verification and admission bounds")
    bounds = measure_bounds(
        parties, samples_per_kind=options.samples_per_kind, ecdsa_seconds=options.ecdsa_seconds
    )
    progress(f"2/4 executor in-process: {options.executor_transactions} transactions")
    executor = measure_executor(
        parties, options.workload, options.executor_transactions, options.block_size
    )
    end_to_end = run_end_to_end(options, progress) if options.node else None
    state_tree: StateTreeResult | None = None
    if options.tree_records > 0:
        progress(f"4/4 state tree: {options.tree_records} records")
        state_tree = measure_state_tree(options.tree_records, options.tree_batch_size)
    return BenchReport(
        environment=environment,
        settings={
            **dataclasses.asdict(options),
            "workload": options.workload.value,
            "submit_via": options.submit_via.value,
        },
        bounds=bounds,
        executor=executor,
        end_to_end=end_to_end,
        state_tree=state_tree,
        comparisons=compare(bounds, executor, end_to_end, state_tree),
        targets=evaluate_targets(end_to_end, state_tree),
        load_average_1min_at_end=os.getloadavg()[0],
    )


def run_end_to_end(options: BenchOptions, progress: Progress) -> EndToEndResult:
    """The nodes in a temporary directory, always killed and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tirkeu-bench-") as workdir:
        target: LedgerTarget
        single: SingleValidator | None = None
        if options.cluster:
            target = ClusterTarget(Path(workdir) / "cluster", options.submit_via)
        else:
            people = TestAuthority(person_key_type=KEY_TYPES[options.person_key_type])
            target = single = SingleValidator(
                Path(workdir) / "validator-1", parties=Parties.create(people)
            )
        try:
            # The node's blocks carry the wall-clock time; the documents predate them.
            signed_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
            # Attestations are dated when submitted: after their application (para 23).
            factory = WorkloadFactory(target.parties, target.chain_id, signed_at, attested_at=None)
            preloaded = 0
            if single is not None and options.preload_records > 0:
                progress(f"3/4 preloading {options.preload_records} state records")
                preloaded = single.preload_properties(
                    options.preload_records,
                    factory,
                    PRELOAD_FIRST_NUMBER,
                    _every_tenth(options.preload_records, progress),
                )
            chains = factory.chains(options.workload, options.transactions)
            progress(f"3/4 end-to-end: starting {target.description}; {options.clients} clients")
            target.start()
            return measure_end_to_end(
                target,
                chains,
                workload=options.workload.value,
                clients=options.clients,
                preloaded_records=preloaded,
            )
        finally:
            target.close()


def _every_tenth(total: int, progress: Progress) -> Callable[[int], None]:
    reported = [0]

    def report(records: int) -> None:
        if records * 10 // total > reported[0]:
            reported[0] = records * 10 // total
            progress(f"    {records} records")

    return report


def parse_options(arguments: Sequence[str]) -> tuple[BenchOptions, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small samples (~20 s)")
    parser.add_argument(
        "--workload", choices=[w.value for w in Workload], help="default: registrations"
    )
    parser.add_argument("--transactions", type=int, help="end-to-end transactions (2000)")
    parser.add_argument("--clients", type=int, help="concurrent end-to-end clients (8)")
    parser.add_argument("--executor-transactions", type=int, help="in-process (1000)")
    parser.add_argument("--block-size", type=int, help="executor block size (200)")
    parser.add_argument("--samples", type=int, help="admission samples per kind (100)")
    parser.add_argument("--ecdsa-seconds", type=float, help="ECDSA timing loop (2.0)")
    parser.add_argument("--tree-records", type=int, help="state-tree size, 0 skips (100000)")
    parser.add_argument(
        "--preload-records", type=int, help="state records in the node before the run (0)"
    )
    parser.add_argument("--no-node", action="store_true", help="skip the end-to-end run")
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="end to end on 4 validators + the KTK observer (node-default consensus timeouts)",
    )
    parser.add_argument(
        "--submit-via",
        choices=[via.value for via in SubmitVia],
        help="with --cluster: the KTK observer (default) or the validators, round-robin",
    )
    parser.add_argument(
        "--person-key-type",
        choices=sorted(KEY_TYPES),
        help="the people's keys, as the NCA issues them (default p256); nodes stay P-256",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--check-targets", action="store_true", help="exit 1 unless every target is met"
    )
    namespace = parser.parse_args(arguments)
    base = QUICK_OPTIONS if namespace.quick else DEFAULT_OPTIONS
    overrides = {
        "transactions": namespace.transactions,
        "clients": namespace.clients,
        "executor_transactions": namespace.executor_transactions,
        "block_size": namespace.block_size,
        "samples_per_kind": namespace.samples,
        "ecdsa_seconds": namespace.ecdsa_seconds,
        "tree_records": namespace.tree_records,
        "preload_records": namespace.preload_records,
    }
    chosen = {name: value for name, value in overrides.items() if value is not None}
    for name, value in chosen.items():
        if name in ("tree_records", "preload_records") and value < 0:
            parser.error(f"--{name.replace('_', '-')} must not be negative")
        if name not in ("tree_records", "preload_records") and value <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    options = dataclasses.replace(base, **chosen)
    if namespace.workload is not None:
        options = dataclasses.replace(options, workload=Workload(namespace.workload))
    if namespace.person_key_type is not None:
        options = dataclasses.replace(options, person_key_type=namespace.person_key_type)
    if namespace.no_node:
        options = dataclasses.replace(options, node=False)
    if namespace.submit_via is not None and not namespace.cluster:
        parser.error("--submit-via needs --cluster")
    if namespace.cluster:
        if options.preload_records > 0:
            parser.error("--preload-records is for the single validator, not --cluster")
        if options.person_key_type != "p256":
            parser.error("--person-key-type is measured end to end on the single validator only")
        via = SubmitVia(namespace.submit_via or SubmitVia.OBSERVER.value)
        options = dataclasses.replace(options, cluster=True, submit_via=via)
    return options, namespace


def _stderr_progress() -> Progress:
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    return progress


def _exit_on_sigterm(signal_number: int, frame: FrameType | None) -> None:
    # SystemExit unwinds through every ``finally``: the node is killed, temp dirs removed.
    raise SystemExit(128 + signal_number)


def main(arguments: Sequence[str] | None = None) -> int:
    options, namespace = parse_options(sys.argv[1:] if arguments is None else arguments)
    previous_handler = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        report = run_benchmark(options, _stderr_progress())
    except Exception:
        traceback.print_exc()
        print("scripts/bench: the benchmark could not run", file=sys.stderr)
        return EXIT_BENCHMARK_FAILED
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    if namespace.json:
        print(json.dumps(report_json(report), indent=2))
    else:
        print(render_table(report))
    if namespace.check_targets and not all_met(report.targets):
        print("scripts/bench: a target was missed or not measured", file=sys.stderr)
        return EXIT_TARGETS_MISSED
    return 0


if __name__ == "__main__":
    sys.exit(main())
