"""Review finding #3: a block is held to the chain's size limits (ledger/chain/block_checks.py,
``body_problems``), whoever proposed it: at most genesis ``max_block_transactions``
transactions, at most MAX_EVIDENCE_PER_BLOCK evidence items, no evidence item twice."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from consensus.types import ValidatorId
from ledger.chain.block_checks import body_problems
from ledger.chain.blocks import MAX_EVIDENCE_PER_BLOCK, Block, BlockProblem, ChainTip, build_block
from ledger.hashing import sha256

GENESIS = ChainTip.genesis("tirkeu-test", 1_777_000_000_000)


def _block(transactions: int = 0, evidence: list[bytes] | None = None) -> Block:
    return build_block(
        previous=GENESIS,
        time_unix_ms=GENESIS.time_unix_ms + 1,
        transactions=[b"envelope-%d" % index for index in range(transactions)],
        state_root=sha256(b"state"),
        validator_set_hash=sha256(b"validators"),
        proposer=ValidatorId("registrar-1"),
        last_commit=None,
        evidence=evidence or [],
    )


def _problems(block: Block, max_block_transactions: int = 10) -> list[BlockProblem]:
    return [problem.problem for problem in body_problems(block, max_block_transactions)]


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
