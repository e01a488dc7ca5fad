"""The ``Peer`` gRPC service of peer.proto: consensus messages, transaction gossip, block sync.

It shares the node's mutual-TLS port with the Ledger service, so TLS has already checked that
the caller's certificate chains to the node's CA bundle. Here the caller is judged again:
  - consensus messages, transaction gossip and block announcements are accepted only from a
    certificate of a validator in the schedule in state: the set in force or the one committed
    to take over (ledger/governance/schedule.py; genesis's set until the first change);
  - a proposal or vote is verified with the set in force at its own height (ADR 0011): after a
    key rotation takes effect, a vote signed with the old key is refused;
  - status and block fetches (block sync) are accepted only from the chain's own nodes, the
    callers that may read every block through the Ledger API too (one rule, ledger/identity/roles.py
    ``is_chain_node``): a validator in the schedule in state, or KTK's observer (a node
    certificate whose subject carries KTK's BIN). The caller passes the same identity check as a
    Ledger API caller (node/api/identity.py): its chain leads to a CA trusted in consensus state
    and no CRL in state revokes it (UNAUTHENTICATED otherwise), so a node revoked on the chain
    stops syncing. Any other certificate, even a node certificate of a trusted CA (in production any
    TLS certificate of the national CA), is PERMISSION_DENIED: blocks carry personal data.
KTK's observer forwards its clients' submissions in batches (``ForwardTransactions``, the same
callers as block sync); a validator admits each as SubmitTransaction would.
Signatures of consensus messages are verified here, on the gRPC threads, before anything is
queued for the engine: the engine thread never spends time on a stranger's garbage.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Protocol, cast

import grpc
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import api_pb2, peer_pb2, peer_pb2_grpc

from consensus.types import ValidatorId
from ledger.governance.schedule import (
    HeightOutsideSchedule,
    ValidatorSchedule,
    certifying_validators,
    read_schedule,
    validators_at,
)
from ledger.identity.certificates import MalformedCertificate, load_certificate
from ledger.identity.identifiers import InvalidIdentifier
from ledger.state.access import StateReader
from node.api.identity import Unauthenticated, identify_caller
from node.api.views import rejection_message
from node.chain.ledger_node import SubmissionUnavailable, TransactionState
from node.chain.open import ChainSetup, genesis_state
from node.chain.signed_messages import BadMessage, verify_proposal, verify_vote
from node.peers.stream import peer_message_bytes

MAX_BLOCKS_PER_FETCH = 50
MAX_FORWARDED_PER_CALL = 500  # node/peers/forward.py sends at most MAX_BATCH

# Admits forwarded envelopes and answers each (node/chain/ledger_node.py ``submit_batch``).
Forwarding = Callable[[Sequence[bytes], bool], list[TransactionState]]


class PeerHandler(Protocol):
    """What the peer service drives: the engine (validator) or the observer."""

    def consensus_message(self, message: peer_pb2.ConsensusMessage) -> None: ...

    def transactions_gossiped(self, envelopes: Sequence[bytes]) -> int: ...

    def block_announced(self, block: bytes, certificate: bytes) -> None: ...

    def peer_status(self) -> peer_pb2.GetPeerStatusResponse: ...

    def certified_blocks(self, from_height: int, count: int) -> list[peer_pb2.CertifiedBlock]: ...


def _now() -> datetime:
    return datetime.now(UTC)


class PeerService(peer_pb2_grpc.PeerServicer):
    """``state`` is the node's consensus state (trust store and CRLs) that block-sync callers
    are judged against; without it (tests of the service alone) the genesis state is used."""

    def __init__(
        self,
        handler: PeerHandler,
        setup: ChainSetup,
        log: FilteringBoundLogger,
        *,
        state: StateReader | None = None,
        clock: Callable[[], datetime] = _now,
        forwarding: Forwarding | None = None,
    ) -> None:
        self._handler = handler
        self._forwarding = forwarding
        self._setup = setup
        self._log = log
        self._state: StateReader = state if state is not None else genesis_state(setup)[1]
        self._clock = clock

    # --- who is calling ------------------------------------------------------------------------

    def _peer_certificate_pem(self, context: grpc.ServicerContext) -> bytes | None:
        pems = list(cast(Iterable[bytes], context.auth_context().get("x509_pem_cert", ())))
        return pems[0] if pems else None

    def _validator(self, context: grpc.ServicerContext) -> ValidatorId:
        pem = self._peer_certificate_pem(context)
        validator_id = None
        if pem is not None:
            try:
                scheduled = _validators_by_fingerprint(read_schedule(self._state))
                validator_id = scheduled.get(load_certificate(pem).fingerprint)
            except (MalformedCertificate, InvalidIdentifier):
                validator_id = None
        if validator_id is None:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "only validators may send this")
        return validator_id

    def _node(self, context: grpc.ServicerContext) -> None:
        pem = self._peer_certificate_pem(context)
        if pem is None:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "no client certificate")
        try:
            caller = identify_caller([pem], self._state, self._clock())
        except Unauthenticated as error:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, str(error))
        if not caller.chain_node:
            context.abort(
                grpc.StatusCode.PERMISSION_DENIED,
                "only the chain's validators and KTK's observer node may sync blocks",
            )

    # --- calls ---------------------------------------------------------------------------------

    def SendConsensus(  # noqa: N802 (gRPC method name)
        self, request: peer_pb2.ConsensusMessage, context: grpc.ServicerContext
    ) -> peer_pb2.SendConsensusResponse:
        sender = self._validator(context)
        refusal = self._accept_consensus(sender, request)
        if refusal is not None:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, refusal)
        return peer_pb2.SendConsensusResponse()

    def _accept_consensus(
        self, sender: ValidatorId, message: peer_pb2.ConsensusMessage
    ) -> str | None:
        """Hand a verified message to the engine; the reason instead when it does not verify.

        Relayed messages are fine (a vote signed by another validator), forged ones not."""
        try:
            if message.HasField("proposal"):
                in_force = validators_at(self._state, message.proposal.height)
                verify_proposal(message.proposal, self._setup.chain_id, in_force)
            elif message.HasField("vote"):
                in_force = validators_at(self._state, message.vote.height)
                verify_vote(message.vote, self._setup.chain_id, in_force)
            else:
                raise BadMessage("an empty consensus message")
        except (BadMessage, HeightOutsideSchedule) as error:
            self._log.warning("consensus_message_refused", sender=sender, detail=str(error))
            return str(error)
        self._handler.consensus_message(message)
        return None

    def GossipTransactions(  # noqa: N802 (gRPC method name)
        self, request: peer_pb2.GossipTransactionsRequest, context: grpc.ServicerContext
    ) -> peer_pb2.GossipTransactionsResponse:
        self._validator(context)
        admitted = self._handler.transactions_gossiped(list(request.envelopes))
        return peer_pb2.GossipTransactionsResponse(admitted=admitted)

    def AnnounceBlock(  # noqa: N802 (gRPC method name)
        self, request: peer_pb2.CertifiedBlock, context: grpc.ServicerContext
    ) -> peer_pb2.AnnounceBlockResponse:
        self._validator(context)
        self._handler.block_announced(request.block, request.certificate)
        return peer_pb2.AnnounceBlockResponse()

    def Exchange(  # noqa: N802 (gRPC method name)
        self, requests: Iterator[peer_pb2.PeerBatch], context: grpc.ServicerContext
    ) -> Iterator[peer_pb2.PeerBatchAck]:
        """The peer stream: the caller is judged once, when it opens the stream (the TLS
        identity cannot change on an open connection); every message in every batch gets the
        checks its unary call gets. A forged consensus message is refused and counted in the
        acknowledgement, the rest of the batch still counts: refusing the whole stream would let
        one relayed forgery silence an honest validator."""
        sender = self._validator(context)
        for batch in requests:
            refused = 0
            first_refusal = ""
            for message in batch.consensus:
                refusal = self._accept_consensus(sender, message)
                if refusal is not None:
                    refused += 1
                    first_refusal = first_refusal or refusal
            for announced in batch.announcements:
                self._handler.block_announced(announced.block, announced.certificate)
            admitted = (
                self._handler.transactions_gossiped(list(batch.envelopes)) if batch.envelopes else 0
            )
            yield peer_pb2.PeerBatchAck(
                sequence=batch.sequence, admitted=admitted, refused=refused, refusal=first_refusal
            )

    def ForwardTransactions(  # noqa: N802 (gRPC method name)
        self, request: peer_pb2.ForwardTransactionsRequest, context: grpc.ServicerContext
    ) -> peer_pb2.ForwardTransactionsResponse:
        """Submissions KTK's observer forwards in batches: the chain's own nodes only (the
        same rule as block sync); each envelope is admitted as SubmitTransaction admits it."""
        self._node(context)
        if self._forwarding is None:
            context.abort(
                grpc.StatusCode.UNAVAILABLE, "this node does not take forwarded submissions"
            )
        if len(request.envelopes) > MAX_FORWARDED_PER_CALL:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"at most {MAX_FORWARDED_PER_CALL} envelopes per call, "
                f"got {len(request.envelopes)}",
            )
        try:
            states = self._forwarding(list(request.envelopes), request.wait_for_commit)
        except SubmissionUnavailable as error:
            context.abort(grpc.StatusCode.UNAVAILABLE, str(error))
        return peer_pb2.ForwardTransactionsResponse(answers=[submit_response(s) for s in states])

    def GetPeerStatus(  # noqa: N802 (gRPC method name)
        self, request: peer_pb2.GetPeerStatusRequest, context: grpc.ServicerContext
    ) -> peer_pb2.GetPeerStatusResponse:
        self._node(context)
        return self._handler.peer_status()

    def GetBlocks(  # noqa: N802 (gRPC method name)
        self, request: peer_pb2.GetBlocksRequest, context: grpc.ServicerContext
    ) -> peer_pb2.GetBlocksResponse:
        self._node(context)
        count = min(max(request.max_blocks, 1), MAX_BLOCKS_PER_FETCH)
        blocks = self._handler.certified_blocks(max(request.from_height, 1), count)
        # Within the receive limit every node must have (issue 13): fifty full blocks would
        # be a message no peer takes, so block sync would never advance. The first block
        # always goes; the caller asks again from the next height.
        limit = peer_message_bytes(self._setup.genesis.limits)
        answer = peer_pb2.GetBlocksResponse()
        size = 0
        for block in blocks:
            cost = block.ByteSize() + 6  # field tag and length prefix
            if answer.blocks and size + cost > limit:
                break
            answer.blocks.append(block)
            size += cost
        return answer


@functools.lru_cache(maxsize=4)
def _validators_by_fingerprint(schedule: ValidatorSchedule) -> dict[str, ValidatorId]:
    return {
        info.fingerprint: validator_id
        for scheduled in schedule.sets
        for validator_id, info in certifying_validators(scheduled.validators).certificates.items()
    }


def submit_response(state: TransactionState) -> api_pb2.SubmitTransactionResponse:
    """What SubmitTransaction answers for ``state`` (node/api/service.py gives the same)."""
    response = api_pb2.SubmitTransactionResponse(
        transaction_id=state.transaction_id, status=state.status.value, height=state.height
    )
    if state.rejection is not None:
        response.rejection.CopyFrom(rejection_message(state.rejection))
    return response


def add_peer_service(server: grpc.Server, service: PeerService) -> None:
    peer_pb2_grpc.add_PeerServicer_to_server(service, server)  # type: ignore[no-untyped-call]
