"""The Python client of a Tirkeu node: a mutual-TLS channel, typed calls of every Ledger RPC, and
signed envelopes.

    settings = ConnectionSettings.from_files("127.0.0.1:7050", cert=..., key=..., ca=...)
    with LedgerClient.connect(settings) as client:
        body = client.new_body(transaction_builders.property_import(...))
        envelope = sign_body(body, [SigningIdentity.from_files(key_path, cert_path)])
        outcome = client.submit(envelope, wait_for_commit=True)

Signing lives in clients/envelopes.py and the errors in clients/errors.py; both are
re-exported here so that callers import one module. Errors from the node come back as named
ClientError subclasses whose `exit_code` is what `tirkeu` exits with.

Submissions are retried until a definite answer (issue 13, ADR 0016): the channel's service
config has gRPC retry a refused call (UNAVAILABLE, RESOURCE_EXHAUSTED; clients/channel.py), and
`submit` resends the same envelope bytes, with exponential backoff and full jitter, when even
those attempts fail or an attempt's deadline passes, until the node answers or
`submit_deadline_seconds` runs out. Resending is safe: the same bytes are the same transaction,
and the node answers its state (PENDING, COMMITTED at H), never a second execution.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from google.protobuf.message import Message
from tirkeu_pb import api_pb2 as api
from tirkeu_pb import api_pb2_grpc as api_grpc
from tirkeu_pb import transaction_pb2 as pb
from tirkeu_pb.rejection_pb2 import REJECTION_REASON_MEMPOOL_FULL as MEMPOOL_FULL

from clients.channel import open_mutual_tls_channel
from clients.envelopes import (
    SigningIdentity,
    add_signature,
    decode_body,
    read_envelope,
    sign_body,
    transaction_id,
    write_envelope,
)
from clients.errors import (
    CA_CHAIN_GIVEN_AS_CERTIFICATE,
    EXIT_BAD_INPUT,
    EXIT_CONNECTION_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNDECIDED,
    KEY_DOES_NOT_FIT,
    AccessRefused,
    AlreadySigned,
    BadRequest,
    CaChainGivenAsCertificate,
    CertificateRefused,
    ClientError,
    InvalidCredentials,
    InvalidEnvelopeFile,
    NodeFailed,
    NodeUnreachable,
    NotFound,
    StillPending,
    error_from_rpc,
    is_handshake_failure,
    read_file,
)
from clients.transaction_builders import DEFAULT_EXPIRES_IN_BLOCKS, Action, transaction_body

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_CONNECTION_FAILED",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_UNDECIDED",
    "AccessRefused",
    "AlreadySigned",
    "BadRequest",
    "CaChainGivenAsCertificate",
    "CertificateRefused",
    "ClientError",
    "Closeable",
    "ConnectionSettings",
    "InvalidCredentials",
    "InvalidEnvelopeFile",
    "LedgerClient",
    "NodeFailed",
    "NodeUnreachable",
    "NotFound",
    "NotificationStream",
    "SigningIdentity",
    "StillPending",
    "add_signature",
    "decode_body",
    "open_channel",
    "read_envelope",
    "sign_body",
    "transaction_id",
    "write_envelope",
]

DEFAULT_TIMEOUT_SECONDS = 30.0
# How long `submit` keeps trying for a definite answer, across attempts (each within the
# per-call timeout): long enough for a node restart or a burst of load to pass.
DEFAULT_SUBMIT_DEADLINE_SECONDS = 120.0
RETRY_INITIAL_BACKOFF_SECONDS = 0.2
RETRY_MAX_BACKOFF_SECONDS = 5.0
# Failures after which the same envelope is sent again: the node did not answer, or refused
# before doing anything. Any other status is a definite answer.
_CODE = grpc.StatusCode
RETRYABLE_CODES = frozenset({_CODE.UNAVAILABLE, _CODE.RESOURCE_EXHAUSTED, _CODE.DEADLINE_EXCEEDED})


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Where the node is, and the mTLS identity to reach it with (PEM bytes)."""

    target: str  # HOST:PORT
    certificate_chain_pem: bytes = field(repr=False)
    private_key_pem: bytes = field(repr=False)
    trusted_authorities_pem: bytes = field(repr=False)

    @classmethod
    def from_files(cls, target: str, *, cert: Path, key: Path, ca: Path) -> ConnectionSettings:
        settings = cls(
            target=target,
            certificate_chain_pem=read_file(cert, "client certificate"),
            private_key_pem=read_file(key, "client private key"),
            trusted_authorities_pem=read_file(ca, "CA certificate file"),
        )
        _require_key_fits(settings.certificate_chain_pem, settings.private_key_pem, cert, key)
        return settings


