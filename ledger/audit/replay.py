"""Replaying the registry rules from genesis, recomputing every state root.

The replay executes each block with ``ledger.execution.executor.BlockExecutor``, the executor the
node
uses, on an in-memory copy of the state and its sparse Merkle tree, starting from the genesis
file's records. Every transaction of a committed block must apply (ADR 0004), so a rejection is
a defect, and so is a state root other than the header's (ADR 0002: the root after the block).

Once the replayed state can no longer be the chain's (a block is missing, not certified, or
fails), replay stops: later roots would differ as a consequence, not as findings. A block
whose header is certified but whose stored transactions are not is still executed, only to
name the transaction that fails, and then replay stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.audit.anchor import TrustAnchor, genesis_state
from ledger.audit.defects import Defect, DefectKind
from ledger.chain.blocks import BlockHeader, apply_state_writes
from ledger.execution.executor import BlockExecution, BlockExecutor
from ledger.governance.rules import RulesVersionUnsupported, block_context_at
from ledger.merkle.smt import (
    EMPTY_ROOT,
    MemorySmtStore,
    SmtInternal,
    SmtStoreInvariantError,
    decode_node,
)
from ledger.rejections import Rejection
from ledger.state.access import MappingState
from ledger.state.records import from_unix_ms
from ledger.transactions.envelope import transaction_id_of

COMPACT_EVERY_BLOCKS = 1000


@dataclass(frozen=True, slots=True)
class ReplayedBlock:
    height: int
    execution: BlockExecution
    state_root: bytes


class StateReplay:
    """The registry state as the chain's blocks make it, one block at a time."""

    def __init__(self, anchor: TrustAnchor) -> None:
        start = genesis_state(anchor)
        self._anchor = anchor
        self.state = MappingState(start.records)
        self.tree = start.tree
        self.state_root = start.state_root
        self.height = 0
        self.stopped_reason: str | None = None

    @property
    def running(self) -> bool:
        return self.stopped_reason is None

    def stop(self, reason: str) -> None:
        if self.stopped_reason is None:
            self.stopped_reason = reason

    def replay(
        self, header: BlockHeader, transactions: Sequence[bytes], *, authentic: bool
    ) -> tuple[ReplayedBlock | None, list[Defect]]:
        """Execute the block after the replayed height. ``authentic`` says the header is
        certified and ``transactions`` are the ones it commits to; only then does the state
        advance. Returns the replayed block when it matched, and the defects found."""
        if not self.running:
            raise RuntimeError("replay stopped: the state is no longer the chain's")
        if header.height != self.height + 1:
            raise RuntimeError(f"replay is at {self.height}, cannot execute {header.height}")
        height = header.height
        try:
            # Each block with the rules of its own height: the auditor keeps every version.
            context = block_context_at(
                self._anchor.genesis, self.state, height, from_unix_ms(header.time_unix_ms)
            )
        except RulesVersionUnsupported as error:
            self.stop(str(error))
            defect = Defect(
                DefectKind.RULES_VERSION_UNKNOWN, str(error), height, "header.rules_version"
            )
            return None, [defect]
        executor = BlockExecutor(self.state, context)
        defects = [
            _rejected(height, index, envelope, outcome)
            for index, envelope in enumerate(transactions)
            if isinstance(outcome := executor.try_apply(envelope), Rejection)
        ]
        if not authentic:
            self.stop(f"block {height} is not the certified block")
            return None, defects
        execution = executor.finish()
        try:
            update = apply_state_writes(self.tree, self.state_root, execution.writes)
        except SmtStoreInvariantError as error:  # our own in-memory tree: a bug, not a finding
            raise RuntimeError(f"the replayed state tree is broken: {error}") from error
        if update.root != header.state_root:
            defects.append(
                Defect(
                    DefectKind.STATE_ROOT_MISMATCH,
                    "the header certifies another state than the registry rules give",
                    height=height,
                    field="header.state_root",
                    expected=update.root.hex(),
                    found=header.state_root.hex(),
                )
            )
        if defects:
            self.stop(f"block {height} does not replay to its certified state")
            return None, defects
        self.state.apply(execution.writes)
        self.tree.put_nodes(update.new_nodes)
        self.state_root = update.root
        self.height = height
        if height % COMPACT_EVERY_BLOCKS == 0:
            self.tree = reachable_tree(self.tree, self.state_root)
        return ReplayedBlock(height, execution, update.root), []


def reachable_tree(tree: MemorySmtStore, root: bytes) -> MemorySmtStore:
    """Only the nodes under ``root``: replay never reads an older root, so on a long chain the
    nodes every block replaced would otherwise fill the auditor's memory."""
    kept: dict[bytes, bytes] = {}
    pending = [] if root == EMPTY_ROOT else [root]
    while pending:
        node_hash = pending.pop()
        encoded = tree.get_node(node_hash)
        if encoded is None:
            raise RuntimeError(f"the replayed state tree lacks node {node_hash.hex()}")
        kept[node_hash] = encoded
        node = decode_node(node_hash, encoded)
        if isinstance(node, SmtInternal):
            pending.extend(child for child in (node.left, node.right) if child != EMPTY_ROOT)
    return MemorySmtStore(kept)


def _rejected(height: int, index: int, envelope: bytes, rejection: Rejection) -> Defect:
    return Defect(
        DefectKind.TRANSACTION_REJECTED,
        f"{rejection.reason.name}: {rejection.detail}",
        height=height,
        field=f"transactions[{index}]",
        transaction_index=index,
        transaction_id=transaction_id_of(envelope),
        found=rejection.reason.name,
    )
