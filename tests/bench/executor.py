"""Executor throughput in-process: BlockExecutor over blocks of realistic transactions.

No network, no disk, no state tree: what is left is the work every validator does for every
transaction of every block (verification and the registry rule), so this is the most a node
could ever commit on one core with this workload. Blocks hold one kind each (every import,
then every application, ...), because each kind needs the ones before it committed. Each
kind's blocks are executed ROUNDS times on copies of the state and the fastest round counts,
as for the bounds (tests/bench/bounds.py). Before each round the transactions are admitted
(untimed) on a cleared verify-once cache (ledger/transactions/verdicts.py), so the round times
execution as a validator runs it: after admission, with the pure verdicts remembered.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.transactions import verdicts
from tests.bench.bounds import ROUNDS
from tests.bench.memory_chain import DOCUMENTS_SIGNED_AT, ExecutedBlock, MemoryChain
from tests.bench.workloads import Workload, WorkloadFactory, by_position, transaction_count
from tests.registry_fixtures import Parties


@dataclass(frozen=True, slots=True)
class KindThroughput:
    kind: str
    transactions: int
    transactions_per_second: float


@dataclass(frozen=True, slots=True)
class ExecutorResult:
    workload: str
    transactions: int
    blocks: int
    block_size: int
    seconds: float
    transactions_per_second: float
    state_writes_per_transaction: float
    kinds: tuple[KindThroughput, ...]

    def kind_counts(self) -> dict[str, int]:
        return {kind.kind: kind.transactions for kind in self.kinds}

    def kind_rates(self) -> dict[str, float]:
        return {kind.kind: kind.transactions_per_second for kind in self.kinds}


def measure_executor(
    parties: Parties, workload: Workload, transactions: int, block_size: int
) -> ExecutorResult:
    if block_size < 1:
        raise ValueError("a block holds at least one transaction")
    chain = MemoryChain.for_parties(parties)
    factory = WorkloadFactory(parties, chain.chain_id, DOCUMENTS_SIGNED_AT)
    chains = factory.chains(workload, transactions)
    kinds: list[KindThroughput] = []
    blocks = writes = 0
    total_seconds = 0.0
    for group in by_position(chains):
        envelopes = [planned.envelope for planned in group]
        chain, seconds, executed = _fastest_execution(chain, envelopes, block_size)
        blocks += len(executed)
        writes += sum(block.state_writes for block in executed)
        total_seconds += seconds
        kinds.append(KindThroughput(str(group[0].kind), len(envelopes), len(envelopes) / seconds))
    count = transaction_count(chains)
    return ExecutorResult(
        workload=workload.value,
        transactions=count,
        blocks=blocks,
        block_size=block_size,
        seconds=total_seconds,
        transactions_per_second=count / total_seconds,
        state_writes_per_transaction=writes / count,
        kinds=tuple(kinds),
    )


def _fastest_execution(
    chain: MemoryChain, envelopes: Sequence[bytes], block_size: int
) -> tuple[MemoryChain, float, list[ExecutedBlock]]:
    """Execute ``envelopes`` in blocks on ROUNDS forks of ``chain``; the chain after them, the
    fastest round's seconds and its blocks (every round executes the same blocks)."""
    fastest = float("inf")
    executed: list[ExecutedBlock] = []
    after = chain
    for _ in range(ROUNDS):
        after = chain.fork()
        verdicts.clear()
        for envelope in envelopes:  # untimed: the admission a node ran before the block
            after.check(envelope)
        started = time.perf_counter()
        executed = [
            after.execute_block(envelopes[start : start + block_size])
            for start in range(0, len(envelopes), block_size)
        ]
        fastest = min(fastest, time.perf_counter() - started)
    return after, fastest, executed
