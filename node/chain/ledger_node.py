"""The running node: admission of submissions, transaction status, and what follows a commit.

The gRPC service (node/api/service.py) is a thin boundary over this class; the engine
(node/engine/solo.py, node/engine/tendermint.py, node/engine/observer.py) calls ``after_commit``
from
its thread after each block is on disk. Transactions a client submits are gossiped to the other
validators (the admission listener); gossiped ones are checked here again and queued quietly.
"""

from __future__ import annotations

import dataclasses
import enum
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import transaction_pb2

from ledger.chain.store import ChainMeta, Store, StoreReader
from ledger.execution.executor import check_transaction
from ledger.rejections import Rejection, RejectionReason
from ledger.state.access import read_committed_transaction
from ledger.transactions.context import BlockContext
from ledger.transactions.envelope import transaction_id_of
from node.chain.clock import wall_clock_ms
from node.chain.commit import CommittedBlock, block_context
from node.chain.events import CommitSignal
from node.chain.mempool import Mempool, PendingTransaction, ReadRecorder
from node.chain.open import ChainSetup
from node.chain.proposer import next_block_time

RECENT_BLOCKS = 16  # decoded blocks' envelopes kept for status answers
# wait_for_commit is bounded: a client waiting longer gets PENDING and may ask again.
WAIT_FOR_COMMIT_SECONDS = 30.0
# Block time between two rechecks of every pending transaction: the bound on how long one that
# only the passing of time invalidated (a deadline, a certificate's expiry) stays pending before
# its client hears REJECTED. Inference: the law is silent; it never reaches a block regardless.
FULL_RECHECK_INTERVAL_MS = 10_000


class SubmissionUnavailable(Exception):
    """An observer could not reach any validator to forward a submission to."""


class TransactionStatus(enum.Enum):
    UNKNOWN = "UNKNOWN"
    PENDING = "PENDING"
    COMMITTED = "COMMITTED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class TransactionState:
    transaction_id: str  # empty when the envelope could not be decoded
    status: TransactionStatus
    height: int = 0
    rejection: Rejection | None = None
    envelope: bytes = b""
    kind: str = ""


def body_kind(envelope: bytes) -> str:
    """The body's action name, or "" when the envelope does not decode."""
    try:
        body = transaction_pb2.TransactionBody.FromString(
            transaction_pb2.Envelope.FromString(envelope).body
        )
    except (DecodeError, ValueError, RecursionError):
        return ""
    return body.WhichOneof("action") or ""


