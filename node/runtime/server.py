"""The gRPC server: the Ledger service, the standard health service and server reflection,
over mutual TLS only (DESIGN.md §6).

``require_client_auth=True``: a connection without a client certificate, or with one that does
not chain to the node's CA bundle, fails the TLS handshake and never reaches a handler.
The receive limit must exceed the genesis transaction size limit, so that an oversized
transaction reaches SubmitTransaction and gets the named rejection OVERSIZED_TRANSACTION
instead of a transport error; and it must admit the largest legal block with its proposal or
certificate around it (``peer_message_bytes``, node/peers/stream.py), or a full block could
never reach this node (issue 13). A configuration that cannot is refused at start-up
(``MessageLimitTooSmall``).

Clients and peers share one port and one pool of worker threads, so the pool is split
(``CallBudget``) into classes, and the pool has a thread for every call every class admits, so
no admitted call ever waits behind another class's calls (review finding #1):
  - client calls (Ledger, reflection): ``CLIENT_CALL_SLOTS`` run at once; up to
    ``CLIENT_QUEUE_LIMIT`` more wait (on their own thread, bounded by
    ``CLIENT_QUEUE_WAIT_SECONDS``) for a slot instead of being refused (issue 11: 64 and 256
    clients submitting and waiting for commit are queued, not refused). Only beyond both, or
    after that wait, is a call refused with RESOURCE_EXHAUSTED. Memory stays bounded: at most
    CLIENT_CALL_SLOTS + CLIENT_QUEUE_LIMIT client requests are held, each within
    ``[limits] max_message_bytes``; a waiting call costs a parked thread, not CPU;
  - unary Peer calls (block sync, the unary consensus calls): ``PEER_CALL_SLOTS``;
  - peer streams (``Exchange``, node/peers/stream.py): ``PEER_STREAM_SLOTS``, one per peer that
    streams to this node, held for the stream's life.
Health checks are not counted: Check is instant and Watch does not hold a thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from tirkeu_pb import api_pb2, api_pb2_grpc, peer_pb2

from ledger.chain.genesis import DEFAULT_MAX_BLOCK_BYTES, ChainLimits
from node.api.decoding import DecodingErrors
from node.api.reflection import enable_reflection
from node.api.service import LedgerService
from node.operations.config import ListenAddress
from node.operations.tls import TlsMaterial
from node.peers.service import PeerService, add_peer_service
from node.peers.stream import peer_message_bytes

LEDGER_SERVICE_NAME = api_pb2.DESCRIPTOR.services_by_name["Ledger"].full_name
PEER_SERVICE_NAME = peer_pb2.DESCRIPTOR.services_by_name["Peer"].full_name
# Room around an envelope in a SubmitTransactionRequest (field tags, lengths, the wait flag).
REQUEST_OVERHEAD_BYTES = 1024
CLIENT_CALL_SLOTS = 128
CLIENT_QUEUE_LIMIT = 384
CLIENT_QUEUE_WAIT_SECONDS = 30.0
PEER_CALL_SLOTS = 16
PEER_STREAM_SLOTS = 64  # the largest validator set a node streams with (Kazakhstan: 20 branches)
# A thread for every call the classes admit, plus room for health checks and calls refused at
# once (a refusal occupies a thread for microseconds).
MAX_WORKER_THREADS = (
    CLIENT_CALL_SLOTS + CLIENT_QUEUE_LIMIT + PEER_CALL_SLOTS + PEER_STREAM_SLOTS + 16
)
KEEPALIVE_TIME_MS = 60_000
KEEPALIVE_TIMEOUT_MS = 20_000
# Calls admitted by gRPC at once; more are RESOURCE_EXHAUSTED before reaching a thread.
MAX_CONCURRENT_RPCS = MAX_WORKER_THREADS


class ServerSetupError(Exception):
    """The server cannot be started as configured (limits, address in use)."""


class MessageLimitTooSmall(ServerSetupError):
    """``[limits] max_message_bytes`` cannot carry what the genesis limits make legal: the
    largest transaction with its request, or the largest block with its proposal."""

    def __init__(self, configured: int, required: int, what: str) -> None:
        super().__init__(
            f"limits.max_message_bytes {configured} is below {required}, the least that carries "
            f"{what}; raise it to at least {required}"
        )
        self.configured = configured
        self.required = required


def check_message_limit(max_message_bytes: int, limits: ChainLimits) -> None:
    """Raise MessageLimitTooSmall unless ``max_message_bytes`` admits every legal message."""
    for required, what in (
        (
            limits.max_transaction_bytes + REQUEST_OVERHEAD_BYTES,
            f"the genesis max_transaction_bytes {limits.max_transaction_bytes} in a request, so "
            "that oversized transactions get the named rejection",
        ),
        (
            peer_message_bytes(limits),
            f"a block of the genesis max_block_bytes {limits.max_block_bytes} between nodes",
        ),
    ):
        if max_message_bytes < required:
            raise MessageLimitTooSmall(max_message_bytes, required, what)


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
    max_block_bytes: int = DEFAULT_MAX_BLOCK_BYTES,
    peer_service: PeerService | None = None,
) -> RunningServer:
    """Bind and start; health says NOT_SERVING until the caller calls ``set_serving(True)``.
    Raises MessageLimitTooSmall when ``max_message_bytes`` cannot carry the genesis limits."""
    check_message_limit(
        max_message_bytes,
        ChainLimits(
            max_transaction_bytes=max_transaction_bytes,
            max_expiry_blocks=1,
            max_block_transactions=1,
            max_block_bytes=max_block_bytes,
        ),
    )
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=MAX_WORKER_THREADS, thread_name_prefix="grpc"),
        interceptors=[
            CallBudget(
                client_slots=CLIENT_CALL_SLOTS,
                peer_slots=PEER_CALL_SLOTS,
                client_queue=CLIENT_QUEUE_LIMIT,
                stream_slots=PEER_STREAM_SLOTS,
            ),
            # Undecodable requests to any service: INVALID_ARGUMENT with details, not INTERNAL.
            DecodingErrors("/"),
        ],
        maximum_concurrent_rpcs=MAX_CONCURRENT_RPCS,
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
            # A second node configured on a port in use must fail, not share it silently.
            ("grpc.so_reuseport", 0),
            # Keepalive (issue 13): ping a connection idle this long and drop it when the ping
            # goes unanswered, so a client that vanished (power cut, NAT timeout) frees its
            # notification streams. Clients may ping too, but not more often than every 10 s.
            ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
            ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
            ("grpc.keepalive_permit_without_calls", 1),
            # Keep pinging a connection whose only stream is a quiet notification stream (the
            # default stops after 2 pings without data, and a vanished client would go unseen).
            ("grpc.http2.max_pings_without_data", 0),
            # The least interval the server accepts between a client's pings without data.
            ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ],
    )
    api_pb2_grpc.add_LedgerServicer_to_server(service, server)  # type: ignore[no-untyped-call]
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    services = [LEDGER_SERVICE_NAME, health.SERVICE_NAME]
    if peer_service is not None:
        # Same port and TLS as the client API; the service itself admits only node certificates.
        add_peer_service(server, peer_service)
        services.append(PEER_SERVICE_NAME)
    enable_reflection(server, services)  # v1 and v1alpha (node/api/reflection.py)
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


# --- the thread budget --------------------------------------------------------------------------

_Behaviour = Callable[[Any, grpc.ServicerContext], Any]
if TYPE_CHECKING:  # generic in the type stubs only
    _Interceptor = grpc.ServerInterceptor[Any, Any]
else:
    _Interceptor = grpc.ServerInterceptor


class CallBudget(_Interceptor):
    """Caps the calls of each class (client, peer, peer stream) that run at once; client calls
    beyond their slots wait, up to ``client_queue`` of them and at most ``queue_wait_seconds``;
    anything beyond is RESOURCE_EXHAUSTED at once.

    The slot is taken on the worker thread when the call starts and given back when it ends
    (for a stream: when the stream ends), so a cancelled call never leaks a slot."""

    def __init__(
        self,
        *,
        client_slots: int,
        peer_slots: int,
        client_queue: int = 0,
        stream_slots: int = PEER_STREAM_SLOTS,
        queue_wait_seconds: float = CLIENT_QUEUE_WAIT_SECONDS,
    ) -> None:
        self._client = _Slots(client_slots, client_queue, queue_wait_seconds)
        self._peer = _Slots(peer_slots, 0, 0.0)
        self._stream = _Slots(stream_slots, 0, 0.0)

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or method.startswith(f"/{health.SERVICE_NAME}/"):
            return handler
        if method == f"/{PEER_SERVICE_NAME}/Exchange":
            return _bounded(handler, self._stream, "peer stream")
        if method.startswith(f"/{PEER_SERVICE_NAME}/"):
            return _bounded(handler, self._peer, "peer")
        return _bounded(handler, self._client, "client")


class _Slots:
    """``running`` slots and a waiting line of at most ``queue`` callers."""

    def __init__(self, running: int, queue: int, wait_seconds: float) -> None:
        self._running = threading.BoundedSemaphore(running)
        self._queue = threading.BoundedSemaphore(queue) if queue else None
        self._wait_seconds = wait_seconds

    def acquire(self) -> bool:
        if self._running.acquire(blocking=False):
            return True
        if self._queue is None or not self._queue.acquire(blocking=False):
            return False  # the line is full too
        try:
            return self._running.acquire(timeout=self._wait_seconds)
        finally:
            self._queue.release()

    def release(self) -> None:
        self._running.release()


def _bounded(
    handler: grpc.RpcMethodHandler[Any, Any], slots: _Slots, kind: str
) -> grpc.RpcMethodHandler[Any, Any]:
    refusal = f"the node is serving and queueing as many {kind} calls as it allows; try again"

    def unary(behaviour: _Behaviour) -> _Behaviour:
        def run(request: Any, context: grpc.ServicerContext) -> Any:
            if not slots.acquire():
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, refusal)
            try:
                return behaviour(request, context)
            finally:
                slots.release()

        return run

    def streaming(behaviour: _Behaviour) -> _Behaviour:
        def run(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            if not slots.acquire():
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, refusal)
            try:
                yield from behaviour(request, context)
            finally:
                slots.release()

        return run

    codecs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(unary(handler.unary_unary), **codecs)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(streaming(handler.unary_stream), **codecs)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(unary(handler.stream_unary), **codecs)
    if handler.stream_stream is not None:
        return grpc.stream_stream_rpc_method_handler(streaming(handler.stream_stream), **codecs)
    return handler
