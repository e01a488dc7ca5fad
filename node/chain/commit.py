"""The commit path: verify a block, execute it, and persist it with its commit certificate.

Separate from block assembly (node/chain/proposer.py) and from the engine that decides WHEN to
commit
(node/engine/solo.py, later a Tendermint engine): a block from a peer, a block this node
proposed, and a stored block being replayed all pass through ``execute_block`` and
``persist_block``. Every transaction of a block must apply (block.proto: "every transaction in a
block executed successfully") and the resulting state root must be the header's (ADR 0002).
"""

from __future__ import annotations

import enum
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from consensus.types import Height
from ledger.chain.block_checks import body_problems, header_problems
from ledger.chain.blocks import (
    Block,
    BlockHeader,
    BlockProblem,
    CertifyingValidators,
    CommitCertificate,
    InvalidBlock,
    InvalidCommitCertificate,
    apply_state_writes,
    verify_block_contents,
    verify_commit_certificate,
)
from ledger.chain.store import BlockCommit, ChainMeta, Store, StoreReader
from ledger.execution.executor import BlockExecution, BlockExecutor
from ledger.governance.rules import KNOWN_RULES_VERSIONS, block_context_at, rules_version_at
from ledger.governance.schedule import validators_at
from ledger.merkle.smt import SmtUpdate
from ledger.registry.notifications import save_notification
from ledger.rejections import Rejection
from ledger.state.access import StateReader
from ledger.state.records import from_unix_ms
from ledger.transactions.context import BlockContext
from node.chain.evidence import ExpiredEvidence, InvalidEvidence, judge_evidence
from node.chain.open import ChainSetup


class BlockFault(enum.Enum):
    INVALID_BLOCK = "the block's structure or link is wrong"
    INVALID_LAST_COMMIT = "the certificate of the previous block does not verify"
    INVALID_COMMIT = "the block's own commit certificate does not verify"
    WRONG_VALIDATOR_SET = "the header names another validator set"
    UNKNOWN_PROPOSER = "the proposer is not a validator"
    WRONG_RULES_VERSION = "the header names another rules version than the one in force"
    TRANSACTION_FAILED = "a transaction of the block does not apply"
    WRONG_STATE_ROOT = "executing the block gives another state root than the header's"
    INVALID_EVIDENCE = "an evidence item does not prove a double vote"
    EXPIRED_EVIDENCE = "an evidence item is older than every validator set the state holds"
    OVER_LIMITS = "the block carries more transactions or evidence than a block may"


class BlockRejected(Exception):
    """A block this node will not commit; nothing was written."""

    def __init__(self, fault: BlockFault, detail: str) -> None:
        super().__init__(f"{fault.name}: {detail}")
        self.fault = fault
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ExecutedBlock:
    """A verified block with the result of executing it on the state it follows."""

    block: Block
    execution: BlockExecution
    state_update: SmtUpdate


@dataclass(frozen=True, slots=True)
class CommittedBlock:
    executed: ExecutedBlock
    certificate: CommitCertificate
    meta: ChainMeta
    rejections: Mapping[str, Rejection] = field(default_factory=lambda: MappingProxyType({}))


MAX_RULES_VERSION_VARIABLE = "TIRKEU_MAX_RULES_VERSION"


@functools.cache
def node_rules_versions() -> tuple[int, ...]:
    """The rules versions this node executes: every version the software has, or only those up
    to ``TIRKEU_MAX_RULES_VERSION`` (an operator who has not approved a newer version pins the
    node below it; it then stops at the upgrade height as a node without the version would)."""
    ceiling = os.environ.get(MAX_RULES_VERSION_VARIABLE, "")
    if not ceiling.strip():
        return KNOWN_RULES_VERSIONS
    return tuple(v for v in KNOWN_RULES_VERSIONS if v <= int(ceiling))


def block_context(
    setup: ChainSetup, state: StateReader, height: int, time_unix_ms: int
) -> BlockContext:
    """The context of a block at ``height`` on ``state`` (the state it follows), with the rules
    of that height (ADR 0012); raises RulesVersionUnsupported when this node lacks them: the
    engine then stops (node/runtime/runner.py, event ``rules_version_unsupported``)."""
    return block_context_at(
        setup.genesis,
        state,
        height,
        from_unix_ms(time_unix_ms),
        supported=node_rules_versions(),
    )


