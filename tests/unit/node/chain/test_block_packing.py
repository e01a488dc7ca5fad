"""Issue 13: the proposer packs a block to genesis ``max_block_bytes`` (node/chain/proposer.py),
measured as validators judge it (ledger/chain/block_checks.py), and a validator refuses a block
over the bound before any signature (node/chain/commit.py ``execute_block``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from clients.transaction_builders import property_import
from ledger.chain.block_checks import block_bytes, transaction_bytes
from ledger.chain.blocks import build_block
from ledger.rejections import RejectionReason
from ledger.state.records import unix_ms
from node.chain.commit import BlockFault, BlockRejected, execute_block
from node.chain.mempool import PendingTransaction
from node.chain.open import ChainSetup, chain_setup
from node.chain.proposer import assemble_block
from tests.pki_fixtures import KTK_BIN
from tests.registry_fixtures import (
    FIRST_BLOCK_TIME,
    Parties,
    envelope_transaction_id,
    make_genesis_document,
)
from tests.unit.node.conftest import VALIDATOR, InProcessNode, make_node

NOW_MS = unix_ms(FIRST_BLOCK_TIME)
BLOCK_LIMIT = 131_072  # the smallest a genesis allows: two reserved overheads


@pytest.fixture
def small_blocks(tmp_path: Path, parties: Parties) -> Iterator[InProcessNode]:
    document = make_genesis_document(parties)
    document["limits"]["max_block_bytes"] = BLOCK_LIMIT
    setup: ChainSetup = chain_setup(json.dumps(document).encode())
    made = make_node(tmp_path / "data", setup, parties)
    try:
        yield made
    finally:
        made.store.close()


def _pending(envelope: bytes) -> PendingTransaction:
    return PendingTransaction(envelope_transaction_id(envelope), envelope)


def _imports(node: InProcessNode, count: int, start: int = 1000) -> list[PendingTransaction]:
    return [_pending(node.property_import(start + index)) for index in range(count)]


def test_the_proposer_takes_transactions_in_order_while_they_fit_the_byte_limit(
    small_blocks: InProcessNode,
) -> None:
    pending = _imports(small_blocks, 200)
    total = sum(len(p.envelope) for p in pending)
    assert total > BLOCK_LIMIT  # the count limit (1000) alone would take them all
    proposed = assemble_block(small_blocks.store, small_blocks.setup, VALIDATOR, NOW_MS, pending)
    block = proposed.executed.block
    taken = len(block.transactions)
    assert proposed.rejections == {}
    assert 0 < taken < len(pending)
    assert list(block.transactions) == [p.envelope for p in pending[:taken]]
    assert block_bytes(block) <= BLOCK_LIMIT
    # Full: the next transaction in line would have pushed it over.
    assert block_bytes(block) + transaction_bytes(pending[taken].envelope) > BLOCK_LIMIT


def test_a_transaction_no_block_can_carry_is_rejected_by_name_and_the_rest_still_go(
    small_blocks: InProcessNode,
) -> None:
    fitting = small_blocks.setup.genesis.limits.largest_fitting_transaction
    giant = property_import(
        cadastral_number="21:318:023:9999:1/45",
        address="a" * (fitting + 10),
        kind="APARTMENT",
        area_square_metres="54.30",
        holder_bin=KTK_BIN,
    )
    envelope = small_blocks.builder.envelope(giant, small_blocks.parties.registrar)
    assert fitting < len(envelope) <= small_blocks.setup.genesis.limits.max_transaction_bytes
    pending = [_pending(envelope), *_imports(small_blocks, 3)]
    proposed = assemble_block(small_blocks.store, small_blocks.setup, VALIDATOR, NOW_MS, pending)
    rejection = proposed.rejections[pending[0].transaction_id]
    assert rejection.reason is RejectionReason.TRANSACTION_EXCEEDS_BLOCK
    assert list(proposed.executed.block.transactions) == [p.envelope for p in pending[1:]]


def test_a_validator_refuses_a_block_over_the_byte_limit_before_executing_it(
    small_blocks: InProcessNode,
) -> None:
    pending = _imports(small_blocks, 200)
    meta = small_blocks.store.load_meta()
    assert meta is not None
    fitting = assemble_block(small_blocks.store, small_blocks.setup, VALIDATOR, NOW_MS, pending)
    block = fitting.executed.block
    # The same header fields, one more transaction: over the limit by the proposer's own measure.
    extra = pending[len(block.transactions)].envelope
    oversized = build_block(
        previous=meta.tip(),
        time_unix_ms=block.header.time_unix_ms,
        transactions=[*block.transactions, extra],
        state_root=block.header.state_root,
        validator_set_hash=block.header.validator_set_hash,
        proposer=block.header.proposer,
        last_commit=None,
    )
    assert block_bytes(oversized) > BLOCK_LIMIT
    with pytest.raises(BlockRejected) as refused:
        execute_block(small_blocks.store, small_blocks.setup, oversized)
    assert refused.value.fault is BlockFault.OVER_LIMITS
    assert "TOO_MANY_BYTES" in str(refused.value)
    # The block the proposer made is accepted by the same check.
    execute_block(small_blocks.store, small_blocks.setup, block)
