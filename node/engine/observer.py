"""The observer node (config role = "observer"): the KTK node that follows the chain.

It takes part in no vote. It follows the chain by block sync (node/peers/sync.py) and by the
blocks validators announce after each commit, verifies every block fully before applying it
(the commit certificate against the genesis validator set, the previous block's certificate,
every transaction, the state root: node/chain/commit.py), serves the whole client API from its own
state, and forwards client submissions to the validators, returning their answer. A block
whose certificate is forged or short of the quorum is refused and logged as ``block_refused``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import grpc
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import api_pb2, peer_pb2

from ledger.chain.store import Store
from ledger.rejections import Rejection, RejectionReason
from ledger.transactions.envelope import transaction_id_of
from node.chain.commit import CommittedBlock
from node.chain.events import CommitSignal
from node.chain.ledger_node import SubmissionUnavailable, TransactionState, TransactionStatus
from node.chain.open import ChainSetup
from node.chain.proposer import check_at_tip
from node.operations.config import PeerConfig
from node.operations.metrics import NodeMetrics
from node.operations.tls import TlsMaterial
from node.peers.client import open_peer_channel
from node.peers.forward import ForwardBatcher, ForwardFailed
from node.peers.stream import DEFAULT_MAX_BATCH_BYTES, peer_message_bytes
from node.peers.sync import apply_certified_block, certified_blocks

FORWARD_TIMEOUT_SECONDS = 60.0


class ObserverEngine:
    """Applies certified blocks from sync and announcements, in order, on one thread."""

    def __init__(
        self,
        *,
        store: Store,
        setup: ChainSetup,
        metrics: NodeMetrics,
        on_committed: Callable[[CommittedBlock], None],
        on_behind: Callable[[], None],
        log: FilteringBoundLogger,
    ) -> None:
        self._store = store
        self._setup = setup
        self._metrics = metrics
        self._on_committed = on_committed
        self._on_behind = on_behind
        self._log = log
        self._queue: queue.Queue[tuple[str, tuple[peer_pb2.CertifiedBlock, ...]] | None] = (
            queue.Queue()
        )
        self._stop = threading.Event()

    def synced_blocks(self, source: str, blocks: Sequence[peer_pb2.CertifiedBlock]) -> None:
        self._queue.put((source, tuple(blocks)))

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)

    def run(self) -> None:
        while not self._stop.is_set():
            item = self._queue.get()
            if item is None:
                continue
            source, blocks = item
            applied = 0
            for message in blocks:
                committed = apply_certified_block(
                    self._store,
                    self._setup,
                    message,
                    log=self._log,
                    metrics=self._metrics,
                    source=source,
                )
                if committed is not None:
                    applied += 1
                    self._metrics.height.set(committed.meta.height)
                    self._on_committed(committed)
            if applied:
                self._on_behind()  # ask again at once: there may be more


class ObserverPeerHandler:
    """The Peer service of an observer: it serves block sync and takes announced blocks."""

    def __init__(self, engine: ObserverEngine, store: Store, node_id: str) -> None:
        self._engine = engine
        self._store = store
        self._node_id = node_id

    def consensus_message(self, message: peer_pb2.ConsensusMessage) -> None:
        return None  # an observer does not vote

    def transactions_gossiped(self, envelopes: Sequence[bytes]) -> int:
        return 0

    def block_announced(self, block: bytes, certificate: bytes) -> None:
        self._engine.synced_blocks(
            "announcement", (peer_pb2.CertifiedBlock(block=block, certificate=certificate),)
        )

    def peer_status(self) -> peer_pb2.GetPeerStatusResponse:
        return peer_status(self._store, self._node_id, "observer")

    def certified_blocks(self, from_height: int, count: int) -> list[peer_pb2.CertifiedBlock]:
        return certified_blocks(self._store, from_height, count)


def peer_status(store: Store, node_id: str, role: str) -> peer_pb2.GetPeerStatusResponse:
    meta = store.load_meta()
    if meta is None:
        raise RuntimeError("the store holds no chain")
    return peer_pb2.GetPeerStatusResponse(
        node_id=node_id,
        role=role,
        height=meta.height,
        block_hash=meta.block_hash,
        state_root=meta.state_root,
    )


@dataclass(frozen=True, slots=True)
class _Validator:
    node_id: str
    forward: ForwardBatcher  # batched Peer.ForwardTransactions (node/peers/forward.py)
    channel: grpc.Channel


class BadAnswer(Exception):
    """A validator's answer this observer will not pass on (wrong id, unknown status)."""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _forward_batch_bytes(setup: ChainSetup | None) -> int:
    """Forwarded batches stay within what every validator must receive (issue 13)."""
    return DEFAULT_MAX_BATCH_BYTES if setup is None else peer_message_bytes(setup.genesis.limits)


