"""Issue 13: every message between nodes fits the receive limit every node must have. A batch
on the peer stream, a block-sync answer and a forwarded batch stay within
``peer_message_bytes`` (the largest legal block with room around it); a node whose
``[limits] max_message_bytes`` cannot carry that refuses to start (MessageLimitTooSmall); the
client channel carries the largest block any genesis may allow."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
import structlog
from tirkeu_pb import peer_pb2, peer_pb2_grpc

from clients.channel import MAX_MESSAGE_BYTES
from ledger.chain.genesis import (
    DEFAULT_MAX_BLOCK_BYTES,
    DEFAULT_MAX_TRANSACTION_BYTES,
    MAX_BLOCK_BYTES_CEILING,
    ChainLimits,
)
from node.operations.config import DEFAULT_MAX_MESSAGE_BYTES
from node.peers.service import PeerService, add_peer_service
from node.peers.stream import PeerStream, peer_message_bytes
from node.runtime.server import MessageLimitTooSmall, check_message_limit
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators, RecordingHandler

DEADLINE_SECONDS = 10.0
MIB = 1024 * 1024


def _limits(max_block_bytes: int = DEFAULT_MAX_BLOCK_BYTES) -> ChainLimits:
    return ChainLimits(DEFAULT_MAX_TRANSACTION_BYTES, 100, 1000, max_block_bytes)


def _proposal(size: int) -> peer_pb2.ConsensusMessage:
    return peer_pb2.ConsensusMessage(proposal=peer_pb2.SignedProposal(block=b"p" * size))


def test_a_proposal_never_rides_on_a_full_batch() -> None:
    """Before: items were added while the batch was under 4 MiB, so a full block's proposal
    and a full block's announcement made a 4 MiB + message the peer's server refused."""
    opened = threading.Event()

    def open_exchange(batches: Iterator[peer_pb2.PeerBatch]) -> object:
        opened.set()
        return iter(())  # the stream thread reconnects; the test takes batches itself

    stream = PeerStream(open_exchange, structlog.get_logger(), "stand-in")
    assert opened.wait(DEADLINE_SECONDS)
    stream.close()
    block = DEFAULT_MAX_BLOCK_BYTES - 1000
    stream.send_consensus(_proposal(block))
    stream.announce(peer_pb2.CertifiedBlock(block=b"b" * block, certificate=b"c" * 5000))
    stream.gossip(tuple(b"%d" % n + b"t" * 200_000 for n in range(12)))
    batches = []
    while stream.queued():
        batches.append(stream._take())
    assert len(batches) >= 3
    for batch in batches:
        assert batch.ByteSize() <= peer_message_bytes(_limits()) <= DEFAULT_MAX_MESSAGE_BYTES
    assert sum(len(b.envelopes) for b in batches) == 12
    assert len(batches[0].consensus) == 1  # consensus first, alone when it is a full block


class _BigBlocks(RecordingHandler):
    def certified_blocks(self, from_height: int, count: int) -> list[peer_pb2.CertifiedBlock]:
        return [
            peer_pb2.CertifiedBlock(block=b"%d" % height + b"x" * 300_000, certificate=b"c")
            for height in range(from_height, from_height + count)
        ]


def test_a_block_sync_answer_stays_within_the_peer_message_limit() -> None:
    """Before: up to fifty full blocks in one answer, a message no node's limit admits, so a
    node behind by full blocks never caught up."""
    chain = FourValidators.create()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    add_peer_service(server, PeerService(_BigBlocks(), chain.setup, structlog.get_logger()))
    receiver = chain.keys[VALIDATOR_IDS[0]]
    authority = chain.parties.authority
    credentials = grpc.ssl_server_credentials(
        [(receiver.key_pem, receiver.pem + authority.intermediate.pem)],
        root_certificates=authority.chain_pem,
        require_client_auth=True,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    caller = chain.keys[VALIDATOR_IDS[1]]
    channel_credentials = grpc.ssl_channel_credentials(
        root_certificates=authority.chain_pem,
        private_key=caller.key_pem,
        certificate_chain=caller.pem + authority.intermediate.pem,
    )
    try:
        with grpc.secure_channel(
            f"127.0.0.1:{port}",
            channel_credentials,
            options=[("grpc.max_receive_message_length", 64 * MIB)],
        ) as channel:
            stub = peer_pb2_grpc.PeerStub(channel)  # type: ignore[no-untyped-call]
            answer = stub.GetBlocks(
                peer_pb2.GetBlocksRequest(from_height=5, max_blocks=50), timeout=DEADLINE_SECONDS
            )
    finally:
        server.stop(None).wait()
    assert answer.ByteSize() <= peer_message_bytes(chain.setup.genesis.limits)
    heights = [int(block.block.split(b"x")[0]) for block in answer.blocks]
    assert heights[0] == 5 and 1 < len(heights) < 50


def test_a_message_limit_that_cannot_carry_a_legal_block_is_refused() -> None:
    check_message_limit(DEFAULT_MAX_MESSAGE_BYTES, _limits())
    with pytest.raises(MessageLimitTooSmall) as refused:
        check_message_limit(DEFAULT_MAX_MESSAGE_BYTES, _limits(max_block_bytes=8 * MIB))
    assert refused.value.required == peer_message_bytes(_limits(max_block_bytes=8 * MIB))
    assert "max_block_bytes" in str(refused.value)


def test_the_client_channel_carries_the_largest_block_any_genesis_allows() -> None:
    largest = ChainLimits(DEFAULT_MAX_TRANSACTION_BYTES, 1, 1, MAX_BLOCK_BYTES_CEILING)
    assert peer_message_bytes(largest) <= MAX_MESSAGE_BYTES
