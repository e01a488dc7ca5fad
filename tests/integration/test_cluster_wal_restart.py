"""Two of four validators killed with SIGKILL at the same moment, with transactions flowing, then
restarted (three times, other pairs each time): commits resume and all four hold the same blocks
(the consensus write-ahead log, node/engine/wal.py, is replayed; consensus/__init__.py, "what
the node must persist").

With two of four down no quorum exists, so the height in progress at the kill can only be
finished with the two restarted validators: what they had signed and received at it comes back
from their logs (``consensus_resumed`` in their log), and what is missing from peers' gossip.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import grpc
import pytest

from tests.integration.cluster_harness import ClusterNode, LocalCluster, heights, wait_for
from tests.integration.harness import STOP_TIMEOUT_SECONDS
from tests.integration.test_cluster_bft import _imports

pytestmark = pytest.mark.integration

RESUME_SECONDS = 120
BLOCKS_AFTER_RESTART = 3
TRANSACTIONS = 600
KILL_EVERY = 120  # submitted transactions between two kills


class Traffic:
    """Submits ``envelopes`` to ``targets`` in turn, without waiting, until stopped."""

    def __init__(self, targets: list[ClusterNode], envelopes: list[bytes]) -> None:
        self._targets = targets
        self._envelopes = envelopes
        self._stop = threading.Event()
        self.submitted = 0
        self._thread = threading.Thread(target=self._run, name="traffic", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for number, envelope in enumerate(self._envelopes):
            if self._stop.is_set():
                return
            try:
                self._targets[number % len(self._targets)].submit(envelope, wait_for_commit=False)
                self.submitted += 1
            except grpc.RpcError:
                pass  # a busy node: the next envelope goes to the other

    def has_submitted(self, count: int) -> bool:
        return self.submitted >= count

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(STOP_TIMEOUT_SECONDS)


def _kill_together(nodes: list[ClusterNode]) -> None:
    """SIGKILL to every node before waiting for any: they die at the same moment."""
    processes = [node.process for node in nodes if node.process is not None]
    for process in processes:
        process.send_signal(signal.SIGKILL)
    for process in processes:
        process.wait(STOP_TIMEOUT_SECONDS)


def _resumed(node: ClusterNode) -> list[dict[str, Any]]:
    return [e for e in node.log_events() if e.get("event") == "consensus_resumed"]


def _check_same_blocks(cluster: LocalCluster) -> int:
    """With every node stopped: the same block hashes up to the lowest height; that height."""
    stores = [node.store() for node in cluster.validators]
    try:
        metas = [store.load_meta() for store in stores]
        common = min(meta.height for meta in metas if meta is not None)
        for height in range(1, common + 1):
            blocks = [store.load_block(height) for store in stores]
            hashes = {block.block_hash for block in blocks if block is not None}
            assert len(hashes) == 1 and None not in blocks, f"disagreement at height {height}"
        return common
    finally:
        for store in stores:
            store.close()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalCluster]:
    cluster = LocalCluster(tmp_path, observer=False)
    try:
        cluster.start_all()
        yield cluster
    finally:
        cluster.close()


def _kill_restart_and_resume(cluster: LocalCluster, victims: list[ClusterNode]) -> int:
    """Kill ``victims`` together, restart them, wait for commits on all; the height reached."""
    _kill_together(victims)
    for victim in victims:
        victim.start()
    target = max(heights(cluster.validators).values()) + BLOCKS_AFTER_RESTART
    wait_for(
        lambda: min(heights(cluster.validators).values()) >= target,
        RESUME_SECONDS,
        lambda: f"commits did not resume past {target}: {heights(cluster.validators)}",
    )
    return target


def test_two_validators_killed_together_restart_and_commits_resume(cluster: LocalCluster) -> None:
    first, second, third, fourth = cluster.validators
    envelopes = _imports(cluster, TRANSACTIONS)
    wait_for(lambda: first.height() >= 2, 60, lambda: str(heights(cluster.validators)))
    traffic = Traffic(cluster.validators, envelopes)
    reached = 0
    try:
        for cycle, victims in enumerate([[third, fourth], [second, third], [first, fourth]]):
            # Killed while transactions pour in: every height then has a round in progress.
            wait_for(partial(traffic.has_submitted, KILL_EVERY * (cycle + 1)), 60, lambda: "idle")
            reached = _kill_restart_and_resume(cluster, victims)
    finally:
        traffic.stop()
    resumed = {node.node_id: _resumed(node) for node in cluster.validators}
    for node in cluster.validators:
        node.stop()
    assert _check_same_blocks(cluster) >= reached
    print(f"resumed after the kills: {resumed}; {traffic.submitted} submitted")
