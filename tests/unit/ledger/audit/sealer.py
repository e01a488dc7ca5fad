"""Chains sealed in memory with every validator's real precommit, bypassing the node's proposer,
as f + 1 colluding validators (or a key thief) could: for audit tests of blocks that are validly
certified and still wrong. ``Sealer.seal`` executes the transactions with the node's executor;
``header_changes`` rewrites header fields AFTER the block is built and BEFORE it is certified, so
the validators' signatures cover the bad header.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta

from consensus.types import Height, Round, ValidatorId
from ledger.audit import trust_anchor
from ledger.audit.anchor import TrustAnchor, genesis_state
from ledger.chain.blocks import (
    GENESIS_PREVIOUS_BLOCK_HASH,
    Block,
    ChainTip,
    CommitCertificate,
    CommitSignature,
    apply_state_writes,
    build_block,
    build_commit_certificate,
    sign_precommit,
)
from ledger.execution.executor import BlockExecutor
from ledger.rejections import Rejection
from ledger.state.access import MappingState
from ledger.state.records import from_unix_ms, unix_ms
from ledger.transactions.context import BlockContext
from tests.registry_fixtures import FIRST_BLOCK_TIME
from tests.unit.ledger.audit.chain import VALIDATOR_IDS, validator_certificates
from tests.unit.ledger.registry.story import shared_parties


@dataclass
class MemoryChain:
    """A ChainSource over blocks sealed in memory, each with its commit certificate."""

    anchor: TrustAnchor
    blocks: dict[int, bytes] = field(default_factory=dict)
    commits: dict[int, bytes] = field(default_factory=dict)

    @property
    def description(self) -> str:
        return "memory"

    def chain_id(self) -> str:
        return self.anchor.chain_id

    def tip_height(self) -> int:
        return max(self.blocks, default=0)

    def block_bytes(self, height: int) -> bytes | None:
        return self.blocks.get(height)

    def commit_bytes(self, height: int) -> bytes | None:
        return self.commits.get(height)


class Sealer:
    """Executes transactions with the node's executor and seals the block with every
    validator's precommit, whatever its size."""

    def __init__(self, genesis_bytes: bytes) -> None:
        self.anchor = trust_anchor(genesis_bytes)
        start = genesis_state(self.anchor)
        self.state = MappingState(start.records)
        self.tree = start.tree
        self.chain = MemoryChain(self.anchor)
        self.tip = ChainTip(
            self.anchor.chain_id,
            Height(0),
            GENESIS_PREVIOUS_BLOCK_HASH,
            self.anchor.genesis_time_unix_ms,
        )
        self.state_root = start.state_root
        self.last_commit: CommitCertificate | None = None
        self.keys = validator_certificates(shared_parties())

    def seal(
        self,
        transactions: list[bytes],
        evidence: list[bytes],
        *,
        header_changes: dict[str, object] | None = None,
    ) -> int:
        height = self.tip.height + 1
        time_ms = unix_ms(FIRST_BLOCK_TIME + timedelta(minutes=height))
        context = BlockContext.from_genesis(self.anchor.genesis, height, from_unix_ms(time_ms))
        executor = BlockExecutor(self.state, context)
        for envelope in transactions:
            if isinstance(outcome := executor.try_apply(envelope), Rejection):
                raise AssertionError(f"the test transaction does not apply: {outcome}")
        writes = executor.finish().writes
        update = apply_state_writes(self.tree, self.state_root, writes)
        block = build_block(
            previous=self.tip,
            time_unix_ms=time_ms,
            transactions=transactions,
            state_root=update.root,
            validator_set_hash=self.anchor.validator_set_hash,
            proposer=ValidatorId(VALIDATOR_IDS[0]),
            last_commit=self.last_commit,
            evidence=evidence,
        )
        if header_changes:
            header = dataclasses.replace(block.header, **header_changes)  # type: ignore[arg-type]
            block = Block(header, block.transactions, block.last_commit, block.evidence)
        certificate = self._certify(Height(height), block.block_hash)
        self.state.apply(writes)
        self.tree.put_nodes(update.new_nodes)
        self.state_root = update.root
        # The next block links to this one as certified, whatever its header says.
        self.tip = ChainTip(
            self.anchor.chain_id, Height(height), block.block_hash, block.header.time_unix_ms
        )
        self.last_commit = certificate
        self.chain.blocks[height] = block.encode()
        self.chain.commits[height] = certificate.encode()
        return height

    def _certify(self, height: Height, block_hash: bytes) -> CommitCertificate:
        signatures = [
            CommitSignature(
                ValidatorId(name),
                sign_precommit(issued.key, self.anchor.chain_id, height, Round(0), block_hash),
            )
            for name, issued in zip(VALIDATOR_IDS, self.keys, strict=True)
        ]
        return build_commit_certificate(
            self.anchor.validators.validator_set, height, Round(0), block_hash, signatures
        )
