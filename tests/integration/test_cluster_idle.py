"""An idle registry makes no blocks at the consensus pace (node/engine/idle.py): with the
heartbeat far away, four validators stay at their height while nothing is submitted, commit a
submitted transaction promptly, and commit one that only one validator holds (its messages of
the next height make the others start it)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tirkeu_pb import api_pb2

from clients.transaction_builders import property_import
from tests.integration.cluster_harness import ClusterNode, LocalCluster, heights, wait_for
from tests.integration.harness import CHAIN_ID
from tests.pki_fixtures import KTK_BIN
from tests.registry_fixtures import EnvelopeBuilder

pytestmark = pytest.mark.integration

NO_HEARTBEAT_MS = 600_000  # ten minutes: longer than the test
# Successful rounds of status polls that must see no new block; at the old pace (a block every
# ~0.4 s with the harness's timeouts) several blocks would land in this many rounds.
IDLE_POLLS = 40
POLL_GAP_SECONDS = 0.05  # between rounds; the window is a count of polls, not a time
COMMIT_SECONDS = 60


def _import(cluster: LocalCluster, number: int) -> bytes:
    builder = EnvelopeBuilder(CHAIN_ID, expiry_height=100_000)
    body = property_import(
        cadastral_number=f"21:320:{number // 100:03d}:{number}:1/7",
        address=f"Astana, Turan avenue {number}",
        kind="APARTMENT",
        area_square_metres="48.10",
        holder_bin=KTK_BIN,
    )
    return builder.envelope(body, cluster.parties.registrar)


def _status(node: ClusterNode, transaction_id: str) -> int:
    view = node.ledger(node.parties.registrar).GetTransaction(
        api_pb2.GetTransactionRequest(transaction_id=transaction_id), timeout=10
    )
    return int(view.status)


def _committed_everywhere(nodes: list[ClusterNode], transaction_id: str) -> bool:
    return all(_status(node, transaction_id) == api_pb2.COMMITTED for node in nodes)


def _started(node: ClusterNode, height: int) -> bool:
    return any(
        event.get("event") == "round_started" and event.get("height") == height
        for event in node.log_events()
    )


def _settled_heights(cluster: LocalCluster) -> dict[str, int]:
    """Wait until every validator answers and all stand at one height; that height map."""
    wait_for(
        lambda: (
            len(set(heights(cluster.validators).values())) == 1
            and -1 not in heights(cluster.validators).values()
        ),
        COMMIT_SECONDS,
        lambda: f"validators did not settle: {heights(cluster.validators)}",
    )
    return heights(cluster.validators)


def _assert_idle(cluster: LocalCluster, expected: dict[str, int]) -> None:
    """IDLE_POLLS successful rounds of status polls, every one at ``expected``."""
    polls = 0
    while polls < IDLE_POLLS:
        seen = heights(cluster.validators)
        if -1 in seen.values():
            continue  # a failed poll does not count
        assert seen == expected, f"a block while idle: {seen} after {expected}"
        polls += 1
        time.sleep(POLL_GAP_SECONDS)  # a poll interval, not a wait for a condition


def test_idle_validators_make_no_blocks_and_commit_what_is_submitted(tmp_path: Path) -> None:
    cluster = LocalCluster(
        tmp_path, observer=False, links=True, empty_block_interval_ms=NO_HEARTBEAT_MS
    )
    try:
        cluster.start_all()
        first, _, _, lone = cluster.validators
        start = _settled_heights(cluster)
        _assert_idle(cluster, start)

        # A client's submission (gossiped to every validator) is committed promptly.
        response = first.submit(_import(cluster, 1), wait_for_commit=False)
        assert response.status == api_pb2.PENDING
        wait_for(
            lambda: _committed_everywhere(cluster.validators, response.transaction_id),
            COMMIT_SECONDS,
            lambda: f"not committed everywhere: {heights(cluster.validators)}",
        )
        after = _settled_heights(cluster)
        _assert_idle(cluster, after)

        # Rule (c): a transaction only ``lone`` holds (its gossip went nowhere) is committed
        # once its messages of the next height reach the others.
        cluster.isolate(lone.node_id)
        held = lone.submit(_import(cluster, 2), wait_for_commit=False)
        assert held.status == api_pb2.PENDING
        wait_for(
            lambda: _started(lone, after[lone.node_id] + 1),
            COMMIT_SECONDS,
            lambda: "the lone validator did not start the next height",
        )
        others = [node for node in cluster.validators if node is not lone]
        assert all(_status(node, held.transaction_id) != api_pb2.PENDING for node in others)
        assert heights(others) == {node.node_id: after[node.node_id] for node in others}
        cluster.reconnect(lone.node_id)
        wait_for(
            lambda: _committed_everywhere(cluster.validators, held.transaction_id),
            COMMIT_SECONDS,
            lambda: f"the lone one's transaction not committed: {heights(cluster.validators)}",
        )
    finally:
        cluster.close()
