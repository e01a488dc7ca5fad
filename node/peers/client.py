"""Outgoing peer connections: one mutual-TLS channel per peer, and on it one long-lived
``Exchange`` stream (node/peers/stream.py) for consensus messages, gossip and announcements.

Sending never blocks the engine: messages go into bounded per-peer queues that the stream
drains in batches; when a peer is down its queues overflow and the oldest messages are dropped,
counted (consensus re-gossips its own messages, block sync covers the rest). Block sync asks
with unary calls and a deadline (``status`` and ``blocks``).

Every message sent to a peer is at most ``max_message_bytes`` (``peer_message_bytes`` of the
genesis limits, node/peers/stream.py): the receive limit every node is required to admit.

Block fetches are rate-limited per peer: a peer is not asked again for the blocks from the same
height within ``REFETCH_SECONDS``. Block sync takes the first peer that serves blocks, so
without this a peer that claims to be ahead and serves blocks this node refuses (a Byzantine
one listed first) would be the only peer ever asked, and the node would never catch up.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable

import grpc
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import peer_pb2, peer_pb2_grpc

from clients.channel import open_mutual_tls_channel
from node.operations.config import NodeRole, PeerConfig
from node.operations.tls import TlsMaterial
from node.peers.stream import DEFAULT_MAX_BATCH_BYTES, PeerStream

SYNC_TIMEOUT_SECONDS = 5.0
REFETCH_SECONDS = 2.0


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
        *,
        max_message_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    ) -> None:
        self.peer = peer
        self._clock = clock
        self._last_fetch: tuple[int, float] | None = None  # (from height, when)
        self.channel = open_peer_channel(peer.address, tls)
        self.stub = peer_pb2_grpc.PeerStub(self.channel)  # type: ignore[no-untyped-call]
        self._log = log.bind(peer=peer.node_id)
        self._synced_reachable = False
        self.stream = PeerStream(
            self.stub.Exchange, self._log, peer.node_id, max_batch_bytes=max_message_bytes
        )

    @property
    def reachable(self) -> bool:
        return self.stream.reachable or self._synced_reachable

    @reachable.setter
    def reachable(self, value: bool) -> None:  # block sync marks a peer down when status fails
        self._synced_reachable = value
        if not value:
            self.stream.reachable = False

    def close(self) -> None:
        self.stream.close()
        self.channel.close()

    def status(self) -> peer_pb2.GetPeerStatusResponse:
        response: peer_pb2.GetPeerStatusResponse = self.stub.GetPeerStatus(
            peer_pb2.GetPeerStatusRequest(), timeout=SYNC_TIMEOUT_SECONDS
        )
        self._synced_reachable = True
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
        *,
        max_message_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    ) -> None:
        self.connections = [
            PeerConnection(peer, tls, log, clock, max_message_bytes=max_message_bytes)
            for peer in peers
        ]

    @property
    def validators(self) -> list[PeerConnection]:
        return [c for c in self.connections if c.peer.role is NodeRole.VALIDATOR]

    def reachable_count(self) -> int:
        return sum(1 for c in self.connections if c.reachable)

    def send_consensus(self, message: peer_pb2.ConsensusMessage) -> None:
        for connection in self.validators:
            connection.stream.send_consensus(message)

    def gossip(self, envelopes: tuple[bytes, ...]) -> None:
        for connection in self.validators:
            connection.stream.gossip(envelopes)

    def announce(self, block: peer_pb2.CertifiedBlock) -> None:
        for connection in self.connections:
            connection.stream.announce(block)

    def dropped(self) -> dict[str, int]:
        """Messages dropped from full per-peer queues, by kind, over all peers."""
        total: collections.Counter[str] = collections.Counter()
        for connection in self.connections:
            total.update(connection.stream.dropped)
        return dict(total)

    def close(self) -> None:
        for connection in self.connections:
            connection.close()