def execute_block(
    reader: StoreReader, setup: ChainSetup, block: Block, *, verify_state_root: bool = True
) -> ExecutedBlock:
    """Verify ``block`` against the stored tip and execute it; raises BlockRejected.

    ``verify_state_root=False`` is for replay, which compares the roots itself to report them;
    such a result must not be persisted unless its root is the header's."""
    meta = _meta(reader)
    header = block.header
    try:
        verify_block_contents(block)
    except InvalidBlock as error:
        raise BlockRejected(BlockFault.INVALID_BLOCK, str(error)) from error
    # Limits before any signature: an oversized block costs a count, not 2·N verifications.
    too_big = body_problems(block, setup.genesis.limits)
    if too_big:
        raise BlockRejected(BlockFault.OVER_LIMITS, str(too_big[0])) from too_big[0]
    # The sets in force come from the state this block follows (ADR 0011): it answers for
    # its own height (the last commit's) and every later one.
    _check_header(
        header,
        meta,
        validators_at(reader.state, header.height),
        rules_version_at(reader.state, header.height),
    )
    if block.last_commit is not None:
        try:
            verify_commit_certificate(
                block.last_commit,
                chain_id=setup.chain_id,
                validators=validators_at(reader.state, meta.height),
                height=Height(meta.height),
                block_hash=meta.block_hash,
            )
        except InvalidCommitCertificate as error:
            raise BlockRejected(BlockFault.INVALID_LAST_COMMIT, str(error)) from error
    for item in block.evidence:
        try:
            # Judged by the set of the votes' own height (ADR 0011).
            judge_evidence(item, setup.chain_id, reader.state)
        except ExpiredEvidence as error:
            raise BlockRejected(BlockFault.EXPIRED_EVIDENCE, str(error)) from error
        except InvalidEvidence as error:
            raise BlockRejected(BlockFault.INVALID_EVIDENCE, str(error)) from error
    context = block_context(setup, reader.state, header.height, header.time_unix_ms)
    executor = BlockExecutor(reader.state, context)
    for index, envelope in enumerate(block.transactions):
        outcome = executor.try_apply(envelope)
        if isinstance(outcome, Rejection):
            raise BlockRejected(BlockFault.TRANSACTION_FAILED, f"transaction {index}: {outcome}")
    execution = executor.finish()
    update = apply_state_writes(reader.smt_nodes, meta.state_root, execution.writes)
    if verify_state_root and update.root != header.state_root:
        raise BlockRejected(
            BlockFault.WRONG_STATE_ROOT,
            f"height {header.height}: header {header.state_root.hex()}, got {update.root.hex()}",
        )
    return ExecutedBlock(block, execution, update)


_HEADER_FAULTS = {
    BlockProblem.WRONG_VALIDATOR_SET: BlockFault.WRONG_VALIDATOR_SET,
    BlockProblem.UNKNOWN_PROPOSER: BlockFault.UNKNOWN_PROPOSER,
    BlockProblem.WRONG_RULES_VERSION: BlockFault.WRONG_RULES_VERSION,
}


def _check_header(
    header: BlockHeader, meta: ChainMeta, validators: CertifyingValidators, rules_version: int
) -> None:
    # The auditor makes the same checks (ledger/chain/block_checks.py); the node refuses on the
    # first.
    problems = header_problems(header, meta.tip(), validators, rules_version=rules_version)
    if not problems:
        return
    first = problems[0]
    fault = _HEADER_FAULTS.get(first.problem)
    if fault is None:
        raise BlockRejected(BlockFault.INVALID_BLOCK, str(first)) from first
    raise BlockRejected(fault, first.detail)


def persist_block(
    store: Store,
    setup: ChainSetup,
    executed: ExecutedBlock,
    certificate: CommitCertificate,
    rejections: Mapping[str, Rejection] | None = None,
) -> CommittedBlock:
    """Write ``executed`` with the certificate that commits it, in one synced batch.

    ``rejections`` are transactions this node dropped while proposing the block; they are kept
    locally so that GetTransaction can say why. Rejections of transactions that are committed
    (a duplicate submitted while its twin was in flight) are not kept: committed wins.
    """
    block = executed.block
    try:
        verify_commit_certificate(
            certificate,
            chain_id=setup.chain_id,
            validators=validators_at(store.state, block.height),
            height=block.height,
            block_hash=block.block_hash,
        )
    except InvalidCommitCertificate as error:
        raise BlockRejected(BlockFault.INVALID_COMMIT, str(error)) from error
    kept = {
        transaction_id: rejection
        for transaction_id, rejection in (rejections or {}).items()
        if store.load_transaction_location(transaction_id) is None
        and transaction_id not in executed.execution.transaction_ids
    }
    meta = store.commit_block(
        BlockCommit(
            block=block,
            certificate=certificate,
            state_writes=executed.execution.writes,
            smt_nodes=executed.state_update.new_nodes,
            transaction_ids=executed.execution.transaction_ids,
            notifications=tuple(save_notification(n) for n in executed.execution.notifications),
            rejections=MappingProxyType(kept),
        )
    )
    return CommittedBlock(executed, certificate, meta, MappingProxyType(kept))


def _meta(reader: StoreReader) -> ChainMeta:
    meta = reader.load_meta()
    if meta is None:
        raise RuntimeError("the store holds no chain: open it with node.chain.open.open_chain")
    return meta
