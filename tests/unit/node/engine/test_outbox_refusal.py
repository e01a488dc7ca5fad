"""A signature the double-sign guard refuses stops the engine (second review, finding 1).

The core counts its own vote when it asks for it (Algorithm 1 treats sent messages as
received), so an outbox that silently dropped a refused vote would let this validator lock or
decide on a quorum the network does not have. ``SignedOutbox`` raises ``SigningRefused`` (the
runner logs ``engine_failed`` and the node exits) and nothing leaves the process.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog

from consensus.signing_guard import SigningRecord, SigningStep
from consensus.types import NO_ROUND, BlockId, Height, Round, Vote, VoteType
from node.chain.open import open_chain
from node.engine.outbox import SignedOutbox, SigningRefused
from node.engine.signing_records import SigningJournal
from node.engine.wal import ConsensusWal
from node.operations.config import NodeRole, PeerConfig
from node.operations.tls import TlsMaterial
from node.peers.client import PeerClients
from tests.unit.node.bft_fixtures import FourValidators, RecordingHandler
from tests.unit.node.engine_harness import ENGINE_ID, STAND_IN_ID, _stand_in_server

BLOCK_A = BlockId(b"\xaa" * 32)
BLOCK_B = BlockId(b"\xbb" * 32)


def _prevote_record(block: BlockId) -> SigningRecord:
    return SigningRecord(Height(1), Round(0), SigningStep.PREVOTE, block, NO_ROUND, None)


def test_a_conflicting_prevote_is_refused_loudly_and_never_sent(tmp_path: Path) -> None:
    chain = FourValidators.create()
    handler = RecordingHandler()
    server, port = _stand_in_server(chain, handler)
    identity = chain.keys[ENGINE_ID]
    authority = chain.parties.authority
    tls = TlsMaterial(
        identity.pem + authority.intermediate.pem, identity.key_pem, authority.chain_pem
    )
    peers = PeerClients(
        (PeerConfig(STAND_IN_ID, f"127.0.0.1:{port}", NodeRole.VALIDATOR),),
        tls,
        structlog.get_logger(),
    )
    store = open_chain(tmp_path / "node", chain.setup)
    try:
        outbox = SignedOutbox(
            journal=SigningJournal(store),
            wal=ConsensusWal(store),
            signing_key=identity.key,
            chain_id=chain.chain_id,
            peers=peers,
            log=structlog.get_logger(),
        )
        first = Vote(VoteType.PREVOTE, Height(1), Round(0), BLOCK_A, ENGINE_ID)
        outbox.vote(first, _prevote_record(BLOCK_A))
        assert outbox.signed_votes[first].block_hash == BLOCK_A
        conflicting = Vote(VoteType.PREVOTE, Height(1), Round(0), BLOCK_B, ENGINE_ID)
        with pytest.raises(SigningRefused):
            outbox.vote(conflicting, _prevote_record(BLOCK_B))
        assert conflicting not in outbox.signed_votes
        assert store.load_last_signing_record() is not None
        stored = list(store.signing_records())
        assert len(stored) == 1, "the refused vote must leave no record"
    finally:
        peers.close()
        server.stop(None).wait()
        store.close()
