"""Review finding #1: clients cannot take every worker thread of the shared gRPC server.

Real servers on 127.0.0.1 with mutual TLS: notification streams are capped per certificate
(RESOURCE_EXHAUSTED beyond), and while a caller holds its streams a registrar's call and the
Peer service still answer. ``CallBudget`` is checked with tiny budgets: a full client class is
refused at once and never delays Peer calls."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import grpc
import pytest
import structlog
from tirkeu_pb import api_pb2, api_pb2_grpc, peer_pb2, peer_pb2_grpc

from clients.pki.authority import IssuedCertificate
from node.api.notifications import MAX_STREAMS_PER_CALLER, StreamClass, StreamSlots
from node.api.service import LedgerService
from node.chain.open import ChainSetup
from node.operations.config import ListenAddress
from node.operations.tls import TlsMaterial
from node.peers.service import PeerService, add_peer_service
from node.runtime.server import CallBudget, RunningServer, start_server
from tests.registry_fixtures import FIRST_BLOCK_TIME, Parties
from tests.unit.node.bft_fixtures import RecordingHandler
from tests.unit.node.conftest import InProcessNode, make_node

DEADLINE_SECONDS = 10


@dataclass
class Served:
    parties: Parties
    port: int
    channels: list[grpc.Channel] = field(default_factory=list)

    def channel(self, caller: IssuedCertificate) -> grpc.Channel:
        authority = self.parties.authority
        credentials = grpc.ssl_channel_credentials(
            root_certificates=authority.chain_pem,
            private_key=caller.key_pem,
            certificate_chain=caller.pem + authority.intermediate.pem,
        )
        channel = grpc.secure_channel(f"127.0.0.1:{self.port}", credentials)
        self.channels.append(channel)
        return channel

    def ledger(self, caller: IssuedCertificate) -> api_pb2_grpc.LedgerStub:
        return api_pb2_grpc.LedgerStub(self.channel(caller))  # type: ignore[no-untyped-call]

    def peer(self, caller: IssuedCertificate) -> peer_pb2_grpc.PeerStub:
        return peer_pb2_grpc.PeerStub(self.channel(caller))  # type: ignore[no-untyped-call]

    def subscribe(self, caller: IssuedCertificate) -> grpc.Call:
        call = self.ledger(caller).SubscribeNotifications(
            api_pb2.SubscribeNotificationsRequest(from_height=1)
        )
        call.initial_metadata()  # the stream is in place, or it has already ended refused
        return call  # type: ignore[no-any-return]

    def close(self) -> None:
        for channel in self.channels:
            channel.close()


def _tls(parties: Parties) -> TlsMaterial:
    return TlsMaterial(
        parties.validator.pem + parties.authority.intermediate.pem,
        parties.validator.key_pem,
        parties.authority.chain_pem,
    )


@pytest.fixture
def node(tmp_path: Path, setup: ChainSetup, parties: Parties) -> Iterator[InProcessNode]:
    made = make_node(tmp_path / "d", setup, parties)
    try:
        yield made
    finally:
        made.node.signal.close()  # ends open streams
        made.store.close()


def _start(node: InProcessNode) -> RunningServer:
    service = LedgerService(
        node.node, node_id="v", role="validator", clock=lambda: FIRST_BLOCK_TIME + timedelta(days=1)
    )
    peer = PeerService(RecordingHandler(), node.setup, structlog.get_logger())
    server = start_server(
        service,
        ListenAddress("127.0.0.1", 0),
        _tls(node.parties),
        max_message_bytes=4 * 1024 * 1024,
        max_transaction_bytes=node.setup.genesis.limits.max_transaction_bytes,
        peer_service=peer,
    )
    server.set_serving(True)
    return server


def _refusal(call: grpc.Call) -> grpc.StatusCode | None:
    """The code a stream ended with, or None when it is still open."""
    return None if call.is_active() else call.code()


def test_streams_beyond_the_per_certificate_cap_are_refused_and_others_still_answer(
    node: InProcessNode,
) -> None:
    server = _start(node)
    served = Served(node.parties, server.port)
    try:
        admitted = [served.subscribe(node.parties.recipient) for _ in range(MAX_STREAMS_PER_CALLER)]
        refused = [served.subscribe(node.parties.recipient) for _ in range(3)]
        assert [_refusal(call) for call in admitted] == [None] * MAX_STREAMS_PER_CALLER
        assert [_refusal(call) for call in refused] == [grpc.StatusCode.RESOURCE_EXHAUSTED] * 3
        assert "per certificate" in refused[0].details()
        info = served.ledger(node.parties.registrar).GetChainInfo(
            api_pb2.GetChainInfoRequest(), timeout=DEADLINE_SECONDS
        )
        assert info.chain_id == node.setup.chain_id
        status = served.peer(node.parties.validator).GetPeerStatus(
            peer_pb2.GetPeerStatusRequest(), timeout=DEADLINE_SECONDS
        )
        assert status.height == 9
        # Another person still gets a stream of their own.
        assert _refusal(served.subscribe(node.parties.spouse)) is None
        for call in admitted:
            call.cancel()  # type: ignore[no-untyped-call]
    finally:
        served.close()
        node.node.signal.close()
        server.stop(0)


def test_stream_slots_count_per_caller_reserve_per_class_and_evict_fairly() -> None:
    slots = StreamSlots(per_caller=2, reserved_per_class=1, shared=3)
    person = StreamClass.PERSON
    a1, a2 = slots.take("a", person), slots.take("a", person)
    assert slots.take("a", person) == "at most 2 notification streams per certificate"
    b1 = slots.take("b", person)
    assert slots.open_count() == 3  # the shared pool is full
    # A registrar still gets its class's reserved stream.
    registrar = slots.take("r", StreamClass.REGISTRAR)
    assert not isinstance(registrar, str) and registrar.reserved
    # c holds none; a holds two, so a's oldest is evicted for c.
    c1 = slots.take("c", person)
    assert not isinstance(a1, str) and a1.evicted.is_set()
    assert not isinstance(a2, str) and not a2.evicted.is_set()
    assert not isinstance(c1, str)
    # Now a, b and c hold one each: nobody holds two more than d, d is refused.
    assert "shared notification streams" in str(slots.take("d", person))
    assert not isinstance(b1, str) and not b1.evicted.is_set()
    slots.give_back(a1)  # the evicted stream ends later; it gives back nothing twice
    assert slots.open_count() == 4
    slots.give_back(c1)
    assert not isinstance(slots.take("d", person), str)


def test_a_full_client_budget_is_refused_at_once_and_peers_still_answer(
    node: InProcessNode,
) -> None:
    """One client slot, held by a stream: the next client call is RESOURCE_EXHAUSTED without
    waiting, and a Peer call (its own slot) answers."""
    service = LedgerService(
        node.node, node_id="v", role="validator", clock=lambda: FIRST_BLOCK_TIME + timedelta(days=1)
    )
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        interceptors=[CallBudget(client_slots=1, peer_slots=1)],
    )
    api_pb2_grpc.add_LedgerServicer_to_server(service, server)  # type: ignore[no-untyped-call]
    add_peer_service(server, PeerService(RecordingHandler(), node.setup, structlog.get_logger()))
    tls = _tls(node.parties)
    credentials = grpc.ssl_server_credentials(
        [(tls.private_key_pem, tls.certificate_chain_pem)],
        root_certificates=tls.trusted_client_roots_pem,
        require_client_auth=True,
    )
    served = Served(node.parties, server.add_secure_port("127.0.0.1:0", credentials))
    server.start()
    try:
        holding = served.subscribe(node.parties.recipient)
        assert _refusal(holding) is None
        with pytest.raises(grpc.RpcError) as refused:
            served.ledger(node.parties.registrar).GetChainInfo(
                api_pb2.GetChainInfoRequest(), timeout=DEADLINE_SECONDS
            )
        assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        status = served.peer(node.parties.validator).GetPeerStatus(
            peer_pb2.GetPeerStatusRequest(), timeout=DEADLINE_SECONDS
        )
        assert status.height == 9
        holding.cancel()  # type: ignore[no-untyped-call]
    finally:
        served.close()
        node.node.signal.close()
        server.stop(None).wait()


def test_a_newcomer_evicts_the_oldest_stream_of_the_largest_holder_over_grpc(
    node: InProcessNode,
) -> None:
    """Fair eviction over a real gRPC server: with the shared pool full of four people's
    streams, a fifth person's stream evicts the recipient's first, which ends with
    RESOURCE_EXHAUSTED STREAM_EVICTED while the others stay open."""
    server = _start(node)
    served = Served(node.parties, server.port)
    authority = node.parties.authority
    people = [
        node.parties.recipient,
        node.parties.spouse,
        node.parties.guarantor,
        authority.issue_individual("Fourth", "930825400114"),
    ]
    try:
        held = [served.subscribe(p) for p in people for _ in range(MAX_STREAMS_PER_CALLER)]
        assert [_refusal(call) for call in held] == [None] * len(held)
        fifth = served.subscribe(authority.issue_individual("Fifth", "950101300006"))
        assert _refusal(fifth) is None
        assert held[0].code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "resubscribe" in held[0].details()
        assert [_refusal(call) for call in held[1:]] == [None] * (len(held) - 1)
        for call in [*held[1:], fifth]:
            call.cancel()  # type: ignore[no-untyped-call]
    finally:
        served.close()
        node.node.signal.close()
        server.stop(0)
