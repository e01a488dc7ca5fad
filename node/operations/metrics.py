"""Prometheus metrics of one node (prometheus-client), served on ``[metrics] listen``.

    tirkeu_height                         latest committed height
    tirkeu_round                          consensus round at the current height (validators)
    tirkeu_commit_latency_seconds         time from a height's start to its commit (histogram)
    tirkeu_mempool_size                   pending transactions
    tirkeu_peers_reachable                peers whose last call succeeded
    tirkeu_missed_signatures_total{validator}
                                          committed blocks whose certificate lacks that validator
    tirkeu_blocks_refused_total{fault}    blocks from peers refused (forged or short certificates)
    tirkeu_consensus_messages_dropped_total{reason}
                                          consensus messages from peers not held: over a
                                          validator's share, too far ahead, a full queue,
                                          proposal_bytes_mismatch (node/engine/inbox.py)

Each node has its own registry (tests run several nodes' code in one process).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from node.operations.config import ListenAddress


class NodeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.height = Gauge("tirkeu_height", "Latest committed height", registry=self.registry)
        self.round = Gauge("tirkeu_round", "Consensus round", registry=self.registry)
        self.commit_latency = Histogram(
            "tirkeu_commit_latency_seconds",
            "From the start of a height to its commit",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
            registry=self.registry,
        )
        self.mempool_size = Gauge(
            "tirkeu_mempool_size", "Pending transactions", registry=self.registry
        )
        self.peers = Gauge("tirkeu_peers_reachable", "Reachable peers", registry=self.registry)
        self.peers.set(float("nan"))  # unknown until the node has asked its peers
        self.missed_signatures = Counter(
            "tirkeu_missed_signatures",
            "Committed blocks whose certificate lacks the validator's precommit",
            ["validator"],
            registry=self.registry,
        )
        self.blocks_refused = Counter(
            "tirkeu_blocks_refused",
            "Blocks from peers that this node refused",
            ["fault"],
            registry=self.registry,
        )
        self.consensus_dropped = Counter(
            "tirkeu_consensus_messages_dropped",
            "Consensus messages from peers that this node did not hold",
            ["reason"],
            registry=self.registry,
        )

    def track_validators(self, validator_ids: Iterable[str]) -> None:
        """Start every validator's missed-signature count at 0, so that each one shows."""
        for validator_id in validator_ids:
            self.missed_signatures.labels(validator=validator_id)

    def serve(self, listen: ListenAddress) -> None:
        start_http_server(listen.port, addr=listen.host, registry=self.registry)
