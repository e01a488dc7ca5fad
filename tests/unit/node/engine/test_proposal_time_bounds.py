"""Review finding #4: a live proposal's block time is bounded both ways by ``max_clock_skew_ms``
around the validator's clock (node/engine/proposal_check.py); block sync of old blocks is not."""

from __future__ import annotations

from ledger.chain.blocks import Block
from node.chain.commit import ExecutedBlock, execute_block
from node.chain.proposer import assemble_block
from node.engine.proposal_check import check_proposed_block
from tests.unit.node.conftest import VALIDATOR, InProcessNode
from tests.unit.node.engine.conftest import previous_block_time

SKEW_MS = 5_000
YEAR_MS = 365 * 86_400_000


def _proposed(node: InProcessNode, time_ms: int) -> bytes:
    return assemble_block(node.store, node.setup, VALIDATOR, time_ms, []).executed.block.encode()


def _judge(node: InProcessNode, encoded: bytes, now_ms: int, valid_round: int = -1) -> object:
    return check_proposed_block(
        node.store,
        node.setup,
        encoded,
        proposer=VALIDATOR,
        now_ms=now_ms,
        max_skew_ms=SKEW_MS,
        valid_round=valid_round,
    )


def test_a_backdated_proposal_is_refused(node: InProcessNode) -> None:
    backdated = _proposed(node, previous_block_time(node) + 1)
    outcome = _judge(node, backdated, now_ms=previous_block_time(node) + YEAR_MS)
    assert isinstance(outcome, str)
    assert "ms behind" in outcome


def test_a_proposal_just_inside_the_skew_either_way_is_valid(node: InProcessNode) -> None:
    now = previous_block_time(node) + YEAR_MS
    for block_time in (now - SKEW_MS, now + SKEW_MS):
        assert isinstance(_judge(node, _proposed(node, block_time), now), ExecutedBlock)


def test_one_ms_past_the_skew_either_way_is_refused(node: InProcessNode) -> None:
    now = previous_block_time(node) + YEAR_MS
    behind = _judge(node, _proposed(node, now - SKEW_MS - 1), now)
    ahead = _judge(node, _proposed(node, now + SKEW_MS + 1), now)
    assert isinstance(behind, str) and "behind" in behind
    assert isinstance(ahead, str) and "ahead" in ahead


def test_a_re_proposal_of_a_polka_block_is_not_held_to_the_lower_bound(
    node: InProcessNode,
) -> None:
    old = _proposed(node, previous_block_time(node) + 1)
    outcome = _judge(node, old, now_ms=previous_block_time(node) + 60_000, valid_round=0)
    assert isinstance(outcome, ExecutedBlock)


def test_block_sync_applies_an_old_certified_block_without_a_clock(node: InProcessNode) -> None:
    old = Block.decode(_proposed(node, previous_block_time(node) + 1))
    assert execute_block(node.store, node.setup, old).block == old
