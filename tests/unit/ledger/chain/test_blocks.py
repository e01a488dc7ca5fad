"""Block headers, hashes, contents and links (ledger/chain/blocks.py, DESIGN.md §4, block.proto)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tirkeu_pb import block_pb2

from consensus.types import Height, Round, ValidatorId
from ledger.chain.blocks import (
    GENESIS_PREVIOUS_BLOCK_HASH,
    Block,
    BlockHeader,
    BlockProblem,
    ChainTip,
    CommitCertificate,
    CommitSignature,
    InvalidBlock,
    apply_state_writes,
    build_block,
    transactions_root,
    verify_block_contents,
    verify_block_link,
)
from ledger.hashing import sha256
from ledger.merkle.smt import EMPTY_ROOT, MemorySmtStore, get_value_hash
from ledger.merkle.transaction_tree import EMPTY_TREE_ROOT, merkle_root

CHAIN_ID = "tirkeu-test"
GENESIS_TIME_MS = 1_777_000_000_000
STATE_ROOT = sha256(b"state")
VALIDATOR_SET_HASH = sha256(b"validators")
PROPOSER = ValidatorId("registrar-1")
GENESIS = ChainTip.genesis(CHAIN_ID, GENESIS_TIME_MS)


def _first_block(transactions: tuple[bytes, ...] = (b"envelope-1", b"envelope-2")) -> Block:
    return build_block(
        previous=GENESIS,
        time_unix_ms=GENESIS_TIME_MS + 1000,
        transactions=transactions,
        state_root=STATE_ROOT,
        validator_set_hash=VALIDATOR_SET_HASH,
        proposer=PROPOSER,
        last_commit=None,
    )


def _certificate_for(block: Block) -> CommitCertificate:
    signature = CommitSignature(PROPOSER, b"signature")
    return CommitCertificate(block.height, Round(0), block.block_hash, (signature,))


def _second_block(first: Block, transactions: tuple[bytes, ...] = ()) -> Block:
    return build_block(
        previous=ChainTip.of(first.header),
        time_unix_ms=first.header.time_unix_ms + 1000,
        transactions=transactions,
        state_root=STATE_ROOT,
        validator_set_hash=VALIDATOR_SET_HASH,
        proposer=PROPOSER,
        last_commit=_certificate_for(first),
    )


def test_block_hash_is_sha256_of_the_header_bytes_as_carried() -> None:
    block = _first_block()
    carried = block_pb2.Block.FromString(block.encode()).header
    assert block.block_hash == sha256(carried)
    assert Block.decode(block.encode()) == block


def test_first_block_links_to_genesis_with_zero_previous_hash_and_no_last_commit() -> None:
    block = _first_block()
    assert block.height == 1
    assert block.header.previous_block_hash == GENESIS_PREVIOUS_BLOCK_HASH == bytes(32)
    assert block.header.last_commit_hash == b""
    assert block.last_commit is None


def test_transactions_root_is_rfc6962_over_the_serialized_envelopes() -> None:
    block = _first_block()
    assert block.header.transactions_root == merkle_root([b"envelope-1", b"envelope-2"])
    assert block.header.transaction_count == 2
    assert transactions_root([]) == EMPTY_TREE_ROOT


def test_second_block_binds_the_last_commit_by_hash() -> None:
    first = _first_block()
    second = _second_block(first)
    assert second.last_commit is not None
    assert second.header.last_commit_hash == sha256(second.last_commit.encode())
    assert Block.decode(second.encode()) == second
    verify_block_link(second.header, first.header)


def test_swapped_last_commit_is_detected() -> None:
    first = _first_block()
    second = _second_block(first)
    forged = dataclasses.replace(
        second, last_commit=CommitCertificate(Height(1), Round(1), first.block_hash, ())
    )
    with pytest.raises(InvalidBlock) as raised:
        verify_block_contents(forged)
    assert raised.value.problem is BlockProblem.WRONG_LAST_COMMIT


def test_block_without_last_commit_above_height_one_is_rejected() -> None:
    second = _second_block(_first_block())
    with pytest.raises(InvalidBlock) as raised:
        verify_block_contents(dataclasses.replace(second, last_commit=None))
    assert raised.value.problem is BlockProblem.WRONG_LAST_COMMIT


def test_added_or_removed_transaction_breaks_the_transactions_root() -> None:
    block = _first_block()
    for transactions in ((b"envelope-1",), (b"envelope-1", b"envelope-2", b"x")):
        with pytest.raises(InvalidBlock) as raised:
            verify_block_contents(dataclasses.replace(block, transactions=transactions))
        assert raised.value.problem is BlockProblem.WRONG_TRANSACTIONS_ROOT


def test_decoding_refuses_a_tampered_transaction_list() -> None:
    block = _first_block()
    message = block_pb2.Block.FromString(block.encode())
    message.transactions.append(b"smuggled")
    with pytest.raises(InvalidBlock) as raised:
        Block.decode(message.SerializeToString())
    assert raised.value.problem is BlockProblem.WRONG_TRANSACTIONS_ROOT


@pytest.mark.parametrize("raw", [b"\xff\xff", b"\x0a\x05abc"])
def test_garbage_bytes_are_a_malformed_block(raw: bytes) -> None:
    with pytest.raises(InvalidBlock) as raised:
        Block.decode(raw)
    assert raised.value.problem is BlockProblem.MALFORMED


def test_non_canonical_header_encoding_is_refused_so_one_header_has_one_hash() -> None:
    header_bytes = _first_block().header.encode()
    # An unknown field appended: same decoded header, different bytes, hence a different hash.
    with pytest.raises(InvalidBlock) as raised:
        BlockHeader.decode(header_bytes + b"\xa0\x06\x01")
    assert raised.value.problem is BlockProblem.MALFORMED


def test_header_with_short_hash_is_malformed() -> None:
    header = dataclasses.replace(_first_block().header, state_root=b"short")
    with pytest.raises(InvalidBlock) as raised:
        BlockHeader.decode(header.encode())
    assert raised.value.problem is BlockProblem.MALFORMED


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"chain_id": "other-chain"}, BlockProblem.WRONG_CHAIN_ID),
        ({"height": Height(3)}, BlockProblem.WRONG_HEIGHT),
        ({"previous_block_hash": sha256(b"elsewhere")}, BlockProblem.WRONG_PREVIOUS_HASH),
        ({"time_unix_ms": GENESIS_TIME_MS + 1000}, BlockProblem.TIME_NOT_INCREASING),
        ({"time_unix_ms": GENESIS_TIME_MS}, BlockProblem.TIME_NOT_INCREASING),
    ],
)
def test_broken_links_are_named(change: dict[str, object], problem: BlockProblem) -> None:
    first = _first_block()
    second = _second_block(first)
    broken = dataclasses.replace(second.header, **change)  # type: ignore[arg-type]
    with pytest.raises(InvalidBlock) as raised:
        verify_block_link(broken, first.header)
    assert raised.value.problem is problem


def test_first_block_must_follow_the_genesis_tip() -> None:
    block = _first_block()
    verify_block_link(block.header, GENESIS)
    with pytest.raises(InvalidBlock) as raised:
        verify_block_link(block.header, ChainTip.genesis("another-chain", GENESIS_TIME_MS))
    assert raised.value.problem is BlockProblem.WRONG_CHAIN_ID


def test_state_root_from_writes_matches_the_sparse_merkle_tree() -> None:
    nodes = MemorySmtStore()
    writes: dict[bytes, bytes | None] = {b"property/1": b"one", b"property/2": b"two"}
    update = apply_state_writes(nodes, EMPTY_ROOT, writes)
    nodes.put_nodes(update.new_nodes)
    assert get_value_hash(nodes, update.root, b"property/1") == sha256(b"one")
    deleted = apply_state_writes(nodes, update.root, {b"property/2": None})
    nodes.put_nodes(deleted.new_nodes)
    assert get_value_hash(nodes, deleted.root, b"property/2") is None
    only_one = apply_state_writes(MemorySmtStore(), EMPTY_ROOT, {b"property/1": b"one"})
    assert deleted.root == only_one.root


_hashes = st.binary(min_size=32, max_size=32)
_headers = st.builds(
    BlockHeader,
    chain_id=st.text(min_size=1, max_size=20),
    height=st.integers(min_value=1, max_value=2**64 - 1),
    time_unix_ms=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    previous_block_hash=_hashes,
    transactions_root=_hashes,
    state_root=_hashes,
    validator_set_hash=_hashes,
    proposer=st.text(min_size=1, max_size=20),
    last_commit_hash=st.one_of(st.just(b""), _hashes),
    transaction_count=st.integers(min_value=0, max_value=2**32 - 1),
    evidence_hash=st.one_of(st.just(b""), _hashes),
)


@settings(max_examples=60, deadline=None)
@given(header=_headers)
def test_header_round_trips_through_its_canonical_bytes(header: BlockHeader) -> None:
    decoded = BlockHeader.decode(header.encode())
    assert decoded == header
    assert decoded.block_hash == sha256(header.encode())