class LedgerNode:
    def __init__(
        self,
        *,
        store: Store,
        setup: ChainSetup,
        mempool: Mempool,
        signal: CommitSignal,
        log: FilteringBoundLogger,
        clock_ms: Callable[[], int] = wall_clock_ms,
    ) -> None:
        self.store = store
        self.setup = setup
        self.mempool = mempool
        self.signal = signal
        self._log = log
        self._clock_ms = clock_ms
        # Envelopes of recently committed blocks by (height, index): every client waiting for a
        # commit reads its transaction from the same few blocks, and decoding a whole block per
        # answer cost more than the answer (issue 11 profile). A committed block never changes.
        self._recent_envelopes: dict[int, tuple[bytes, ...]] = {}
        self._recent_lock = threading.Lock()
        self._transaction_arrived: Callable[[], None] = lambda: None
        self._transaction_admitted: Callable[[PendingTransaction], None] = lambda _: None
        self._forwarder: Callable[[bytes, bool], TransactionState] | None = None
        self.wait_for_commit_seconds = WAIT_FOR_COMMIT_SECONDS
        # The context of the last recheck of every pending transaction, and its block time.
        self._full_recheck: tuple[BlockContext, int] | None = None
        # Per-transaction events are debug lines (issue 11 profile); each block's info line
        # carries these counts since the previous block.
        self._counts = {"accepted": 0, "refused": 0}
        self._counts_lock = threading.Lock()

    def set_transaction_listener(self, listener: Callable[[], None]) -> None:
        """The engine's wake-up call for each admitted transaction."""
        self._transaction_arrived = listener

    def set_admission_listener(self, listener: Callable[[PendingTransaction], None]) -> None:
        """Called with each transaction a client submitted and this node admitted (gossip)."""
        self._transaction_admitted = listener

    def set_forwarder(self, forwarder: Callable[[bytes, bool], TransactionState]) -> None:
        """An observer's submissions go to the validators through ``forwarder``."""
        self._forwarder = forwarder

    def meta(self) -> ChainMeta:
        meta = self.store.load_meta()
        if meta is None:
            raise RuntimeError("the node's store holds no chain")
        return meta

    # --- submissions ----------------------------------------------------------------------------

    def submit(self, envelope: bytes, *, wait_for_commit: bool) -> TransactionState:
        """Admit ``envelope`` to the mempool, or say why not (nothing changes on rejection).

        An observer forwards it to the validators instead and returns their answer; one that no
        validator could ever admit (too large, not an Envelope) it answers itself, by the same
        genesis limits, so the validators' named rejection reaches the client (issue 13)."""
        if self._forwarder is not None:
            fit = self._fit(envelope)
            if isinstance(fit, TransactionState):
                return fit
            return self._forwarder(envelope, wait_for_commit)
        admitted = self._admit(envelope)
        if (
            isinstance(admitted, TransactionState)
            and admitted.status is not TransactionStatus.PENDING
        ):
            return admitted
        if isinstance(admitted, PendingTransaction):
            self._log.debug("transaction_accepted", transaction_id=admitted.transaction_id)
            self._count("accepted")
            self._transaction_arrived()
            self._transaction_admitted(admitted)
        # A resubmission of a pending transaction waits like the first submission did: a client
        # retrying after a lost answer gets the answer it would have had (ADR 0016).
        transaction_id = admitted.transaction_id
        if wait_for_commit:
            self.signal.wait_until(
                lambda: self._is_settled(transaction_id), self.wait_for_commit_seconds
            )
        return self.transaction_state(transaction_id)

    def submit_batch(
        self, envelopes: Sequence[bytes], *, wait_for_commit: bool
    ) -> list[TransactionState]:
        """Submissions forwarded together (KTK's observer, node/peers/forward.py): each admitted
        as ``submit`` admits it, then, with ``wait_for_commit``, one bounded wait until every
        admitted one is settled; the answers in order."""
        if self._forwarder is not None:
            raise SubmissionUnavailable("an observer does not take forwarded submissions")
        admitted_or_not: list[TransactionState | PendingTransaction] = []
        for envelope in envelopes:
            admitted = self._admit(envelope)
            if isinstance(admitted, PendingTransaction):
                self._log.debug("transaction_accepted", transaction_id=admitted.transaction_id)
                self._count("accepted")
                self._transaction_arrived()
                self._transaction_admitted(admitted)
            admitted_or_not.append(admitted)
        waiting = [
            a.transaction_id
            for a in admitted_or_not
            if isinstance(a, PendingTransaction) or a.status is TransactionStatus.PENDING
        ]
        if wait_for_commit and waiting:
            self.signal.wait_until(
                lambda: all(self._is_settled(t) for t in waiting), self.wait_for_commit_seconds
            )
        return [
            a
            if isinstance(a, TransactionState) and a.status is TransactionStatus.REJECTED
            else self.transaction_state(a.transaction_id)
            for a in admitted_or_not
        ]

    def admit_gossiped(self, envelope: bytes) -> bool:
        """A transaction a peer validator admitted: check it here too and queue it (no echo)."""
        admitted = self._admit(envelope, quiet=True)
        if isinstance(admitted, TransactionState):
            return False
        self._transaction_arrived()
        return True

    def _fit(self, envelope: bytes, *, quiet: bool = False) -> str | TransactionState:
        """The transaction id, or the rejection of an envelope no state could admit (size,
        decoding)."""
        limit = self.setup.genesis.limits.max_transaction_bytes
        if len(envelope) > limit:  # before decoding: do not parse what is too large to accept
            detail = f"the envelope has {len(envelope)} bytes, the chain allows {limit}"
            return self._rejected(
                "", Rejection(RejectionReason.OVERSIZED_TRANSACTION, detail), quiet=quiet
            )
        transaction_id = transaction_id_of(envelope)
        if transaction_id is None:
            return self._rejected(
                "",
                Rejection(RejectionReason.MALFORMED_ENVELOPE, "not a serialized Envelope"),
                quiet=quiet,
            )
        return transaction_id

    def _admit(
        self, envelope: bytes, *, quiet: bool = False
    ) -> TransactionState | PendingTransaction:
        transaction_id = self._fit(envelope, quiet=quiet)
        if isinstance(transaction_id, TransactionState):
            return transaction_id
        # The id is the hash of the body: the same id is the same transaction, whoever sends it
        # again and however often (a retry after a lost answer, an observer asking the next
        # validator). Its answer is its state, never REPLAYED_TRANSACTION (ADR 0016, issue 13).
        known = self._known(transaction_id, quiet=quiet)
        if known is not None:
            return known
        outcome, pending = self._check_at_tip(transaction_id, envelope)
        if isinstance(outcome, Rejection):
            if outcome.reason is RejectionReason.REPLAYED_TRANSACTION:  # committed meanwhile
                return self.transaction_state(transaction_id)
            return self._rejected(transaction_id, outcome, quiet=quiet)
        refused = self.mempool.add(pending)
        if refused is not None:
            if refused.reason is RejectionReason.REPLAYED_TRANSACTION:  # a concurrent twin won
                return self.transaction_state(transaction_id)
            return self._rejected(transaction_id, refused, quiet=quiet)
        return pending

    def _check_at_tip(
        self, transaction_id: str, envelope: bytes
    ) -> tuple[str | Rejection, PendingTransaction]:
        """node.chain.proposer.check_at_tip, noting the state keys the check read and the height
        of the state it read (what a later block must touch to change the verdict)."""
        with self.store.view() as view:
            meta = view.load_meta()
            if meta is None:
                raise RuntimeError("the node's store holds no chain")
            context = block_context(
                self.setup,
                view.state,
                meta.height + 1,
                next_block_time(meta.time_unix_ms, self._clock_ms()),
            )
            reads = ReadRecorder(view.state)
            outcome = check_transaction(reads, envelope, context)
        return outcome, PendingTransaction(
            transaction_id, envelope, frozenset(reads.keys), meta.height
        )

    def _count(self, name: str) -> None:
        with self._counts_lock:
            self._counts[name] += 1

    def _known(self, transaction_id: str, *, quiet: bool) -> TransactionState | None:
        """The state of a transaction this node already holds (pending or committed), else None."""
        if (
            transaction_id not in self.mempool
            and self.store.load_transaction_location(transaction_id) is None
        ):
            return None
        state = self.transaction_state(transaction_id)
        if state.status is TransactionStatus.UNKNOWN:
            return None  # left the pool between the two reads, dropped: judge it afresh
        if not quiet:
            self._log.debug(
                "transaction_resubmitted", transaction_id=transaction_id, status=state.status.value
            )
        return state

    def _rejected(
        self, transaction_id: str, rejection: Rejection, *, quiet: bool = False
    ) -> TransactionState:
        if quiet:
            return TransactionState(transaction_id, TransactionStatus.REJECTED, rejection=rejection)
        self._count("refused")
        self._log.debug(
            "submission_rejected",
            transaction_id=transaction_id,
            reason=rejection.reason.name,
            detail=rejection.detail,
        )
        return TransactionState(transaction_id, TransactionStatus.REJECTED, rejection=rejection)

    def _is_settled(self, transaction_id: str) -> bool:
        return transaction_id not in self.mempool or (
            self.store.load_transaction_location(transaction_id) is not None
        )

    # --- status ---------------------------------------------------------------------------------

    def transaction_state(self, transaction_id: str) -> TransactionState:
        # Pending first: a block is on disk before its transactions leave the mempool, so a
        # transaction missing from the pool is found committed by the read that follows.
        pending = self.mempool.get(transaction_id)
        with self.store.view() as view:
            location = view.load_transaction_location(transaction_id)
            if location is not None:
                envelopes = self._block_envelopes(view, location.height)
                committed = read_committed_transaction(view.state, transaction_id)
                if envelopes is None or committed is None:
                    raise RuntimeError(f"committed transaction {transaction_id} is not stored")
                return TransactionState(
                    transaction_id,
                    TransactionStatus.COMMITTED,
                    height=location.height,
                    envelope=envelopes[location.index],
                    kind=committed.kind,
                )
            if pending is not None:
                return TransactionState(
                    transaction_id,
                    TransactionStatus.PENDING,
                    envelope=pending.envelope,
                    kind=body_kind(pending.envelope),
                )
            rejection = view.load_rejection(transaction_id)
        if rejection is not None:
            return TransactionState(transaction_id, TransactionStatus.REJECTED, rejection=rejection)
        return TransactionState(transaction_id, TransactionStatus.UNKNOWN)

    def _block_envelopes(self, view: StoreReader, height: int) -> tuple[bytes, ...] | None:
        with self._recent_lock:
            envelopes = self._recent_envelopes.get(height)
        if envelopes is not None:
            return envelopes
        block = view.load_block(height)
        if block is None:
            return None
        envelopes = tuple(block.transactions)
        with self._recent_lock:
            self._recent_envelopes[height] = envelopes
            while len(self._recent_envelopes) > RECENT_BLOCKS:
                del self._recent_envelopes[min(self._recent_envelopes)]
        return envelopes

    # --- after each commit (engine thread) ------------------------------------------------------

    def after_commit(self, committed: CommittedBlock) -> None:
        block = committed.executed.block
        self.mempool.remove(committed.executed.execution.transaction_ids)
        self.mempool.remove(committed.rejections)
        for transaction_id, rejection in committed.rejections.items():
            self._log.debug(
                "transaction_rejected_at_execution",
                height=block.height,
                transaction_id=transaction_id,
                reason=rejection.reason.name,
                detail=rejection.detail,
            )
        rechecked, dropped = self._recheck_pending(committed)
        with self._counts_lock:
            counts = dict(self._counts)
            self._counts = dict.fromkeys(counts, 0)
        self._log.info(
            "block_sealed",
            height=block.height,
            block_hash=block.block_hash.hex(),
            transaction_count=len(block.transactions),
            state_root=block.header.state_root.hex(),
            accepted=counts["accepted"],
            refused=counts["refused"],
            rejected_at_execution=len(committed.rejections),
            rechecked=rechecked,
            dropped=dropped,
            pending=len(self.mempool),
        )
        self.signal.publish(committed.meta.height)

    def _recheck_pending(self, committed: CommittedBlock) -> tuple[int, int]:
        """Drop pending transactions the new state refuses (expired, decided meanwhile, ...);
        how many were checked again and how many dropped.

        Only those the block can have invalidated are checked again: a check is a pure function
        of the state keys it reads and the block context, so a transaction checked on the state
        this block follows whose reads the block did not write keeps its verdict. Every pending
        transaction is checked again when the context's rules change and every
        FULL_RECHECK_INTERVAL_MS of block time (the time itself is an input). Safe because this
        is early warning, not the filter: a proposer executes every transaction it proposes
        (node/chain/proposer.py) and every validator executes the proposal (proposal_check.py),
        so a transaction a block invalidated never reaches a block either way."""
        meta = committed.meta
        state = self.store.state
        context = block_context(
            self.setup, state, meta.height + 1, next_block_time(meta.time_unix_ms, self._clock_ms())
        )
        written = committed.executed.execution.writes.keys()
        full = self._full_recheck_due(context, meta.time_unix_ms)
        rechecked = dropped = 0
        kept: list[PendingTransaction] = []
        for pending in self.mempool.snapshot():
            unchanged = (
                not full
                and pending.reads is not None
                and pending.checked_height == meta.height - 1
                and pending.reads.isdisjoint(written)
            )
            if unchanged:
                kept.append(dataclasses.replace(pending, checked_height=meta.height))
                continue
            rechecked += 1
            reads = ReadRecorder(state)
            outcome = check_transaction(reads, pending.envelope, context)
            if not isinstance(outcome, Rejection):
                kept.append(
                    PendingTransaction(
                        pending.transaction_id, pending.envelope, frozenset(reads.keys), meta.height
                    )
                )
                continue
            dropped += 1
            # Recorded before it leaves the pool, so a status read in between never says UNKNOWN.
            if self.store.load_transaction_location(pending.transaction_id) is None:
                self.store.save_rejection(pending.transaction_id, outcome)
            self.mempool.remove([pending.transaction_id])
            self._log.debug(
                "pending_transaction_dropped",
                height=meta.height,
                transaction_id=pending.transaction_id,
                reason=outcome.reason.name,
                detail=outcome.detail,
            )
        self.mempool.refresh(kept)
        return rechecked, dropped

    def _full_recheck_due(self, context: BlockContext, time_unix_ms: int) -> bool:
        last = self._full_recheck
        if (
            last is None
            or dataclasses.replace(last[0], height=context.height, time=context.time) != context
            or time_unix_ms - last[1] >= FULL_RECHECK_INTERVAL_MS
        ):
            self._full_recheck = (context, time_unix_ms)
            return True
        return False
