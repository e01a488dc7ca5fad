"""The outgoing half of the peer stream: one long-lived ``Exchange`` stream to one peer
(peer.proto), carrying batched consensus messages, block announcements and transaction gossip.

Why a stream (issue 11, ADR 0010): one unary call per consensus message and per gossiped
transaction cost more in gRPC's Python machinery (a call set-up, a worker-thread hand-off and a
blocking wait each) than the signature it carried. On a stream a batch costs one message each way,
and everything queued while the previous batch was in flight goes in the next one.

Three queues, one per kind (the channels CometBFT multiplexes over one connection), drained in
priority order into each batch: consensus first, then announcements, then gossip.

Back-pressure: at most ``WINDOW`` batches are unacknowledged at once; the receiver acknowledges a
batch after it handled it, so a slow peer slows only its own stream, and what is queued meanwhile
goes out together. Each queue is bounded; when one is full its oldest entry is dropped, counted
in ``dropped`` (``PeerClients.dropped()``) and logged once per episode: never silently. A dropped
consensus message of our own is not lost: the engine re-gossips its own messages of the current
height every second (node/engine/outbox.py ``regossip``) and block sync covers decided heights.
A dropped gossiped transaction reaches the peer in a proposal or from its client's retry.

Batches are bounded in bytes by ``peer_message_bytes``: the largest legal block (genesis
``limits.max_block_bytes``) with the proposal or certificate around it, which every node's
receive limit must admit (node/runtime/server.py refuses to start otherwise). A batch never
grows past it; one item alone always fits it (issue 13: a proposal appended to a nearly full
batch made a message no peer received, in every round).

A stream that fails (peer down, connection cut) is reopened after ``RECONNECT_SECONDS``; one
that stops acknowledging for ``ACK_TIMEOUT_SECONDS`` while batches are outstanding is cancelled
and reopened (a peer that hangs must not hold the window forever). Batches in flight when a
stream fails are lost, as a failed unary call's message was.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import peer_pb2

from ledger.chain.genesis import DEFAULT_MAX_BLOCK_BYTES, ChainLimits

WINDOW = 4
CONSENSUS_QUEUE_LIMIT = 2000
ANNOUNCEMENT_QUEUE_LIMIT = 64
GOSSIP_QUEUE_LIMIT = 20_000  # envelopes
# Room around a block in the largest peer message: a proposal's round, signature and
# proof-of-lock fields, a certified block's commit certificate (one ~250-byte precommit per
# validator, up to 64 validators), and a batch's own field tags.
BLOCK_MESSAGE_OVERHEAD_BYTES = 64 * 1024
MAX_GOSSIP_PER_BATCH = 500
ACK_TIMEOUT_SECONDS = 5.0
RECONNECT_SECONDS = 0.2
_POLL_SECONDS = 0.5  # how often a waiting stream checks its acknowledgement deadline


def peer_message_bytes(limits: ChainLimits) -> int:
    """The largest message one node sends another (a batch, a block-sync answer, a forwarded
    batch): a block of the genesis limit, or the largest transaction, with room around it. Every
    node's receive limit (``[limits] max_message_bytes``) must be at least this."""
    largest = max(limits.max_block_bytes, limits.max_transaction_bytes)
    return largest + BLOCK_MESSAGE_OVERHEAD_BYTES


# For streams built without a genesis at hand (tests of the stream alone).
DEFAULT_MAX_BATCH_BYTES = DEFAULT_MAX_BLOCK_BYTES + BLOCK_MESSAGE_OVERHEAD_BYTES


