"""An in-memory chain for the in-process benchmarks: the test genesis, BlockExecutor, a dict.

The node's own execution path without gRPC, LevelDB or the state tree, so that what is timed
is transaction verification and the registry rules (ledger/execution/executor.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ledger.chain.genesis import Genesis, genesis_records
from ledger.execution.executor import AppliedTransaction, BlockExecutor, check_transaction
from ledger.rejections import Rejection
from ledger.state.access import MappingState
from ledger.transactions.context import BlockContext
from tests.registry_fixtures import BLOCK_INTERVAL, FIRST_BLOCK_TIME, Parties, make_genesis

# Documents are signed well before the first block, as on the Portal (paras 17-20).
DOCUMENTS_SIGNED_AT = FIRST_BLOCK_TIME - timedelta(days=3)


class BenchmarkInvalid(RuntimeError):
    """A benchmark transaction was rejected: the numbers would not measure what they claim."""


@dataclass(frozen=True, slots=True)
class ExecutedBlock:
    transactions: int
    state_writes: int


class MemoryChain:
    """Blocks executed one after another on a dict, one minute apart (tests' block clock)."""

    def __init__(
        self,
        genesis: Genesis,
        state: MappingState | None = None,
        *,
        height: int = 0,
        next_time: datetime = FIRST_BLOCK_TIME,
    ) -> None:
        self.genesis = genesis
        self.state = state if state is not None else MappingState(genesis_records(genesis))
        self.height = height
        self.next_time = next_time

    @classmethod
    def for_parties(cls, parties: Parties) -> MemoryChain:
        return cls(make_genesis(parties))

    def fork(self) -> MemoryChain:
        """An independent copy: blocks executed on it leave this chain as it is."""
        state = MappingState(dict(self.state.items()))
        return MemoryChain(self.genesis, state, height=self.height, next_time=self.next_time)

    @property
    def chain_id(self) -> str:
        return self.genesis.chain_id

    def context(self) -> BlockContext:
        return BlockContext.from_genesis(self.genesis, self.height + 1, self.next_time)

    def check(self, envelope: bytes) -> str | Rejection:
        """Mempool admission on the current state; nothing is kept."""
        return check_transaction(self.state, envelope, self.context())

    def execute_block(self, envelopes: Sequence[bytes]) -> ExecutedBlock:
        """Execute and commit one block; every transaction must apply."""
        context = self.context()
        executor = BlockExecutor(self.state, context)
        for index, envelope in enumerate(envelopes):
            outcome = executor.try_apply(envelope)
            if not isinstance(outcome, AppliedTransaction):
                raise BenchmarkInvalid(f"block {context.height}, transaction {index}: {outcome}")
        execution = executor.finish()
        self.state.apply(execution.writes)
        self.height = context.height
        self.next_time = context.time + BLOCK_INTERVAL
        return ExecutedBlock(len(envelopes), len(execution.writes))

    def execute_in_blocks(self, envelopes: Sequence[bytes], block_size: int) -> None:
        for start in range(0, len(envelopes), block_size):
            self.execute_block(envelopes[start : start + block_size])
