"""Review finding #3 at the node: ``execute_block`` (proposals, block sync, announcements)
refuses a block over the limits with BlockFault.OVER_LIMITS, before any signature is checked
or any transaction executed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from consensus.types import VoteType
from ledger.chain.blocks import MAX_EVIDENCE_PER_BLOCK, Block, build_block
from ledger.chain.store import Store
from node.chain.commit import BlockFault, BlockRejected, execute_block
from node.chain.evidence import make_evidence
from node.chain.open import open_chain
from tests.unit.node.bft_fixtures import BLOCK_A, BLOCK_B, VALIDATOR_IDS, FourValidators


@pytest.fixture(scope="module")
def four() -> FourValidators:
    return FourValidators.create()


@pytest.fixture
def store(four: FourValidators, tmp_path: Path) -> Iterator[Store]:
    opened = open_chain(tmp_path / "d", four.setup)
    try:
        yield opened
    finally:
        opened.close()


def _evidence(four: FourValidators, validator: int) -> bytes:
    return make_evidence(
        four.vote(VALIDATOR_IDS[validator], VoteType.PREVOTE, value=BLOCK_A),
        four.vote(VALIDATOR_IDS[validator], VoteType.PREVOTE, value=BLOCK_B),
    )


def _next_block(
    store: Store, four: FourValidators, *, transactions: list[bytes], evidence: list[bytes]
) -> Block:
    meta = store.load_meta()
    assert meta is not None
    return build_block(
        previous=meta.tip(),
        time_unix_ms=meta.time_unix_ms + 1,
        transactions=transactions,
        state_root=meta.state_root,
        validator_set_hash=four.setup.validator_set_hash,
        proposer=VALIDATOR_IDS[0],
        last_commit=None,
        evidence=evidence,
    )


def _fault(store: Store, four: FourValidators, block: Block) -> tuple[BlockFault, str]:
    with pytest.raises(BlockRejected) as raised:
        execute_block(store, four.setup, block)
    return raised.value.fault, raised.value.detail


def test_distinct_valid_evidence_within_the_limit_is_accepted(
    four: FourValidators, store: Store
) -> None:
    evidence = [_evidence(four, 1), _evidence(four, 2)]
    executed = execute_block(
        store, four.setup, _next_block(store, four, transactions=[], evidence=evidence)
    )
    assert len(executed.block.evidence) == 2


def test_duplicate_evidence_is_refused(four: FourValidators, store: Store) -> None:
    block = _next_block(store, four, transactions=[], evidence=[_evidence(four, 1)] * 2)
    fault, detail = _fault(store, four, block)
    assert (fault, detail.split(":")[0]) == (BlockFault.OVER_LIMITS, "DUPLICATE_EVIDENCE")


def test_more_evidence_than_a_block_may_carry_is_refused(
    four: FourValidators, store: Store
) -> None:
    block = _next_block(
        store,
        four,
        transactions=[],
        evidence=[b"junk-%d" % i for i in range(MAX_EVIDENCE_PER_BLOCK + 1)],
    )
    fault, detail = _fault(store, four, block)
    # Junk evidence would be INVALID_EVIDENCE: the count is judged first.
    assert (fault, detail.split(":")[0]) == (BlockFault.OVER_LIMITS, "TOO_MUCH_EVIDENCE")


def test_more_transactions_than_genesis_allows_is_refused_before_execution(
    four: FourValidators, store: Store
) -> None:
    limit = four.setup.genesis.limits.max_block_transactions
    junk = [b"not an envelope %d" % i for i in range(limit + 1)]
    fault, detail = _fault(store, four, _next_block(store, four, transactions=junk, evidence=[]))
    # Junk transactions would be TRANSACTION_FAILED: the count is judged first.
    assert (fault, detail.split(":")[0]) == (BlockFault.OVER_LIMITS, "TOO_MANY_TRANSACTIONS")
