"""The commit path (node/chain/open.py, node/chain/proposer.py, node/chain/commit.py,
node/engine/solo.py):
genesis and resume checks, sealing blocks, refusing blocks that cannot be committed, replay."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import plyvel
import pytest

from consensus.types import Round
from ledger.chain.blocks import (
    Block,
    CommitCertificate,
    CommitSignature,
    build_block,
    verify_commit_certificate,
)
from ledger.chain.store_keys import META_KEY, STATE_PREFIX
from ledger.hashing import sha256
from ledger.state.access import property_key, read_property
from ledger.state.records import save_record
from node.chain.commit import BlockFault, BlockRejected, execute_block, persist_block
from node.chain.mempool import PendingTransaction
from node.chain.open import (
    ChainSetup,
    GenesisMismatch,
    StateRootMismatch,
    chain_setup,
    genesis_state,
    open_chain,
)
from node.chain.proposer import assemble_block
from node.chain.replay import replay_chain
from tests.registry_fixtures import Parties, envelope_transaction_id, make_genesis_document
from tests.unit.node.conftest import VALIDATOR, InProcessNode


def _queue(in_process: InProcessNode, *envelopes: bytes) -> None:
    for envelope in envelopes:
        pending = PendingTransaction(envelope_transaction_id(envelope), envelope)
        assert in_process.mempool.add(pending) is None


def test_a_new_chain_starts_at_height_zero_with_the_genesis_state(
    in_process: InProcessNode,
) -> None:
    meta = in_process.store.load_meta()
    assert meta is not None
    assert meta.height == 0
    assert meta.state_root == genesis_state(in_process.setup)[0].state_root
    assert in_process.store.load_block(1) is None


def test_sealed_block_carries_the_state_root_after_its_transactions(
    in_process: InProcessNode,
) -> None:
    _queue(in_process, in_process.property_import(1), in_process.property_import(2))
    committed = in_process.engine.seal_block()
    block = committed.executed.block
    assert (block.height, len(block.transactions)) == (1, 2)
    meta = in_process.store.load_meta()
    assert meta is not None and meta.state_root == block.header.state_root
    assert read_property(in_process.store.state, "21:318:023:2:1/45") is not None
    assert len(in_process.mempool) == 0
    # The next block carries this block's certificate, which verifies against the validators.
    second = in_process.engine.seal_block().executed.block
    assert second.last_commit is not None
    verify_commit_certificate(
        second.last_commit,
        chain_id=in_process.setup.chain_id,
        validators=in_process.setup.validators,
        height=block.height,
        block_hash=block.block_hash,
    )
    assert second.header.state_root == block.header.state_root  # an empty block changes nothing


def test_transaction_failing_at_execution_is_left_out_and_its_rejection_kept(
    in_process: InProcessNode,
) -> None:
    first = in_process.property_import(7)
    duplicate_property = in_process.property_import(7)  # same property, another nonce
    _queue(in_process, first, duplicate_property)
    block = in_process.engine.seal_block().executed.block
    assert block.transactions == (first,)
    state = in_process.node.transaction_state(envelope_transaction_id(duplicate_property))
    assert state.rejection is not None
    assert state.rejection.reason.name == "PROPERTY_ALREADY_EXISTS"


def test_block_with_another_state_root_is_refused(in_process: InProcessNode) -> None:
    proposed = assemble_block(
        in_process.store,
        in_process.setup,
        VALIDATOR,
        2_000_000_000_000,
        [PendingTransaction("x", in_process.property_import(3))],
    )
    block = proposed.executed.block
    forged = Block(
        dataclasses.replace(block.header, state_root=sha256(b"forged")),
        block.transactions,
        block.last_commit,
    )
    with pytest.raises(BlockRejected) as raised:
        execute_block(in_process.store, in_process.setup, forged)
    assert raised.value.fault is BlockFault.WRONG_STATE_ROOT
    execute_block(in_process.store, in_process.setup, block)  # the honest one executes


def test_block_with_a_failing_transaction_is_refused(in_process: InProcessNode) -> None:
    envelope = in_process.property_import(4)
    _queue(in_process, envelope)
    tip = in_process.engine.seal_block()
    meta = tip.meta
    replayed_import = build_block(
        previous=meta.tip(),
        time_unix_ms=meta.time_unix_ms + 1,
        transactions=[envelope],
        state_root=meta.state_root,
        validator_set_hash=in_process.setup.validator_set_hash,
        proposer=VALIDATOR,
        last_commit=tip.certificate,
    )
    with pytest.raises(BlockRejected) as raised:
        execute_block(in_process.store, in_process.setup, replayed_import)
    assert raised.value.fault is BlockFault.TRANSACTION_FAILED
    assert "REPLAYED_TRANSACTION" in raised.value.detail


def test_block_naming_another_validator_set_is_refused(in_process: InProcessNode) -> None:
    proposed = assemble_block(in_process.store, in_process.setup, VALIDATOR, 2_000_000_000_000, [])
    block = proposed.executed.block
    other = Block(
        dataclasses.replace(block.header, validator_set_hash=sha256(b"other set")),
        block.transactions,
        block.last_commit,
    )
    with pytest.raises(BlockRejected) as raised:
        execute_block(in_process.store, in_process.setup, other)
    assert raised.value.fault is BlockFault.WRONG_VALIDATOR_SET


def test_block_without_a_valid_certificate_is_not_persisted(in_process: InProcessNode) -> None:
    proposed = assemble_block(in_process.store, in_process.setup, VALIDATOR, 2_000_000_000_000, [])
    block = proposed.executed.block
    forged = CommitCertificate(
        block.height, Round(0), block.block_hash, (CommitSignature(VALIDATOR, b"\x30\x00"),)
    )
    with pytest.raises(BlockRejected) as raised:
        persist_block(in_process.store, in_process.setup, proposed.executed, forged)
    assert raised.value.fault is BlockFault.INVALID_COMMIT
    meta = in_process.store.load_meta()
    assert meta is not None and meta.height == 0


def test_resume_reads_back_the_chain(
    tmp_path: Path, setup: ChainSetup, parties: Parties, in_process: InProcessNode
) -> None:
    _queue(in_process, in_process.property_import(5))
    in_process.engine.seal_block()
    expected = in_process.store.load_meta()
    in_process.store.close()
    with open_chain(tmp_path / "data", setup) as reopened:
        assert reopened.load_meta() == expected
        assert read_property(reopened.state, "21:318:023:5:1/45") is not None


def test_resume_on_another_genesis_is_refused(
    tmp_path: Path, parties: Parties, in_process: InProcessNode
) -> None:
    in_process.store.close()
    other = chain_setup(json.dumps(make_genesis_document(parties)).encode() + b" ")
    with pytest.raises(GenesisMismatch):
        open_chain(tmp_path / "data", other)


def test_resume_with_a_state_root_the_header_does_not_certify_is_refused(
    tmp_path: Path, setup: ChainSetup, in_process: InProcessNode
) -> None:
    _queue(in_process, in_process.property_import(6))
    in_process.engine.seal_block()
    meta = in_process.store.load_meta()
    assert meta is not None
    in_process.store.close()
    database = plyvel.DB(str(tmp_path / "data" / "ledger"))
    database.put(META_KEY, save_record(dataclasses.replace(meta, state_root=sha256(b"x"))))
    database.close()
    with pytest.raises(StateRootMismatch):
        open_chain(tmp_path / "data", setup)


def test_replay_reproduces_every_state_root(in_process: InProcessNode) -> None:
    for number in (10, 11, 12):
        _queue(in_process, in_process.property_import(number))
        in_process.engine.seal_block()
    in_process.engine.seal_block()
    report = replay_chain(in_process.store, in_process.setup)
    assert report.ok, report.to_dict()
    assert [h.height for h in report.heights] == [1, 2, 3, 4]
    assert report.replayed_state_root == report.stored_state_root


def test_replay_notices_a_stored_state_that_the_blocks_do_not_give(
    tmp_path: Path, setup: ChainSetup, in_process: InProcessNode
) -> None:
    _queue(in_process, in_process.property_import(20))
    in_process.engine.seal_block()
    in_process.store.close()
    database = plyvel.DB(str(tmp_path / "data" / "ledger"))
    database.put(STATE_PREFIX + property_key("21:318:023:20:1/45"), b"tampered")
    database.close()
    with open_chain(tmp_path / "data", setup) as reopened:
        report = replay_chain(reopened, setup)
    assert not report.ok
    assert not report.state_records_match
