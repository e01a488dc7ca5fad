"""Issue 13, acceptance: under valid load the chain keeps committing. A concurrent burst of
valid transactions totalling several times the transport's message limit commits across
blocks on four registrar validators and the KTK observer, as real processes.

Before: blocks were bounded by count only, so with the burst pending every proposal was larger
than any peer's receive limit, in every round, and the chain stopped. Here the limits are
scaled down to keep the test fast, with the same defect: a 192 KiB receive limit
(``[limits] max_message_bytes``), 1000 transactions per block allowed ([block]
max_transactions, as genesis allows by default) and ~0.9 KiB property imports, so a count-
bounded proposal of the burst is ~900 KiB; genesis ``max_block_bytes`` is 128 KiB.
"""

from __future__ import annotations

import threading
from pathlib import Path

import grpc
import pytest
from tirkeu_pb import api_pb2

from clients.transaction_builders import property_import
from tests.integration.cluster_harness import ClusterNode, LocalCluster, heights, wait_for
from tests.integration.harness import CHAIN_ID, NodeProcess, NodeSettings, NodeStartFailed
from tests.pki_fixtures import KTK_BIN
from tests.registry_fixtures import EnvelopeBuilder

pytestmark = pytest.mark.integration

MAX_MESSAGE_BYTES = 192 * 1024
MAX_BLOCK_BYTES = 128 * 1024
TRANSACTIONS = 1000
SUBMITTERS = 16
COMMIT_SECONDS = 240


def _imports(cluster: LocalCluster) -> list[bytes]:
    builder = EnvelopeBuilder(CHAIN_ID, expiry_height=100_000)
    return [
        builder.envelope(
            property_import(
                cadastral_number=f"21:330:{number // 100:03d}:{number}:1/9",
                address=f"Astana, Kabanbay Batyr avenue {number}",
                kind="APARTMENT",
                area_square_metres="61.20",
                holder_bin=KTK_BIN,
            ),
            cluster.parties.registrar,
        )
        for number in range(TRANSACTIONS)
    ]


def _burst(nodes: list[ClusterNode], envelopes: list[bytes]) -> dict[str, str]:
    """Every envelope submitted at once from SUBMITTERS threads, spread over every node, not
    waiting for commit; the answers by transaction id."""
    answers: dict[str, str] = {}
    lock = threading.Lock()
    start = threading.Barrier(SUBMITTERS)

    def worker(offset: int) -> None:
        start.wait()
        for index in range(offset, len(envelopes), SUBMITTERS):
            node = nodes[index % len(nodes)]
            try:
                response = node.submit(envelopes[index], wait_for_commit=False)
                outcome = api_pb2.TransactionStatus.Name(response.status)
                if response.status == api_pb2.REJECTED:
                    outcome += f" {response.rejection.reason}"
            except grpc.RpcError as error:
                response, outcome = None, f"gRPC {error.code().name}"
            with lock:
                answers[response.transaction_id if response else f"#{index}"] = outcome

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _uncommitted(node: ClusterNode, transaction_ids: list[str]) -> list[str]:
    ledger = node.ledger(node.parties.registrar)
    missing = []
    for transaction_id in transaction_ids:
        view = ledger.GetTransaction(
            api_pb2.GetTransactionRequest(transaction_id=transaction_id), timeout=10
        )
        if view.status != api_pb2.COMMITTED:
            missing.append(transaction_id)
    return missing


def test_a_burst_several_times_the_message_limit_commits_across_blocks(tmp_path: Path) -> None:
    cluster = LocalCluster(
        tmp_path,
        validators=4,
        observer=True,
        genesis_limits={"max_block_bytes": MAX_BLOCK_BYTES, "max_transaction_bytes": 16_384},
        block_transactions=1000,
        max_message_bytes=MAX_MESSAGE_BYTES,
    )
    try:
        cluster.start_all()
        nodes = cluster.nodes
        envelopes = _imports(cluster)
        total = sum(len(envelope) for envelope in envelopes)
        assert total > 4 * MAX_MESSAGE_BYTES
        wait_for(lambda: min(heights(nodes).values()) >= 1, 60, lambda: str(heights(nodes)))
        start_height = max(heights(nodes).values())
        answers = _burst(nodes, envelopes)
        accepted = [tid for tid, outcome in answers.items() if outcome in ("PENDING", "COMMITTED")]
        refused = {
            outcome for outcome in answers.values() if outcome not in ("PENDING", "COMMITTED")
        }
        assert len(accepted) == TRANSACTIONS, refused
        remaining = list(accepted)

        def all_committed() -> bool:
            remaining[:] = _uncommitted(nodes[0], remaining)
            return not remaining

        wait_for(
            all_committed,
            COMMIT_SECONDS,
            lambda: (
                f"{len(remaining)} of {TRANSACTIONS} not committed; heights "
                f"{heights(nodes)} from {start_height}\n{nodes[0].log_tail(15)}"
            ),
        )
        # Every node, the observer included, holds every transaction.
        for node in nodes[1:]:
            wait_for(
                lambda node=node: not _uncommitted(node, accepted),  # type: ignore[misc]
                60,
                lambda node=node: f"{node.node_id} behind: {heights(nodes)}",  # type: ignore[misc]
            )
        # Across blocks, each within the byte limit (the nodes check it; the count shows it).
        blocks = max(heights(nodes).values()) - start_height
        assert blocks >= total // MAX_BLOCK_BYTES
    finally:
        cluster.close()


def test_a_node_whose_message_limit_cannot_carry_a_legal_block_refuses_to_start(
    tmp_path: Path,
) -> None:
    """The default genesis allows 2 MiB blocks; a 1 MiB receive limit would stall the chain at
    the first full block, so the node refuses at start-up, by name (before: it started)."""
    node = NodeProcess(tmp_path, settings=NodeSettings(max_message_bytes=1024 * 1024))
    try:
        with pytest.raises(NodeStartFailed):
            node.start()
        assert node.process is not None
        assert node.process.wait(30) == 2
        refusals = [e for e in node.log_events() if e["event"] == "node_setup_failed"]
        assert [e["error"] for e in refusals] == ["MessageLimitTooSmall"]
        assert "2162688" in refusals[0]["detail"]  # the least value, named
    finally:
        node.close()
