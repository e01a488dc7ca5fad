"""End-to-end: concurrent clients submit over mTLS gRPC with wait_for_commit.

Each client thread has its own channel (its own TLS connection, opened and warmed before the
clock starts) and walks its share of the chains in order, one transaction at a time: it submits
with ``wait_for_commit`` and measures the call, so latency is submission to committed-on-disk
as the client sees it. Throughput is committed transactions over the wall time from the first
submission to the last answer. Clients submit through the client library
(``LedgerClient.submit``), as KTK's platform would: a refusal (RESOURCE_EXHAUSTED, UNAVAILABLE)
or a passed deadline is absorbed by resending the same envelope (ADR 0016), and each resend is
counted (``resent``), so a run that needed push-back says so. A transaction that is not
COMMITTED in the end is a failure: it is reported, and the rest of its chain (which depends on
it) is not submitted.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from tirkeu_pb import api_pb2, api_pb2_grpc

from clients.client import ClientError, LedgerClient
from tests.bench.node_target import (
    LedgerTarget,
    count_state_records,
    directory_bytes,
    peak_rss_bytes,
)
from tests.bench.workloads import Chain

SUBMIT_TIMEOUT_SECONDS = 60.0  # above the node's own wait_for_commit bound (30 s)
READY_TIMEOUT_SECONDS = 30.0
KEPT_FAILURES = 5


@dataclass(frozen=True, slots=True)
class Sample:
    kind: str
    latency_seconds: float
    committed: bool


@dataclass(frozen=True, slots=True)
class LatencySummary:
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float


@dataclass(frozen=True, slots=True)
class NodeMeasurement:
    node_id: str
    peak_rss_bytes: int  # VmHWM at the end of the run
    rss_bytes: int  # VmRSS at the end of the run
    leveldb_bytes: int  # the data directory, measured after a graceful stop
    # CPU seconds (user + system) the process spent during the run: unlike throughput, it does
    # not depend on what else the shared machine runs, so a before/after pair compares it.
    cpu_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class EndToEndResult:
    workload: str
    clients: int
    planned: int
    submitted: int
    committed: int
    failures: tuple[str, ...]  # the first few, with the reason
    seconds: float
    committed_per_second: float
    latency: LatencySummary
    latency_by_kind: dict[str, LatencySummary]
    committed_by_kind: dict[str, int]
    blocks: int
    preloaded_records: int
    state_records: int  # after the run, counted in the stopped node's database
    nodes: tuple[NodeMeasurement, ...]
    topology: str = "one validator"
    # Blocks of the run whose commit certificate is of a round > 0 (a proposal or a vote was
    # late: a consensus timeout fired), and the highest such round.
    blocks_at_later_rounds: int = 0
    max_commit_round: int = 0
    # Open loop (tests/bench/open_loop.py): the rate asked for and the rate actually offered;
    # None for the closed loop of ``clients`` threads.
    asked_rate: float | None = None
    offered_rate: float | None = None
    load_average_1min: float = 0.0  # at the end of the run: the other work on this machine
    resent: int = 0  # submissions the client library sent again after a refusal or a timeout

    @property
    def failed(self) -> int:
        return self.submitted - self.committed

    @property
    def peak_rss_bytes(self) -> int:
        return max(node.peak_rss_bytes for node in self.nodes)


@dataclass
class _Client:
    chains: Sequence[Chain]
    client: LedgerClient
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    error: BaseException | None = None

    def run(self) -> None:
        try:
            for chain in self.chains:
                self._submit_chain(chain)
        except BaseException as error:  # reported by the caller, never lost in the thread
            self.error = error

    def _submit_chain(self, chain: Chain) -> None:
        for planned in chain:
            started = time.perf_counter()
            try:
                response = self.client.submit(planned.envelope, wait_for_commit=True)
            except ClientError as error:
                self._fail(planned.kind, started, f"{planned.kind}: {type(error).__name__} {error}")
                return
            if response.status != api_pb2.COMMITTED:
                status = api_pb2.TransactionStatus.Name(response.status)
                reason = response.rejection.reason if response.HasField("rejection") else ""
                self._fail(planned.kind, started, f"{planned.kind}: {status} {reason}".strip())
                return
            self.samples.append(Sample(planned.kind, time.perf_counter() - started, True))

    def _fail(self, kind: str, started: float, reason: str) -> None:
        self.samples.append(Sample(kind, time.perf_counter() - started, False))
        self.failures.append(reason)


def run_clients(
    target: LedgerTarget, chains: Sequence[Chain], clients: int
) -> tuple[list[Sample], list[str], float, int]:
    """Every chain submitted by ``clients`` threads; the samples, failures, wall seconds and
    resends."""
    if clients < 1:
        raise ValueError("at least one client is needed")
    workers = []
    for index in range(clients):
        channel = target.client_channel(index)
        grpc.channel_ready_future(channel).result(timeout=READY_TIMEOUT_SECONDS)
        stub = api_pb2_grpc.LedgerStub(channel)  # type: ignore[no-untyped-call]
        stub.GetChainInfo(api_pb2.GetChainInfoRequest(), timeout=READY_TIMEOUT_SECONDS)
        client = LedgerClient(channel, timeout_seconds=SUBMIT_TIMEOUT_SECONDS)
        workers.append(_Client(chains[index::clients], client))
    threads = [
        threading.Thread(target=worker.run, name=f"bench-client-{index}", daemon=True)
        for index, worker in enumerate(workers)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    for worker in workers:
        if worker.error is not None:
            raise worker.error
    samples = [sample for worker in workers for sample in worker.samples]
    failures = [failure for worker in workers for failure in worker.failures]
    resent = sum(worker.client.submit_attempts for worker in workers) - len(samples)
    return samples, failures, seconds, resent


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process so far (/proc/PID/stat, proc(5))."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    # Fields 14 and 15 of the line (utime, stime), counted after the ")" that ends field 2.
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize(latencies_seconds: Sequence[float]) -> LatencySummary:
    values = sorted(latencies_seconds)
    if not values:
        return LatencySummary(0, 0.0, 0.0, 0.0, 0.0, 0.0)

    def ms(seconds: float) -> float:
        return round(seconds * 1000, 1)

    return LatencySummary(
        count=len(values),
        p50_ms=ms(percentile(values, 50)),
        p95_ms=ms(percentile(values, 95)),
        p99_ms=ms(percentile(values, 99)),
        max_ms=ms(values[-1]),
        mean_ms=ms(sum(values) / len(values)),
    )


def measure_end_to_end(
    target: LedgerTarget,
    chains: Sequence[Chain],
    *,
    workload: str,
    clients: int,
    preloaded_records: int,
    rate: float | None = None,
) -> EndToEndResult:
    """Run the clients (or, with ``rate``, the open loop) against a started target, measure
    its processes, then stop it."""
    first_height = target.height()
    cpu_before = {node_id: cpu_seconds(pid) for node_id, pid in target.process_ids().items()}
    asked = offered = None
    resent = 0
    if rate is None:
        samples, failures, seconds, resent = run_clients(target, chains, clients)
    else:
        from tests.bench.open_loop import run_open_loop  # noqa: PLC0415 (it imports this module)

        run = run_open_loop(target, chains, rate)
        samples, failures, seconds = run.samples, run.failures, run.seconds
        asked, offered = run.asked_rate, run.offered_rate
    load_average = os.getloadavg()[0]
    blocks = target.height() - first_height
    memory = {node_id: peak_rss_bytes(pid) for node_id, pid in target.process_ids().items()}
    cpu = {
        node_id: cpu_seconds(pid) - cpu_before.get(node_id, 0.0)
        for node_id, pid in target.process_ids().items()
    }
    target.stop()
    rounds = target.commit_rounds(first_height)
    data_dirs = target.data_dirs()
    nodes = tuple(
        NodeMeasurement(
            node_id, peak, current, directory_bytes(data_dirs[node_id]), cpu.get(node_id, 0.0)
        )
        for node_id, (peak, current) in memory.items()
    )
    records = sum(count_state_records(path) for path in data_dirs.values()) // len(data_dirs)
    committed = [sample for sample in samples if sample.committed]
    kinds = sorted({sample.kind for sample in committed})
    return EndToEndResult(
        workload=workload,
        clients=clients,
        planned=sum(len(chain) for chain in chains),
        submitted=len(samples),
        committed=len(committed),
        failures=tuple(failures[:KEPT_FAILURES]),
        seconds=seconds,
        committed_per_second=len(committed) / seconds,
        latency=summarize([sample.latency_seconds for sample in committed]),
        latency_by_kind={
            kind: summarize([s.latency_seconds for s in committed if s.kind == kind])
            for kind in kinds
        },
        committed_by_kind={kind: sum(1 for s in committed if s.kind == kind) for kind in kinds},
        blocks=blocks,
        preloaded_records=preloaded_records,
        state_records=records,
        nodes=nodes,
        topology=target.description,
        blocks_at_later_rounds=sum(1 for number in rounds if number > 0),
        max_commit_round=max(rounds, default=0),
        asked_rate=asked,
        offered_rate=offered,
        load_average_1min=load_average,
        resent=resent,
    )
