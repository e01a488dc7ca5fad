"""Review finding #6: only the chain's own nodes read everything, and block sync judges the
caller against consensus state.

- Ledger API: a genesis validator and KTK's observer (a node certificate bound to KTK's BIN)
  read everything; any other node certificate of a trusted CA reads no more than any
  authenticated caller (ledger/identity/roles.py ``is_chain_node``).
- Peer API block sync (real gRPC on 127.0.0.1, mutual TLS): a node certificate is judged like a
  Ledger caller (trust store and CRLs in state), so one revoked on the chain is UNAUTHENTICATED.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import structlog
from tirkeu_pb import peer_pb2, peer_pb2_grpc

from clients.pki.authority import IssuedCertificate
from clients.transaction_builders import revocation_list_update
from node.api.identity import identify_caller
from node.operations.tls import TlsMaterial
from node.peers.service import PeerService
from tests.pki_fixtures import KTK_BIN, OTHER_BIN
from tests.unit.node.bft_fixtures import RecordingHandler
from tests.unit.node.conftest import InProcessNode

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
DEADLINE_SECONDS = 10


def test_a_genesis_validator_reads_everything(in_process: InProcessNode) -> None:
    caller = identify_caller([in_process.parties.validator.pem], in_process.store.state, NOW)
    assert caller.reads_everything and caller.may_read_blocks() and caller.may_read_envelopes()


def test_ktks_observer_node_reads_everything(in_process: InProcessNode) -> None:
    observer = in_process.parties.authority.issue_node(
        "ktk-observer", organisation="KTK", bin_=KTK_BIN
    )
    caller = identify_caller([observer.pem], in_process.store.state, NOW)
    assert caller.reads_everything and caller.may_read_blocks()


@pytest.mark.parametrize("bin_", [None, OTHER_BIN])
def test_any_other_node_certificate_reads_nothing_private(
    in_process: InProcessNode, bin_: str | None
) -> None:
    stranger = in_process.parties.authority.issue_node(
        "someones-server", organisation=None if bin_ is None else "Other", bin_=bin_
    )
    caller = identify_caller([stranger.pem], in_process.store.state, NOW)
    assert not caller.reads_everything
    assert not caller.may_read_blocks()
    assert not caller.may_read_envelopes()
    assert not caller.may_list_applications()


@pytest.fixture
def peer_port(in_process: InProcessNode) -> Iterator[int]:
    parties = in_process.parties
    service = PeerService(
        RecordingHandler(),
        in_process.setup,
        structlog.get_logger(),
        state=in_process.store.state,
        clock=lambda: NOW,
    )
    server = grpc.server(futures.ThreadPoolExecutor(2))
    peer_pb2_grpc.add_PeerServicer_to_server(service, server)  # type: ignore[no-untyped-call]
    tls = TlsMaterial(
        parties.validator.pem + parties.authority.intermediate.pem,
        parties.validator.key_pem,
        parties.authority.chain_pem,
    )
    credentials = grpc.ssl_server_credentials(
        [(tls.private_key_pem, tls.certificate_chain_pem)],
        root_certificates=tls.trusted_client_roots_pem,
        require_client_auth=True,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    try:
        yield port
    finally:
        server.stop(None).wait()


def _get_blocks(in_process: InProcessNode, port: int, caller: IssuedCertificate) -> object:
    authority = in_process.parties.authority
    credentials = grpc.ssl_channel_credentials(
        root_certificates=authority.chain_pem,
        private_key=caller.key_pem,
        certificate_chain=caller.pem + authority.intermediate.pem,
    )
    with grpc.secure_channel(f"127.0.0.1:{port}", credentials) as channel:
        stub = peer_pb2_grpc.PeerStub(channel)  # type: ignore[no-untyped-call]
        return stub.GetBlocks(
            peer_pb2.GetBlocksRequest(from_height=1, max_blocks=1), timeout=DEADLINE_SECONDS
        )


def test_a_node_revoked_in_state_can_no_longer_sync_blocks(
    in_process: InProcessNode, peer_port: int
) -> None:
    authority = in_process.parties.authority
    node = authority.issue_node("ktk-observer", organisation="KTK", bin_=KTK_BIN)
    assert _get_blocks(in_process, peer_port, node) is not None
    authority.revoke(node, NOW - timedelta(days=1))
    update = in_process.builder.envelope(
        revocation_list_update(authority.crl()), in_process.parties.registrar
    )
    assert in_process.node.submit(update, wait_for_commit=False).rejection is None
    in_process.engine.seal_block()
    with pytest.raises(grpc.RpcError) as refused:
        _get_blocks(in_process, peer_port, node)
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "revoked" in (refused.value.details() or "")


def test_a_person_may_not_sync_blocks(in_process: InProcessNode, peer_port: int) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        _get_blocks(in_process, peer_port, in_process.parties.recipient)
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
