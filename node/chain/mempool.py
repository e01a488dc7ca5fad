"""Pending transactions: checked against the current state, waiting for the next block.

Bounded (MEMPOOL_FULL beyond ``capacity``), first come first served, one entry per transaction
id (a duplicate of a pending transaction is REPLAYED_TRANSACTION). Thread-safe: the gRPC
threads add, the block producer takes and removes, the recheck after a block refreshes what
each entry's check read (ADR 0023).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from ledger.rejections import Rejection, RejectionReason
from ledger.state.access import StateReader


@dataclass(frozen=True, slots=True)
class PendingTransaction:
    """A queued transaction, with what its last check depended on (node/chain/ledger_node.py
    rechecks after a block only the pending transactions the block can have invalidated)."""

    transaction_id: str
    envelope: bytes
    # The state keys its last check read (present or absent) and the height of the state it was
    # checked on; None: not known, so every block rechecks it.
    reads: frozenset[bytes] | None = None
    checked_height: int = -1


class ReadRecorder:
    """A StateReader that notes every key asked for, found or not: what a check depended on."""

    __slots__ = ("_state", "keys")

    def __init__(self, state: StateReader) -> None:
        self._state = state
        self.keys: set[bytes] = set()

    def get(self, key: bytes) -> bytes | None:
        self.keys.add(key)
        return self._state.get(key)


class Mempool:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a mempool holds at least one transaction")
        self.capacity = capacity
        self._lock = threading.Lock()
        # dicts keep insertion order: the order of arrival is the order of proposal.
        self._pending: dict[str, PendingTransaction] = {}

    def add(self, transaction: PendingTransaction) -> Rejection | None:
        """Queue ``transaction``; the rejection when it is a duplicate or the pool is full."""
        with self._lock:
            if transaction.transaction_id in self._pending:
                return Rejection(
                    RejectionReason.REPLAYED_TRANSACTION,
                    f"{transaction.transaction_id} is already pending",
                )
            if len(self._pending) >= self.capacity:
                return Rejection(
                    RejectionReason.MEMPOOL_FULL,
                    f"{self.capacity} transactions are pending; try again after the next block",
                )
            self._pending[transaction.transaction_id] = transaction
            return None

    def get(self, transaction_id: str) -> PendingTransaction | None:
        with self._lock:
            return self._pending.get(transaction_id)

    def __contains__(self, transaction_id: object) -> bool:
        with self._lock:
            return transaction_id in self._pending

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def oldest(self, count: int) -> list[PendingTransaction]:
        """Up to ``count`` transactions in order of arrival, left in the pool."""
        with self._lock:
            return [t for _, t in zip(range(count), self._pending.values(), strict=False)]

    def snapshot(self) -> list[PendingTransaction]:
        with self._lock:
            return list(self._pending.values())

    def refresh(self, checked: Iterable[PendingTransaction]) -> None:
        """Replace the entries of ``checked`` still pending by these (newer checks), in place:
        the order of arrival stays the order of proposal."""
        with self._lock:
            for transaction in checked:
                if transaction.transaction_id in self._pending:
                    self._pending[transaction.transaction_id] = transaction

    def remove(self, transaction_ids: Iterable[str]) -> None:
        with self._lock:
            for transaction_id in transaction_ids:
                self._pending.pop(transaction_id, None)
