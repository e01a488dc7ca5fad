"""Double-vote evidence across validator-set changes (ADR 0011): judged by the set in force at the
votes' height, expired once the state no longer holds that set, and never proposed once it no
longer verifies.

The chain of tests/unit/ledger/audit (``build_changing_chain``): validator-1 is removed by a
change committed at 5, in force from 7; the tip is 8, and the state then holds the sets of
heights 5-6 and 7 on, no older ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from consensus.types import BlockId, Height, Round, ValidatorId, Vote, VoteType
from ledger.chain.blocks import Block
from ledger.chain.store import Store
from ledger.governance.schedule import validators_at
from ledger.state.records import unix_ms
from node.chain.commit import BlockFault, BlockRejected, execute_block
from node.chain.evidence import (
    DoubleVote,
    EvidencePool,
    ExpiredEvidence,
    judge_evidence,
    make_evidence,
)
from node.chain.open import ChainSetup, chain_setup
from node.chain.proposer import assemble_block
from node.chain.signed_messages import sign_vote
from tests.registry_fixtures import FIRST_BLOCK_TIME, TEST_CHAIN_ID
from tests.unit.ledger.audit.chain import VALIDATOR_IDS, validator_certificates
from tests.unit.ledger.audit.test_audit_set_changes import build_changing_chain
from tests.unit.ledger.registry.story import shared_parties


def _double_vote(validator: str, height: int) -> bytes:
    """Two prevotes of ``validator`` (its genesis key) for two blocks at ``height``, round 0."""
    keys = dict(zip(VALIDATOR_IDS, validator_certificates(shared_parties()), strict=True))
    votes = [
        sign_vote(
            keys[validator].key,
            TEST_CHAIN_ID,
            Vote(VoteType.PREVOTE, Height(height), Round(0), value, ValidatorId(validator)),
        )
        for value in (BlockId(b"\x01" * 32), BlockId(b"\x02" * 32))
    ]
    return make_evidence(*votes)


# validator-1 double-voted at 6, while still a member; removed from 7.
REMOVED_AT_ITS_HEIGHT = _double_vote("validator-1", 6)
# validator-2 (a member throughout) double-voted at 2: the set of height 2 has left the state.
TOO_OLD = _double_vote("validator-2", 2)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, ChainSetup]]:
    data_dir: Path = tmp_path_factory.mktemp("changing") / "node"
    setup = chain_setup(build_changing_chain(data_dir))
    with Store(data_dir / "ledger") as store:
        assert store.load_meta().height == 8  # type: ignore[union-attr]
        yield store, setup


def _next_block(store: Store, setup: ChainSetup, evidence: bytes) -> Block:
    proposer = validators_at(store.state, 9).validator_set.proposer(Height(9), Round(0))
    proposed = assemble_block(
        store,
        setup,
        proposer,
        unix_ms(FIRST_BLOCK_TIME) + 3_600_000,
        [],
        evidence=[evidence],
    )
    return proposed.executed.block


def test_true_evidence_against_a_removed_validator_is_judged_by_the_set_of_its_height(
    chain: tuple[Store, ChainSetup],
) -> None:
    store, setup = chain
    proven = judge_evidence(REMOVED_AT_ITS_HEIGHT, TEST_CHAIN_ID, store.state)
    assert proven == DoubleVote(ValidatorId("validator-1"), 6, 0, "prevote")
    # A block carrying it is accepted (before the fix: INVALID_EVIDENCE, the set of the tip
    # no longer lists validator-1).
    block = _next_block(store, setup, REMOVED_AT_ITS_HEIGHT)
    executed = execute_block(store, setup, block)
    assert executed.block.evidence == (REMOVED_AT_ITS_HEIGHT,)


def test_evidence_older_than_the_sets_in_state_is_expired_and_refused_by_name(
    chain: tuple[Store, ChainSetup],
) -> None:
    store, setup = chain
    with pytest.raises(ExpiredEvidence, match="height 2"):
        judge_evidence(TOO_OLD, TEST_CHAIN_ID, store.state)
    with pytest.raises(BlockRejected) as refused:
        execute_block(store, setup, _next_block(store, setup, TOO_OLD))
    assert refused.value.fault is BlockFault.EXPIRED_EVIDENCE


def test_the_pool_proposes_only_evidence_that_verifies_and_drops_the_rest(
    chain: tuple[Store, ChainSetup],
) -> None:
    store, _ = chain
    pool = EvidencePool()
    for item in (TOO_OLD, b"\xff\xff\xff", REMOVED_AT_ITS_HEIGHT):
        pool.add(item)
    assert pool.take_verified(TEST_CHAIN_ID, store.state) == [REMOVED_AT_ITS_HEIGHT]
    # Dropped for good, not merely skipped: a proposer must not keep offering refused blocks.
    assert pool.take() == [REMOVED_AT_ITS_HEIGHT]
