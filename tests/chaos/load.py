"""Submitting one transaction the way a careful client must under faults, and recording it.

An operation is sent with ``wait_for_commit`` to a node picked at random (the KTK observer
included). COMMITTED settles it. A named rejection settles it, except the answers that do not say
what became of the transaction: REPLAYED_TRANSACTION ("already committed or pending") and
MEMPOOL_FULL. PENDING, a gRPC error (timeout, unavailable: the node may have admitted it) and
those two are followed up with GetTransaction on the nodes in turn; if no node knows the
transaction, the same envelope is sent again (a retry: same bytes, same id, so it can commit at
most once). Every attempt and its answer goes into the history.

May import: tests.chaos.history, tests.chaos.cluster, tirkeu_pb.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from tirkeu_pb import api_pb2 as api
from tirkeu_pb import api_pb2_grpc

from tests.chaos.cluster import ChaosCluster
from tests.chaos.history import (
    COMMITTED,
    NO_ANSWER,
    PENDING,
    REJECTED,
    Attempt,
    History,
    Operation,
)

# Answers that are a rejection in form but say nothing final about the transaction.
INDEFINITE_REASONS = frozenset({"REPLAYED_TRANSACTION", "MEMPOOL_FULL"})
# A node that has not yet applied the story's previous step says so: try another node once.
BEHIND_REASONS = frozenset(
    {"APPLICATION_NOT_FOUND", "PROPERTY_NOT_FOUND", "NO_ACTIVE_LEASE", "ATTESTATION_MISSING"}
)
POLL_SECONDS = 0.3  # between GetTransaction follow-ups: a client's poll interval, bounded above
CAUGHT_UP_WAIT_S = 5.0  # for nodes that have applied the story's previous step


@dataclass(frozen=True, slots=True)
class LoadSettings:
    submit_timeout_s: float = 20.0  # one SubmitTransaction, wait_for_commit included
    lookup_timeout_s: float = 3.0
    follow_up_s: float = 15.0  # GetTransaction polling before the envelope is sent again
    operation_s: float = 120.0  # then the operation is left to the final resolution pass
    expires_in_blocks: int = 150
    think_s: tuple[float, float] = (0.0, 0.0)  # a person's pause between two steps of a story


class Submitter:
    """One worker's connections to every node, and the retry discipline above."""

    def __init__(
        self,
        cluster: ChaosCluster,
        history: History,
        rng: random.Random,
        stop: threading.Event,
        settings: LoadSettings,
        *,
        height_of: Callable[[str], int] = lambda node_id: 0,
    ) -> None:
        self._cluster = cluster
        self._height_of = height_of
        # Read-your-writes: a story's next step goes to a node that has seen its last commit
        # (a node one block behind would answer APPLICATION_NOT_FOUND, truthfully for itself).
        self.min_height = 0
        self._history = history
        self._rng = rng
        self._stop = stop
        self.settings = settings
        self._stubs: dict[str, api_pb2_grpc.LedgerStub] = {}
        self._lock = threading.Lock()

    def stub(self, node_id: str) -> api_pb2_grpc.LedgerStub:
        with self._lock:
            if node_id not in self._stubs:
                node = self._cluster.node(node_id)
                channel = node.channel(self._cluster.parties.tls_client)
                self._stubs[node_id] = api_pb2_grpc.LedgerStub(channel)  # type: ignore[no-untyped-call]
            return self._stubs[node_id]

    def node_ids(self) -> list[str]:
        return [node.node_id for node in self._cluster.nodes]

    def run(self, operation: Operation, *, node_id: str | None = None) -> None:
        """Drive ``operation`` until it is settled, the load stops, or its time is up."""
        deadline = time.monotonic() + self.settings.operation_s
        retry = False
        while not self._stop.is_set() and time.monotonic() < deadline:
            target = node_id if node_id is not None and not retry else self._pick()
            attempt = self.send(operation, target, retry=retry)
            if attempt.answer == COMMITTED:
                self._settle(operation, COMMITTED, "", attempt.height)
                return
            if attempt.answer == REJECTED and attempt.reason in BEHIND_REASONS and not retry:
                # Perhaps the node had not seen the step before yet: ask one that has.
                retry = True
                continue
            if attempt.answer == REJECTED and attempt.reason not in INDEFINITE_REASONS:
                self._settle(operation, REJECTED, attempt.reason, 0)
                return
            if self.follow_up(operation, time.monotonic() + self.settings.follow_up_s):
                return
            retry = True

    def send(self, operation: Operation, node_id: str, *, retry: bool) -> Attempt:
        attempt = Attempt(node_id, self._history.now(), retry=retry)
        request = api.SubmitTransactionRequest(envelope=operation.envelope, wait_for_commit=True)
        try:
            response = self.stub(node_id).SubmitTransaction(
                request, timeout=self.settings.submit_timeout_s
            )
        except grpc.RpcError as error:
            attempt.answer, attempt.reason = NO_ANSWER, error.code().name
        else:
            attempt.answer = api.TransactionStatus.Name(response.status)
            attempt.reason = response.rejection.reason
            attempt.height = response.height
        attempt.answered_at = self._history.now()
        operation.attempts.append(attempt)
        return attempt

    def follow_up(self, operation: Operation, until: float) -> bool:
        """Ask the nodes in turn what became of the transaction; True once settled. Returns
        False when no node has it (or the time is up): the caller sends it again."""
        unknown_everywhere = 0
        while not self._stop.is_set() and time.monotonic() < until:
            nodes = self.node_ids()
            known = False
            for node_id in self._rng.sample(nodes, len(nodes)):
                view = self.lookup(operation, node_id)
                if view is None:
                    continue
                if view.status == api.COMMITTED:
                    self._settle(operation, COMMITTED, "", view.height, source=node_id)
                    return True
                if view.status == api.REJECTED:
                    self._settle(operation, REJECTED, view.rejection.reason, 0, source=node_id)
                    return True
                if view.status == api.PENDING:
                    known = True
                    break
            unknown_everywhere = 0 if known else unknown_everywhere + 1
            if unknown_everywhere >= 2:
                return False
            time.sleep(POLL_SECONDS)
        return False

    def lookup(self, operation: Operation, node_id: str) -> api.TransactionStatusView | None:
        operation.lookups += 1
        request = api.GetTransactionRequest(transaction_id=operation.transaction_id)
        try:
            view: api.TransactionStatusView = self.stub(node_id).GetTransaction(
                request, timeout=self.settings.lookup_timeout_s
            )
        except grpc.RpcError:
            return None
        return view

    def _pick(self) -> str:
        return self._rng.choice(self.caught_up(1))

    def caught_up(self, count: int) -> list[str]:
        """The nodes seen at ``min_height`` or above, once there are ``count`` of them: the
        samples lag the commits a little, so wait (bounded) for them; after the wait, those
        there are, or every node if none is."""
        deadline = time.monotonic() + CAUGHT_UP_WAIT_S
        while True:
            nodes = self.node_ids()
            ready = [n for n in nodes if self._height_of(n) >= self.min_height]
            if len(ready) >= count or time.monotonic() > deadline or self._stop.is_set():
                return ready or nodes
            time.sleep(0.05)  # a poll interval, bounded by the deadline

    def _settle(
        self, operation: Operation, final: str, reason: str, height: int, *, source: str = ""
    ) -> None:
        """``source``: the node whose GetTransaction answer settled it ("" for the submission's)."""
        operation.final, operation.final_reason, operation.final_height = final, reason, height
        operation.settled_by_lookup_at = source
        if final == COMMITTED:
            self.min_height = max(self.min_height, height)


def pending_or_unsettled(operation: Operation) -> bool:
    return operation.final == "" or (operation.final != COMMITTED and operation.answered(PENDING))
