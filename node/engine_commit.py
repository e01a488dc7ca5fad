"""Ending a height: the commit certificate from the precommits the engine holds, and what a
commit does to the node's metrics (height, commit latency, missed signatures per validator)."""

from __future__ import annotations

from collections.abc import Mapping

from tirkeu_pb import peer_pb2

from consensus import CommitDecision, Vote
from ledger.blocks import CommitCertificate, CommitSignature, build_commit_certificate
from node.chain import ChainSetup
from node.commit import CommittedBlock
from node.metrics import NodeMetrics


def certificate_of(
    setup: ChainSetup, decision: CommitDecision, signed_votes: Mapping[Vote, peer_pb2.SignedVote]
) -> CommitCertificate:
    """The certificate of a decision: the signatures of the precommits that made the quorum."""
    signatures = []
    for vote in decision.precommits:
        signed = signed_votes.get(vote)
        if signed is not None:
            signatures.append(CommitSignature(vote.validator, signed.signature))
    return build_commit_certificate(
        setup.validators.validator_set,
        decision.height,
        decision.round,
        decision.value,
        signatures,
    )


def note_commit(
    metrics: NodeMetrics, setup: ChainSetup, committed: CommittedBlock, latency_seconds: float
) -> frozenset[str]:
    """Record a commit of this node's consensus in the metrics; returns the signers."""
    metrics.height.set(committed.meta.height)
    metrics.commit_latency.observe(latency_seconds)
    signers = frozenset(s.validator_id for s in committed.certificate.signatures)
    for validator_id in setup.validators.validator_set.validator_ids:
        if validator_id not in signers:
            metrics.missed_signatures.labels(validator=validator_id).inc()
    return signers
