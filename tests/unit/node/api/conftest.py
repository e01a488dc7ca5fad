"""The Ledger service in process over real mutual TLS (node/runtime/server.py), shared by the
tests of this folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import grpc
import pytest
from tirkeu_pb import api_pb2, api_pb2_grpc

from clients.pki.authority import IssuedCertificate
from node.api.service import LedgerService
from node.operations.config import ListenAddress
from node.operations.tls import TlsMaterial
from node.peers.service import PeerService
from node.runtime.server import RunningServer, start_server
from tests.registry_fixtures import FIRST_BLOCK_TIME, envelope_transaction_id
from tests.unit.ledger.registry.story import Story
from tests.unit.node.conftest import InProcessNode

NOW = FIRST_BLOCK_TIME + timedelta(days=1)


def serve_validator(
    in_process: InProcessNode,
    *,
    port: int = 0,
    peer_service: PeerService | None = None,
    now: datetime = NOW,
) -> RunningServer:
    """``in_process`` served on 127.0.0.1 as validator-1 serves it (node/runtime/server.py,
    mutual TLS with the validator's certificate; the Peer service too when given), SERVING.
    The caller stops it."""
    parties = in_process.parties
    service = LedgerService(
        in_process.node, node_id="validator-1", role="validator", clock=lambda: now
    )
    server = start_server(
        service,
        ListenAddress("127.0.0.1", port),
        TlsMaterial(
            parties.validator.pem + parties.authority.intermediate.pem,
            parties.validator.key_pem,
            parties.authority.chain_pem,
        ),
        max_message_bytes=4 * 1024 * 1024,
        max_transaction_bytes=in_process.setup.genesis.limits.max_transaction_bytes,
        peer_service=peer_service,
    )
    server.set_serving(True)
    return server


@dataclass
class Api:
    in_process: InProcessNode
    server: RunningServer
    story: Story
    channels: list[grpc.Channel]

    def ledger(self, client: IssuedCertificate) -> api_pb2_grpc.LedgerStub:
        authority = self.in_process.parties.authority
        credentials = grpc.ssl_channel_credentials(
            root_certificates=authority.chain_pem,
            private_key=client.key_pem,
            certificate_chain=client.pem + authority.intermediate.pem,
        )
        channel = grpc.secure_channel(f"127.0.0.1:{self.server.port}", credentials)
        self.channels.append(channel)
        return api_pb2_grpc.LedgerStub(channel)  # type: ignore[no-untyped-call]

    def submit_and_seal(self, action: object, *signers: IssuedCertificate) -> str:
        envelope = self.story.envelope(action, *signers)  # type: ignore[arg-type]
        response = self.ledger(self.in_process.parties.registrar).SubmitTransaction(
            api_pb2.SubmitTransactionRequest(envelope=envelope)
        )
        assert response.status == api_pb2.PENDING, response.rejection
        self.in_process.engine.seal_block()
        return envelope_transaction_id(envelope)


@pytest.fixture
def api(in_process: InProcessNode) -> Iterator[Api]:
    server = serve_validator(in_process)
    made = Api(in_process, server, Story(in_process.parties, in_process.setup.genesis), [])
    try:
        yield made
    finally:
        for channel in made.channels:
            channel.close()
        in_process.node.signal.close()  # ends open notification streams
        server.stop(0)
