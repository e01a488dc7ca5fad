"""Review finding #8: the observer does not pass on a validator's answer unchecked
(node/engine/observer.py, ``SubmissionForwarder``). The validators here are real gRPC servers on
127.0.0.1 (mutual TLS) that answer what a Byzantine validator would; the observer's own store is
an in-process node."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
import structlog
from tirkeu_pb import api_pb2, peer_pb2, peer_pb2_grpc

from ledger.transactions.envelope import transaction_id_of
from node.chain.ledger_node import SubmissionUnavailable, TransactionStatus
from node.engine.observer import SubmissionForwarder
from node.operations.config import PeerConfig
from node.operations.tls import TlsMaterial
from tests.unit.node.conftest import InProcessNode


class ScriptedValidator(peer_pb2_grpc.PeerServicer):
    """Answers every forwarded submission with ``answer``: what a lying validator would send
    (the observer forwards in batches, node/peers/forward.py)."""

    def __init__(self) -> None:
        self.answer = api_pb2.SubmitTransactionResponse()
        self.calls = 0

    def ForwardTransactions(  # noqa: N802 (gRPC method name)
        self, request: peer_pb2.ForwardTransactionsRequest, context: grpc.ServicerContext
    ) -> peer_pb2.ForwardTransactionsResponse:
        self.calls += len(request.envelopes)
        return peer_pb2.ForwardTransactionsResponse(answers=[self.answer] * len(request.envelopes))


def _tls(node: InProcessNode) -> TlsMaterial:
    parties = node.parties
    return TlsMaterial(
        parties.validator.pem + parties.authority.intermediate.pem,
        parties.validator.key_pem,
        parties.authority.chain_pem,
    )


@pytest.fixture
def validators(in_process: InProcessNode) -> Iterator[list[tuple[ScriptedValidator, str]]]:
    servers, found = [], []
    tls = _tls(in_process)
    for _ in range(2):
        scripted = ScriptedValidator()
        server = grpc.server(futures.ThreadPoolExecutor(2))
        peer_pb2_grpc.add_PeerServicer_to_server(scripted, server)  # type: ignore[no-untyped-call]
        credentials = grpc.ssl_server_credentials(
            [(tls.private_key_pem, tls.certificate_chain_pem)],
            root_certificates=tls.trusted_client_roots_pem,
            require_client_auth=True,
        )
        port = server.add_secure_port("127.0.0.1:0", credentials)
        server.start()
        servers.append(server)
        found.append((scripted, f"127.0.0.1:{port}"))
    try:
        yield found
    finally:
        for server in servers:
            server.stop(None).wait()


@pytest.fixture
def forwarder(
    in_process: InProcessNode, validators: list[tuple[ScriptedValidator, str]]
) -> Iterator[SubmissionForwarder]:
    in_process.engine.seal_block()  # height 1: a COMMITTED-at-1 answer needs no waiting
    made = SubmissionForwarder(
        [PeerConfig(f"v{index}", address) for index, (_, address) in enumerate(validators)],
        _tls(in_process),
        in_process.node.signal,
        structlog.get_logger(),
        local_state=in_process.node.transaction_state,
        store=in_process.store,
        setup=in_process.setup,
    )
    try:
        yield made
    finally:
        made.close()


def _answer(
    transaction_id: str, status: int, *, height: int = 0, reason: str = ""
) -> api_pb2.SubmitTransactionResponse:
    response = api_pb2.SubmitTransactionResponse(transaction_id=transaction_id, height=height)
    response.status = status  # type: ignore[assignment]  # also numbers no enum value names
    if reason:
        response.rejection.reason = reason
        response.rejection.detail = "made up"
    return response


def test_an_answer_for_another_transaction_is_not_passed_on(
    in_process: InProcessNode,
    validators: list[tuple[ScriptedValidator, str]],
    forwarder: SubmissionForwarder,
) -> None:
    envelope = in_process.property_import(1)
    transaction_id = transaction_id_of(envelope)
    assert transaction_id is not None
    validators[0][0].answer = _answer("f" * 64, api_pb2.PENDING)
    validators[1][0].answer = _answer(transaction_id, api_pb2.PENDING)
    state = forwarder(envelope, wait_for_commit=False)
    assert (state.transaction_id, state.status) == (transaction_id, TransactionStatus.PENDING)
    assert validators[1][0].calls == 1  # the second validator was asked


def test_unknown_status_or_wrong_ids_everywhere_is_unavailable(
    in_process: InProcessNode,
    validators: list[tuple[ScriptedValidator, str]],
    forwarder: SubmissionForwarder,
) -> None:
    envelope = in_process.property_import(1)
    validators[0][0].answer = _answer(transaction_id_of(envelope) or "", 99)
    validators[1][0].answer = _answer("f" * 64, api_pb2.COMMITTED, height=1)
    with pytest.raises(SubmissionUnavailable):
        forwarder(envelope, wait_for_commit=False)


def test_committed_is_answered_from_the_observers_own_store(
    in_process: InProcessNode,
    validators: list[tuple[ScriptedValidator, str]],
    forwarder: SubmissionForwarder,
) -> None:
    envelope = in_process.property_import(1)
    transaction_id = transaction_id_of(envelope) or ""
    validators[0][0].answer = _answer(transaction_id, api_pb2.COMMITTED, height=1)
    state = forwarder(envelope, wait_for_commit=True)
    # The observer's chain does not hold it: not COMMITTED on the validator's word.
    assert (state.transaction_id, state.status) == (transaction_id, TransactionStatus.PENDING)


def test_a_rejection_the_observer_cannot_confirm_is_marked_as_the_validators(
    in_process: InProcessNode,
    validators: list[tuple[ScriptedValidator, str]],
    forwarder: SubmissionForwarder,
) -> None:
    envelope = in_process.property_import(1)
    transaction_id = transaction_id_of(envelope) or ""
    for scripted, _ in validators:
        scripted.answer = _answer(transaction_id, api_pb2.REJECTED, reason="NOT_AUTHORISED")
    state = forwarder(envelope, wait_for_commit=False)
    assert state.status is TransactionStatus.REJECTED and state.rejection is not None
    assert state.rejection.detail == "validator v0 answered: made up"
    assert [scripted.calls for scripted, _ in validators] == [1, 1]  # both were asked


def test_a_rejection_the_observer_confirms_carries_its_own_reason(
    in_process: InProcessNode,
    validators: list[tuple[ScriptedValidator, str]],
    forwarder: SubmissionForwarder,
) -> None:
    envelope = b"\x0a\x03not an envelope"
    validators[0][0].answer = _answer(
        transaction_id_of(envelope) or "", api_pb2.REJECTED, reason="NOT_AUTHORISED"
    )
    state = forwarder(envelope, wait_for_commit=False)
    assert state.status is TransactionStatus.REJECTED and state.rejection is not None
    assert state.rejection.reason.name != "NOT_AUTHORISED"
    assert validators[1][0].calls == 0


def test_a_validator_saying_already_pending_means_pending_not_rejected(
    in_process: InProcessNode,
    validators: list[tuple[ScriptedValidator, str]],
    forwarder: SubmissionForwarder,
) -> None:
    """Issue 13: a validator of an older release answers a transaction it already holds with
    REPLAYED_TRANSACTION; the client is told PENDING, the truth, and no one else is asked."""
    envelope = in_process.property_import(1)
    transaction_id = transaction_id_of(envelope) or ""
    for scripted, _ in validators:
        scripted.answer = _answer(transaction_id, api_pb2.REJECTED, reason="REPLAYED_TRANSACTION")
    state = forwarder(envelope, wait_for_commit=False)
    assert (state.transaction_id, state.status, state.rejection) == (
        transaction_id,
        TransactionStatus.PENDING,
        None,
    )
    assert [scripted.calls for scripted, _ in validators] == [1, 0]


def test_an_envelope_no_validator_could_admit_is_answered_by_the_observer_by_name(
    in_process: InProcessNode,
    validators: list[tuple[ScriptedValidator, str]],
    forwarder: SubmissionForwarder,
) -> None:
    """Issue 13: oversized (or undecodable) is the validators' named rejection, from the
    observer itself, never UNAVAILABLE "try again" that a client would follow forever."""
    in_process.node.set_forwarder(forwarder)
    limit = in_process.setup.genesis.limits.max_transaction_bytes
    oversized = in_process.node.submit(b"\x0a" + b"x" * limit, wait_for_commit=False)
    garbage = in_process.node.submit(b"\xff\xff", wait_for_commit=False)
    assert [(s.status, s.rejection and s.rejection.reason.name) for s in (oversized, garbage)] == [
        (TransactionStatus.REJECTED, "OVERSIZED_TRANSACTION"),
        (TransactionStatus.REJECTED, "MALFORMED_ENVELOPE"),
    ]
    assert [scripted.calls for scripted, _ in validators] == [0, 0]


def test_a_transaction_committed_here_is_committed_whatever_a_lagging_validator_says(
    in_process: InProcessNode,
    validators: list[tuple[ScriptedValidator, str]],
    forwarder: SubmissionForwarder,
) -> None:
    """Issue 13 (wrong answers), review: a client resubmits a transaction the observer holds
    committed; the validators it reaches lag behind it and refuse for a reason of their own
    (here their pools are full). The observer's own check of the envelope then says
    REPLAYED_TRANSACTION, which is no answer to a client: the truth is COMMITTED at its height."""
    envelope = in_process.property_import(1)
    transaction_id = transaction_id_of(envelope) or ""
    admitted = in_process.node.submit(envelope, wait_for_commit=False)
    assert admitted.status is TransactionStatus.PENDING
    in_process.engine.seal_block()
    committed = in_process.node.transaction_state(transaction_id)
    assert committed.status is TransactionStatus.COMMITTED
    for scripted, _ in validators:
        scripted.answer = _answer(transaction_id, api_pb2.REJECTED, reason="MEMPOOL_FULL")
    state = forwarder(envelope, wait_for_commit=False)
    assert (state.transaction_id, state.status, state.height, state.rejection) == (
        transaction_id,
        TransactionStatus.COMMITTED,
        committed.height,
        None,
    )
