"""Who may call the Peer service (node/peers/service.py, peer.proto), through a real gRPC server
on 127.0.0.1 with mutual TLS: consensus messages, gossip and block announcements only from the
certificate of a validator in the schedule in state (here the genesis set); status and block
fetches (blocks carry personal data) only from the chain's own nodes, those validators and KTK's
observer (a node certificate bound
to KTK's BIN; ledger/identity/roles.py ``is_chain_node``); everyone else, including any other node
certificate of the trusted CA, PERMISSION_DENIED. A forged vote from a validator is
INVALID_ARGUMENT and never queued."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field

import grpc
import pytest
import structlog
from tirkeu_pb import peer_pb2, peer_pb2_grpc

from clients.pki.authority import IssuedCertificate
from consensus.types import VoteType
from node.peers.service import PeerService, add_peer_service
from tests.pki_fixtures import OTHER_BIN
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators, RecordingHandler

DEADLINE_SECONDS = 10


@dataclass
class PeerServer:
    chain: FourValidators
    handler: RecordingHandler
    port: int
    channels: list[grpc.Channel] = field(default_factory=list)

    def stub(self, caller: IssuedCertificate) -> peer_pb2_grpc.PeerStub:
        authority = self.chain.parties.authority
        credentials = grpc.ssl_channel_credentials(
            root_certificates=authority.chain_pem,
            private_key=caller.key_pem,
            certificate_chain=caller.pem + authority.intermediate.pem,
        )
        channel = grpc.secure_channel(f"127.0.0.1:{self.port}", credentials)
        self.channels.append(channel)
        return peer_pb2_grpc.PeerStub(channel)  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module")
def chain() -> FourValidators:
    return FourValidators.create()


@pytest.fixture
def served(chain: FourValidators) -> Iterator[PeerServer]:
    handler = RecordingHandler()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    add_peer_service(server, PeerService(handler, chain.setup, structlog.get_logger()))
    identity = chain.keys[VALIDATOR_IDS[0]]
    authority = chain.parties.authority
    credentials = grpc.ssl_server_credentials(
        [(identity.key_pem, identity.pem + authority.intermediate.pem)],
        root_certificates=authority.chain_pem,
        require_client_auth=True,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    running = PeerServer(chain, handler, port)
    try:
        yield running
    finally:
        for channel in running.channels:
            channel.close()
        server.stop(None).wait()


def _validator_only_calls(
    chain: FourValidators,
) -> dict[str, Callable[[peer_pb2_grpc.PeerStub], object]]:
    vote = chain.vote(VALIDATOR_IDS[2], VoteType.PREVOTE)
    return {
        "SendConsensus": lambda stub: stub.SendConsensus(
            peer_pb2.ConsensusMessage(vote=vote), timeout=DEADLINE_SECONDS
        ),
        "GossipTransactions": lambda stub: stub.GossipTransactions(
            peer_pb2.GossipTransactionsRequest(envelopes=[b"envelope"]), timeout=DEADLINE_SECONDS
        ),
        "AnnounceBlock": lambda stub: stub.AnnounceBlock(
            peer_pb2.CertifiedBlock(block=b"block", certificate=b"certificate"),
            timeout=DEADLINE_SECONDS,
        ),
        "Exchange": lambda stub: list(
            stub.Exchange(
                iter(
                    [
                        peer_pb2.PeerBatch(
                            sequence=1,
                            consensus=[
                                peer_pb2.ConsensusMessage(
                                    vote=chain.vote(VALIDATOR_IDS[3], VoteType.PREVOTE)
                                )
                            ],
                            announcements=[peer_pb2.CertifiedBlock(block=b"streamed-block")],
                            envelopes=[b"streamed"],
                        )
                    ]
                ),
                timeout=DEADLINE_SECONDS,
            )
        ),
    }


def _sync_calls() -> dict[str, Callable[[peer_pb2_grpc.PeerStub], object]]:
    return {
        "GetPeerStatus": lambda stub: stub.GetPeerStatus(
            peer_pb2.GetPeerStatusRequest(), timeout=DEADLINE_SECONDS
        ),
        "GetBlocks": lambda stub: stub.GetBlocks(
            peer_pb2.GetBlocksRequest(from_height=4, max_blocks=2), timeout=DEADLINE_SECONDS
        ),
    }


def _denied(call: Callable[[peer_pb2_grpc.PeerStub], object], stub: peer_pb2_grpc.PeerStub) -> bool:
    try:
        call(stub)
    except grpc.RpcError as error:
        return error.code() is grpc.StatusCode.PERMISSION_DENIED
    return False


def test_a_genesis_validator_may_make_every_call(served: PeerServer) -> None:
    stub = served.stub(served.chain.keys[VALIDATOR_IDS[1]])
    for call in _validator_only_calls(served.chain).values():
        call(stub)
    # A relayed vote (signed by registrar-3, sent by registrar-2) is fine, alone or on a stream.
    assert [m.vote.validator for m in served.handler.messages] == [
        VALIDATOR_IDS[2],
        VALIDATOR_IDS[3],
    ]
    assert served.handler.gossip == [b"envelope", b"streamed"]
    assert served.handler.announced == [b"block", b"streamed-block"]
    status = stub.GetPeerStatus(peer_pb2.GetPeerStatusRequest(), timeout=DEADLINE_SECONDS)
    assert status.height == 9
    blocks = stub.GetBlocks(peer_pb2.GetBlocksRequest(from_height=4), timeout=DEADLINE_SECONDS)
    assert [b.block for b in blocks.blocks] == [b"block-4"]


def test_ktks_observer_outside_the_validator_set_may_only_sync(served: PeerServer) -> None:
    stub = served.stub(served.chain.observer)
    for name, call in _validator_only_calls(served.chain).items():
        assert _denied(call, stub), name
    for call in _sync_calls().values():
        call(stub)
    assert (served.handler.messages, served.handler.gossip, served.handler.announced) == (
        [],
        [],
        [],
    )
    blocks = stub.GetBlocks(peer_pb2.GetBlocksRequest(from_height=4), timeout=DEADLINE_SECONDS)
    assert [b.block for b in blocks.blocks] == [b"block-4"]


@pytest.mark.parametrize("bin_", [None, OTHER_BIN])
def test_another_node_certificate_of_the_trusted_ca_may_call_nothing(
    served: PeerServer, bin_: str | None
) -> None:
    # In production the trusted CA is the national CA: its TLS certificates for any server,
    # with or without another organisation's BIN, must not read the chain's blocks.
    stranger = served.chain.parties.authority.issue_node(
        "someones-server", organisation=None if bin_ is None else "Other", bin_=bin_
    )
    stub = served.stub(stranger)
    calls = {**_validator_only_calls(served.chain), **_sync_calls()}
    for name, call in calls.items():
        assert _denied(call, stub), name
    assert served.handler.messages == []


def test_a_certificate_with_a_validators_name_but_another_key_is_not_that_validator(
    served: PeerServer,
) -> None:
    lookalike = served.chain.parties.authority.issue_node(VALIDATOR_IDS[1])
    stub = served.stub(lookalike)
    calls = {**_validator_only_calls(served.chain), **_sync_calls()}
    for name, call in calls.items():
        assert _denied(call, stub), name
    assert served.handler.messages == []


def test_a_person_certificate_may_call_nothing(served: PeerServer) -> None:
    stub = served.stub(served.chain.parties.registrar)  # a registrar employee, not a node
    calls = {**_validator_only_calls(served.chain), **_sync_calls()}
    for name, call in calls.items():
        assert _denied(call, stub), name


def test_a_forged_vote_from_a_validator_is_refused_and_never_queued(served: PeerServer) -> None:
    forged = served.chain.vote(VALIDATOR_IDS[2], VoteType.PREVOTE)
    forged.validator = VALIDATOR_IDS[3]  # registrar-3's signature under registrar-4's name
    stub = served.stub(served.chain.keys[VALIDATOR_IDS[1]])
    with pytest.raises(grpc.RpcError) as refused:
        stub.SendConsensus(peer_pb2.ConsensusMessage(vote=forged), timeout=DEADLINE_SECONDS)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as empty:
        stub.SendConsensus(peer_pb2.ConsensusMessage(), timeout=DEADLINE_SECONDS)
    assert empty.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert served.handler.messages == []


def test_a_forged_vote_on_the_stream_is_refused_and_the_rest_of_the_batch_counts(
    served: PeerServer,
) -> None:
    forged = served.chain.vote(VALIDATOR_IDS[2], VoteType.PREVOTE)
    forged.validator = VALIDATOR_IDS[3]
    honest = served.chain.vote(VALIDATOR_IDS[1], VoteType.PREVOTE)
    batch = peer_pb2.PeerBatch(
        sequence=7,
        consensus=[
            peer_pb2.ConsensusMessage(vote=forged),
            peer_pb2.ConsensusMessage(),
            peer_pb2.ConsensusMessage(vote=honest),
        ],
    )
    stub = served.stub(served.chain.keys[VALIDATOR_IDS[1]])
    acks = list(stub.Exchange(iter([batch]), timeout=DEADLINE_SECONDS))
    assert [(a.sequence, a.refused) for a in acks] == [(7, 2)]
    assert acks[0].refusal == f"the vote signature of {VALIDATOR_IDS[3]!r} does not verify"
    assert [m.vote.validator for m in served.handler.messages] == [VALIDATOR_IDS[1]]


def test_a_client_without_a_certificate_of_the_ca_fails_the_handshake(served: PeerServer) -> None:
    outsider = FourValidators.create().keys[VALIDATOR_IDS[1]]  # another CA's node
    stub = served.stub(outsider)
    with pytest.raises(grpc.RpcError) as refused:
        stub.GetPeerStatus(peer_pb2.GetPeerStatusRequest(), timeout=DEADLINE_SECONDS)
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE
