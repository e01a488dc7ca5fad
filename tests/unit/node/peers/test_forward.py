"""KTK's observer forwards submissions in batches (node/peers/forward.py, peer.proto
``ForwardTransactions``): who may forward, answers in order, batching under load, failures
named. Real gRPC servers on 127.0.0.1 with mutual TLS; the validator's admission is reduced
to a function (the node's ``submit_batch`` is tested with the node)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from dataclasses import dataclass, field

import grpc
import pytest
import structlog
from tirkeu_pb import api_pb2, peer_pb2, peer_pb2_grpc

from clients.pki.authority import IssuedCertificate
from node.chain.ledger_node import SubmissionUnavailable, TransactionState, TransactionStatus
from node.peers.forward import MAX_IN_FLIGHT, ForwardBatcher, ForwardFailed
from node.peers.service import MAX_FORWARDED_PER_CALL, Forwarding, PeerService, add_peer_service
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators, RecordingHandler

DEADLINE_SECONDS = 10.0


def _poll(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        threading.Event().wait(0.01)
    return condition()


@dataclass
class GatedAdmission:
    """Answers each envelope PENDING under its own bytes as id, once ``gate`` is open."""

    gate: threading.Event = field(default_factory=threading.Event)
    calls: list[list[bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, envelopes: Sequence[bytes], wait: bool) -> list[TransactionState]:
        with self.lock:
            self.calls.append(list(envelopes))
        if not self.gate.wait(DEADLINE_SECONDS):
            raise SubmissionUnavailable("the gate never opened")
        return [TransactionState(e.decode(), TransactionStatus.PENDING) for e in envelopes]


@dataclass
class Served:
    chain: FourValidators
    port: int
    channels: list[grpc.Channel] = field(default_factory=list)

    def channel(self, caller: IssuedCertificate) -> grpc.Channel:
        authority = self.chain.parties.authority
        credentials = grpc.ssl_channel_credentials(
            root_certificates=authority.chain_pem,
            private_key=caller.key_pem,
            certificate_chain=caller.pem + authority.intermediate.pem,
        )
        channel = grpc.secure_channel(f"127.0.0.1:{self.port}", credentials)
        self.channels.append(channel)
        return channel


@pytest.fixture(scope="module")
def chain() -> FourValidators:
    return FourValidators.create()


def _serve(chain: FourValidators, forwarding: Forwarding | None) -> tuple[grpc.Server, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT + 4))
    service = PeerService(
        RecordingHandler(), chain.setup, structlog.get_logger(), forwarding=forwarding
    )
    add_peer_service(server, service)
    identity = chain.keys[VALIDATOR_IDS[0]]
    authority = chain.parties.authority
    credentials = grpc.ssl_server_credentials(
        [(identity.key_pem, identity.pem + authority.intermediate.pem)],
        root_certificates=authority.chain_pem,
        require_client_auth=True,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return server, port


@pytest.fixture
def admission() -> GatedAdmission:
    return GatedAdmission()


@pytest.fixture
def served(chain: FourValidators, admission: GatedAdmission) -> Iterator[Served]:
    server, port = _serve(chain, admission)
    running = Served(chain, port)
    try:
        yield running
    finally:
        admission.gate.set()
        for channel in running.channels:
            channel.close()
        server.stop(None).wait()


def _forward(channel: grpc.Channel, envelopes: list[bytes]) -> peer_pb2.ForwardTransactionsResponse:
    stub = peer_pb2_grpc.PeerStub(channel)  # type: ignore[no-untyped-call]
    request = peer_pb2.ForwardTransactionsRequest(envelopes=envelopes)
    response: peer_pb2.ForwardTransactionsResponse = stub.ForwardTransactions(
        request, timeout=DEADLINE_SECONDS
    )
    return response


def test_only_the_chains_own_nodes_may_forward(served: Served, admission: GatedAdmission) -> None:
    admission.gate.set()
    answers = _forward(served.channel(served.chain.observer), [b"a", b"b"]).answers
    assert [(a.transaction_id, a.status) for a in answers] == [
        ("a", api_pb2.PENDING),
        ("b", api_pb2.PENDING),
    ]
    assert _forward(served.channel(served.chain.keys[VALIDATOR_IDS[2]]), [b"c"]).answers
    stranger = served.chain.parties.authority.issue_node("someones-server")
    for caller in (stranger, served.chain.parties.registrar):
        with pytest.raises(grpc.RpcError) as refused:
            _forward(served.channel(caller), [b"x"])
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as too_many:
        _forward(served.channel(served.chain.observer), [b"y"] * (MAX_FORWARDED_PER_CALL + 1))
    assert too_many.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert [len(call) for call in admission.calls] == [2, 1]


def test_a_node_without_forwarding_says_unavailable(chain: FourValidators) -> None:
    server, port = _serve(chain, None)
    served = Served(chain, port)
    try:
        with pytest.raises(grpc.RpcError) as refused:
            _forward(served.channel(chain.observer), [b"a"])
        assert refused.value.code() is grpc.StatusCode.UNAVAILABLE
    finally:
        for channel in served.channels:
            channel.close()
        server.stop(None).wait()


def test_concurrent_submissions_go_in_batches_and_each_gets_its_own_answer(
    served: Served, admission: GatedAdmission
) -> None:
    batcher = ForwardBatcher(served.channel(served.chain.observer), "v0", structlog.get_logger())
    answers: dict[bytes, str] = {}
    envelopes = [b"tx-%d" % n for n in range(60)]

    def submit(envelope: bytes) -> None:
        answers[envelope] = batcher.submit(envelope, wait_for_commit=True).transaction_id

    threads = [threading.Thread(target=submit, args=(e,), daemon=True) for e in envelopes]
    try:
        for thread in threads:
            thread.start()
        # While the validator holds the first calls, the rest wait in the observer's queue...
        assert _poll(lambda: len(admission.calls) == MAX_IN_FLIGHT)
        assert _poll(lambda: batcher.queued() == 60 - sum(len(c) for c in admission.calls))
        admission.gate.set()  # ...and go together once a call returns
        for thread in threads:
            thread.join(DEADLINE_SECONDS)
        assert answers == {e: e.decode() for e in envelopes}
        assert len(admission.calls) <= MAX_IN_FLIGHT + 1
        assert batcher.calls == len(admission.calls)
    finally:
        admission.gate.set()
        batcher.close()


def test_a_failed_batch_fails_each_of_its_submissions_by_name(
    served: Served, admission: GatedAdmission
) -> None:
    batcher = ForwardBatcher(
        served.channel(served.chain.parties.registrar), "v0", structlog.get_logger()
    )
    try:
        with pytest.raises(ForwardFailed, match="PERMISSION_DENIED"):
            batcher.submit(b"tx", wait_for_commit=False)
    finally:
        batcher.close()
    with pytest.raises(ForwardFailed, match="stopping"):
        batcher.submit(b"tx", wait_for_commit=False)


def test_a_forwarded_batch_stays_within_the_peer_message_limit(
    served: Served, admission: GatedAdmission
) -> None:
    """Issue 13: up to 200 envelopes of up to 256 KiB made a call no validator received; a
    batch now stops at ``max_batch_bytes`` (node/peers/stream.py ``peer_message_bytes``)."""
    limit = 10_000
    batcher = ForwardBatcher(
        served.channel(served.chain.observer), "v0", structlog.get_logger(), max_batch_bytes=limit
    )
    envelopes = [b"tx-%02d" % n + b"x" * 3000 for n in range(30)]
    answers: dict[bytes, str] = {}

    def submit(envelope: bytes) -> None:
        answers[envelope] = batcher.submit(envelope, wait_for_commit=False).transaction_id

    threads = [threading.Thread(target=submit, args=(e,), daemon=True) for e in envelopes]
    try:
        for thread in threads:
            thread.start()
        assert _poll(lambda: len(admission.calls) == MAX_IN_FLIGHT)
        # At most 3 x 8 are in the held calls: at least 6 wait, and go three to a batch.
        assert _poll(lambda: batcher.queued() == 30 - sum(len(c) for c in admission.calls))
        admission.gate.set()
        for thread in threads:
            thread.join(DEADLINE_SECONDS)
        assert answers == {e: e.decode() for e in envelopes}
        assert all(sum(len(e) + 6 for e in call) <= limit for call in admission.calls)
        assert max(len(call) for call in admission.calls) == 3
    finally:
        admission.gate.set()
        batcher.close()
