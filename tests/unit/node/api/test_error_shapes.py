"""Error shapes on every service of a node's port (issue 13): undecodable bytes are
INVALID_ARGUMENT (UNDECODABLE_REQUEST) on the Peer service, its ``Exchange`` stream and the
health service too, not INTERNAL "Exception deserializing request!"; no error echoes a huge
argument back into the answer's trailers."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
import structlog
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2
from tirkeu_pb import api_pb2, api_pb2_grpc

from ledger.rejections import Rejection, RejectionReason
from node.api.errors import MAX_DETAIL_CHARS, bounded
from node.api.recent_rejections import RecentRejections
from node.peers.service import PeerService
from node.runtime.server import RunningServer
from tests.unit.node.api.conftest import Api, serve_validator
from tests.unit.node.api.test_api_errors import _refusal
from tests.unit.node.bft_fixtures import RecordingHandler
from tests.unit.node.conftest import InProcessNode

GARBAGE = b"\xff\xff\xff"


@pytest.fixture
def node_port(in_process: InProcessNode) -> Iterator[tuple[RunningServer, grpc.Channel]]:
    """The node's port as a validator serves it: Ledger, Peer, health and reflection."""
    parties = in_process.parties
    peers = PeerService(RecordingHandler(), in_process.setup, structlog.get_logger())
    server = serve_validator(in_process, peer_service=peers)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=parties.authority.chain_pem,
        private_key=parties.validator.key_pem,
        certificate_chain=parties.validator.pem + parties.authority.intermediate.pem,
    )
    channel = grpc.secure_channel(f"127.0.0.1:{server.port}", credentials)
    try:
        yield server, channel
    finally:
        channel.close()
        in_process.node.signal.close()
        server.stop(0)


def _identity(data: bytes) -> bytes:
    return data


@pytest.mark.parametrize(
    "method",
    ["/tirkeu.v1.Peer/GetPeerStatus", "/tirkeu.v1.Peer/GetBlocks", "/grpc.health.v1.Health/Check"],
)
def test_garbage_to_any_unary_method_is_invalid_argument(
    node_port: tuple[RunningServer, grpc.Channel], method: str
) -> None:
    _, channel = node_port
    call = channel.unary_unary(
        method, request_serializer=_identity, response_deserializer=_identity
    )
    error, details = _refusal(lambda: call(GARBAGE, timeout=10))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT, error.details()
    assert getattr(details["ErrorInfo"], "reason", "") == "UNDECODABLE_REQUEST"
    # The same channel still works: a valid request to the same service is answered.
    check = channel.unary_unary(
        "/grpc.health.v1.Health/Check",
        request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
        response_deserializer=health_pb2.HealthCheckResponse.FromString,
    )
    answer = check(health_pb2.HealthCheckRequest(), timeout=10)
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_garbage_in_the_peer_stream_is_invalid_argument(
    node_port: tuple[RunningServer, grpc.Channel],
) -> None:
    _, channel = node_port
    exchange = channel.stream_stream(
        "/tirkeu.v1.Peer/Exchange", request_serializer=_identity, response_deserializer=_identity
    )
    with pytest.raises(grpc.RpcError) as raised:
        list(exchange(iter([GARBAGE]), timeout=10))
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT, raised.value.details()
    assert "tirkeu.v1.Peer/Exchange" in (raised.value.details() or "")


def test_a_megabyte_argument_is_not_echoed_back(api: Api) -> None:
    huge = "7" * (1024 * 1024)
    stub = api.ledger(api.in_process.parties.registrar)
    error, details = _refusal(
        lambda: stub.GetProperty(api_pb2.GetPropertyRequest(cadastral_number=huge), timeout=10)
    )
    assert error.code() is grpc.StatusCode.NOT_FOUND, error.details()
    message = error.details() or ""
    assert len(message) < MAX_DETAIL_CHARS + 64
    assert message.endswith(f"…({len(f'no property {huge!r}')} bytes)")
    info = details["ErrorInfo"]
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert info.reason == "PROPERTY_NOT_FOUND"
    assert all(len(value) <= MAX_DETAIL_CHARS + 32 for value in info.metadata.values())


def test_bounded_keeps_short_texts_and_cuts_long_ones_naming_their_length() -> None:
    assert bounded("short") == "short"
    assert bounded("ж" * 10, limit=4) == "жжжж…(20 bytes)"
    assert bounded("😀" * 10, limit=4) == "😀😀…(40 bytes)"  # at most 2 × limit bytes


def test_remembered_rejections_keep_a_bounded_detail() -> None:
    """A detail may quote the envelope; 4096 remembered 200 KB details would be a gigabyte."""
    memory = RecentRejections()
    memory.remember("a" * 64, Rejection(RejectionReason.WRONG_CHAIN_ID, "c" * 200_000))
    kept = memory.lookup("a" * 64)
    assert kept is not None and kept.reason is RejectionReason.WRONG_CHAIN_ID
    assert kept.detail == bounded("c" * 200_000)
    assert len(kept.detail) < MAX_DETAIL_CHARS + 32


@pytest.mark.parametrize("character", ["ж", "😀"])
def test_a_long_argument_of_wide_characters_still_gets_its_named_answer(
    api: Api, character: str
) -> None:
    """Review: the bound was in characters, but the trailers carry the message percent-encoded
    (grpc-message: up to twelve bytes a character) and again in grpc-status-details-bin (base64),
    and 512 four-byte characters made them over 10 KiB. gRPC refuses trailers over 8 KiB (Java
    always; Python, C++ and Go at random between 8 and 16 KiB), so a client saw
    RESOURCE_EXHAUSTED, which it retries, instead of NOT_FOUND. The client here holds to 8 KiB."""
    wide = character * 100_000  # within the 4 MiB request limit in bytes
    parties = api.in_process.parties
    credentials = grpc.ssl_channel_credentials(
        root_certificates=parties.authority.chain_pem,
        private_key=parties.registrar.key_pem,
        certificate_chain=parties.registrar.pem + parties.authority.intermediate.pem,
    )
    eight_kib = [("grpc.max_metadata_size", 8192), ("grpc.absolute_max_metadata_size", 8192)]
    channel = grpc.secure_channel(f"127.0.0.1:{api.server.port}", credentials, eight_kib)
    api.channels.append(channel)
    stub = api_pb2_grpc.LedgerStub(channel)  # type: ignore[no-untyped-call]
    error, details = _refusal(
        lambda: stub.GetProperty(api_pb2.GetPropertyRequest(cadastral_number=wide), timeout=10)
    )
    assert error.code() is grpc.StatusCode.NOT_FOUND, error.details()
    info = details["ErrorInfo"]
    assert isinstance(info, error_details_pb2.ErrorInfo)
    assert info.reason == "PROPERTY_NOT_FOUND"
