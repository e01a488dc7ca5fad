"""Outgoing peer connections: one mutual-TLS channel and one sender thread per peer.

Sending never blocks the engine: consensus messages, gossip and announcements go into a bounded
per-peer queue and a sender thread delivers them; when a peer is down its queue overflows and
the oldest messages are dropped (consensus re-gossips its own messages, block sync covers the
rest). Block sync asks synchronously, with a deadline (``status`` and ``blocks``).

Block fetches are rate-limited per peer: a peer is not asked again for the blocks from the same
height within ``REFETCH_SECONDS``. Block sync takes the first peer that serves blocks, so
without this a peer that claims to be ahead and serves blocks this node refuses (a Byzantine
one listed first) would be the only peer ever asked, and the node would never catch up.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import peer_pb2, peer_pb2_grpc

from clients.channel import open_mutual_tls_channel
from node.operations.config import NodeRole, PeerConfig
from node.operations.tls import TlsMaterial

QUEUE_LIMIT = 2000
SEND_TIMEOUT_SECONDS = 2.0
SYNC_TIMEOUT_SECONDS = 5.0
MAX_GOSSIP_BATCH = 200
REFETCH_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class _Gossip:
    envelopes: tuple[bytes, ...]


_Outgoing = peer_pb2.ConsensusMessage | peer_pb2.CertifiedBlock | _Gossip


def open_peer_channel(address: str, tls: TlsMaterial) -> grpc.Channel:
    return open_mutual_tls_channel(
        address,
        certificate_chain_pem=tls.certificate_chain_pem,
        private_key_pem=tls.private_key_pem,
        trusted_roots_pem=tls.trusted_client_roots_pem,
    )


class PeerConnection:
    def __init__(
        self,
        peer: PeerConfig,
        tls: TlsMaterial,
        log: FilteringBoundLogger,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.peer = peer
        self._clock = clock
        self._last_fetch: tuple[int, float] | None = None  # (from height, when)
        self.channel = open_peer_channel(peer.address, tls)
        self.stub = peer_pb2_grpc.PeerStub(self.channel)  # type: ignore[no-untyped-call]
        self._log = log.bind(peer=peer.node_id)
        self._queue: collections.deque[_Outgoing] = collections.deque()
        self._condition = threading.Condition()
        self._closed = False
        self.reachable = False
        self._thread = threading.Thread(target=self._run, name=f"peer-{peer.node_id}", daemon=True)
        self._thread.start()

    def enqueue(self, item: _Outgoing) -> None:
        with self._condition:
            if len(self._queue) >= QUEUE_LIMIT:
                self._queue.popleft()
            self._queue.append(item)
            self._condition.notify()

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify()
        self._thread.join(timeout=SEND_TIMEOUT_SECONDS + 1)
        self.channel.close()

    def _next(self) -> _Outgoing | None:
        with self._condition:
            self._condition.wait_for(lambda: self._closed or bool(self._queue))
            if self._closed:
                return None
            item = self._queue.popleft()
            if isinstance(item, _Gossip):  # merge queued gossip into one call
                envelopes = list(item.envelopes)
                while self._queue and isinstance(self._queue[0], _Gossip):
                    if len(envelopes) >= MAX_GOSSIP_BATCH:
                        break
                    envelopes.extend(self._queue.popleft().envelopes)  # type: ignore[union-attr]
                item = _Gossip(tuple(envelopes))
            return item

    def _run(self) -> None:
        while (item := self._next()) is not None:
            try:
                self._deliver(item)
                self.reachable = True
            except grpc.RpcError as error:
                self.reachable = False
                self._log.debug("peer_send_failed", code=str(error.code()))

    def _deliver(self, item: _Outgoing) -> None:
        if isinstance(item, peer_pb2.ConsensusMessage):
            self.stub.SendConsensus(item, timeout=SEND_TIMEOUT_SECONDS)
        elif isinstance(item, peer_pb2.CertifiedBlock):
            self.stub.AnnounceBlock(item, timeout=SEND_TIMEOUT_SECONDS)
        else:
            request = peer_pb2.GossipTransactionsRequest(envelopes=item.envelopes)
            self.stub.GossipTransactions(request, timeout=SEND_TIMEOUT_SECONDS)

    def status(self) -> peer_pb2.GetPeerStatusResponse:
        response: peer_pb2.GetPeerStatusResponse = self.stub.GetPeerStatus(
            peer_pb2.GetPeerStatusRequest(), timeout=SYNC_TIMEOUT_SECONDS
        )
        self.reachable = True
        return response

    def blocks(self, from_height: int, count: int) -> list[peer_pb2.CertifiedBlock]:
        """Up to ``count`` certified blocks from ``from_height``; none, without asking, when
        this peer was asked for the same height less than REFETCH_SECONDS ago."""
        now = self._clock()
        if self._last_fetch is not None:
            height, when = self._last_fetch
            if height == from_height and now - when < REFETCH_SECONDS:
                return []  # the next round of block sync asks another peer
        self._last_fetch = (from_height, now)
        response: peer_pb2.GetBlocksResponse = self.stub.GetBlocks(
            peer_pb2.GetBlocksRequest(from_height=from_height, max_blocks=count),
            timeout=SYNC_TIMEOUT_SECONDS,
        )
        return list(response.blocks)


class PeerClients:
    """Connections to every configured peer."""

    def __init__(
        self,
        peers: tuple[PeerConfig, ...],
        tls: TlsMaterial,
        log: FilteringBoundLogger,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connections = [PeerConnection(peer, tls, log, clock) for peer in peers]

    @property
    def validators(self) -> list[PeerConnection]:
        return [c for c in self.connections if c.peer.role is NodeRole.VALIDATOR]

    def reachable_count(self) -> int:
        return sum(1 for c in self.connections if c.reachable)

    def send_consensus(self, message: peer_pb2.ConsensusMessage) -> None:
        for connection in self.validators:
            connection.enqueue(message)

    def gossip(self, envelopes: tuple[bytes, ...]) -> None:
        for connection in self.validators:
            connection.enqueue(_Gossip(envelopes))

    def announce(self, block: peer_pb2.CertifiedBlock) -> None:
        for connection in self.connections:
            connection.enqueue(block)

    def close(self) -> None:
        for connection in self.connections:
            connection.close()
