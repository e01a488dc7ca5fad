"""Open loop (``scripts/bench --cluster --rate R``): transactions offered at R per second
whatever the node answers, so that the committed rate and the latency can be read against the
offered load (a closed loop of N clients offers only N / latency, and measures latency more
than capacity).

The workload's chains are dependent (an application needs its property, a decision its
attestation), so a transaction is *ready* once the one before it in its chain committed. Every
1/R seconds the scheduler submits the oldest ready transaction, with ``wait_for_commit``, as an
asynchronous call over one of ``CHANNELS`` mutual-TLS connections; it never waits for answers.
When nothing is ready at its due time it goes out as soon as something is, and the run reports
the rate actually offered beside the one asked for. Latency runs from the later of the due
time and the ready time to the COMMITTED answer: a node that falls behind is charged for the
queue it builds (no coordinated omission).
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from tirkeu_pb import api_pb2, api_pb2_grpc

from tests.bench.end_to_end import READY_TIMEOUT_SECONDS, SUBMIT_TIMEOUT_SECONDS, Sample
from tests.bench.node_target import LedgerTarget
from tests.bench.workloads import Chain

CHANNELS = 16


@dataclass(frozen=True, slots=True)
class OpenLoopRun:
    samples: list[Sample]
    failures: list[str]
    seconds: float  # first submission to last answer
    asked_rate: float
    offered_rate: float  # submissions over the time it took to make them


class _Scheduler:
    def __init__(self, chains: Sequence[Chain], stubs: Sequence[api_pb2_grpc.LedgerStub]):
        self._chains = chains
        self._stubs = stubs
        self._condition = threading.Condition()
        # (chain index, position, when it became ready)
        self._ready: collections.deque[tuple[int, int, float]] = collections.deque(
            (index, 0, 0.0) for index in range(len(chains))
        )
        self._outstanding = 0
        self.samples: list[Sample] = []
        self.failures: list[str] = []

    def _next_ready(self) -> tuple[int, int, float] | None:
        with self._condition:
            self._condition.wait_for(lambda: bool(self._ready) or self._outstanding == 0)
            if not self._ready:
                return None  # nothing in flight can make anything ready: the run is over
            self._outstanding += 1
            return self._ready.popleft()

    def run(self, rate: float) -> tuple[float, int]:
        """Submit until every chain is done or abandoned; seconds spent submitting, count."""
        started = time.perf_counter()
        sent = 0
        while (item := self._next_ready()) is not None:
            index, position, ready_at = item
            due = started + sent / rate
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)  # the benchmark's own pacing, not a test waiting
            self._submit(index, position, max(due, ready_at), sent)
            sent += 1
        return time.perf_counter() - started, sent

    def _submit(self, index: int, position: int, charged_from: float, sent: int) -> None:
        planned = self._chains[index][position]
        request = api_pb2.SubmitTransactionRequest(envelope=planned.envelope, wait_for_commit=True)
        stub = self._stubs[sent % len(self._stubs)]
        future = stub.SubmitTransaction.future(request, timeout=SUBMIT_TIMEOUT_SECONDS)

        def answered(call: grpc.Future[api_pb2.SubmitTransactionResponse]) -> None:
            latency = time.perf_counter() - charged_from
            failure = None
            try:
                response = call.result()
                if response.status != api_pb2.COMMITTED:
                    status = api_pb2.TransactionStatus.Name(response.status)
                    failure = f"{planned.kind}: {status}"
            except grpc.RpcError as error:
                failure = f"{planned.kind}: gRPC {error.code().name}"
            with self._condition:
                self._outstanding -= 1
                self.samples.append(Sample(planned.kind, latency, failure is None))
                if failure is not None:
                    self.failures.append(failure)  # the rest of the chain depends on it
                elif position + 1 < len(self._chains[index]):
                    self._ready.append((index, position + 1, time.perf_counter()))
                self._condition.notify_all()

        future.add_done_callback(answered)

    def wait_for_answers(self) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._outstanding == 0)


def run_open_loop(target: LedgerTarget, chains: Sequence[Chain], rate: float) -> OpenLoopRun:
    if rate <= 0:
        raise ValueError("the offered rate must be positive")
    stubs = []
    for index in range(CHANNELS):
        channel = target.client_channel(index)
        grpc.channel_ready_future(channel).result(timeout=READY_TIMEOUT_SECONDS)
        stub = api_pb2_grpc.LedgerStub(channel)  # type: ignore[no-untyped-call]
        stub.GetChainInfo(api_pb2.GetChainInfoRequest(), timeout=READY_TIMEOUT_SECONDS)
        stubs.append(stub)
    scheduler = _Scheduler(chains, stubs)
    started = time.perf_counter()
    submitting_seconds, sent = scheduler.run(rate)
    scheduler.wait_for_answers()
    seconds = time.perf_counter() - started
    return OpenLoopRun(
        samples=scheduler.samples,
        failures=scheduler.failures,
        seconds=seconds,
        asked_rate=rate,
        offered_rate=sent / submitting_seconds if submitting_seconds > 0 else 0.0,
    )
