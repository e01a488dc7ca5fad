"""Whether a header may follow a chain tip under the validators in force.

One set of checks for the node that commits a block (node/chain/commit.py, ``execute_block``) and
the
auditor that re-verifies a stored chain (ledger/audit/structure.py, ``check_link``), so that
"a block the node would commit" and "a block the auditor accepts" cannot drift apart
(ADR 0003). The checks are collected, not stopped at the first: the auditor reports every
defect of a header, the node refuses on the first. ``body_problems`` holds a block to the
chain's size limits (review finding #3; bytes since issue 13), and ``transaction_room`` tells
the proposer how many transaction bytes a block has left, so that the proposer packs by the
same measure the validators judge by. Pure: no clock, no I/O.
"""

from __future__ import annotations

from ledger.chain.blocks import (
    MAX_EVIDENCE_PER_BLOCK,
    Block,
    BlockHeader,
    BlockProblem,
    CertifyingValidators,
    ChainTip,
    InvalidBlock,
    verify_block_link,
)
from ledger.chain.genesis import ChainLimits

# What a block's header may grow by once it carries transactions: the transaction count field
# (tag and a varint of up to 10 bytes) and the length prefix of the header inside the Block.
_HEADER_GROWTH_BYTES = 16


def header_problems(
    header: BlockHeader,
    tip: ChainTip,
    validators: CertifyingValidators,
    *,
    rules_version: int,
) -> list[InvalidBlock]:
    """Every reason ``header`` cannot follow ``tip``: its link (chain id, height, previous hash,
    time: the first broken one, as ``verify_block_link`` says), the validator set it names, its
    proposer, and the rules version in force at its height (ADR 0012). Empty when the header may
    follow."""
    problems: list[InvalidBlock] = []
    try:
        verify_block_link(header, tip)
    except InvalidBlock as error:
        problems.append(error)
    if header.validator_set_hash != validators.set_hash():
        problems.append(
            InvalidBlock(BlockProblem.WRONG_VALIDATOR_SET, f"at height {header.height}")
        )
    if header.proposer not in validators.validator_set:
        problems.append(InvalidBlock(BlockProblem.UNKNOWN_PROPOSER, repr(header.proposer)))
    if header.rules_version != rules_version:
        problems.append(
            InvalidBlock(
                BlockProblem.WRONG_RULES_VERSION,
                f"version {header.rules_version}, in force {rules_version}",
            )
        )
    return problems


def block_bytes(block: Block) -> int:
    """The size the byte limit is judged on: the canonical encoding of the whole Block (header,
    transactions, last commit, evidence), as a proposal and block sync carry it."""
    return len(block.encode())


def transaction_bytes(envelope: bytes) -> int:
    """What one envelope adds to an encoded Block: its bytes, field tag and length prefix."""
    return 1 + _varint_bytes(len(envelope)) + len(envelope)


def transaction_room(empty_block: Block, limits: ChainLimits) -> int:
    """How many bytes of transactions (``transaction_bytes`` each) a block may carry beside
    what ``empty_block`` (the same block without transactions) already holds."""
    return limits.max_block_bytes - block_bytes(empty_block) - _HEADER_GROWTH_BYTES


def _varint_bytes(value: int) -> int:
    return max(1, (value.bit_length() + 6) // 7)


def body_problems(block: Block, limits: ChainLimits) -> list[InvalidBlock]:
    """Every way ``block`` exceeds the chain's limits: more transactions than genesis
    ``limits.max_block_transactions``, more bytes than ``limits.max_block_bytes``, more
    evidence than MAX_EVIDENCE_PER_BLOCK, or one evidence item twice. Cheap (counts, one
    encoding and hashes), so a node judges it before any signature. Empty when the block is
    within the limits."""
    problems: list[InvalidBlock] = []
    if len(block.transactions) > limits.max_block_transactions:
        problems.append(
            InvalidBlock(
                BlockProblem.TOO_MANY_TRANSACTIONS,
                f"{len(block.transactions)} transactions, at most {limits.max_block_transactions}",
            )
        )
    size = block_bytes(block)
    if size > limits.max_block_bytes:
        problems.append(
            InvalidBlock(
                BlockProblem.TOO_MANY_BYTES, f"{size} bytes, at most {limits.max_block_bytes}"
            )
        )
    if len(block.evidence) > MAX_EVIDENCE_PER_BLOCK:
        problems.append(
            InvalidBlock(
                BlockProblem.TOO_MUCH_EVIDENCE,
                f"{len(block.evidence)} evidence items, at most {MAX_EVIDENCE_PER_BLOCK}",
            )
        )
    if len(set(block.evidence)) != len(block.evidence):
        problems.append(
            InvalidBlock(BlockProblem.DUPLICATE_EVIDENCE, f"at height {block.header.height}")
        )
    return problems
