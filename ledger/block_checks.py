"""Whether a header may follow a chain tip under the validators in force.

One set of checks for the node that commits a block (node/commit.py, ``execute_block``) and the
auditor that re-verifies a stored chain (ledger/audit/structure.py, ``check_link``), so that
"a block the node would commit" and "a block the auditor accepts" cannot drift apart
(ADR 0003). The checks are collected, not stopped at the first: the auditor reports every
defect of a header, the node refuses on the first. Pure: no clock, no I/O.
"""

from __future__ import annotations

from ledger.blocks import (
    BlockHeader,
    BlockProblem,
    CertifyingValidators,
    ChainTip,
    InvalidBlock,
    verify_block_link,
)


def header_problems(
    header: BlockHeader, tip: ChainTip, validators: CertifyingValidators
) -> list[InvalidBlock]:
    """Every reason ``header`` cannot follow ``tip``: its link (chain id, height, previous hash,
    time: the first broken one, as ``verify_block_link`` says), the validator set it names and
    its proposer. Empty when the header may follow."""
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
    return problems