def _require_key_fits(certificate_pem: bytes, key_pem: bytes, cert: Path, key: Path) -> None:
    """Before any connection: gRPC would say only "Failed to create security handshaker"."""
    try:
        leaf = x509.load_pem_x509_certificate(certificate_pem)
        private_key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as error:
        raise InvalidCredentials(f"{cert} or {key} is not a PEM certificate/key: {error}") from None
    # A CA chain file (tirkeu-pki's X.ca-chain.pem): gRPC would fail the handshake unexplained.
    if any(isinstance(e.value, x509.BasicConstraints) and e.value.ca for e in leaf.extensions):
        raise CaChainGivenAsCertificate(f"{cert} {CA_CHAIN_GIVEN_AS_CERTIFICATE}")
    if leaf.public_key() != private_key.public_key():
        raise InvalidCredentials(f"{KEY_DOES_NOT_FIT} ({cert}, {key})")


def open_channel(settings: ConnectionSettings) -> grpc.Channel:
    return open_mutual_tls_channel(
        settings.target,
        certificate_chain_pem=settings.certificate_chain_pem,
        private_key_pem=settings.private_key_pem,
        trusted_roots_pem=settings.trusted_authorities_pem,
    )


_Response = TypeVar("_Response", bound=Message)


class Closeable:
    """Something holding a channel or a database that a ``with`` block closes on leaving."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class LedgerClient(Closeable):
    """Typed calls of the Ledger service (api.proto) over one channel."""

    def __init__(
        self,
        channel: grpc.Channel,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        submit_deadline_seconds: float = DEFAULT_SUBMIT_DEADLINE_SECONDS,
    ) -> None:
        self._channel = channel
        self._stub = api_grpc.LedgerStub(channel)  # type: ignore[no-untyped-call]
        self._timeout_seconds = timeout_seconds
        self._submit_deadline_seconds = submit_deadline_seconds
        self.submit_attempts = 0  # SubmitTransaction calls made by this client (for reports)

    @classmethod
    def connect(
        cls,
        settings: ConnectionSettings,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        submit_deadline_seconds: float = DEFAULT_SUBMIT_DEADLINE_SECONDS,
    ) -> LedgerClient:
        return cls(
            open_channel(settings),
            timeout_seconds=timeout_seconds,
            submit_deadline_seconds=submit_deadline_seconds,
        )

    def close(self) -> None:
        self._channel.close()

    def _unary(
        self,
        method: Callable[..., Any],
        request: Message,
        response_type: type[_Response],
        timeout_seconds: float | None = None,
    ) -> _Response:
        try:
            response = method(request, timeout=timeout_seconds or self._timeout_seconds)
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        if not isinstance(response, response_type):
            raise TypeError(f"expected {response_type.__name__}, got {type(response).__name__}")
        return response

    def chain_info(self) -> api.ChainInfo:
        return self._unary(self._stub.GetChainInfo, api.GetChainInfoRequest(), api.ChainInfo)

    def new_body(
        self,
        action: Action,
        *,
        expires_in: int = DEFAULT_EXPIRES_IN_BLOCKS,
        chain_id: str | None = None,
        nonce: bytes | None = None,
    ) -> pb.TransactionBody:
        """A body for this chain, dead `expires_in` blocks after the current height."""
        info = self.chain_info()
        return transaction_body(
            action,
            chain_id=info.chain_id if chain_id is None else chain_id,
            expiry_height=info.height + expires_in,
            nonce=nonce,
        )

    def submit(
        self, envelope: pb.Envelope | bytes, *, wait_for_commit: bool = False
    ) -> api.SubmitTransactionResponse:
        """The node's verdict: PENDING, COMMITTED at a height, or REJECTED with a named reason.

        The same bytes are sent again after a timeout, UNAVAILABLE, RESOURCE_EXHAUSTED or
        MEMPOOL_FULL, with backoff, until the node answers or `submit_deadline_seconds` passes.
        With `wait_for_commit`, a transaction still pending when the node's own wait ends is
        followed with GetTransaction until it is decided or this client's timeout passes
        (StillPending: submitted, not yet decided).
        """
        data = envelope if isinstance(envelope, bytes) else envelope.SerializeToString()
        request = api.SubmitTransactionRequest(envelope=data, wait_for_commit=wait_for_commit)
        response = self._submit_until_answered(request)
        if wait_for_commit and response.status == api.PENDING and response.transaction_id:
            view = self.await_decision(response.transaction_id)
            response = api.SubmitTransactionResponse(
                transaction_id=view.transaction_id,
                status=view.status,
                rejection=view.rejection,
                height=view.height,
            )
        return response

    def _submit_until_answered(
        self, request: api.SubmitTransactionRequest
    ) -> api.SubmitTransactionResponse:
        """SubmitTransaction, sent again (same bytes) until a definite answer or the deadline.

        Backoff doubles from RETRY_INITIAL_BACKOFF_SECONDS up to RETRY_MAX_BACKOFF_SECONDS with
        full jitter (a random wait up to the backoff), so that many clients refused together do
        not come back together (the AWS architecture blog's "exponential backoff and jitter")."""
        deadline = time.monotonic() + self._submit_deadline_seconds
        backoff = RETRY_INITIAL_BACKOFF_SECONDS
        while True:
            remaining = deadline - time.monotonic()
            self.submit_attempts += 1
            pause = random.uniform(0, backoff)  # jitter, not a secret
            try:
                response = self._stub.SubmitTransaction(
                    request, timeout=max(min(self._timeout_seconds, remaining), 0.001)
                )
            except grpc.RpcError as error:
                if (
                    error.code() not in RETRYABLE_CODES
                    or is_handshake_failure(error)
                    or time.monotonic() + pause >= deadline
                ):
                    raise error_from_rpc(error) from None
            else:
                if not isinstance(response, api.SubmitTransactionResponse):
                    raise TypeError(f"expected SubmitTransactionResponse, not {type(response)}")
                # MEMPOOL_FULL is push-back in the answer ([transient], rejection.proto): the
                # same as RESOURCE_EXHAUSTED, so retried the same way until the deadline.
                if response.rejection.reason_code != MEMPOOL_FULL or (
                    time.monotonic() + pause >= deadline
                ):
                    return response
            time.sleep(pause)  # a bounded backoff between attempts, not a wait for a state
            backoff = min(backoff * 2, RETRY_MAX_BACKOFF_SECONDS)

    def await_decision(self, transaction_id: str) -> api.TransactionStatusView:
        """Poll until the transaction is no longer pending, within this client's timeout;
        StillPending when it is still pending then."""
        deadline = time.monotonic() + self._timeout_seconds
        while True:
            view = self.transaction(transaction_id)
            if view.status != api.PENDING:
                return view
            if time.monotonic() > deadline:
                raise StillPending(
                    f"transaction {transaction_id} was submitted and is still pending at the "
                    f"deadline; ask again with `tirkeu tx status {transaction_id}`"
                )
            time.sleep(0.1)  # a CLI waiting on a person's behalf; tests use wait_for_commit

    def transaction(self, transaction_id: str) -> api.TransactionStatusView:
        request = api.GetTransactionRequest(transaction_id=transaction_id)
        return self._unary(self._stub.GetTransaction, request, api.TransactionStatusView)

    def property(self, cadastral_number: str) -> api.PropertyView:
        request = api.GetPropertyRequest(cadastral_number=cadastral_number)
        return self._unary(self._stub.GetProperty, request, api.PropertyView)

    def application(self, application_id: str) -> api.ApplicationView:
        request = api.GetApplicationRequest(application_id=application_id)
        return self._unary(self._stub.GetApplication, request, api.ApplicationView)

    def applications(
        self,
        *,
        party_iin: str = "",
        party_bin: str = "",
        status: str = "",
        overdue_only: bool = False,
        as_of: str = "",
        limit: int = 0,
    ) -> list[api.ApplicationView]:
        request = api.ListApplicationsRequest(
            party_iin=party_iin,
            party_bin=party_bin,
            status=status,
            overdue_only=overdue_only,
            as_of=as_of,
            limit=limit,
        )
        response = self._unary(self._stub.ListApplications, request, api.ListApplicationsResponse)
        return list(response.applications)

    def block(self, height: int = 0) -> api.GetBlockResponse:
        """The block at `height`; 0 for the latest."""
        request = api.GetBlockRequest(height=height)
        return self._unary(self._stub.GetBlock, request, api.GetBlockResponse)

    def property_extract(self, cadastral_number: str) -> api.PropertyExtract:
        """A registry extract with sparse-Merkle proofs against a committed header."""
        request = api.GetPropertyExtractRequest(cadastral_number=cadastral_number)
        return self._unary(self._stub.GetPropertyExtract, request, api.PropertyExtract)

    def notifications(
        self, from_height: int = 1, *, timeout_seconds: float | None = None
    ) -> NotificationStream:
        """Notifications from `from_height` on, then live; iterate, and cancel() when done."""
        request = api.SubscribeNotificationsRequest(from_height=from_height)
        call = self._stub.SubscribeNotifications(request, timeout=timeout_seconds)
        return NotificationStream(call)

    def recent_notifications(
        self, from_height: int = 1, *, idle_seconds: float = 1.0, limit: int = 0
    ) -> list[api.Notification]:
        """The notifications already committed from `from_height` on.

        The stream does not say when its replay of stored blocks ends, so reading stops at the
        first notification above the height the chain had when the call began, at `limit`, or
        when the stream has been quiet for `idle_seconds`.
        """
        height = self.chain_info().height
        stream = self.notifications(from_height)
        collected: list[api.Notification] = []
        try:
            for notification in stream.iterate(idle_seconds=idle_seconds):
                if notification.height > height:
                    break
                collected.append(notification)
                if limit and len(collected) >= limit:
                    break
        finally:
            stream.cancel()
        return collected


class NotificationStream:
    """A running SubscribeNotifications call."""

    def __init__(self, call: Any) -> None:
        self._call = call

    def __iter__(self) -> Iterator[api.Notification]:
        try:
            for notification in self._call:
                if not isinstance(notification, api.Notification):
                    raise TypeError(f"expected a Notification, got {type(notification).__name__}")
                yield notification
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                raise error_from_rpc(error) from None

    def iterate(self, *, idle_seconds: float) -> Iterator[api.Notification]:
        """Like iteration, but ends when no notification arrived for `idle_seconds`."""
        arrived: queue.Queue[api.Notification | ClientError | None] = queue.Queue()

        def pump() -> None:
            try:
                for notification in self:
                    arrived.put(notification)
            except ClientError as error:
                arrived.put(error)
            arrived.put(None)

        threading.Thread(target=pump, name="notifications", daemon=True).start()
        while True:
            try:
                item = arrived.get(timeout=idle_seconds)
            except queue.Empty:
                return
            if item is None:
                return
            if isinstance(item, ClientError):
                raise item
            yield item

    def cancel(self) -> None:
        self._call.cancel()
