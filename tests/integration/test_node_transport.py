"""The node's transport contract (DESIGN.md §6, api.proto): mutual TLS only, named rejections
for bad submissions with the state untouched, health and reflection, caller identity."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from tirkeu_pb import api_pb2, rejection_pb2, transaction_pb2

from clients.transaction_builders import property_import, revocation_list_update
from tests.integration.harness import CHAIN_ID, NodeProcess, shared_node
from tests.pki_fixtures import GUARANTOR_IIN, KTK_BIN, TestAuthority
from tests.registry_fixtures import EnvelopeBuilder

pytestmark = pytest.mark.integration
__all__ = ["shared_node"]  # the fixture, imported for pytest

LEDGER_SERVICE = "tirkeu.v1.Ledger"
_import_counter = iter(range(1, 1_000_000))


def _state_root(node: NodeProcess) -> bytes:
    return node.chain_info().state_root


def _submit(
    node: NodeProcess, envelope: bytes, *, wait: bool = False
) -> api_pb2.SubmitTransactionResponse:
    return node.submit(envelope, wait_for_commit=wait)


def _property_import_envelope(node: NodeProcess, builder: EnvelopeBuilder) -> bytes:
    number = next(_import_counter)
    action = property_import(
        cadastral_number=f"21:318:023:{number}:1/45",
        address=f"Astana, Mangilik El 5, apartment {number}",
        kind="APARTMENT",
        area_square_metres="54.30",
        holder_bin=KTK_BIN,
    )
    return builder.envelope(action, node.parties.registrar)


def test_health_reports_serving(shared_node: NodeProcess) -> None:
    health = health_pb2_grpc.HealthStub(shared_node.channel(shared_node.parties.registrar))
    for service in ("", LEDGER_SERVICE):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_ledger_service(shared_node: NodeProcess) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(
        shared_node.channel(shared_node.parties.registrar)
    )
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    (answer,) = list(stub.ServerReflectionInfo(iter([request]), timeout=10))
    names = {service.name for service in answer.list_services_response.service}
    assert LEDGER_SERVICE in names
    assert "grpc.health.v1.Health" in names


def test_connection_without_client_certificate_is_refused(shared_node: NodeProcess) -> None:
    anonymous = shared_node.ledger(None)
    with pytest.raises(grpc.RpcError) as raised:
        anonymous.GetChainInfo(api_pb2.GetChainInfoRequest(), timeout=10)
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE


def test_client_certificate_from_an_unknown_ca_is_refused(shared_node: NodeProcess) -> None:
    rogue = TestAuthority("Rogue CA", issuing_name="Rogue Issuing CA").issue_registrar()
    with pytest.raises(grpc.RpcError) as raised:
        shared_node.ledger(rogue).GetChainInfo(api_pb2.GetChainInfoRequest(), timeout=10)
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE


def test_malformed_protobuf_is_a_named_rejection_and_changes_nothing(
    shared_node: NodeProcess,
) -> None:
    before = _state_root(shared_node)
    response = _submit(shared_node, b"\xff\xff\xff not protobuf")
    assert response.status == api_pb2.REJECTED
    assert response.rejection.reason == "MALFORMED_ENVELOPE"
    assert response.transaction_id == ""
    assert _state_root(shared_node) == before


def test_oversized_transaction_is_a_named_rejection_and_changes_nothing(
    shared_node: NodeProcess,
) -> None:
    before = _state_root(shared_node)
    limit = shared_node.settings.max_transaction_bytes
    envelope = transaction_pb2.Envelope(body=b"\x00" * (limit + 1)).SerializeToString()
    response = _submit(shared_node, envelope)
    assert response.status == api_pb2.REJECTED
    assert response.rejection.reason == "OVERSIZED_TRANSACTION"
    assert _state_root(shared_node) == before


def test_transaction_for_another_chain_is_rejected_and_changes_nothing(
    shared_node: NodeProcess,
) -> None:
    before = _state_root(shared_node)
    envelope = _property_import_envelope(shared_node, EnvelopeBuilder("another-chain"))
    response = _submit(shared_node, envelope)
    assert (response.status, response.rejection.reason) == (api_pb2.REJECTED, "WRONG_CHAIN_ID")
    assert response.transaction_id  # the envelope decoded, so its id is known
    assert _state_root(shared_node) == before
    status = shared_node.ledger(shared_node.parties.registrar).GetTransaction(
        api_pb2.GetTransactionRequest(transaction_id=response.transaction_id)
    )
    # Never stored, but the node remembers its recent submission-time answers (api.proto).
    assert (status.status, status.rejection.reason) == (api_pb2.REJECTED, "WRONG_CHAIN_ID")
    assert status.rejection.reason_code == rejection_pb2.REJECTION_REASON_WRONG_CHAIN_ID


def test_committed_transaction_resubmitted_answers_its_commit(shared_node: NodeProcess) -> None:
    envelope = _property_import_envelope(shared_node, EnvelopeBuilder(CHAIN_ID))
    first = _submit(shared_node, envelope, wait=True)
    assert first.status == api_pb2.COMMITTED, first.rejection
    root = _state_root(shared_node)
    again = _submit(shared_node, envelope, wait=True)
    # The same transaction again is a retry, answered with its state; it executes once (issue 13).
    assert (again.status, again.height, again.rejection.reason) == (
        api_pb2.COMMITTED,
        first.height,
        "",
    )
    assert _state_root(shared_node) == root
    status = shared_node.ledger(shared_node.parties.registrar).GetTransaction(
        api_pb2.GetTransactionRequest(transaction_id=first.transaction_id)
    )
    assert (status.status, status.height, status.kind) == (
        api_pb2.COMMITTED,
        first.height,
        "property_import",
    )
    assert status.envelope == envelope


def test_blocks_are_served_with_their_commit_certificate(shared_node: NodeProcess) -> None:
    ledger = shared_node.ledger(shared_node.parties.registrar)
    latest = ledger.GetBlock(api_pb2.GetBlockRequest(height=0))
    assert latest.header.height >= 1
    assert latest.commit.block_hash == latest.block_hash
    assert [s.validator_id for s in latest.commit.signatures] == ["validator-1"]


def test_individuals_may_not_read_blocks(shared_node: NodeProcess) -> None:
    recipient = shared_node.ledger(shared_node.parties.recipient)
    with pytest.raises(grpc.RpcError) as raised:
        recipient.GetBlock(api_pb2.GetBlockRequest(height=1), timeout=10)
    assert raised.value.code() is grpc.StatusCode.PERMISSION_DENIED


def test_certificate_revoked_in_consensus_state_is_unauthenticated(
    shared_node: NodeProcess,
) -> None:
    authority = shared_node.parties.authority
    person = authority.issue_individual("Soon Revoked", GUARANTOR_IIN)
    ledger = shared_node.ledger(person)
    ledger.GetChainInfo(api_pb2.GetChainInfoRequest(), timeout=10)  # accepted before
    authority.revoke(person, datetime.now(UTC) - timedelta(minutes=1))
    update = EnvelopeBuilder(CHAIN_ID).envelope(
        revocation_list_update(authority.crl()), shared_node.parties.registrar
    )
    response = _submit(shared_node, update, wait=True)
    assert response.status == api_pb2.COMMITTED, response.rejection
    with pytest.raises(grpc.RpcError) as raised:
        ledger.GetChainInfo(api_pb2.GetChainInfoRequest(), timeout=10)
    assert raised.value.code() is grpc.StatusCode.UNAUTHENTICATED


@pytest.fixture
def own_node(tmp_path: Path) -> Iterator[NodeProcess]:
    process = NodeProcess(tmp_path / "node")
    try:
        process.start()
        yield process
    finally:
        process.close()


def test_notification_stream_ends_cleanly_on_shutdown(own_node: NodeProcess) -> None:
    stream = own_node.ledger(own_node.parties.registrar).SubscribeNotifications(
        api_pb2.SubscribeNotificationsRequest(from_height=1)
    )
    stream.initial_metadata()  # the server has accepted the subscription
    received: list[api_pb2.Notification] = []
    finished = threading.Event()
    errors: list[grpc.RpcError] = []

    def consume() -> None:
        try:
            received.extend(stream)
        except grpc.RpcError as error:
            errors.append(error)
        finally:
            finished.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    assert own_node.stop() == 0
    assert finished.wait(30)
    consumer.join()
    assert errors == [] and received == []
