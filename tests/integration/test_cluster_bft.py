"""BFT among four registrar validators and the KTK observer, as real processes (issue 3).

A validator killed with SIGKILL and restarted catches up by block sync; all five nodes end with
the same blocks and state root; every transaction reported committed is on every node; no
validator signed two different messages for one height, round and step (signing records) and no
block carries double-vote evidence. With two of four validators down nothing commits; with one
back, commits resume.
"""

from __future__ import annotations

import threading
from pathlib import Path

import grpc
import pytest
from tirkeu_pb import api_pb2

from clients.transaction_builders import property_import
from consensus.signing_guard import SigningStep
from ledger.chain.store import Store
from node.engine.signing_records import check_records, read_records
from tests.integration.cluster_harness import ClusterNode, LocalCluster, heights, wait_for
from tests.integration.harness import CHAIN_ID
from tests.pki_fixtures import KTK_BIN
from tests.registry_fixtures import EnvelopeBuilder

pytestmark = pytest.mark.integration

TRANSACTIONS = 500
CATCH_UP_SECONDS = 120


def _imports(cluster: LocalCluster, count: int) -> list[bytes]:
    builder = EnvelopeBuilder(CHAIN_ID, expiry_height=100_000)
    return [
        builder.envelope(
            property_import(
                cadastral_number=f"21:320:{number // 100:03d}:{number}:1/7",
                address=f"Astana, Turan avenue {number}",
                kind="APARTMENT",
                area_square_metres="48.10",
                holder_bin=KTK_BIN,
            ),
            cluster.parties.registrar,
        )
        for number in range(count)
    ]


def _submit_all(targets: list[ClusterNode], envelopes: list[bytes], accepted: list[str]) -> None:
    """Submit without waiting, to the targets in turn; a dead target's share goes elsewhere."""
    lock = threading.Lock()

    def worker(share: list[bytes]) -> None:
        for index, envelope in enumerate(share):
            for attempt in range(len(targets)):
                node = targets[(index + attempt) % len(targets)]
                try:
                    response = node.submit(envelope, wait_for_commit=False)
                except grpc.RpcError:
                    continue
                if response.status in (api_pb2.PENDING, api_pb2.COMMITTED):
                    with lock:
                        accepted.append(response.transaction_id)
                break

    threads = [threading.Thread(target=worker, args=(envelopes[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _committed_everywhere(nodes: list[ClusterNode], transaction_ids: list[str]) -> bool:
    for node in nodes:
        ledger = node.ledger(node.parties.registrar)
        for transaction_id in transaction_ids:
            view = ledger.GetTransaction(
                api_pb2.GetTransactionRequest(transaction_id=transaction_id), timeout=10
            )
            if view.status != api_pb2.COMMITTED:
                return False
    return True


def _check_stores_agree(cluster: LocalCluster) -> None:
    """With every node stopped: same block hashes up to the lowest height, same state root
    there, no conflicting signing records, no evidence of double votes in any block."""
    stores = [node.store() for node in cluster.nodes]
    try:
        metas = [store.load_meta() for store in stores]
        common = min(meta.height for meta in metas if meta is not None)
        assert common > 0
        for height in range(1, common + 1):
            hashes = {store.load_block(height).block_hash for store in stores}  # type: ignore[union-attr]
            assert len(hashes) == 1, f"nodes disagree at height {height}"
        block = stores[0].load_block(common)
        assert block is not None
        for store in stores:
            assert store.load_block(common).header.state_root == block.header.state_root  # type: ignore[union-attr]
            for height in range(1, common + 1):
                assert store.load_block(height).evidence == ()  # type: ignore[union-attr]
        recorded: dict[str, dict[tuple[int, int, int], bytes | None]] = {}
        for node, store in zip(cluster.validators, stores, strict=False):
            positions: dict[tuple[int, int, int], bytes | None] = {}
            entries = read_records(store)
            # Every record, in order, each matching the message it signed (an overwrite with
            # another block id would not match).
            assert check_records(entries) == [], f"{node.node_id}: {check_records(entries)}"
            for entry in entries:
                position = entry.record.position
                assert positions.setdefault(position, entry.record.block_id) == (
                    entry.record.block_id
                ), f"two different messages signed at {position}"
            recorded[node.node_id] = positions
        _check_certificates_against_records(stores, common, recorded)
    finally:
        for store in stores:
            store.close()


def _check_certificates_against_records(
    stores: list[Store], common: int, recorded: dict[str, dict[tuple[int, int, int], bytes | None]]
) -> None:
    """What the others saw against what each validator recorded, across its runs: every
    precommit in any node's certificate was signed by its validator after recording it, so
    the validator's record at that (height, round, PRECOMMIT) names the same block."""
    for store in stores:
        for height in range(1, common + 1):
            certificate = store.load_commit(height)
            assert certificate is not None
            position = (height, certificate.round, int(SigningStep.PRECOMMIT))
            for signature in certificate.signatures:
                records = recorded[signature.validator_id]
                assert records.get(position) == certificate.block_hash, (
                    f"{signature.validator_id} precommitted {certificate.block_hash.hex()} at "
                    f"{position} but recorded {records.get(position)!r}"
                )


def test_a_killed_validator_catches_up_and_all_nodes_agree(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path)
    try:
        cluster.start_all()
        observer = cluster.observer
        assert observer is not None
        victim = cluster.validators[2]
        envelopes = _imports(cluster, TRANSACTIONS)
        accepted: list[str] = []
        half = TRANSACTIONS // 2
        targets = [observer, *cluster.validators]
        _submit_all(targets, envelopes[:half], accepted)
        victim.kill()
        _submit_all(
            [observer, *cluster.validators[:2], cluster.validators[3]], envelopes[half:], accepted
        )
        victim.start()
        assert len(accepted) == TRANSACTIONS
        wait_for(
            lambda: _committed_everywhere(cluster.nodes, accepted),
            CATCH_UP_SECONDS,
            lambda: f"not all committed everywhere; heights {heights(cluster.nodes)}",
        )
        for node in cluster.nodes:
            node.stop()
        _check_stores_agree(cluster)
    finally:
        cluster.close()


def test_two_of_four_down_stops_commits_and_one_back_resumes_them(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path, observer=False)
    try:
        cluster.start_all()
        first, second, third, fourth = cluster.validators
        wait_for(lambda: first.height() >= 2, 60, lambda: str(heights(cluster.validators)))
        third.kill()
        fourth.kill()
        stalled = max(first.height(), second.height())
        # A submission waits for commit (bounded by the node): nothing can commit now.
        envelope = _imports(cluster, 1)[0]
        response = first.submit(envelope, wait_for_commit=False)
        assert response.status == api_pb2.PENDING
        signal = threading.Event()
        assert not signal.wait(3)  # a window in which a commit would have shown
        assert max(first.height(), second.height()) <= stalled + 1  # one may be in flight
        stalled = max(first.height(), second.height())
        assert not signal.wait(2)
        assert max(first.height(), second.height()) == stalled
        third.start()
        wait_for(
            lambda: first.height() > stalled + 1,
            CATCH_UP_SECONDS,
            lambda: f"commits did not resume: {heights(cluster.validators)}",
        )
    finally:
        cluster.close()
