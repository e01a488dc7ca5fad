"""What every validator engine does to make a block and to commit one, whichever decides WHEN:
the single-validator engine (node/engine/solo.py) and the Tendermint engine
(node/engine/tendermint.py).

Proposing takes the oldest pending transactions, at most a block's worth (node.toml
[block] max_transactions, and never more than the mempool can hold), and executes them
(``node.chain.proposer.assemble_block``, ADR 0002). Committing turns the precommits that decided a
block into its commit certificate and persists both in one synced batch
(``node.chain.commit.persist_block``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from consensus.types import Round, ValidatorId
from ledger.chain.blocks import CommitSignature, build_commit_certificate
from ledger.chain.store import Store
from ledger.governance.schedule import validators_at
from ledger.rejections import Rejection
from node.chain.commit import CommittedBlock, ExecutedBlock, persist_block
from node.chain.mempool import Mempool
from node.chain.open import ChainSetup
from node.chain.proposer import ProposedBlock, assemble_block
from node.operations.config import BlockConfig


def propose_from_mempool(
    store: Store,
    setup: ChainSetup,
    *,
    proposer: ValidatorId,
    now_unix_ms: int,
    mempool: Mempool,
    block_config: BlockConfig,
    evidence: Sequence[bytes] = (),
) -> ProposedBlock:
    """The next block, made from the oldest pending transactions that apply."""
    limit = min(block_config.max_transactions, mempool.capacity)
    return assemble_block(
        store, setup, proposer, now_unix_ms, mempool.oldest(limit), evidence=evidence
    )


def commit_with_precommits(
    store: Store,
    setup: ChainSetup,
    executed: ExecutedBlock,
    *,
    round_number: Round,
    precommits: Iterable[CommitSignature],
    rejections: Mapping[str, Rejection] | None = None,
) -> CommittedBlock:
    """Persist ``executed`` with the certificate its precommits (of ``round_number``) make;
    raises node.chain.commit.BlockRejected when they do not certify it."""
    block = executed.block
    certificate = build_commit_certificate(
        validators_at(store.state, block.height).validator_set,
        block.height,
        round_number,
        block.block_hash,
        precommits,
    )
    return persist_block(store, setup, executed, certificate, rejections)