class PeerStream:
    """Queues for one peer and the thread that keeps its ``Exchange`` stream open."""

    def __init__(
        self,
        open_exchange: Callable[[Iterator[peer_pb2.PeerBatch]], Any],
        log: FilteringBoundLogger,
        name: str,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    ) -> None:
        self._open_exchange = open_exchange
        self._max_batch_bytes = max_batch_bytes
        self._log = log
        self._clock = clock
        self._consensus: collections.deque[peer_pb2.ConsensusMessage] = collections.deque()
        self._announcements: collections.deque[peer_pb2.CertifiedBlock] = collections.deque()
        self._gossip: collections.deque[bytes] = collections.deque()
        self._condition = threading.Condition()
        self._closed = False
        self._in_flight = 0
        self._sequence = 0
        self._last_progress = clock()
        self._call: Any = None
        self._generation = 0
        self._dropping = False
        self.dropped: collections.Counter[str] = collections.Counter()
        self.reachable = False
        self._thread = threading.Thread(target=self._run, name=f"peer-stream-{name}", daemon=True)
        self._thread.start()

    # --- what the node queues ------------------------------------------------------------------

    def send_consensus(self, message: peer_pb2.ConsensusMessage) -> None:
        with self._condition:
            self._push(self._consensus, message, CONSENSUS_QUEUE_LIMIT, "consensus")

    def announce(self, block: peer_pb2.CertifiedBlock) -> None:
        with self._condition:
            self._push(self._announcements, block, ANNOUNCEMENT_QUEUE_LIMIT, "announcement")

    def gossip(self, envelopes: tuple[bytes, ...]) -> None:
        with self._condition:
            for envelope in envelopes:
                self._push(self._gossip, envelope, GOSSIP_QUEUE_LIMIT, "gossip")

    def _push(self, queue: collections.deque[Any], item: Any, limit: int, kind: str) -> None:
        if len(queue) >= limit:
            queue.popleft()
            self.dropped[kind] += 1
            if not self._dropping:
                self._dropping = True
                self._log.warning("peer_queue_full_dropping_oldest", kind=kind, limit=limit)
        elif self._dropping and not queue:
            self._dropping = False
        queue.append(item)
        self._condition.notify_all()

    def queued(self) -> int:
        with self._condition:
            return len(self._consensus) + len(self._announcements) + len(self._gossip)

    def close(self) -> None:
        with self._condition:
            self._closed = True
            call = self._call
            self._condition.notify_all()
        if call is not None:
            call.cancel()
        self._thread.join(timeout=ACK_TIMEOUT_SECONDS + 1)

    # --- the stream ----------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._condition:
                if self._closed:
                    return
                self._generation += 1
                generation = self._generation
                self._in_flight = 0
                self._last_progress = self._clock()
            try:
                call = self._open_exchange(self._batches(generation))
                with self._condition:
                    self._call = call
                for ack in call:
                    self._acknowledged(ack)
            except grpc.RpcError as error:
                self.reachable = False
                self._log.debug("peer_stream_failed", code=str(error.code()))
            with self._condition:
                self._generation += 1  # ends the old stream's batch iterator
                self._call = None
                self._condition.notify_all()
                self._condition.wait_for(lambda: self._closed, timeout=RECONNECT_SECONDS)

    def _acknowledged(self, ack: peer_pb2.PeerBatchAck) -> None:
        self.reachable = True
        if ack.refused:
            self._log.warning("peer_refused_messages", refused=ack.refused, detail=ack.refusal)
        with self._condition:
            self._in_flight = max(0, self._in_flight - 1)
            self._last_progress = self._clock()
            self._condition.notify_all()

    def _ready(self, generation: int) -> bool:
        if self._closed or generation != self._generation:
            return True
        has_items = bool(self._consensus or self._announcements or self._gossip)
        return has_items and self._in_flight < WINDOW

    def _batches(self, generation: int) -> Iterator[peer_pb2.PeerBatch]:
        """Run by gRPC's sending thread: the next batch once there is something to send and
        room in the window; ends when the node closes or the stream was replaced."""
        while True:
            stalled = None
            with self._condition:
                self._condition.wait_for(lambda: self._ready(generation), timeout=_POLL_SECONDS)
                if self._closed or generation != self._generation:
                    return
                waited = self._clock() - self._last_progress
                if self._in_flight and waited > ACK_TIMEOUT_SECONDS:
                    stalled = self._call
                    self._last_progress = self._clock()
                batch = self._take() if self._ready(generation) else None
            if stalled is not None:
                self._log.info("peer_stream_stalled", seconds=ACK_TIMEOUT_SECONDS)
                stalled.cancel()
                return
            if batch is not None:
                yield batch

    def _take(self) -> peer_pb2.PeerBatch:
        """The next batch, highest priority first, up to ``max_batch_bytes`` (an item that
        would push it over waits for the next batch; the first item always goes); condition
        held."""
        self._sequence += 1
        self._in_flight += 1
        if self._in_flight == 1:
            self._last_progress = self._clock()
        batch = peer_pb2.PeerBatch(sequence=self._sequence)
        size = 0

        def fits(item_size: int) -> bool:
            # Each item costs its bytes, a field tag and a length prefix (at most 6 bytes).
            return size == 0 or size + item_size + 6 <= self._max_batch_bytes

        while self._consensus and fits(self._consensus[0].ByteSize()):
            message = self._consensus.popleft()
            size += message.ByteSize() + 6
            batch.consensus.append(message)
        while self._announcements and fits(self._announcements[0].ByteSize()):
            block = self._announcements.popleft()
            size += block.ByteSize() + 6
            batch.announcements.append(block)
        count = 0
        while self._gossip and count < MAX_GOSSIP_PER_BATCH and fits(len(self._gossip[0])):
            envelope = self._gossip.popleft()
            size += len(envelope) + 6
            batch.envelopes.append(envelope)
            count += 1
        return batch
