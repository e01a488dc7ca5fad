"""Review finding #9: block sync checks a peer's commit certificate before executing its block,
and takes no more blocks than it asked for."""

from __future__ import annotations

from pathlib import Path

import structlog
from tirkeu_pb import peer_pb2

from consensus.types import Round
from ledger.chain.blocks import CommitCertificate, build_block
from node.chain.open import open_chain
from node.operations.config import NodeRole, PeerConfig
from node.operations.metrics import NodeMetrics
from node.operations.tls import TlsMaterial
from node.peers.client import PeerClients
from node.peers.sync import BlockSync, apply_certified_block
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators, RecordingHandler
from tests.unit.node.engine_harness import ENGINE_ID, _stand_in_server


class GenerousHandler(RecordingHandler):
    """Claims height 9 and answers every fetch with 30 blocks, whatever was asked."""

    def certified_blocks(self, from_height: int, count: int) -> list[peer_pb2.CertifiedBlock]:
        return [peer_pb2.CertifiedBlock(block=b"block-%d" % n) for n in range(30)]


def test_a_forged_certificate_is_refused_before_the_block_is_executed(tmp_path: Path) -> None:
    chain = FourValidators.create()
    store = open_chain(tmp_path / "d", chain.setup)
    try:
        meta = store.load_meta()
        assert meta is not None
        # A transaction that would fail: executing first would say TRANSACTION_FAILED.
        block = build_block(
            previous=meta.tip(),
            time_unix_ms=meta.time_unix_ms + 1,
            transactions=[b"not an envelope"],
            state_root=meta.state_root,
            validator_set_hash=chain.setup.validator_set_hash,
            proposer=VALIDATOR_IDS[0],
            last_commit=None,
        )
        # A certificate with no signature at all: short of the quorum.
        forged = CommitCertificate(block.height, Round(0), block.block_hash, ())
        metrics = NodeMetrics()
        message = peer_pb2.CertifiedBlock(block=block.encode(), certificate=forged.encode())
        applied = apply_certified_block(
            store, chain.setup, message, log=structlog.get_logger(), metrics=metrics, source="t"
        )
        assert applied is None
        refused = metrics.blocks_refused.labels(fault="INVALID_COMMIT")._value.get()
        assert refused == 1
        assert metrics.blocks_refused.labels(fault="TRANSACTION_FAILED")._value.get() == 0
    finally:
        store.close()


def test_a_peer_reply_is_cut_to_the_number_of_blocks_asked_for() -> None:
    chain = FourValidators.create()
    server, port = _stand_in_server(chain, GenerousHandler())
    identity = chain.keys[ENGINE_ID]
    authority = chain.parties.authority
    tls = TlsMaterial(
        identity.pem + authority.intermediate.pem, identity.key_pem, authority.chain_pem
    )
    peers = PeerClients(
        (PeerConfig(VALIDATOR_IDS[1], f"127.0.0.1:{port}", NodeRole.VALIDATOR),),
        tls,
        structlog.get_logger(),
    )
    delivered: list[bytes] = []
    sync = BlockSync(
        peers=peers,
        local_height=lambda: 4,  # the peer is at 9: five blocks are asked for
        deliver=lambda source, blocks: delivered.extend(b.block for b in blocks),
        interval_ms=1000,
        log=structlog.get_logger(),
    )
    try:
        sync.sync_once()
        assert delivered == [b"block-%d" % n for n in range(5)]
    finally:
        peers.close()
        server.stop(None).wait()
