"""Review follow-ups in the engine's verdicts: a re-proposal is not held to the lower block-time
bound (finding #4), and a decision is never persisted without a valid certificate.

A fresh proposal whose block time is more than the allowed skew behind this node's clock is
refused (prevote nil). The same block re-proposed with a valid round had 2f+1 prevotes in that
round, so refusing it as "too old" could leave locked validators unable to decide (paper
Algorithm 1, lines 28-33): the verdict cached for the fresh proposal must not block it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog
import structlog.testing

from consensus.events import CommitDecision
from consensus.types import BlockId, Height, Proposal, Round, Vote, VoteType
from ledger.chain.blocks import Block
from ledger.state.records import unix_ms
from node.chain.evidence import EvidencePool
from node.chain.mempool import Mempool
from node.chain.open import open_chain
from node.chain.proposer import assemble_block
from node.engine.candidates import CandidateBlocks
from node.engine.commit import commit_decision
from node.operations.config import BlockConfig
from node.operations.metrics import NodeMetrics
from tests.registry_fixtures import FIRST_BLOCK_TIME
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators
from tests.unit.node.engine_harness import ENGINE_ID

PROPOSER = VALIDATOR_IDS[1]
SKEW_MS = 5_000


class FarAheadClock:
    """This node's clock reads a minute after the proposed block's time."""

    def __init__(self, block_time_ms: int) -> None:
        self.now_ms = block_time_ms + 60_000

    def __call__(self) -> int:
        return self.now_ms


@pytest.fixture
def chain() -> FourValidators:
    return FourValidators.create()


def _old_block(chain: FourValidators, tmp_path: Path) -> Block:
    store = open_chain(tmp_path / "proposer", chain.setup)
    try:
        now = unix_ms(FIRST_BLOCK_TIME) + 1_000
        return assemble_block(store, chain.setup, PROPOSER, now, []).executed.block
    finally:
        store.close()


def test_a_reproposal_with_a_valid_round_is_judged_again_without_the_lower_bound(
    chain: FourValidators, tmp_path: Path
) -> None:
    block = _old_block(chain, tmp_path)
    store = open_chain(tmp_path / "judge", chain.setup)
    candidates = CandidateBlocks(
        store=store,
        setup=chain.setup,
        validator_id=ENGINE_ID,
        mempool=Mempool(capacity=10),
        evidence=EvidencePool(),
        block_config=BlockConfig(),
        max_clock_skew_ms=SKEW_MS,
        clock_ms=FarAheadClock(block.header.time_unix_ms),
        metrics=NodeMetrics(),
        log=structlog.get_logger(),
    )
    value = BlockId(block.block_hash)
    try:
        fresh = Proposal(Height(1), Round(0), value, Round(-1), PROPOSER)
        assert candidates.judge(fresh, block.encode()) is False
        reproposal = Proposal(Height(1), Round(1), value, Round(0), PROPOSER)
        assert candidates.judge(reproposal, block.encode()) is True
    finally:
        store.close()


def test_a_decision_without_enough_signed_precommits_is_not_persisted(
    chain: FourValidators, tmp_path: Path
) -> None:
    """Second review, finding 2: when the precommits behind a decision are not all held with
    their signatures, the engine never persists a block without a valid certificate and does not
    die: commit_decision answers None (block sync fetches the certified block) and logs why."""
    block = _old_block(chain, tmp_path)
    store = open_chain(tmp_path / "judge", chain.setup)
    candidates = CandidateBlocks(
        store=store,
        setup=chain.setup,
        validator_id=ENGINE_ID,
        mempool=Mempool(capacity=10),
        evidence=EvidencePool(),
        block_config=BlockConfig(),
        max_clock_skew_ms=SKEW_MS,
        clock_ms=lambda: block.header.time_unix_ms,
        metrics=NodeMetrics(),
        log=structlog.get_logger(),
    )
    value = BlockId(block.block_hash)
    try:
        assert candidates.judge(
            Proposal(Height(1), Round(0), value, Round(-1), PROPOSER), block.encode()
        )
        precommits = tuple(
            Vote(VoteType.PRECOMMIT, Height(1), Round(0), value, validator)
            for validator in VALIDATOR_IDS[:3]
        )
        decision = CommitDecision(Height(1), Round(0), value, precommits)
        with structlog.testing.capture_logs() as logs:
            committed = commit_decision(
                store, chain.setup, decision, candidates, {}, log=structlog.get_logger()
            )
        assert committed is None
        meta = store.load_meta()
        assert meta is not None and meta.height == 0
        assert [entry["event"] for entry in logs] == ["commit_certificate_incomplete"]
    finally:
        store.close()
