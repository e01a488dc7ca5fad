"""The ``Ledger`` gRPC service of api.proto: a boundary over LedgerNode and the store.

Every call first identifies the caller from its TLS client certificate (node/api/identity.py):
UNAUTHENTICATED when it is unusable or revoked in consensus state, PERMISSION_DENIED when the
caller may not read what it asks for. Submissions are authorised by the transaction's own
signatures, so any authenticated caller may submit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import cast

import grpc
from tirkeu_pb import api_pb2, api_pb2_grpc, block_pb2

from ledger.chain.store import StoreReader
from ledger.hashing import sha256
from ledger.rejections import Rejection
from ledger.state.access import read_application, read_property
from ledger.state.records import Application, ApplicationStatus
from node.api.errors import ErrorReason, abort, bounded
from node.api.extract import ExtractUnavailable, build_property_extract
from node.api.identity import Caller, Unauthenticated, identify_caller
from node.api.notifications import NotificationStreams
from node.api.recent_rejections import RecentRejections
from node.api.views import application_view, property_view, rejection_message
from node.chain.ledger_node import (
    LedgerNode,
    SubmissionUnavailable,
    TransactionState,
    TransactionStatus,
)

DEFAULT_LIST_LIMIT = 100
MAX_LIST_LIMIT = 1000
BLOCKS_REFUSAL = (
    "blocks are for registrars, auditors and the chain's own nodes (a genesis validator's node "
    "certificate, or KTK's observer node certificate with KTK's BIN); a KTK employee "
    "certificate reads applications and properties, and KTK reads blocks through its observer"
)


def _now() -> datetime:
    return datetime.now(UTC)


class LedgerService(api_pb2_grpc.LedgerServicer):
    def __init__(
        self,
        node: LedgerNode,
        *,
        node_id: str,
        role: str,
        clock: Callable[[], datetime] = _now,
        streams: NotificationStreams | None = None,
        recent_rejections: RecentRejections | None = None,
    ) -> None:
        self._node = node
        self._node_id = node_id
        self._role = role
        self._clock = clock
        self._streams = streams or NotificationStreams(node)
        self._recent_rejections = recent_rejections or RecentRejections()

    def _caller(self, context: grpc.ServicerContext) -> Caller:
        # grpc's auth context maps each property to a list of bytes values (the stubs say bytes).
        pem = list(cast(Iterable[bytes], context.auth_context().get("x509_pem_cert", ())))
        try:
            return identify_caller(pem, self._node.store.state, self._clock())
        except Unauthenticated as error:
            abort(context, ErrorReason.CALLER_NOT_AUTHENTICATED, str(error))

    def _today(self) -> date:
        return self._node.setup.genesis.calendar.local_date(self._clock())

    # --- submit and status -----------------------------------------------------------------------

    def SubmitTransaction(  # noqa: N802 (gRPC method name)
        self, request: api_pb2.SubmitTransactionRequest, context: grpc.ServicerContext
    ) -> api_pb2.SubmitTransactionResponse:
        self._caller(context)
        try:
            state = self._node.submit(request.envelope, wait_for_commit=request.wait_for_commit)
        except SubmissionUnavailable as error:
            abort(context, ErrorReason.NO_VALIDATOR_REACHABLE, str(error))
        response = api_pb2.SubmitTransactionResponse(
            transaction_id=state.transaction_id,
            status=state.status.value,
            height=state.height,
        )
        if state.rejection is not None:
            # A detail may quote the envelope (a 200 KB chain id): the answer names its length.
            rejection = Rejection(state.rejection.reason, bounded(state.rejection.detail))
            response.rejection.CopyFrom(rejection_message(rejection))
            if state.status is TransactionStatus.REJECTED:
                self._recent_rejections.remember(state.transaction_id, state.rejection)
        return response

    def GetTransaction(  # noqa: N802 (gRPC method name)
        self, request: api_pb2.GetTransactionRequest, context: grpc.ServicerContext
    ) -> api_pb2.TransactionStatusView:
        caller = self._caller(context)
        state: TransactionState = self._node.transaction_state(request.transaction_id)
        if state.status is TransactionStatus.UNKNOWN:
            remembered = self._recent_rejections.lookup(request.transaction_id)
            if remembered is not None:
                state = TransactionState(
                    request.transaction_id, TransactionStatus.REJECTED, rejection=remembered
                )
        view = api_pb2.TransactionStatusView(
            transaction_id=request.transaction_id,
            status=state.status.value,
            height=state.height,
            kind=state.kind,
            envelope=state.envelope if caller.may_read_envelopes() else b"",
        )
        if state.rejection is not None:
            view.rejection.CopyFrom(rejection_message(state.rejection))
        return view

    # --- registry -------------------------------------------------------------------------------

    def GetProperty(  # noqa: N802 (gRPC method name)
        self, request: api_pb2.GetPropertyRequest, context: grpc.ServicerContext
    ) -> api_pb2.PropertyView:
        caller = self._caller(context)
        with self._node.store.view() as view:
            _require_property_reader(view, caller, request.cadastral_number, context)
            record = read_property(view.state, request.cadastral_number)
        if record is None:
            abort(
                context,
                ErrorReason.PROPERTY_NOT_FOUND,
                f"no property {request.cadastral_number!r}",
                metadata={"cadastral_number": request.cadastral_number},
            )
        return property_view(record)

    def GetPropertyExtract(  # noqa: N802 (gRPC method name)
        self, request: api_pb2.GetPropertyExtractRequest, context: grpc.ServicerContext
    ) -> api_pb2.PropertyExtract:
        """Same read rights as GetProperty; an absent property yields a proof of absence."""
        caller = self._caller(context)
        with self._node.store.view() as view:
            _require_property_reader(view, caller, request.cadastral_number, context)
            try:
                return build_property_extract(view, request.cadastral_number)
            except ExtractUnavailable as error:
                abort(context, ErrorReason.EXTRACT_UNAVAILABLE, str(error))

    def GetApplication(  # noqa: N802 (gRPC method name)
        self, request: api_pb2.GetApplicationRequest, context: grpc.ServicerContext
    ) -> api_pb2.ApplicationView:
        caller = self._caller(context)
        record = read_application(self._node.store.state, request.application_id)
        if record is None:
            abort(
                context,
                ErrorReason.APPLICATION_NOT_FOUND,
                f"no application {request.application_id!r}",
                metadata={"application_id": request.application_id},
            )
        if not caller.may_read_application(record):
            abort(context, ErrorReason.APPLICATION_NOT_PERMITTED, "not an application you may read")
        return application_view(record, self._today())

    def ListApplications(  # noqa: N802 (gRPC method name)
        self, request: api_pb2.ListApplicationsRequest, context: grpc.ServicerContext
    ) -> api_pb2.ListApplicationsResponse:
        caller = self._caller(context)
        if not caller.may_list_applications():
            abort(context, ErrorReason.LISTING_NOT_PERMITTED, "you may not list applications")
        own_iin = caller.individual_iin
        individual_only = not caller.reads_everything and not caller.is_ktk
        if individual_only and (request.party_bin or request.party_iin not in ("", own_iin)):
            abort(context, ErrorReason.LISTING_NOT_PERMITTED, "you may list only your own")
        as_of = self._as_of(request.as_of, context)
        if request.status and request.status not in ApplicationStatus.__members__:
            known = ", ".join(ApplicationStatus.__members__)
            abort(
                context,
                ErrorReason.INVALID_ARGUMENT,
                f"unknown status {request.status!r}; one of {known}",
                field="status",
            )
        limit = min(request.limit or DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT)
        party_iin = request.party_iin or (own_iin or "" if individual_only else "")
        found: list[api_pb2.ApplicationView] = []
        with self._node.store.view() as view:
            for application_id in _candidates(view, party_iin, request.party_bin, request.status):
                record = read_application(view.state, application_id)
                if record is None or not caller.may_read_application(record):
                    continue
                if request.status and record.status.name != request.status:
                    continue
                application = application_view(record, as_of)
                if request.overdue_only and not application.overdue:
                    continue
                found.append(application)
                if len(found) >= limit:
                    break
        return api_pb2.ListApplicationsResponse(applications=found)

    def _as_of(self, text: str, context: grpc.ServicerContext) -> date:
        if not text:
            return self._today()
        try:
            return date.fromisoformat(text)
        except ValueError:
            abort(
                context,
                ErrorReason.INVALID_ARGUMENT,
                f"as_of {text!r} is not YYYY-MM-DD",
                field="as_of",
            )

    # --- chain -----------------------------------------------------------------------------------

    def GetBlock(  # noqa: N802 (gRPC method name)
        self, request: api_pb2.GetBlockRequest, context: grpc.ServicerContext
    ) -> api_pb2.GetBlockResponse:
        caller = self._caller(context)
        if not caller.may_read_blocks():
            abort(context, ErrorReason.BLOCKS_NOT_PERMITTED, BLOCKS_REFUSAL)
        with self._node.store.view() as view:
            meta = view.load_meta()
            height = request.height or (meta.height if meta else 0)
            raw = view.load_block_bytes(height) if height else None
            commit = view.load_commit(height) if raw is not None else None
        if raw is None:
            abort(
                context,
                ErrorReason.BLOCK_NOT_FOUND,
                f"no block at height {height}",
                metadata={"height": str(height)},
            )
        block = block_pb2.Block.FromString(raw)
        response = api_pb2.GetBlockResponse(
            block=block,
            block_hash=sha256(block.header),
            header=block_pb2.BlockHeader.FromString(block.header),
        )
        if commit is not None:
            response.commit.CopyFrom(commit.to_message())
        return response

    def GetChainInfo(  # noqa: N802 (gRPC method name)
        self, request: api_pb2.GetChainInfoRequest, context: grpc.ServicerContext
    ) -> api_pb2.ChainInfo:
        self._caller(context)
        meta = self._node.meta()
        return api_pb2.ChainInfo(
            chain_id=meta.chain_id,
            height=meta.height,
            latest_block_hash=meta.block_hash if meta.height else b"",
            state_root=meta.state_root,
            latest_block_time_unix_ms=meta.time_unix_ms,
            node_id=self._node_id,
            role=self._role,
            validator_count=len(self._node.setup.validators.validator_set),
            pending_transactions=len(self._node.mempool),
        )

    def SubscribeNotifications(  # noqa: N802 (gRPC method name)
        self, request: api_pb2.SubscribeNotificationsRequest, context: grpc.ServicerContext
    ) -> Iterator[api_pb2.Notification]:
        """Shared fairly among callers of every role: node/api/notifications.py."""
        caller = self._caller(context)
        yield from self._streams.subscribe(caller, request, context)


def _require_property_reader(
    view: StoreReader, caller: Caller, cadastral_number: str, context: grpc.ServicerContext
) -> None:
    """GetProperty and GetPropertyExtract: any property for full readers and KTK, otherwise
    only one that an application of the caller concerns."""
    if not caller.may_read_any_property() and not _concerns_own_application(
        view, caller, cadastral_number
    ):
        abort(context, ErrorReason.PROPERTY_NOT_PERMITTED, "not a property you may read")


def _concerns_own_application(view: StoreReader, caller: Caller, cadastral_number: str) -> bool:
    iin = caller.individual_iin
    if iin is None:
        return False
    for application_id in view.application_ids_by_party(iin):
        record: Application | None = read_application(view.state, application_id)
        if (
            record is not None
            and record.cadastral_number == cadastral_number
            and caller.may_read_application(record)
        ):
            return True
    return False


def _candidates(view: StoreReader, party_iin: str, party_bin: str, status: str) -> list[str]:
    """Application ids from the narrowest index the filters allow (all filters still apply)."""
    sets = []
    if party_iin:
        sets.append(set(view.application_ids_by_party(party_iin)))
    if party_bin:
        sets.append(set(view.application_ids_by_party(party_bin)))
    if status:
        sets.append(set(view.application_ids_by_status(status)))
    if not sets:
        return view.application_ids()
    return sorted(set.intersection(*sets))