class SubmissionForwarder:
    """Sends a client's envelope to the validators (batched with other clients' submissions:
    node/peers/forward.py) and checks what comes back.

    A validator's answer is not passed on blindly (review finding #8):
      - an answer for another transaction id, or with a status this node does not know, is
        refused and the next validator asked;
      - COMMITTED is answered from this node's own verified store once it holds the block
        (PENDING if it does not hold the transaction there);
      - REJECTED is re-checked against this node's own state: when this node rejects too, its
        own reason is the answer; when it would admit the transaction, the next validator is
        asked, and if every validator rejects, the answer says it is the validator's.
    Without ``local_state`` / ``store`` (a bare forwarder) those checks are skipped."""

    def __init__(
        self,
        validators: Sequence[PeerConfig],
        tls: TlsMaterial,
        signal: CommitSignal,
        log: FilteringBoundLogger,
        *,
        local_state: Callable[[str], TransactionState] | None = None,
        store: Store | None = None,
        setup: ChainSetup | None = None,
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self._validators = []
        for peer in validators:
            channel = open_peer_channel(peer.address, tls)
            forward = ForwardBatcher(
                channel, peer.node_id, log, max_batch_bytes=_forward_batch_bytes(setup)
            )
            self._validators.append(_Validator(peer.node_id, forward, channel))
        self._signal = signal
        self._log = log
        self._local_state = local_state
        self._store = store
        self._setup = setup
        self._clock_ms = clock_ms

    def __call__(self, envelope: bytes, wait_for_commit: bool) -> TransactionState:
        expected = transaction_id_of(envelope) or ""
        unconfirmed: TransactionState | None = None
        for validator in self._validators:
            try:
                response = validator.forward.submit(envelope, wait_for_commit)
                state = _state_of(response, expected)
            except ForwardFailed as error:
                self._log.warning("forward_failed", validator=validator.node_id, detail=str(error))
                continue
            except BadAnswer as error:
                self._log.warning(
                    "forward_answer_refused", validator=validator.node_id, detail=str(error)
                )
                continue
            self._log.info(
                "transaction_forwarded",
                validator=validator.node_id,
                transaction_id=state.transaction_id,
                status=state.status.value,
            )
            if state.status is TransactionStatus.COMMITTED:
                return self._committed(state)
            if _held_there(state):
                # A validator of an older release says "already pending or committed" this way:
                # it holds the transaction, so the truth is pending (or committed here), never
                # a rejection (issue 13, ADR 0016).
                return self._held(state.transaction_id)
            if state.status is TransactionStatus.REJECTED:
                confirmed = self._recheck(envelope, state)
                if confirmed is not None:
                    return confirmed
                unconfirmed = unconfirmed or _as_validators(state, validator.node_id)
                continue
            return state
        if unconfirmed is not None:
            return unconfirmed
        raise SubmissionUnavailable("no validator could be reached; try again")

    def _committed(self, state: TransactionState) -> TransactionState:
        # Answer once this node has the block too, so the client reads it here.
        self._signal.wait_for_height_above(state.height - 1, FORWARD_TIMEOUT_SECONDS)
        if self._local_state is None:
            return state
        local = self._local_state(state.transaction_id)
        if local.status is TransactionStatus.COMMITTED:
            return local
        # Not (yet) in this node's verified chain: the client may ask again with GetTransaction.
        return TransactionState(state.transaction_id, TransactionStatus.PENDING)

    def _held(self, transaction_id: str) -> TransactionState:
        """A transaction a validator already holds: committed here, or pending."""
        if self._local_state is not None:
            local = self._local_state(transaction_id)
            if local.status is TransactionStatus.COMMITTED:
                return local
        return TransactionState(transaction_id, TransactionStatus.PENDING)

    def _recheck(self, envelope: bytes, state: TransactionState) -> TransactionState | None:
        """This node's own rejection of ``envelope``, or None when it would admit it."""
        if self._store is None or self._setup is None:
            return state
        outcome = check_at_tip(self._store, self._setup, envelope, self._clock_ms())
        if isinstance(outcome, Rejection):
            if outcome.reason is RejectionReason.REPLAYED_TRANSACTION:
                # Committed in this node's own chain (a validator behind it refused for a reason
                # of its own): its state is the answer, never a rejection (ADR 0016).
                return self._held(state.transaction_id)
            return TransactionState(
                state.transaction_id, TransactionStatus.REJECTED, rejection=outcome
            )
        return None

    def close(self) -> None:
        for validator in self._validators:
            validator.forward.close()
            validator.channel.close()


def _held_there(state: TransactionState) -> bool:
    return (
        state.status is TransactionStatus.REJECTED
        and state.rejection is not None
        and state.rejection.reason is RejectionReason.REPLAYED_TRANSACTION
    )


def _as_validators(state: TransactionState, validator: str) -> TransactionState:
    """A rejection this node could not confirm, marked as the validator's answer."""
    if state.rejection is None:
        return state
    rejection = Rejection(
        state.rejection.reason, f"validator {validator} answered: {state.rejection.detail}"
    )
    return TransactionState(state.transaction_id, state.status, rejection=rejection)


def _state_of(response: api_pb2.SubmitTransactionResponse, expected_id: str) -> TransactionState:
    """The validator's answer, or BadAnswer when it is for another transaction or unreadable."""
    if response.transaction_id != expected_id:
        raise BadAnswer(
            f"answered for transaction {response.transaction_id!r}, not {expected_id!r}"
        )
    try:
        status = TransactionStatus(api_pb2.TransactionStatus.Name(response.status))
    except ValueError:
        raise BadAnswer(f"unknown status {response.status}") from None
    rejection = None
    if response.HasField("rejection"):
        try:
            reason = RejectionReason[response.rejection.reason]
        except KeyError:
            reason = RejectionReason.MALFORMED_ENVELOPE
        rejection = Rejection(reason, response.rejection.detail)
    return TransactionState(
        response.transaction_id, status, height=response.height, rejection=rejection
    )
