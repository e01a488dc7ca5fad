"""A proposal's attached block is not covered by its signature (that signs the block hash), so a
relayer can swap or pad it (review finding #2). Such a copy is dropped as the relayer's doing:
counted as ``proposal_bytes_mismatch``, never judged, never logged or kept, and no verdict is
cached, so the genuine bytes of the same signed proposal, arriving afterwards, are judged valid.

The engine under test is registrar-1 (tests/unit/node/engine_harness.py); registrar-2 proposes
height 1, round 0, and its genuine block is built on a second store of the same chain.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from tirkeu_pb import peer_pb2

from consensus.types import BlockId, Height, Round
from ledger.chain.blocks import Block
from ledger.state.records import unix_ms
from node.chain.evidence import EvidencePool
from node.chain.mempool import Mempool
from node.chain.open import open_chain
from node.chain.proposer import assemble_block
from node.chain.signed_messages import proposal_of
from node.engine.candidates import CandidateBlocks, signed_block_problem
from node.operations.config import BlockConfig
from node.operations.metrics import NodeMetrics
from tests.registry_fixtures import FIRST_BLOCK_TIME
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators
from tests.unit.node.conftest import ManualClock
from tests.unit.node.engine_harness import ENGINE_ID, RunningEngine, running_engine

PROPOSER = VALIDATOR_IDS[1]  # proposer(1, 0) in the four-validator set
# An unknown protobuf field (number 15, length-delimited) with 1 KiB of junk: Block.decode
# accepts it, the header still hashes right, only the canonical encoding gives it away.
PADDING = bytes([15 << 3 | 2]) + bytes([0x80, 0x08]) + b"\x00" * 1024


@pytest.fixture(scope="module")
def chain() -> FourValidators:
    return FourValidators.create()


@pytest.fixture(scope="module")
def genuine(chain: FourValidators, tmp_path_factory: pytest.TempPathFactory) -> Block:
    """registrar-2's block for height 1 (empty), on a store of its own."""
    store = open_chain(tmp_path_factory.mktemp("proposer"), chain.setup)
    try:
        now = unix_ms(FIRST_BLOCK_TIME) + 1_000
        return assemble_block(store, chain.setup, PROPOSER, now, []).executed.block
    finally:
        store.close()


def _signed(chain: FourValidators, block: Block, attached: bytes) -> peer_pb2.SignedProposal:
    return chain.proposal(PROPOSER, value=BlockId(block.block_hash), block=attached)


def _other_block(chain: FourValidators, genuine: Block, tmp_path: Path) -> bytes:
    store = open_chain(tmp_path / "other", chain.setup)
    try:
        later = genuine.header.time_unix_ms + 7
        return assemble_block(store, chain.setup, PROPOSER, later, []).executed.block.encode()
    finally:
        store.close()


def _mismatches(metrics: NodeMetrics) -> float:
    exposition = generate_latest(metrics.registry).decode()
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.labels.get("reason") == "proposal_bytes_mismatch" and sample.name.endswith(
                "_total"
            ):
                return sample.value
    return 0.0


def test_only_the_signed_blocks_canonical_bytes_pass(
    chain: FourValidators, genuine: Block, tmp_path: Path
) -> None:
    encoded = genuine.encode()
    assert signed_block_problem(genuine.block_hash, encoded) is None
    assert signed_block_problem(genuine.block_hash, encoded + PADDING) is not None
    assert signed_block_problem(genuine.block_hash, _other_block(chain, genuine, tmp_path))
    assert signed_block_problem(genuine.block_hash, b"\xff" * 64) is not None
    assert signed_block_problem(genuine.block_hash, b"") is not None


def test_a_mismatched_copy_caches_no_verdict(
    chain: FourValidators, genuine: Block, tmp_path: Path
) -> None:
    store = open_chain(tmp_path / "judge", chain.setup)
    metrics = NodeMetrics()
    candidates = CandidateBlocks(
        store=store,
        setup=chain.setup,
        validator_id=ENGINE_ID,
        mempool=Mempool(capacity=10),
        evidence=EvidencePool(),
        block_config=BlockConfig(),
        max_clock_skew_ms=5_000,
        clock_ms=ManualClock(),
        metrics=metrics,
        log=structlog.get_logger(),
    )
    try:
        proposal = proposal_of(_signed(chain, genuine, b""))
        for attached in (genuine.encode() + PADDING, _other_block(chain, genuine, tmp_path)):
            assert candidates.judge(proposal, attached) is None
            assert candidates.get(proposal.value) is None
        assert _mismatches(metrics) == 2
        assert candidates.judge(proposal, genuine.encode()) is True
        assert candidates.get(proposal.value) is not None
    finally:
        store.close()


def _own_prevote(run: RunningEngine) -> peer_pb2.SignedVote | None:
    for message in list(run.sent.messages):
        vote = message.vote
        if vote.validator == ENGINE_ID and (vote.kind, vote.height, vote.round) == (
            peer_pb2.PREVOTE,
            1,
            0,
        ):
            return vote
    return None


def _logged_proposals(run: RunningEngine, height: int) -> list[peer_pb2.SignedProposal]:
    found = []
    for logged_height, _, encoded in run.store.wal_entries(height):
        message = peer_pb2.ConsensusMessage.FromString(encoded)
        if logged_height == height and message.HasField("proposal"):
            found.append(message.proposal)
    return found


def test_the_engine_drops_a_padded_copy_and_judges_the_genuine_one(
    chain: FourValidators, genuine: Block, tmp_path: Path
) -> None:
    assert chain.setup.validators.validator_set.proposer(Height(1), Round(0)) == PROPOSER
    padded = _signed(chain, genuine, genuine.encode() + PADDING)
    real = peer_pb2.SignedProposal()
    real.CopyFrom(padded)  # the same signature: only the attached bytes differ
    real.block = genuine.encode()
    with running_engine(tmp_path / "registrar-1", chain) as run:
        run.engine.consensus_message(peer_pb2.ConsensusMessage(proposal=padded))
        run.engine.consensus_message(peer_pb2.ConsensusMessage(proposal=real))
        prevote = run.wait_for(lambda: _own_prevote(run), "the engine's prevote in round 0")
        assert prevote.block_hash == genuine.block_hash  # judged valid, not nil
        assert _mismatches(run.metrics) == 1
        assert _logged_proposals(run, 1) == [real]


def test_a_later_heights_padded_proposal_is_not_kept(
    chain: FourValidators, genuine: Block, tmp_path: Path
) -> None:
    # The bytes check needs no chain link: a height-1 block under a height-2 signature will do.
    proposer = chain.setup.validators.validator_set.proposer(Height(2), Round(0))
    hash_of = BlockId(genuine.block_hash)
    padded = chain.proposal(proposer, height=2, value=hash_of, block=genuine.encode() + PADDING)
    real = chain.proposal(proposer, height=2, value=hash_of, block=genuine.encode())
    with running_engine(tmp_path / "registrar-1", chain) as run:
        run.engine.consensus_message(peer_pb2.ConsensusMessage(proposal=padded))
        run.engine.consensus_message(peer_pb2.ConsensusMessage(proposal=real))
        logged = run.wait_for(lambda: _logged_proposals(run, 2) or None, "the kept proposal")
        assert logged == [real]
        assert _mismatches(run.metrics) == 1
