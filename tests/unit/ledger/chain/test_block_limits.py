"""Review finding #3: a block is held to the chain's size limits (ledger/chain/block_checks.py,
``body_problems``), whoever proposed it: at most genesis ``max_block_transactions``
transactions and ``max_block_bytes`` encoded bytes (issue 13), at most MAX_EVIDENCE_PER_BLOCK
evidence items, no evidence item twice."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from consensus.types import ValidatorId
from ledger.chain.block_checks import (
    block_bytes,
    body_problems,
    transaction_bytes,
    transaction_room,
)
from ledger.chain.blocks import MAX_EVIDENCE_PER_BLOCK, Block, BlockProblem, ChainTip, build_block
from ledger.chain.genesis import DEFAULT_MAX_BLOCK_BYTES, ChainLimits
from ledger.hashing import sha256

GENESIS = ChainTip.genesis("tirkeu-test", 1_777_000_000_000)


def _block(
    transactions: int = 0,
    evidence: list[bytes] | None = None,
    *,
    payload: list[bytes] | None = None,
) -> Block:
    return build_block(
        previous=GENESIS,
        time_unix_ms=GENESIS.time_unix_ms + 1,
        transactions=payload
        if payload is not None
        else [b"envelope-%d" % index for index in range(transactions)],
        state_root=sha256(b"state"),
        validator_set_hash=sha256(b"validators"),
        proposer=ValidatorId("registrar-1"),
        last_commit=None,
        evidence=evidence or [],
    )


def _limits(
    max_block_transactions: int = 10, max_block_bytes: int = DEFAULT_MAX_BLOCK_BYTES
) -> ChainLimits:
    return ChainLimits(
        max_transaction_bytes=262_144,
        max_expiry_blocks=100,
        max_block_transactions=max_block_transactions,
        max_block_bytes=max_block_bytes,
    )


def _problems(
    block: Block, max_block_transactions: int = 10, max_block_bytes: int = DEFAULT_MAX_BLOCK_BYTES
) -> list[BlockProblem]:
    limits = _limits(max_block_transactions, max_block_bytes)
    return [problem.problem for problem in body_problems(block, limits)]


def test_a_block_within_every_limit_has_no_problem() -> None:
    evidence = [b"evidence-%d" % index for index in range(MAX_EVIDENCE_PER_BLOCK)]
    assert _problems(_block(transactions=10, evidence=evidence)) == []


def test_more_transactions_than_genesis_allows() -> None:
    assert _problems(_block(transactions=11)) == [BlockProblem.TOO_MANY_TRANSACTIONS]


def test_more_evidence_than_a_block_may_carry() -> None:
    evidence = [b"evidence-%d" % index for index in range(MAX_EVIDENCE_PER_BLOCK + 1)]
    assert _problems(_block(evidence=evidence)) == [BlockProblem.TOO_MUCH_EVIDENCE]


def test_one_evidence_item_twice() -> None:
    assert _problems(_block(evidence=[b"a", b"b", b"a"])) == [BlockProblem.DUPLICATE_EVIDENCE]


def test_every_problem_is_reported_together() -> None:
    block = _block(transactions=3, evidence=[b"same"] * (MAX_EVIDENCE_PER_BLOCK + 4))
    assert _problems(block, max_block_transactions=2) == [
        BlockProblem.TOO_MANY_TRANSACTIONS,
        BlockProblem.TOO_MUCH_EVIDENCE,
        BlockProblem.DUPLICATE_EVIDENCE,
    ]


@settings(max_examples=40, deadline=None)
@given(
    transactions=st.integers(min_value=0, max_value=12),
    evidence=st.lists(st.binary(min_size=1, max_size=3), max_size=MAX_EVIDENCE_PER_BLOCK + 3),
)
def test_problems_match_the_limits(transactions: int, evidence: list[bytes]) -> None:
    found = set(_problems(_block(transactions, evidence), max_block_transactions=8))
    expected = set()
    if transactions > 8:
        expected.add(BlockProblem.TOO_MANY_TRANSACTIONS)
    if len(evidence) > MAX_EVIDENCE_PER_BLOCK:
        expected.add(BlockProblem.TOO_MUCH_EVIDENCE)
    if len(set(evidence)) != len(evidence):
        expected.add(BlockProblem.DUPLICATE_EVIDENCE)
    assert found == expected


def test_a_block_of_exactly_the_byte_limit_passes_and_one_byte_more_does_not() -> None:
    """Issue 13: a count bound alone let ten 256 KiB transactions make a block no peer could
    receive. The bound is on the whole encoded block."""
    block = _block(payload=[b"x" * 10_000, b"y" * 20_000])
    size = block_bytes(block)
    assert size == len(block.encode()) > 30_000
    assert _problems(block, max_block_bytes=size) == []
    assert _problems(block, max_block_bytes=size - 1) == [BlockProblem.TOO_MANY_BYTES]


def test_count_and_bytes_are_both_reported() -> None:
    block = _block(payload=[b"z" * 1000] * 3)
    assert _problems(block, max_block_transactions=2, max_block_bytes=2000) == [
        BlockProblem.TOO_MANY_TRANSACTIONS,
        BlockProblem.TOO_MANY_BYTES,
    ]


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=70_000), max_size=12),
    evidence=st.integers(min_value=0, max_value=MAX_EVIDENCE_PER_BLOCK),
)
def test_transactions_that_fit_the_room_make_a_block_within_the_limit(
    sizes: list[int], evidence: int
) -> None:
    """What the proposer relies on (node/chain/proposer.py): the room an empty block leaves,
    spent by ``transaction_bytes``, never gives a block over the limit, and the room is tight
    (at most the header's growth is kept back)."""
    items = [b"evidence-%d" % index for index in range(evidence)]
    limits = _limits(max_block_transactions=100, max_block_bytes=200_000)
    empty = _block(evidence=items)
    room = transaction_room(empty, limits)
    payload = [bytes([index]) * size for index, size in enumerate(sizes)]
    used = sum(transaction_bytes(envelope) for envelope in payload)
    block = _block(evidence=items, payload=payload)
    if used <= room:
        assert block_bytes(block) <= limits.max_block_bytes
    assert block_bytes(empty) + used <= block_bytes(block) <= block_bytes(empty) + used + 16
