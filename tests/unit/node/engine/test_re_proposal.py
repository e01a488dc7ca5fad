"""A re-proposal carries the valid value unchanged (Algorithm 1 line 16: proposal <- validValue,
arXiv 1807.04938), so its header names the validator that assembled it in an earlier round, not
the round's proposer. Refusing it for that stalled a 4+1 chaos run for good (seed 20261202,
height 1403 past round 120): the two validators locked on the block could prevote nothing else,
and the two restarted ones, which had not seen its first proposal, refused the re-proposal."""

from __future__ import annotations

from node.chain.commit import ExecutedBlock
from node.chain.proposer import assemble_block
from node.engine.proposal_check import check_proposed_block
from tests.unit.node.conftest import VALIDATOR, InProcessNode
from tests.unit.node.engine.conftest import previous_block_time

RE_PROPOSER = "registrar-2"  # the proposer of the later round, not the block's assembler


def _assembled_by_validator(node: InProcessNode, now_ms: int) -> bytes:
    return assemble_block(node.store, node.setup, VALIDATOR, now_ms, []).executed.block.encode()


def _judge(node: InProcessNode, encoded: bytes, now_ms: int, **round_facts: object) -> object:
    return check_proposed_block(
        node.store,
        node.setup,
        encoded,
        proposer=RE_PROPOSER,
        now_ms=now_ms,
        max_skew_ms=5_000,
        **round_facts,  # type: ignore[arg-type]
    )


def _now(node: InProcessNode) -> int:
    return previous_block_time(node) + 1_000


def test_a_re_proposal_of_a_block_assembled_in_an_earlier_round_is_valid(
    node: InProcessNode,
) -> None:
    now = _now(node)
    block = _assembled_by_validator(node, now)
    outcome = _judge(node, block, now, valid_round=1, earlier_proposers=frozenset({VALIDATOR}))
    assert isinstance(outcome, ExecutedBlock)


def test_a_fresh_proposal_must_name_its_own_proposer(node: InProcessNode) -> None:
    now = _now(node)
    block = _assembled_by_validator(node, now)
    outcome = _judge(node, block, now, valid_round=-1, earlier_proposers=frozenset({VALIDATOR}))
    assert isinstance(outcome, str) and "names proposer" in outcome


def test_a_re_proposal_naming_no_proposer_of_its_rounds_is_refused(node: InProcessNode) -> None:
    now = _now(node)
    block = _assembled_by_validator(node, now)
    outcome = _judge(node, block, now, valid_round=1, earlier_proposers=frozenset({"registrar-3"}))
    assert isinstance(outcome, str) and "rounds 0..1" in outcome
