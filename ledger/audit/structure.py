"""Structural checks of one stored block: its encoding, its link to the certified previous block,
and its contents against its header, locating the transaction that breaks a transactions root.

The verdicts are ``ledger.chain.blocks``' own (``verify_block_link``, ``verify_block_contents``) and
``ledger.chain.block_checks``' (``header_problems``, ``body_problems``), the checks the node makes
before it commits a block. What the auditor adds is the place: a block is
decoded without judging its contents (``Block.decode`` would refuse it whole), and a transaction
that is in the stored block but not in the certified one is found by the root it breaks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError
from tirkeu_pb import block_pb2

from consensus.types import Height
from ledger.audit.anchor import TrustAnchor
from ledger.audit.defects import Defect, DefectKind
from ledger.chain.block_checks import block_bytes, body_problems, header_problems
from ledger.chain.blocks import (
    MAX_EVIDENCE_PER_BLOCK,
    Block,
    BlockHeader,
    BlockProblem,
    CertifyingValidators,
    ChainTip,
    CommitCertificate,
    InvalidBlock,
    transactions_root,
    verify_block_contents,
)
from ledger.chain.genesis import ChainLimits
from ledger.transactions.envelope import transaction_id_of

_LINK_DEFECTS = {
    BlockProblem.WRONG_CHAIN_ID: (DefectKind.WRONG_CHAIN_ID, "header.chain_id"),
    BlockProblem.WRONG_HEIGHT: (DefectKind.BLOCK_MISPLACED, "header.height"),
    BlockProblem.WRONG_PREVIOUS_HASH: (
        DefectKind.WRONG_PREVIOUS_HASH,
        "header.previous_block_hash",
    ),
    BlockProblem.TIME_NOT_INCREASING: (DefectKind.TIME_NOT_INCREASING, "header.time_unix_ms"),
    BlockProblem.WRONG_VALIDATOR_SET: (DefectKind.WRONG_VALIDATOR_SET, "header.validator_set_hash"),
    BlockProblem.UNKNOWN_PROPOSER: (DefectKind.UNKNOWN_PROPOSER, "header.proposer"),
    BlockProblem.WRONG_RULES_VERSION: (DefectKind.WRONG_RULES_VERSION, "header.rules_version"),
}
_CONTENT_DEFECTS = {
    BlockProblem.WRONG_TRANSACTIONS_ROOT: (DefectKind.WRONG_TRANSACTIONS_ROOT, "transactions"),
    BlockProblem.WRONG_TRANSACTION_COUNT: (DefectKind.WRONG_TRANSACTION_COUNT, "transactions"),
    BlockProblem.WRONG_LAST_COMMIT: (DefectKind.WRONG_LAST_COMMIT, "last_commit"),
    BlockProblem.WRONG_EVIDENCE_HASH: (DefectKind.WRONG_EVIDENCE_HASH, "evidence"),
}


def decode_stored_block(raw: bytes, height: int) -> tuple[Block | None, list[Defect]]:
    """The block in ``raw`` with its contents not yet judged; None when it does not decode."""
    message = block_pb2.Block()
    try:
        message.ParseFromString(raw)
        header = BlockHeader.decode(message.header)
    except (DecodeError, ValueError, InvalidBlock) as error:
        return None, [Defect(DefectKind.BLOCK_MALFORMED, str(error), height=height, field="block")]
    last_commit = (
        CommitCertificate.from_message(message.last_commit)
        if message.HasField("last_commit")
        else None
    )
    block = Block(header, tuple(message.transactions), last_commit, tuple(message.evidence))
    defects = []
    if block.encode() != raw:
        # Harmless for hashing (only the header is hashed), but not what any node writes.
        defects.append(
            Defect(
                DefectKind.BLOCK_MALFORMED,
                "the block bytes are not canonically encoded",
                height=height,
                field="block",
            )
        )
    return block, defects


def check_link(
    header: BlockHeader,
    anchor: TrustAnchor,
    validators: CertifyingValidators,
    previous_hash: bytes | None,
    previous_time_unix_ms: int | None,
    *,
    rules_version: int,
) -> list[Defect]:
    """Chain id, previous hash (the CERTIFIED hash of the previous height, so that a damaged
    previous block is blamed once, on itself), time, validator set (``validators``, the set in
    force at the header's height) and proposer."""
    height = header.height
    tip = ChainTip(
        chain_id=anchor.chain_id,
        height=Height(height - 1),
        # Unknown previous hash or time (nothing certifies the previous height): not judged.
        block_hash=header.previous_block_hash if previous_hash is None else previous_hash,
        time_unix_ms=-1 if previous_time_unix_ms is None else previous_time_unix_ms,
    )
    defects = []
    for problem in header_problems(header, tip, validators, rules_version=rules_version):
        kind, field = _LINK_DEFECTS[problem.problem]
        expected, found = _expected_found(problem.problem, header, tip, validators)
        defects.append(
            Defect(kind, _detail(problem, header), height, field, expected=expected, found=found)
        )
    return defects


def _detail(problem: InvalidBlock, header: BlockHeader) -> str:
    if problem.problem is BlockProblem.WRONG_VALIDATOR_SET:
        return "another set than the one in force at this height (genesis and its changes)"
    if problem.problem is BlockProblem.UNKNOWN_PROPOSER:
        return f"{header.proposer!r} is not a validator in force at this height"
    return problem.detail


def _expected_found(
    problem: BlockProblem, header: BlockHeader, tip: ChainTip, validators: CertifyingValidators
) -> tuple[str | None, str | None]:
    if problem is BlockProblem.WRONG_CHAIN_ID:
        return tip.chain_id, header.chain_id
    if problem is BlockProblem.WRONG_PREVIOUS_HASH:
        return tip.block_hash.hex(), header.previous_block_hash.hex()
    if problem is BlockProblem.TIME_NOT_INCREASING:
        return f"after {tip.time_unix_ms}", str(header.time_unix_ms)
    if problem is BlockProblem.WRONG_VALIDATOR_SET:
        return validators.set_hash().hex(), header.validator_set_hash.hex()
    if problem is BlockProblem.UNKNOWN_PROPOSER:
        return None, header.proposer
    if problem is BlockProblem.WRONG_RULES_VERSION:
        return None, str(header.rules_version)
    return str(tip.height + 1), str(header.height)


@dataclass(frozen=True, slots=True)
class ContentCheck:
    # The transactions the header commits to, when they are known: the stored ones, or the
    # stored ones without a located intruder. None when they cannot be established.
    certified_transactions: tuple[bytes, ...] | None
    defects: list[Defect]


def check_contents(block: Block) -> ContentCheck:
    """The block's transactions, last commit and evidence against its header."""
    header = block.header
    try:
        verify_block_contents(block)
    except InvalidBlock as error:
        if error.problem not in (
            BlockProblem.WRONG_TRANSACTIONS_ROOT,
            BlockProblem.WRONG_TRANSACTION_COUNT,
        ):
            return ContentCheck(block.transactions, [_content_defect(error, header.height)])
    else:
        return ContentCheck(block.transactions, [])
    defects: list[Defect] = []
    intruder = locate_inserted_transaction(header, block.transactions)
    certified: tuple[bytes, ...] | None = None
    if intruder is None:
        defects.append(_transactions_defect(header, block.transactions))
    else:
        defects.append(_intruder_defect(header, block.transactions, intruder))
        certified = block.transactions[:intruder] + block.transactions[intruder + 1 :]
    # The other commitments still get the shared check, with the transaction list set aside.
    as_committed = dataclasses.replace(
        header,
        transactions_root=transactions_root(block.transactions),
        transaction_count=len(block.transactions),
    )
    try:
        verify_block_contents(dataclasses.replace(block, header=as_committed))
    except InvalidBlock as error:
        defects.append(_content_defect(error, header.height))
    return ContentCheck(certified, defects)


def locate_inserted_transaction(header: BlockHeader, transactions: Sequence[bytes]) -> int | None:
    """The index of the one transaction whose removal restores the header's transactions root
    and count, if there is one. Quadratic in the block size; run only on a broken block."""
    if len(transactions) != header.transaction_count + 1:
        return None
    for index in range(len(transactions)):
        rest = [*transactions[:index], *transactions[index + 1 :]]
        if transactions_root(rest) == header.transactions_root:
            return index
    return None


def _intruder_defect(header: BlockHeader, transactions: Sequence[bytes], index: int) -> Defect:
    return Defect(
        DefectKind.TRANSACTION_NOT_CERTIFIED,
        "removing this transaction restores the certified transactions root and count",
        height=header.height,
        field=f"transactions[{index}]",
        transaction_index=index,
        transaction_id=transaction_id_of(transactions[index]),
        expected=f"{header.transaction_count} transactions",
        found=f"{len(transactions)} transactions",
    )


def _transactions_defect(header: BlockHeader, transactions: Sequence[bytes]) -> Defect:
    if len(transactions) != header.transaction_count:
        return Defect(
            DefectKind.WRONG_TRANSACTION_COUNT,
            "transactions were added or removed",
            height=header.height,
            field="transactions",
            expected=str(header.transaction_count),
            found=str(len(transactions)),
        )
    return Defect(
        DefectKind.WRONG_TRANSACTIONS_ROOT,
        "a stored transaction differs from the certified one (replay names it when it fails)",
        height=header.height,
        field="transactions",
        expected=header.transactions_root.hex(),
        found=transactions_root(transactions).hex(),
    )


def _content_defect(error: InvalidBlock, height: int) -> Defect:
    kind, field = _CONTENT_DEFECTS[error.problem]
    return Defect(kind, error.detail, height=height, field=field)


def check_limits(
    block: Block, certified_transactions: tuple[bytes, ...] | None, limits: ChainLimits
) -> list[Defect]:
    """The block against the chain's size limits, as the node judges a block before it commits
    it (review finding #3, issue 13): genesis ``limits.max_block_transactions`` and
    ``limits.max_block_bytes``, MAX_EVIDENCE_PER_BLOCK and no evidence item twice. Counted on
    the certified transactions when they are known, so that an inserted transaction (already
    reported) is not also blamed on the validators."""
    judged = block
    if certified_transactions is not None:
        judged = dataclasses.replace(block, transactions=certified_transactions)
    height = block.header.height
    defects: list[Defect] = []
    for problem in body_problems(judged, limits):
        if problem.problem is BlockProblem.TOO_MANY_TRANSACTIONS:
            defects.append(
                Defect(
                    DefectKind.TOO_MANY_TRANSACTIONS,
                    "the node refuses a block with more transactions than genesis allows",
                    height=height,
                    field="transactions",
                    expected=f"at most {limits.max_block_transactions}",
                    found=str(len(judged.transactions)),
                )
            )
        elif problem.problem is BlockProblem.TOO_MANY_BYTES:
            defects.append(
                Defect(
                    DefectKind.TOO_MANY_BYTES,
                    "the node refuses a block larger than genesis allows",
                    height=height,
                    field="block",
                    expected=f"at most {limits.max_block_bytes} bytes",
                    found=f"{block_bytes(judged)} bytes",
                )
            )
        elif problem.problem is BlockProblem.TOO_MUCH_EVIDENCE:
            defects.append(
                Defect(
                    DefectKind.TOO_MUCH_EVIDENCE,
                    "the node refuses a block with more evidence items than a block may carry",
                    height=height,
                    field="evidence",
                    expected=f"at most {MAX_EVIDENCE_PER_BLOCK}",
                    found=str(len(judged.evidence)),
                )
            )
        elif problem.problem is BlockProblem.DUPLICATE_EVIDENCE:
            defects.extend(_duplicate_evidence(height, judged.evidence))
        else:  # body_problems reports only the four limits above
            raise RuntimeError(f"unexpected block limit problem {problem.problem.name}")
    return defects


def _duplicate_evidence(height: int, evidence: Sequence[bytes]) -> list[Defect]:
    """One defect per repeated item, at the repeat, naming the item it repeats."""
    first_index: dict[bytes, int] = {}
    defects: list[Defect] = []
    for index, item in enumerate(evidence):
        earlier = first_index.setdefault(item, index)
        if earlier != index:
            defects.append(
                Defect(
                    DefectKind.DUPLICATE_EVIDENCE,
                    f"the same evidence item as evidence[{earlier}]",
                    height=height,
                    field=f"evidence[{index}]",
                    expected="an evidence item not already in the block",
                    found=f"a copy of evidence[{earlier}]",
                )
            )
    return defects
