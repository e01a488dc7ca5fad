"""The gRPC server: the Ledger service, the standard health service and server reflection,
over mutual TLS only (DESIGN.md §6).

``require_client_auth=True``: a connection without a client certificate, or with one that does
not chain to the node's CA bundle, fails the TLS handshake and never reaches a handler.
The receive limit must exceed the genesis transaction size limit, so that an oversized
transaction reaches SubmitTransaction and gets the named rejection OVERSIZED_TRANSACTION
instead of a transport error.
"""

from __future__ import annotations

from concurrent import futures
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from tirkeu_pb import api_pb2, api_pb2_grpc, peer_pb2

from node.api_service import LedgerService
from node.config import ListenAddress
from node.peer_service import PeerService, add_peer_service

LEDGER_SERVICE_NAME = api_pb2.DESCRIPTOR.services_by_name["Ledger"].full_name
PEER_SERVICE_NAME = peer_pb2.DESCRIPTOR.services_by_name["Peer"].full_name
# Room around an envelope in a SubmitTransactionRequest (field tags, lengths, the wait flag).
REQUEST_OVERHEAD_BYTES = 1024
MAX_WORKER_THREADS = 32


class ServerSetupError(Exception):
    """The server cannot be started as configured (limits, address in use)."""


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    certificate_chain_pem: bytes  # the node's certificate (then intermediates)
    private_key_pem: bytes
    trusted_client_roots_pem: bytes  # CA bundle that client certificates must chain to


@dataclass(slots=True)
class RunningServer:
    server: grpc.Server
    health: health.HealthServicer
    port: int

    def set_serving(self, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for service in ("", LEDGER_SERVICE_NAME):
            self.health.set(service, status)

    def stop(self, grace_seconds: float) -> None:
        self.health.enter_graceful_shutdown()
        self.server.stop(grace_seconds).wait()


def start_server(
    service: LedgerService,
    listen: ListenAddress,
    tls: TlsMaterial,
    *,
    max_message_bytes: int,
    max_transaction_bytes: int,
    peer_service: PeerService | None = None,
) -> RunningServer:
    """Bind and start; health says NOT_SERVING until the caller calls ``set_serving(True)``."""
    if max_message_bytes < max_transaction_bytes + REQUEST_OVERHEAD_BYTES:
        raise ServerSetupError(
            f"limits.max_message_bytes {max_message_bytes} must exceed the genesis "
            f"max_transaction_bytes {max_transaction_bytes} by {REQUEST_OVERHEAD_BYTES}, so that "
            "oversized transactions get the named rejection"
        )
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=MAX_WORKER_THREADS, thread_name_prefix="grpc"),
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            # A second node configured on a port in use must fail, not share it silently.
            ("grpc.so_reuseport", 0),
        ],
    )
    api_pb2_grpc.add_LedgerServicer_to_server(service, server)  # type: ignore[no-untyped-call]
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    services = [LEDGER_SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME]
    if peer_service is not None:
        # Same port and TLS as the client API; the service itself admits only node certificates.
        add_peer_service(server, peer_service)
        services.append(PEER_SERVICE_NAME)
    reflection.enable_server_reflection(tuple(services), server)
    credentials = grpc.ssl_server_credentials(
        [(tls.private_key_pem, tls.certificate_chain_pem)],
        root_certificates=tls.trusted_client_roots_pem,
        require_client_auth=True,
    )
    try:
        port = server.add_secure_port(str(listen), credentials)
    except RuntimeError as error:
        raise ServerSetupError(f"cannot listen on {listen}: {error}") from error
    if port == 0:
        raise ServerSetupError(f"cannot listen on {listen}")
    running = RunningServer(server, health_servicer, port)
    running.set_serving(False)
    server.start()
    return running
