"""Issue 13 over real processes: the KTK observer's answers are the truth when a validator dies
between admitting a forwarded transaction and answering, and an oversized transaction through
the observer gets the validators' named rejection.

The failover is provoked deterministically: two of the four validators are down, so nothing can
commit; the observer forwards to its first validator, which admits the transaction and gossips
it to the second; the first is killed before it can answer (it was waiting for the commit), the
observer asks the second, which already holds the transaction. Before the fix the second said
REJECTED REPLAYED_TRANSACTION and the client was told so, although the transaction then
committed. After: PENDING or COMMITTED, and it commits exactly once."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from tirkeu_pb import api_pb2

from clients.transaction_builders import property_import
from ledger.transactions.envelope import transaction_id_of
from tests.integration.cluster_harness import ClusterNode, LocalCluster, heights, wait_for
from tests.integration.harness import CHAIN_ID
from tests.pki_fixtures import KTK_BIN
from tests.registry_fixtures import EnvelopeBuilder

pytestmark = pytest.mark.integration

START_SECONDS = 90
COMMIT_SECONDS = 120


def _envelope(cluster: LocalCluster, number: int) -> bytes:
    builder = EnvelopeBuilder(CHAIN_ID, expiry_height=100_000)
    return builder.envelope(
        property_import(
            cadastral_number=f"21:330:001:{number}:1/9",
            address=f"Astana, Kabanbay batyr avenue {number}",
            kind="APARTMENT",
            area_square_metres="61.20",
            holder_bin=KTK_BIN,
        ),
        cluster.parties.registrar,
    )


def _status(node: ClusterNode, transaction_id: str) -> int:
    view = node.ledger(node.parties.tls_client).GetTransaction(
        api_pb2.GetTransactionRequest(transaction_id=transaction_id), timeout=10
    )
    return int(view.status)


def _occurrences(node: ClusterNode, transaction_id: str) -> int:
    """How many blocks of ``node``'s chain carry the transaction."""
    ledger = node.ledger(node.parties.tls_client)
    found = 0
    for height in range(1, node.height() + 1):
        block = ledger.GetBlock(api_pb2.GetBlockRequest(height=height), timeout=10).block
        found += sum(1 for raw in block.transactions if transaction_id_of(raw) == transaction_id)
    return found


def test_a_validator_killed_before_answering_a_forwarded_submission(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path)
    observer = cluster.observer
    assert observer is not None
    first, second, third, fourth = cluster.validators
    try:
        cluster.start_all()
        wait_for(
            lambda: min(heights(cluster.nodes).values()) >= 1,
            START_SECONDS,
            lambda: str(heights(cluster.nodes)),
        )
        third.kill()  # no quorum: whatever is admitted now stays pending
        fourth.kill()
        envelope = _envelope(cluster, 1)
        transaction_id = transaction_id_of(envelope) or ""
        answers: list[api_pb2.SubmitTransactionResponse] = []
        errors: list[grpc.RpcError] = []

        def submit() -> None:
            try:
                answers.append(observer.submit(envelope, wait_for_commit=True))
            except grpc.RpcError as error:
                errors.append(error)

        client = threading.Thread(target=submit, daemon=True)
        client.start()
        # The observer's first validator admitted it and gossiped it to the second...
        wait_for(
            lambda: _status(second, transaction_id) == api_pb2.PENDING,
            START_SECONDS,
            lambda: f"{second.node_id} never held the transaction:\n{first.log_tail()}",
        )
        first.kill()  # ...and dies waiting for the commit, before answering the observer.
        third.start()  # quorum again (second, third, fourth): the transaction can commit
        fourth.start()
        client.join(COMMIT_SECONDS)
        assert not client.is_alive(), "the observer never answered"
        assert errors == [], errors
        answer = answers[0]
        assert answer.status in (api_pb2.PENDING, api_pb2.COMMITTED), (
            api_pb2.TransactionStatus.Name(answer.status),
            answer.rejection.reason,
            answer.rejection.detail,
        )
        assert answer.transaction_id == transaction_id
        wait_for(
            lambda: _status(observer, transaction_id) == api_pb2.COMMITTED,
            COMMIT_SECONDS,
            lambda: str(heights(cluster.nodes)),
        )
        assert _occurrences(observer, transaction_id) == 1
        # Asking again, with the same bytes, through the observer: its state, not a rejection.
        again = observer.submit(envelope, wait_for_commit=False)
        assert (again.status, again.rejection.reason) == (api_pb2.COMMITTED, "")
    finally:
        cluster.close()


def test_oversized_transactions_through_the_observer_get_the_named_rejection(
    tmp_path: Path,
) -> None:
    """KTK's observer may take larger messages than its validators (here 8 MiB against 4): a
    5 MiB transaction used to be forwarded, refused by every validator's transport, and the
    client told UNAVAILABLE "try again", forever. Large ones sent together went in one call
    over the validators' limit, with the same answer."""
    cluster = LocalCluster(tmp_path)
    observer = cluster.observer
    assert observer is not None
    larger = 8 * 1024 * 1024
    config = observer.config_path.read_text()
    observer.config_path.write_text(
        config.replace("[limits]\n", f"[limits]\nmax_message_bytes = {larger}\n", 1)
    )
    observer.settings = replace(observer.settings, max_message_bytes=larger)
    try:
        cluster.start_all()
        single = observer.submit(b"\x0a" + b"\x01" * (5 * 1024 * 1024), wait_for_commit=False)
        assert (single.status, single.rejection.reason) == (
            api_pb2.REJECTED,
            "OVERSIZED_TRANSACTION",
        ), single
        # 1 MiB each: four times the chain's limit, together several times the validators'
        # message limit.
        size = 1024 * 1024
        assert size > observer.settings.max_transaction_bytes
        oversized = [b"\x0a" + bytes([n]) * size for n in range(2, 26)]
        answers: list[api_pb2.SubmitTransactionResponse] = []
        errors: list[str] = []

        def submit(envelope: bytes) -> None:
            try:
                answers.append(observer.submit(envelope, wait_for_commit=False))
            except grpc.RpcError as error:
                errors.append(f"{error.code().name}: {error.details()}")

        threads = [threading.Thread(target=submit, args=(e,), daemon=True) for e in oversized]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(COMMIT_SECONDS)
        assert errors == []
        assert [(a.status, a.rejection.reason) for a in answers] == [
            (api_pb2.REJECTED, "OVERSIZED_TRANSACTION")
        ] * len(oversized)
    finally:
        cluster.close()
