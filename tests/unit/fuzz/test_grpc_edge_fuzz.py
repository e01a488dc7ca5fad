"""Fuzzing the node's gRPC edge once over a real server: the client API (Ledger) and the Peer
service on one port with mutual TLS (node/runtime/server.py ``start_server``), a real LevelDB
store, random bytes (and mutations of valid requests) as the request of every method.

The answer is a status a caller can act on: OK, or one of the named refusals (INVALID_ARGUMENT,
NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED, FAILED_PRECONDITION, OUT_OF_RANGE,
RESOURCE_EXHAUSTED, and UNAVAILABLE where a call names a service this node does not offer), never
INTERNAL or UNKNOWN (a request the node could not read is the caller's fault, not the node's).
Streaming calls may also end at their deadline. After the run the node still answers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import grpc
import pytest
import structlog
from google.protobuf.descriptor import MethodDescriptor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tirkeu_pb import api_pb2, peer_pb2

from clients.pki.authority import IssuedCertificate
from consensus.types import BlockId, Height, Proposal, Round, ValidatorId, Vote, VoteType
from node.chain.open import chain_setup
from node.chain.signed_messages import sign_proposal, sign_vote
from node.peers.service import PeerService
from node.runtime.server import RunningServer
from tests.registry_fixtures import FIRST_BLOCK_TIME, Parties, make_genesis_document
from tests.unit.fuzz.support import FUZZ, LONG_RUN_VARIABLE, bytes_of
from tests.unit.node.api.conftest import serve_validator
from tests.unit.node.bft_fixtures import RecordingHandler
from tests.unit.node.conftest import InProcessNode, make_node

CALL_SECONDS = 10  # a bound on each call, so that no example can hang the test
ACCEPTABLE = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}
# ForwardTransactions on a node that takes no forwarded submissions names that, as UNAVAILABLE.
UNAVAILABLE_BY_DESIGN = {"/tirkeu.v1.Peer/ForwardTransactions"}
STREAMING_ENDS = {grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}


@dataclass(frozen=True)
class Method:
    path: str
    client_streaming: bool
    server_streaming: bool
    seeds: tuple[bytes, ...]  # valid requests of the method, to mutate


def _methods(service: object, seeds: Mapping[str, tuple[bytes, ...]]) -> list[Method]:
    found = []
    for method in service.methods:  # type: ignore[attr-defined]
        assert isinstance(method, MethodDescriptor)
        request = method.input_type.full_name
        found.append(
            Method(
                f"/{method.containing_service.full_name}/{method.name}",
                method.client_streaming,
                method.server_streaming,
                seeds.get(request, (b"",)),
            )
        )
    return found


_SEEDS = {
    "tirkeu.v1.GetPropertyRequest": (
        api_pb2.GetPropertyRequest(cadastral_number="21:318:023:1245:1/45").SerializeToString(),
    ),
    "tirkeu.v1.GetBlockRequest": (api_pb2.GetBlockRequest(height=1).SerializeToString(),),
    "tirkeu.v1.GetBlocksRequest": (
        peer_pb2.GetBlocksRequest(from_height=1, max_blocks=2).SerializeToString(),
    ),
    "tirkeu.v1.ListApplicationsRequest": (
        api_pb2.ListApplicationsRequest(status="PENDING").SerializeToString(),
    ),
}
METHODS = _methods(api_pb2.DESCRIPTOR.services_by_name["Ledger"], _SEEDS) + _methods(
    peer_pb2.DESCRIPTOR.services_by_name["Peer"], _SEEDS
)


@cache
def _parties() -> Parties:
    return Parties.create()


@cache
def _signed_seeds(path: str) -> tuple[bytes, ...]:
    """Consensus messages signed by the validator of the served chain, made once (ECDSA is
    randomized), so that mutations reach the signature checks, not only the decoder."""
    key = _parties().validator.key
    chain_id = make_genesis_document(_parties())["chain_id"]
    vote = sign_vote(
        key,
        chain_id,
        Vote(
            VoteType.PREVOTE, Height(1), Round(0), BlockId(b"\xa1" * 32), ValidatorId("validator-1")
        ),
    )
    proposal = sign_proposal(
        key,
        chain_id,
        Proposal(Height(1), Round(0), BlockId(b"\xa1" * 32), Round(-1), ValidatorId("validator-1")),
        b"",
    )
    messages = [peer_pb2.ConsensusMessage(vote=vote), peer_pb2.ConsensusMessage(proposal=proposal)]
    if path.endswith("/SendConsensus"):
        return tuple(m.SerializeToString() for m in messages)
    if path.endswith("/Exchange"):
        return (peer_pb2.PeerBatch(sequence=1, consensus=messages).SerializeToString(),)
    return ()


@dataclass(repr=False)
class Edge:
    node: InProcessNode
    server: RunningServer
    channel: grpc.Channel

    def __repr__(self) -> str:
        return f"Edge(127.0.0.1:{self.server.port})"

    def call(self, method: Method, request: bytes) -> grpc.StatusCode:
        """The status the node answers ``request`` with (bytes sent exactly as given)."""
        identity = {"request_serializer": _raw, "response_deserializer": _raw}
        try:
            if method.client_streaming:
                stream = self.channel.stream_stream(method.path, **identity)
                for _ in stream(iter([request]), timeout=CALL_SECONDS):
                    pass
            elif method.server_streaming:
                answers = self.channel.unary_stream(method.path, **identity)
                call = answers(request, timeout=CALL_SECONDS)
                next(iter(call), None)  # the first answer (or the refusal) is what is judged
                call.cancel()  # type: ignore[no-untyped-call]
            else:
                self.channel.unary_unary(method.path, **identity)(request, timeout=CALL_SECONDS)
        except grpc.RpcError as error:
            code: grpc.StatusCode = error.code()
            return code
        return grpc.StatusCode.OK


def _raw(data: bytes) -> bytes:
    return data


def _channel(parties: Parties, client: IssuedCertificate, port: int) -> grpc.Channel:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=parties.authority.chain_pem,
        private_key=client.key_pem,
        certificate_chain=client.pem + parties.authority.intermediate.pem,
    )
    return grpc.secure_channel(f"127.0.0.1:{port}", credentials)


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    parties = _parties()
    setup = chain_setup(json.dumps(make_genesis_document(parties)).encode())
    node = make_node(Path(tmp_path_factory.mktemp("edge")) / "data", setup, parties)
    node.engine.seal_block()  # one (empty) block, so that block queries have something to find
    server = serve_validator(
        node,
        peer_service=PeerService(RecordingHandler(), setup, structlog.get_logger()),
        now=FIRST_BLOCK_TIME,
    )
    # The validator's own certificate: a validator in the schedule, so that Peer calls pass the
    # caller checks and the request itself is what is judged.
    channel = _channel(parties, parties.validator, server.port)
    made = Edge(node, server, channel)
    try:
        yield made
    finally:
        channel.close()
        node.node.signal.close()
        server.stop(0)
        node.store.close()


# Each example is a real TLS round trip on a shared machine: CI draws GRPC_CI_EXAMPLES of them,
# the long profile (TIRKEU_FUZZ_EXAMPLES) its full count.
GRPC_CI_EXAMPLES = 60


@settings(
    FUZZ,
    max_examples=FUZZ.max_examples if LONG_RUN_VARIABLE in os.environ else GRPC_CI_EXAMPLES,
    suppress_health_check=[*FUZZ.suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_every_method_answers_random_requests_with_a_named_status(
    edge: Edge, data: st.DataObject
) -> None:
    method = data.draw(st.sampled_from(METHODS), label="method")
    request = data.draw(bytes_of(method.seeds + _signed_seeds(method.path)), label="request")
    code = edge.call(method, request)
    allowed = ACCEPTABLE | (STREAMING_ENDS if method.server_streaming else set())
    if method.path in UNAVAILABLE_BY_DESIGN:
        allowed = allowed | {grpc.StatusCode.UNAVAILABLE}
    assert code in allowed, f"{method.path}: {code.name} for {request[:64]!r}"


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.path.rsplit(".", 1)[-1])
def test_undecodable_bytes_are_invalid_argument_on_every_method(edge: Edge, method: Method) -> None:
    # 0xff...: a field number 0 with an overlong varint, which no protobuf parser accepts.
    assert edge.call(method, b"\xff\xff\xff") == grpc.StatusCode.INVALID_ARGUMENT


def test_the_node_still_serves_after_the_fuzzing(edge: Edge) -> None:
    info = next(m for m in METHODS if m.path.endswith("/GetChainInfo"))
    assert edge.call(info, api_pb2.GetChainInfoRequest().SerializeToString()) is grpc.StatusCode.OK
