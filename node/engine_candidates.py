"""Candidate blocks of the current height: the ones this node proposes and the ones it judged.

valid(v) of Algorithm 1 (node/proposal_check.py): a proposed block is executed on an overlay of
this node's state and its header checked; the outcome is kept per block id until the height is
decided, so a block re-proposed in a later round is not executed twice, and the executed block
is what gets persisted once it is decided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from structlog.typing import FilteringBoundLogger

from consensus import Proposal, ValidatorId
from consensus.types import BlockId
from ledger.rejections import Rejection
from ledger.store import Store
from node.block_sealing import propose_from_mempool
from node.chain import ChainSetup
from node.commit import ExecutedBlock
from node.config import BlockConfig
from node.evidence import EvidencePool
from node.mempool import Mempool
from node.proposal_check import check_proposed_block


@dataclass(frozen=True, slots=True)
class Candidate:
    """A block this node proposed or found valid, kept until its height is decided."""

    executed: ExecutedBlock | None  # None: invalid
    rejections: dict[str, Rejection]
    encoded: bytes


class CandidateBlocks:
    def __init__(
        self,
        *,
        store: Store,
        setup: ChainSetup,
        validator_id: ValidatorId,
        mempool: Mempool,
        evidence: EvidencePool,
        block_config: BlockConfig,
        max_clock_skew_ms: int,
        clock_ms: Callable[[], int],
        log: FilteringBoundLogger,
    ) -> None:
        self._store = store
        self._setup = setup
        self._id = validator_id
        self._mempool = mempool
        self._evidence = evidence
        self._block_config = block_config
        self._max_skew_ms = max_clock_skew_ms
        self._clock_ms = clock_ms
        self._log = log
        self._by_id: dict[bytes, Candidate] = {}

    def new_height(self) -> None:
        self._by_id = {}

    def get(self, block_id: bytes) -> Candidate | None:
        return self._by_id.get(block_id)

    def judge(self, proposal: Proposal, encoded: bytes) -> bool:
        """valid(v): whether the proposed block executes and its header hashes to v."""
        candidate = self._by_id.get(proposal.value)
        if candidate is None:
            candidate = self._check(encoded, proposal.proposer)
            self._by_id[proposal.value] = candidate
        return candidate.executed is not None and (
            candidate.executed.block.block_hash == proposal.value
        )

    def _check(self, encoded: bytes, proposer: ValidatorId) -> Candidate:
        outcome = check_proposed_block(
            self._store,
            self._setup,
            encoded,
            proposer=proposer,
            now_ms=self._clock_ms(),
            max_skew_ms=self._max_skew_ms,
        )
        if isinstance(outcome, str):
            self._log.warning("proposal_invalid", proposer=proposer, detail=outcome)
            return Candidate(None, {}, encoded)
        return Candidate(outcome, {}, encoded)

    def assemble(self) -> BlockId:
        """getValue(): a new block of the oldest pending transactions and pending evidence."""
        proposed = propose_from_mempool(
            self._store,
            self._setup,
            proposer=self._id,
            now_unix_ms=self._clock_ms(),
            mempool=self._mempool,
            block_config=self._block_config,
            evidence=self._evidence.take(),
        )
        block = proposed.executed.block
        self._by_id[block.block_hash] = Candidate(
            proposed.executed, dict(proposed.rejections), block.encode()
        )
        return BlockId(block.block_hash)
