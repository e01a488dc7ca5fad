"""KTK's observer forwards its clients' submissions to a validator in batches (issue 11).

One ``ForwardBatcher`` per validator. A client's submission waits in a queue; a sender thread
takes everything queued with the same ``wait_for_commit`` (up to ``MAX_BATCH``, and within
``max_batch_bytes``: the receive limit every node must admit, issue 13) into one
``Peer.ForwardTransactions`` call and hands each client its own answer. Up to ``MAX_IN_FLIGHT``
calls are outstanding at once, so while one batch waits for its block the next one forms: with
many clients, one call carries what a unary call per submission carried, and the validator
holds one thread per batch instead of one per waiting client.

A call without ``wait_for_commit`` is answered at admission, so it waits
``ADMIT_TIMEOUT_SECONDS`` only: a validator that stopped answering is given up in seconds, not a
minute (issue 13).

A call that fails fails every submission in it with ``ForwardFailed`` (the observer then asks
the next validator, node/engine/observer.py); a validator that answers a batch with the wrong
number of answers fails it the same way. Asking the next validator is safe: the same envelope is
the same transaction, and a validator that already holds it answers its state (ADR 0016).
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass, field

import grpc
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import api_pb2, peer_pb2, peer_pb2_grpc

from node.peers.stream import DEFAULT_MAX_BATCH_BYTES

MAX_BATCH = 200
MAX_IN_FLIGHT = 8
FORWARD_TIMEOUT_SECONDS = 60.0  # above a validator's own wait_for_commit bound (30 s)
ADMIT_TIMEOUT_SECONDS = 15.0  # admission only: checks and signatures of at most MAX_BATCH
_ANSWER_GRACE_SECONDS = 5.0


class ForwardFailed(Exception):
    """The batch carrying a submission could not be forwarded, or was answered wrongly."""


@dataclass(slots=True)
class _Submission:
    envelope: bytes
    wait_for_commit: bool
    done: threading.Event = field(default_factory=threading.Event)
    answer: api_pb2.SubmitTransactionResponse | None = None
    error: str = ""


class ForwardBatcher:
    def __init__(
        self,
        channel: grpc.Channel,
        validator: str,
        log: FilteringBoundLogger,
        *,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    ) -> None:
        self._max_batch_bytes = max_batch_bytes
        self._stub = peer_pb2_grpc.PeerStub(channel)  # type: ignore[no-untyped-call]
        self._validator = validator
        self._log = log
        self._queue: collections.deque[_Submission] = collections.deque()
        self._condition = threading.Condition()
        self._in_flight = 0
        self._closed = False
        self.calls = 0  # batches sent
        self._thread = threading.Thread(target=self._run, name=f"forward-{validator}", daemon=True)
        self._thread.start()

    def submit(self, envelope: bytes, wait_for_commit: bool) -> api_pb2.SubmitTransactionResponse:
        """The validator's answer for ``envelope``; ForwardFailed when there is none."""
        submission = _Submission(envelope, wait_for_commit)
        with self._condition:
            if self._closed:
                raise ForwardFailed("the node is stopping")
            self._queue.append(submission)
            self._condition.notify_all()
        if not submission.done.wait(_timeout(wait_for_commit) + _ANSWER_GRACE_SECONDS):
            raise ForwardFailed(f"no answer from {self._validator}")
        if submission.answer is None:
            raise ForwardFailed(submission.error)
        return submission.answer

    def queued(self) -> int:
        """Submissions waiting for a batch."""
        with self._condition:
            return len(self._queue)

    def close(self) -> None:
        with self._condition:
            self._closed = True
            waiting = list(self._queue)
            self._queue.clear()
            self._condition.notify_all()
        for submission in waiting:
            self._finish(submission, None, "the node is stopping")
        self._thread.join(timeout=1.0)

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(
                    lambda: self._closed or (bool(self._queue) and self._in_flight < MAX_IN_FLIGHT)
                )
                if self._closed:
                    return
                wait = self._queue[0].wait_for_commit
                batch: list[_Submission] = []
                size = 0
                while self._queue and len(batch) < MAX_BATCH:
                    head = self._queue[0]
                    cost = len(head.envelope) + 6  # field tag and length prefix
                    if head.wait_for_commit != wait or (
                        batch and size + cost > self._max_batch_bytes
                    ):
                        break
                    batch.append(self._queue.popleft())
                    size += cost
                self._in_flight += 1
                self.calls += 1
            self._send(batch, wait)

    def _send(self, batch: list[_Submission], wait: bool) -> None:
        request = peer_pb2.ForwardTransactionsRequest(
            envelopes=[s.envelope for s in batch], wait_for_commit=wait
        )
        try:
            future = self._stub.ForwardTransactions.future(request, timeout=_timeout(wait))
        except grpc.RpcError as error:
            self._answered(batch, None, f"gRPC {error.code().name}")
            return

        def done(call: grpc.Future[peer_pb2.ForwardTransactionsResponse]) -> None:
            try:
                response = call.result()
            except grpc.RpcError as error:
                self._answered(batch, None, f"gRPC {error.code().name}: {error.details()}")
                return
            if len(response.answers) != len(batch):
                detail = f"{len(response.answers)} answers for {len(batch)} envelopes"
                self._answered(batch, None, detail)
                return
            self._answered(batch, list(response.answers), "")

        future.add_done_callback(done)

    def _answered(
        self,
        batch: list[_Submission],
        answers: list[api_pb2.SubmitTransactionResponse] | None,
        error: str,
    ) -> None:
        if answers is None:
            self._log.warning("forward_batch_failed", validator=self._validator, detail=error)
        for index, submission in enumerate(batch):
            self._finish(submission, None if answers is None else answers[index], error)
        with self._condition:
            self._in_flight -= 1
            self._condition.notify_all()

    @staticmethod
    def _finish(
        submission: _Submission, answer: api_pb2.SubmitTransactionResponse | None, error: str
    ) -> None:
        submission.answer = answer
        submission.error = error
        submission.done.set()


def _timeout(wait_for_commit: bool) -> float:
    return FORWARD_TIMEOUT_SECONDS if wait_for_commit else ADMIT_TIMEOUT_SECONDS
