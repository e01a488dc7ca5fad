"""The peer stream (node/peers/stream.py): batches over one long-lived Exchange stream, with a
bounded window and bounded queues that drop the oldest entry, counted, when full.

The first test runs PeerClients against a real Peer service on 127.0.0.1 with mutual TLS; the
others drive PeerStream with a stand-in for the gRPC call (pure queueing logic)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import structlog
from tirkeu_pb import peer_pb2

from consensus.types import VoteType
from node.operations.config import NodeRole, PeerConfig
from node.operations.tls import TlsMaterial
from node.peers import stream as stream_module
from node.peers.client import PeerClients
from node.peers.service import PeerService, add_peer_service
from node.peers.stream import PeerStream
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators, RecordingHandler

DEADLINE_SECONDS = 10.0


def _poll(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        threading.Event().wait(0.01)
    return condition()


def test_consensus_gossip_and_announcements_arrive_over_one_stream() -> None:
    chain = FourValidators.create()
    handler = RecordingHandler()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    add_peer_service(server, PeerService(handler, chain.setup, structlog.get_logger()))
    receiver = chain.keys[VALIDATOR_IDS[0]]
    authority = chain.parties.authority
    credentials = grpc.ssl_server_credentials(
        [(receiver.key_pem, receiver.pem + authority.intermediate.pem)],
        root_certificates=authority.chain_pem,
        require_client_auth=True,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    sender = chain.keys[VALIDATOR_IDS[1]]
    tls = TlsMaterial(sender.pem + authority.intermediate.pem, sender.key_pem, authority.chain_pem)
    peers = PeerClients(
        (PeerConfig(VALIDATOR_IDS[0], f"127.0.0.1:{port}", NodeRole.VALIDATOR),),
        tls,
        structlog.get_logger(),
    )
    try:
        votes = [chain.vote(VALIDATOR_IDS[1], VoteType.PREVOTE, height=h) for h in range(1, 51)]
        for vote in votes:
            peers.send_consensus(peer_pb2.ConsensusMessage(vote=vote))
        peers.gossip((b"tx-1", b"tx-2"))
        peers.announce(peer_pb2.CertifiedBlock(block=b"block-7", certificate=b"cert"))
        assert _poll(lambda: len(handler.messages) == 50 and len(handler.gossip) == 2)
        assert _poll(lambda: handler.announced == [b"block-7"])
        assert [m.vote.height for m in handler.messages] == list(range(1, 51))  # in order
        assert handler.gossip == [b"tx-1", b"tx-2"]
        assert peers.reachable_count() == 1
        assert peers.dropped() == {}
    finally:
        peers.close()
        server.stop(None).wait()


class _StandInCall:
    """What ``stub.Exchange`` returns, reduced to iteration and cancel; ``consume`` says
    whether the stand-in takes batches from the stream (a live peer) or never reads (a hung
    one); acknowledgements are released one by one with ``ack``."""

    def __init__(self, batches: Iterator[peer_pb2.PeerBatch], consume: bool) -> None:
        self.taken: list[peer_pb2.PeerBatch] = []
        self._acks: list[peer_pb2.PeerBatchAck] = []
        self._condition = threading.Condition()
        self._cancelled = False
        if consume:
            threading.Thread(target=self._read, args=(batches,), daemon=True).start()

    def _read(self, batches: Iterator[peer_pb2.PeerBatch]) -> None:
        for batch in batches:
            with self._condition:
                self.taken.append(batch)
                self._condition.notify_all()

    def ack(self) -> None:
        with self._condition:
            sequence = self.taken[len(self._acks)].sequence
            self._acks.append(peer_pb2.PeerBatchAck(sequence=sequence))
            self._condition.notify_all()

    def cancel(self) -> None:
        with self._condition:
            self._cancelled = True
            self._condition.notify_all()

    def __iter__(self) -> Iterator[peer_pb2.PeerBatchAck]:
        delivered = 0
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._cancelled or len(self._acks) > delivered)  # noqa: B023
                if self._cancelled:
                    return
                ack = self._acks[delivered]
            delivered += 1
            yield ack


def _stream(consume: bool) -> tuple[PeerStream, list[_StandInCall]]:
    calls: list[_StandInCall] = []
    opened = threading.Event()

    def open_exchange(batches: Iterator[peer_pb2.PeerBatch]) -> _StandInCall:
        call = _StandInCall(batches, consume)
        calls.append(call)
        opened.set()
        return call

    stream = PeerStream(open_exchange, structlog.get_logger(), "stand-in")
    assert opened.wait(DEADLINE_SECONDS)
    return stream, calls


def _vote_message(height: int) -> peer_pb2.ConsensusMessage:
    return peer_pb2.ConsensusMessage(vote=peer_pb2.SignedVote(height=height))


def test_a_full_queue_drops_its_oldest_entry_and_counts_it() -> None:
    stream, _ = _stream(consume=False)  # a peer that never reads
    try:
        limit = stream_module.CONSENSUS_QUEUE_LIMIT
        for height in range(1, limit + 6):
            stream.send_consensus(_vote_message(height))
        assert stream.dropped == {"consensus": 5}
        assert stream.queued() == limit
        stream.gossip(tuple(b"tx-%d" % n for n in range(stream_module.GOSSIP_QUEUE_LIMIT + 2)))
        assert stream.dropped["gossip"] == 2
    finally:
        stream.close()


def test_at_most_a_window_of_batches_is_unacknowledged_and_what_waits_goes_together() -> None:
    stream, calls = _stream(consume=True)
    try:
        call = calls[0]
        for height in range(1, stream_module.WINDOW + 1):
            stream.send_consensus(_vote_message(height))
            assert _poll(lambda h=height: len(call.taken) == h)  # type: ignore[misc]
        for height in range(100, 110):  # the window is full: these wait
            stream.send_consensus(_vote_message(height))
        assert stream.queued() == 10
        assert len(call.taken) == stream_module.WINDOW
        call.ack()  # one acknowledgement opens the window by one batch: all ten go in it
        assert _poll(lambda: len(call.taken) == stream_module.WINDOW + 1)
        assert [m.vote.height for m in call.taken[-1].consensus] == list(range(100, 110))
        assert stream.queued() == 0
        assert stream.reachable
    finally:
        stream.close()


def test_consensus_goes_before_announcements_before_gossip_in_a_batch() -> None:
    stream, calls = _stream(consume=False)
    try:
        stream.gossip((b"tx",))
        stream.announce(peer_pb2.CertifiedBlock(block=b"b"))
        stream.send_consensus(_vote_message(3))
    finally:
        stream.close()
    batch = stream._take()  # the batch the next send would carry
    assert (
        list(batch.consensus),
        [a.block for a in batch.announcements],
        list(batch.envelopes),
    ) == (
        [_vote_message(3)],
        [b"b"],
        [b"tx"],
    )
    assert calls[0].taken == []
