"""Ending a height: the decided block persisted with the commit certificate that the
precommits the engine holds make (node/chain/sealing.py, as the solo engine does), and what a
commit does to the node's metrics (height, commit latency, missed signatures per validator);
or certified blocks from block sync applied instead."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from structlog.typing import FilteringBoundLogger
from tirkeu_pb import peer_pb2

from consensus import CommitDecision, Vote
from ledger.chain.blocks import CommitSignature
from ledger.chain.commit_certificates import InvalidCommitCertificate
from ledger.chain.store import Store
from node.chain.commit import BlockRejected, CommittedBlock
from node.chain.evidence import EvidencePool
from node.chain.open import ChainSetup
from node.chain.sealing import commit_with_precommits
from node.engine.candidates import CandidateBlocks
from node.engine.inbox import Synced
from node.operations.metrics import NodeMetrics
from node.peers.sync import apply_certified_blocks


def precommit_signatures(
    decision: CommitDecision, signed_votes: Mapping[Vote, peer_pb2.SignedVote]
) -> list[CommitSignature]:
    """The signatures of the precommits that made the decision's quorum (its certificate)."""
    signatures = []
    for vote in decision.precommits:
        signed = signed_votes.get(vote)
        if signed is not None:
            signatures.append(CommitSignature(vote.validator, signed.signature))
    return signatures


def commit_decision(
    store: Store,
    setup: ChainSetup,
    decision: CommitDecision,
    candidates: CandidateBlocks,
    signed_votes: Mapping[Vote, peer_pb2.SignedVote],
    *,
    log: FilteringBoundLogger,
) -> CommittedBlock | None:
    """Persist the decided block with its certificate; None when this node does not hold that
    block (never saw it, found it invalid, or got other bytes for its id), or when the signed
    precommits it holds do not make a valid certificate: fetch the certified block instead."""
    candidate = candidates.get(decision.value)
    executed = None if candidate is None else candidate.executed
    if candidate is None or executed is None or executed.block.block_hash != decision.value:
        return None
    try:
        return commit_with_precommits(
            store,
            setup,
            executed,
            round_number=decision.round,
            precommits=precommit_signatures(decision, signed_votes),
            rejections=candidate.rejections,
        )
    except (BlockRejected, InvalidCommitCertificate) as error:
        # The core decided on votes whose signatures this node does not all hold (or that do not
        # verify): never persist a block without a valid certificate; block sync brings the
        # block with the certificate its peers built.
        log.warning(
            "commit_certificate_incomplete",
            height=executed.block.height,
            round=decision.round,
            detail=str(error),
        )
        return None


def note_commit(
    metrics: NodeMetrics,
    setup: ChainSetup,
    committed: CommittedBlock,
    latency_seconds: float,
    log: FilteringBoundLogger,
) -> None:
    """Record a commit of this node's consensus in the metrics and the log."""
    block = committed.executed.block
    metrics.height.set(committed.meta.height)
    metrics.commit_latency.observe(latency_seconds)
    signers = frozenset(s.validator_id for s in committed.certificate.signatures)
    for validator_id in setup.validators.validator_set.validator_ids:
        if validator_id not in signers:
            metrics.missed_signatures.labels(validator=validator_id).inc()
    log.info(
        "block_committed",
        height=block.height,
        round=committed.certificate.round,
        block_hash=block.block_hash.hex(),
        proposer=block.header.proposer,
        signers=len(signers),
    )


def apply_synced(
    store: Store,
    setup: ChainSetup,
    synced: Synced,
    *,
    evidence: EvidencePool,
    metrics: NodeMetrics,
    on_committed: Callable[[CommittedBlock], None],
    log: FilteringBoundLogger,
) -> int:
    """Apply certified blocks from block sync or an announcement; how many were applied."""

    def committed(block: CommittedBlock) -> None:
        on_committed(block)
        evidence.committed(block.executed.block.evidence)

    return apply_certified_blocks(
        store,
        setup,
        synced.blocks,
        source=synced.source,
        log=log,
        metrics=metrics,
        on_committed=committed,
    )
