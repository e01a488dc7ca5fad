"""Tirkeu benchmarks: throughput, latency and memory, each next to the bound it is measured
against (docs/benchmarks.md). Run through ``scripts/bench`` or ``python -m tests.bench.run``.

    scripts/bench                         # the default run (~2 minutes on 2 cores)
    scripts/bench --quick                 # ~20 s: small samples, small state tree
    scripts/bench --preload-records 100000 --check-targets   # every target at its size
    scripts/bench --json > bench.json
    scripts/bench --cluster [--quick]     # 4 validators + the KTK observer (bench/cluster_target)
    scripts/bench --cluster --rate 100    # open loop: 100 tx/s offered (bench/open_loop)
    scripts/bench --cluster --validators 16 --clients 64
    scripts/bench --cluster --sweep-clients 64,256 --sweep-rates 25,50,100 \
                  --sweep-validators 4,7,10,16 --plot docs/benchmarks --check-targets

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
from tests.bench.bounds import Bounds, measure_bounds
from tests.bench.cluster_target import ClusterTarget, SubmitVia
from tests.bench.end_to_end import EndToEndResult, measure_end_to_end
from tests.bench.executor import ExecutorResult, measure_executor
from tests.bench.long_chain import LongChainPoint, measure_long_chain, write_long_chain_plot
from tests.bench.node_target import LedgerTarget, SingleValidator
from tests.bench.report import (
    BenchReport,
    Environment,
    compare,
    cpu_count,
    machine_bound,
    render_table,
    report_json,
)
from tests.bench.state_tree import StateTreeResult, measure_state_tree
from tests.bench.sweeps import SweepPoint, sweep_point, write_plots
from tests.bench.targets import all_met, evaluate_scale_targets, evaluate_targets
from tests.bench.workloads import Workload, WorkloadFactory
from tests.pki_fixtures import TestAuthority
from tests.registry_fixtures import Parties

PRELOAD_FIRST_NUMBER = 50_000_000  # preloaded properties never collide with the workload's
EXIT_TARGETS_MISSED = 1
EXIT_BENCHMARK_FAILED = 2
LONG_CHAIN_MIN = 50  # ten registrations: enough properties to sample
MIN_VALIDATORS = 4  # a BFT quorum that survives one fault
MAX_VALIDATORS = 32  # the peer-stream slots a node keeps (node/runtime/server.py) allow more

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
    validators: int = 4  # with cluster
    rate: float | None = None  # open loop at this offered rate instead of the clients' loop
    sweep_clients: tuple[int, ...] = ()
    sweep_rates: tuple[float, ...] = ()
    sweep_validators: tuple[int, ...] = ()
    plot_dir: str | None = None
    long_chain: tuple[int, ...] = ()  # chain sizes (transactions) to build and measure


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
    sweeps = run_sweeps(options, bounds, executor, progress)
    long_chain: tuple[LongChainPoint, ...] = ()
    audit_bound = cpu_count() * bounds.mix_admission_bound(executor.kind_counts())
    if options.long_chain:
        with tempfile.TemporaryDirectory(prefix="tirkeu-bench-long-") as workdir:
            long_chain = measure_long_chain(options.long_chain, Path(workdir), progress)
        if options.plot_dir is not None:
            path = write_long_chain_plot(long_chain, Path(options.plot_dir), audit_bound)
            progress(f"wrote {path}")
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
        targets=evaluate_targets(end_to_end, state_tree)
        + evaluate_scale_targets(
            _cluster_runs(options, bounds, executor, end_to_end, sweeps), long_chain, audit_bound
        ),
        load_average_1min_at_end=os.getloadavg()[0],
        sweeps=sweeps,
        long_chain=long_chain,
        audit_bound_per_second=audit_bound,
    )


def _cluster_runs(
    options: BenchOptions,
    bounds: Bounds,
    executor: ExecutorResult,
    end_to_end: EndToEndResult | None,
    sweeps: tuple[SweepPoint, ...],
) -> tuple[SweepPoint, ...]:
    """The main run as a point beside the sweeps' (cluster runs only: the capacity targets
    name the 4+1 topology)."""
    if end_to_end is None or not options.cluster or not end_to_end.committed:
        return sweeps
    bound = machine_bound(bounds, executor, end_to_end)
    return (sweep_point("main", options.validators, end_to_end, bound), *sweeps)


def run_sweeps(
    options: BenchOptions, bounds: Bounds, executor: ExecutorResult, progress: Progress
) -> tuple[SweepPoint, ...]:
    plan: list[tuple[str, BenchOptions]] = []
    # Client and validator sweeps are closed loops (``clients`` threads); rate sweeps open.
    plan += [
        ("clients", dataclasses.replace(options, clients=c, rate=None))
        for c in options.sweep_clients
    ]
    plan += [("rate", dataclasses.replace(options, rate=r)) for r in options.sweep_rates]
    plan += [
        ("validators", dataclasses.replace(options, validators=n, rate=None))
        for n in options.sweep_validators
    ]
    points = []
    for sweep, point_options in plan:
        result = run_end_to_end(point_options, progress)
        bound = machine_bound(bounds, executor, result) if result.committed else 0.0
        points.append(sweep_point(sweep, point_options.validators, result, bound))
        progress(points[-1].line().strip())
    if options.plot_dir is not None:
        for path in write_plots(points, Path(options.plot_dir)):
            progress(f"wrote {path}")
    return tuple(points)


def run_end_to_end(options: BenchOptions, progress: Progress) -> EndToEndResult:
    """The nodes in a temporary directory, always killed and removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tirkeu-bench-") as workdir:
        target: LedgerTarget
        single: SingleValidator | None = None
        if options.cluster:
            target = ClusterTarget(
                Path(workdir) / "cluster", options.submit_via, options.validators
            )
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
            load = (
                f"open loop at {options.rate:.0f} tx/s"
                if options.rate
                else f"{options.clients} clients"
            )
            progress(f"3/4 end-to-end: starting {target.description}; {load}")
            target.start()
            return measure_end_to_end(
                target,
                chains,
                workload=options.workload.value,
                clients=options.clients,
                preloaded_records=preloaded,
                rate=options.rate,
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
    parser.add_argument("--validators", type=int, help="with --cluster: validators (4)")
    parser.add_argument("--rate", type=float, help="open loop: offered tx/s instead of clients")
    parser.add_argument("--sweep-clients", type=_numbers(int), help="e.g. 64,256")
    parser.add_argument("--sweep-rates", type=_numbers(float), help="open loop, e.g. 25,50,100")
    parser.add_argument("--sweep-validators", type=_numbers(int), help="e.g. 4,7,10,16")
    parser.add_argument(
        "--long-chain",
        type=_numbers(int),
        help="chain sizes to build and measure, e.g. 10000,40000",
    )
    parser.add_argument("--plot", metavar="DIR", help="write the sweeps' PNG pictures to DIR")
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
    for name in ("sweep_clients", "sweep_rates", "sweep_validators"):
        values = getattr(namespace, name)
        if values is not None and any(value <= 0 for value in values):
            parser.error(f"--{name.replace('_', '-')} takes positive numbers")
    if namespace.sweep_validators and any(
        not MIN_VALIDATORS <= n <= MAX_VALIDATORS for n in namespace.sweep_validators
    ):
        parser.error(f"--sweep-validators takes {MIN_VALIDATORS}..{MAX_VALIDATORS}")
    options = dataclasses.replace(
        options,
        sweep_clients=tuple(int(n) for n in namespace.sweep_clients or ()),
        sweep_rates=tuple(float(r) for r in namespace.sweep_rates or ()),
        sweep_validators=tuple(int(n) for n in namespace.sweep_validators or ()),
    )
    if namespace.long_chain is not None:
        if any(size < LONG_CHAIN_MIN for size in namespace.long_chain):
            parser.error(f"--long-chain sizes are at least {LONG_CHAIN_MIN} transactions")
        options = dataclasses.replace(
            options, long_chain=tuple(int(n) for n in namespace.long_chain)
        )
    if namespace.rate is not None:
        if namespace.rate <= 0:
            parser.error("--rate must be positive")
        options = dataclasses.replace(options, rate=namespace.rate)
    if namespace.plot is not None:
        options = dataclasses.replace(options, plot_dir=namespace.plot)
    if not namespace.cluster and (namespace.validators is not None or namespace.sweep_validators):
        parser.error("--validators and --sweep-validators need --cluster")
    if namespace.validators is not None:
        if not MIN_VALIDATORS <= namespace.validators <= MAX_VALIDATORS:
            parser.error(f"--validators must be {MIN_VALIDATORS}..{MAX_VALIDATORS}")
        options = dataclasses.replace(options, validators=namespace.validators)
    if namespace.cluster:
        if options.preload_records > 0:
            parser.error("--preload-records is for the single validator, not --cluster")
        if options.person_key_type != "p256":
            parser.error("--person-key-type is measured end to end on the single validator only")
        via = SubmitVia(namespace.submit_via or SubmitVia.OBSERVER.value)
        options = dataclasses.replace(options, cluster=True, submit_via=via)
    return options, namespace


def _numbers(kind: type[int] | type[float]) -> Callable[[str], list[float]]:
    def parse(text: str) -> list[float]:
        try:
            return [kind(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None

    return parse


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
