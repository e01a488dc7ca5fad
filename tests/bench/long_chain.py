"""Scale over time (issue 11): ``scripts/bench --long-chain 10000,20000,40000``.

A chain is grown to each size in turn through the real commit path (the node's own SoloEngine
sealing blocks into its LevelDB store, in this process, the node stopped: the story's
registrations mix, one new property per five transactions, each position of every chain in
blocks of 500). At each size the node process is started and measured:

- **start-up**: ``tirkeu-node`` launched to its health service saying SERVING (process start,
  imports, opening the store, the signing journal, the engine). Must not grow with the chain.
- **GetProperty p50/p99**: ``GET_PROPERTY_SAMPLES`` reads of random properties of the chain,
  one client, over mutual TLS.
- **ListApplications p50/p99**: ``LIST_APPLICATIONS_SAMPLES`` calls for the recipient's
  applications (``LIST_APPLICATIONS_LIMIT`` of them): the workload's one recipient is a party
  to every application of the chain, so this is the largest party a query can name.
- **RSS** after those reads, and **disk bytes per transaction** (the data directory after a
  graceful stop).
- **audit**: ``tirkeu-audit verify --data-dir`` over the whole chain (it replays every block),
  in transactions per second, against its bound: the cores times the single-core admission
  bound (the cold verification and rule of each transaction, which the replay repeats). Run
  twice on the same chain: with ``--jobs 1`` (one process, as before issue 11's parallel audit)
  and with the default (a worker per core), so the before and after are of one run.

- **block sync**: a fresh KTK observer syncing the whole chain from the running validator,
  against the same blocks verified, executed and persisted in this process on one core
  (tests/bench/block_sync.py).
The issue's size is 1,000,000 transactions; on this shared 2-core machine the sizes run are
those that fit a session (docs/benchmarks.md states which).
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from tirkeu_pb import api_pb2, api_pb2_grpc, transaction_pb2

from consensus.types import ValidatorId
from ledger.hashing import sha256_hex
from node.chain.mempool import Mempool, PendingTransaction
from node.chain.open import chain_setup, open_chain
from node.engine.solo import SoloEngine
from node.operations.config import BlockConfig
from tests.bench.block_sync import in_process_sync_seconds, observer_sync_seconds
from tests.bench.end_to_end import percentile
from tests.bench.node_target import (
    PRELOAD_BLOCK_TRANSACTIONS,
    SingleValidator,
    directory_bytes,
    peak_rss_bytes,
)
from tests.bench.workloads import Workload, WorkloadFactory, by_position, cadastral_number
from tests.integration.harness import VALIDATOR_ID
from tests.pki_fixtures import RECIPIENT_IIN

GET_PROPERTY_SAMPLES = 500
LIST_APPLICATIONS_SAMPLES = 200
LIST_APPLICATIONS_LIMIT = 20
MIB = 1024 * 1024
AUDIT_TIMEOUT_SECONDS = 3600.0
CALL_TIMEOUT_SECONDS = 10.0
AUDIT_EXECUTABLE = str(Path(sys.executable).parent / "tirkeu-audit")  # the auditor's command


@dataclass(frozen=True, slots=True)
class LongChainPoint:
    transactions: int
    height: int
    start_up_seconds: float
    get_property_p50_ms: float
    get_property_p99_ms: float
    rss_bytes: int
    disk_bytes: int
    audit_seconds: float  # tirkeu-audit verify with its default jobs (the cores)
    audit_one_job_seconds: float = 0.0  # the same with --jobs 1
    list_applications_p50_ms: float = 0.0
    list_applications_p99_ms: float = 0.0
    sync_seconds: float = 0.0  # a fresh observer, launch to the validator's height
    sync_bound_seconds: float = 0.0  # the same blocks applied in process, one core

    @property
    def sync_per_second(self) -> float:
        return self.transactions / self.sync_seconds if self.sync_seconds > 0 else 0.0

    @property
    def sync_bound_per_second(self) -> float:
        seconds = self.sync_bound_seconds
        return self.transactions / seconds if seconds > 0 else 0.0

    @property
    def sync_share(self) -> float:
        """The sync rate as a share of its bound (one run, one chain)."""
        return self.sync_bound_seconds / self.sync_seconds if self.sync_seconds > 0 else 0.0

    @property
    def disk_bytes_per_transaction(self) -> float:
        return self.disk_bytes / max(1, self.transactions)

    @property
    def audit_per_second(self) -> float:
        return self.transactions / self.audit_seconds if self.audit_seconds > 0 else 0.0

    @property
    def audit_one_job_per_second(self) -> float:
        seconds = self.audit_one_job_seconds
        return self.transactions / seconds if seconds > 0 else 0.0


def build_chain(
    data_dir: Path,
    genesis_bytes: bytes,
    factory: WorkloadFactory,
    *,
    transactions: int,
    first_number: int,
    signing_key: object,
) -> int:
    """Commit ``transactions`` of the registrations mix through the SoloEngine; the count."""
    setup = chain_setup(genesis_bytes)
    store = open_chain(data_dir, setup)
    committed = 0
    try:
        block_size = min(PRELOAD_BLOCK_TRANSACTIONS, setup.genesis.limits.max_block_transactions)
        mempool = Mempool(block_size)
        engine = SoloEngine(
            store=store,
            setup=setup,
            mempool=mempool,
            validator_id=ValidatorId(VALIDATOR_ID),
            signing_key=signing_key,  # type: ignore[arg-type]
            block_config=BlockConfig(max_transactions=block_size),
            on_committed=lambda block: mempool.remove(block.executed.execution.transaction_ids),
            log=structlog.get_logger(),
        )
        chains = factory.chains(Workload.REGISTRATIONS, transactions, first_number=first_number)
        for group in by_position(chains):
            for start in range(0, len(group), block_size):
                batch = group[start : start + block_size]
                for planned in batch:
                    envelope = planned.envelope
                    body = transaction_pb2.Envelope.FromString(envelope).body
                    mempool.add(PendingTransaction(sha256_hex(body), envelope))
                # A block also ends at the genesis byte limit (ADR 0015): a batch of large
                # transactions (CMS documents) takes more than one block.
                while len(mempool):
                    sealed = engine.seal_block()
                    taken = len(sealed.executed.block.transactions)
                    if taken == 0 or sealed.rejections:
                        raise RuntimeError(f"block {sealed.meta.height} left transactions out")
                    committed += taken
        return committed
    finally:
        store.close()


def measure_long_chain(
    sizes: Sequence[int], workdir: Path, progress: Callable[[str], None]
) -> tuple[LongChainPoint, ...]:
    target = SingleValidator(workdir / "validator-1")
    genesis_bytes = target.genesis_path.read_bytes()
    signed_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    factory = WorkloadFactory(target.parties, target.chain_id, signed_at, attested_at=None)
    points = []
    built = 0
    try:
        for size in sorted(sizes):
            progress(f"long chain: building {built:,} -> {size:,} transactions")
            built += build_chain(
                target.data_dirs()[VALIDATOR_ID],
                genesis_bytes,
                factory,
                transactions=size - built,
                # One new property per chain (five transactions), never reused.
                first_number=built // Workload.REGISTRATIONS.chain_length,
                signing_key=target.parties.validator.key,
            )
            points.append(_measure_at(target, built, random.Random(size), workdir / f"sync-{size}"))
            progress(f"long chain: {points[-1]}")
    finally:
        target.close()
    return tuple(points)


def _measure_at(
    target: SingleValidator, transactions: int, chooser: random.Random, sync_dir: Path
) -> LongChainPoint:
    started = time.perf_counter()
    target.start()
    start_up = time.perf_counter() - started
    stub = api_pb2_grpc.LedgerStub(target.client_channel(0))  # type: ignore[no-untyped-call]
    properties = transactions // Workload.REGISTRATIONS.chain_length
    latencies = []
    for _ in range(GET_PROPERTY_SAMPLES):
        request = api_pb2.GetPropertyRequest(
            cadastral_number=cadastral_number(chooser.randrange(properties))
        )
        began = time.perf_counter()
        stub.GetProperty(request, timeout=CALL_TIMEOUT_SECONDS)
        latencies.append(time.perf_counter() - began)
    listing = api_pb2.ListApplicationsRequest(
        party_iin=RECIPIENT_IIN, limit=LIST_APPLICATIONS_LIMIT
    )
    list_latencies = []
    for _ in range(LIST_APPLICATIONS_SAMPLES):
        began = time.perf_counter()
        stub.ListApplications(listing, timeout=CALL_TIMEOUT_SECONDS)
        list_latencies.append(time.perf_counter() - began)
    list_latencies.sort()
    height = target.height()
    (pid,) = target.process_ids().values()
    _, rss = peak_rss_bytes(pid)
    sync = observer_sync_seconds(target, sync_dir / "ktk-observer", height)
    target.stop()
    data_dir = target.data_dirs()[VALIDATOR_ID]
    genesis = target.genesis_path.read_bytes()
    sync_bound = in_process_sync_seconds(genesis, data_dir, sync_dir / "in-process")
    audit_one_job = _audit_seconds(target.genesis_path, data_dir, "--jobs", "1")
    audit = _audit_seconds(target.genesis_path, data_dir)
    latencies.sort()
    return LongChainPoint(
        transactions=transactions,
        height=height,
        start_up_seconds=start_up,
        get_property_p50_ms=1000 * percentile(latencies, 50),
        get_property_p99_ms=1000 * percentile(latencies, 99),
        rss_bytes=rss,
        disk_bytes=directory_bytes(data_dir),
        audit_seconds=audit,
        audit_one_job_seconds=audit_one_job,
        list_applications_p50_ms=1000 * percentile(list_latencies, 50),
        list_applications_p99_ms=1000 * percentile(list_latencies, 99),
        sync_seconds=sync,
        sync_bound_seconds=sync_bound,
    )


def _audit_seconds(genesis: Path, data_dir: Path, *options: str) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        [
            AUDIT_EXECUTABLE,
            "verify",
            "--genesis",
            str(genesis),
            "--data-dir",
            str(data_dir),
            *options,
        ],
        capture_output=True,
        timeout=AUDIT_TIMEOUT_SECONDS,
        check=False,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(
            f"tirkeu-audit verify failed:\n{completed.stdout.decode()[-2000:]}"
            f"{completed.stderr.decode()[-2000:]}"
        )
    return seconds


def long_chain_lines(points: Sequence[LongChainPoint], audit_bound: float) -> list[str]:
    if not points:
        return []
    lines = [
        "Long chain (single validator, registrations mix built through the commit path)",
        f"  {'tx':>9} {'height':>7} {'start-up s':>10} {'GetProperty p50/p99 ms':>23} "
        f"{'ListApplications p50/p99 ms':>27} "
        f"{'RSS MiB':>8} {'disk B/tx':>9} {'audit tx/s':>10}  (audit bound {audit_bound:,.0f}/s "
        "= cores x admission bound; --jobs 1 in brackets)",
    ]
    for p in points:
        share = 100 * p.audit_per_second / audit_bound if audit_bound > 0 else 0.0
        one = 100 * p.audit_one_job_per_second / audit_bound if audit_bound > 0 else 0.0
        lines.append(
            f"  {p.transactions:>9,} {p.height:>7,} {p.start_up_seconds:>10.2f} "
            f"{p.get_property_p50_ms:>11.2f} / {p.get_property_p99_ms:<9.2f} "
            f"{p.list_applications_p50_ms:>13.2f} / {p.list_applications_p99_ms:<11.2f} "
            f"{p.rss_bytes / MIB:>8,.0f} {p.disk_bytes_per_transaction:>9,.0f} "
            f"{p.audit_per_second:>10,.0f} = {share:.0f}% of bound "
            f"[{p.audit_one_job_per_second:,.0f} = {one:.0f}%]"
        )
    lines.append(
        "  block sync of a fresh observer (launch to the validator's height) against its bound "
        "(the same blocks verified + executed + persisted in process, one core):"
    )
    for p in points:
        lines.append(
            f"  {p.transactions:>9,} {p.sync_per_second:>10,.0f} tx/s = "
            f"{100 * p.sync_share:.0f}% of {p.sync_bound_per_second:,.0f} tx/s "
            f"({p.sync_seconds:,.1f} s against {p.sync_bound_seconds:,.1f} s)"
        )
    return lines


def write_long_chain_plot(
    points: Sequence[LongChainPoint], directory: Path, audit_bound: float
) -> Path:
    import matplotlib  # noqa: PLC0415 (only --plot needs it)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    from matplotlib.ticker import FuncFormatter  # noqa: PLC0415

    directory.mkdir(parents=True, exist_ok=True)
    sizes = [p.transactions for p in points]
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(13, 4))
    left.plot(sizes, [p.start_up_seconds for p in points], "o-", label="start-up")
    left.axhline(2.0, color="red", ls="--", label="2 s target")
    left.set_ylabel("seconds to SERVING")
    middle.plot(sizes, [p.audit_per_second for p in points], "o-", label="tirkeu-audit verify")
    one_job = [p.audit_one_job_per_second for p in points]
    middle.plot(sizes, one_job, "s--", label="the same, --jobs 1")
    middle.axhline(audit_bound, color="red", ls="--", label="bound: cores x admission")
    middle.axhline(0.7 * audit_bound, color="orange", ls=":", label="70% of the bound")
    middle.plot(sizes, [p.sync_per_second for p in points], "^-", label="block sync, fresh node")
    sync_bounds = [p.sync_bound_per_second for p in points]
    middle.plot(sizes, sync_bounds, "v:", label="its bound: in process, one core")
    middle.set_ylabel("audited or synced tx/s")
    right.plot(sizes, [p.get_property_p99_ms for p in points], "o-", label="GetProperty p99")
    right.axhline(5.0, color="red", ls="--", label="5 ms target")
    right.set_ylabel("ms")
    for axis in (left, middle, right):
        axis.set_xlabel("chain length, thousands of transactions")
        axis.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 1000:,.0f}"))
        axis.set_ylim(bottom=0)
        axis.legend()
    figure.suptitle("Against chain length: one validator, one 2-core machine (shared)")
    figure.tight_layout()
    path = directory / "against_chain_length.png"
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
