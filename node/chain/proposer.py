"""Block assembly: the proposer executes pending transactions and seals the ones that apply.

ADR 0002: the header carries the state root AFTER this block, so the proposer executes before
it proposes. A pending transaction that fails at execution (its application was decided
meanwhile, its expiry passed, a CRL revoked its signer) is left out of the block and its
rejection is kept by this node, so GetTransaction reports REJECTED with the reason.

Blocks are packed to genesis ``limits.max_block_bytes`` as well as the count limit (issue 13):
transactions are taken in order of arrival while they fit, measured as the validators measure
(ledger/chain/block_checks.py), and the first that does not fit waits for the next block, as
CometBFT's mempool reaping stops at the first transaction over the byte budget. A transaction
no block can ever carry is not waited for: execution refuses it (TRANSACTION_EXCEEDS_BLOCK)
and the node drops it from the mempool with that reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from consensus.types import ValidatorId
from ledger.chain.block_checks import block_bytes, transaction_bytes, transaction_room
from ledger.chain.blocks import Block, apply_state_writes, build_block
from ledger.chain.store import Store, StoreReader
from ledger.execution.executor import BlockExecutor, check_transaction
from ledger.governance.rules import rules_version_at
from ledger.governance.schedule import validators_at
from ledger.rejections import Rejection
from node.chain.commit import ExecutedBlock, block_context
from node.chain.mempool import PendingTransaction
from node.chain.open import ChainSetup


@dataclass(frozen=True, slots=True)
class ProposedBlock:
    executed: ExecutedBlock
    rejections: Mapping[str, Rejection]  # pending transactions left out, by id


def next_block_time(latest_block_time_unix_ms: int, now_unix_ms: int) -> int:
    """Block time follows the clock but never goes back nor repeats (verify_block_link)."""
    return max(now_unix_ms, latest_block_time_unix_ms + 1)


def check_at_tip(
    store: Store, setup: ChainSetup, envelope: bytes, now_unix_ms: int
) -> str | Rejection:
    """Admission: ``envelope`` checked against the latest committed state, as it would execute
    in the next block (its height, and the block time this node would give it)."""
    with store.view() as view:
        meta = view.load_meta()
        if meta is None:
            raise RuntimeError("the node's store holds no chain")
        context = block_context(
            setup, view.state, meta.height + 1, next_block_time(meta.time_unix_ms, now_unix_ms)
        )
        return check_transaction(view.state, envelope, context)


def assemble_block(
    reader: StoreReader,
    setup: ChainSetup,
    proposer: ValidatorId,
    now_unix_ms: int,
    pending: Sequence[PendingTransaction],
    *,
    evidence: Sequence[bytes] = (),
) -> ProposedBlock:
    """The next block with every transaction of ``pending`` that applies, in their order, up
    to the genesis limits per block in count and bytes (the caller passes at most its own count
    limit)."""
    meta = reader.load_meta()
    if meta is None:
        raise RuntimeError("the store holds no chain: open it with node.chain.open.open_chain")
    height = meta.height + 1
    time_unix_ms = next_block_time(meta.time_unix_ms, now_unix_ms)
    limits = setup.genesis.limits
    executor = BlockExecutor(reader.state, block_context(setup, reader.state, height, time_unix_ms))

    def block_with(transactions: Sequence[bytes], state_root: bytes) -> Block:
        return build_block(
            previous=meta.tip(),
            time_unix_ms=time_unix_ms,
            transactions=transactions,
            state_root=state_root,
            validator_set_hash=validators_at(reader.state, height).set_hash(),
            rules_version=rules_version_at(reader.state, height),
            proposer=proposer,
            last_commit=reader.load_commit(meta.height) if meta.height > 0 else None,
            evidence=evidence,
        )

    # The header, last commit and evidence take their share first; the rest is for transactions.
    room = transaction_room(block_with((), meta.state_root), limits)
    included: list[bytes] = []
    rejections: dict[str, Rejection] = {}
    used = 0
    for transaction in pending[: limits.max_block_transactions]:
        cost = transaction_bytes(transaction.envelope)
        fits_some_block = len(transaction.envelope) <= limits.largest_fitting_transaction
        if used + cost > room and fits_some_block:
            break  # it waits for the next block; the order of arrival is kept
        outcome = executor.try_apply(transaction.envelope)
        if isinstance(outcome, Rejection):
            rejections[transaction.transaction_id] = outcome
        else:
            included.append(transaction.envelope)
            used += cost
    execution = executor.finish()
    update = apply_state_writes(reader.smt_nodes, meta.state_root, execution.writes)
    block = block_with(included, update.root)
    if block_bytes(block) > limits.max_block_bytes:  # transaction_room is exact but for slack
        raise RuntimeError(f"assembled {block_bytes(block)} bytes over {limits.max_block_bytes}")
    return ProposedBlock(ExecutedBlock(block, execution, update), rejections)
