"""Block fetches are rate-limited per peer (node/peers/client.py): a peer listed first that claims
to be ahead and serves blocks this node refuses cannot use up every round of block sync; the
next round asks the next peer for the same blocks. Both peers are real peer services over
mutual TLS (tests/unit/node/engine_harness.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import structlog
from tirkeu_pb import peer_pb2

from node.operations.config import NodeRole, PeerConfig
from node.operations.tls import TlsMaterial
from node.peers.client import REFETCH_SECONDS, PeerClients
from node.peers.sync import BlockSync
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators, RecordingHandler
from tests.unit.node.engine_harness import ENGINE_ID, _stand_in_server


class HonestHandler(RecordingHandler):
    def certified_blocks(self, from_height: int, count: int) -> list[peer_pb2.CertifiedBlock]:
        return [peer_pb2.CertifiedBlock(block=b"honest-%d" % from_height)]


class ManualSeconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class TwoPeers:
    sync: BlockSync
    clock: ManualSeconds
    delivered: list[tuple[str, bytes]]


@pytest.fixture
def two_peers() -> Iterator[TwoPeers]:
    chain = FourValidators.create()
    # RecordingHandler claims height 9 and serves b"block-N", which no node would accept.
    byzantine, byzantine_port = _stand_in_server(chain, RecordingHandler())
    honest, honest_port = _stand_in_server(chain, HonestHandler())
    identity = chain.keys[ENGINE_ID]
    authority = chain.parties.authority
    tls = TlsMaterial(
        identity.pem + authority.intermediate.pem, identity.key_pem, authority.chain_pem
    )
    configs = (
        PeerConfig(VALIDATOR_IDS[1], f"127.0.0.1:{byzantine_port}", NodeRole.VALIDATOR),
        PeerConfig(VALIDATOR_IDS[2], f"127.0.0.1:{honest_port}", NodeRole.VALIDATOR),
    )
    clock = ManualSeconds()
    peers = PeerClients(configs, tls, structlog.get_logger(), clock)
    delivered: list[tuple[str, bytes]] = []

    def deliver(source: str, blocks: list[peer_pb2.CertifiedBlock]) -> None:
        delivered.extend((source, block.block) for block in blocks)

    sync = BlockSync(
        peers=peers,
        local_height=lambda: 0,  # the refused blocks never move this node
        deliver=deliver,
        interval_ms=1000,
        log=structlog.get_logger(),
    )
    try:
        yield TwoPeers(sync, clock, delivered)
    finally:
        peers.close()
        byzantine.stop(None).wait()
        honest.stop(None).wait()


def test_the_next_round_asks_another_peer_for_blocks_the_first_one_served(
    two_peers: TwoPeers,
) -> None:
    two_peers.sync.sync_once()
    two_peers.sync.sync_once()
    assert two_peers.delivered == [(VALIDATOR_IDS[1], b"block-1"), (VALIDATOR_IDS[2], b"honest-1")]


def test_a_peer_is_asked_again_once_its_interval_has_passed(two_peers: TwoPeers) -> None:
    two_peers.sync.sync_once()
    two_peers.clock.now += REFETCH_SECONDS
    two_peers.sync.sync_once()
    assert [source for source, _ in two_peers.delivered] == [VALIDATOR_IDS[1]] * 2
