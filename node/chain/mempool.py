"""Pending transactions: checked against the current state, waiting for the next block.

Bounded (MEMPOOL_FULL beyond ``capacity``), first come first served, one entry per transaction
id (a duplicate of a pending transaction is REPLAYED_TRANSACTION). Thread-safe: the gRPC
threads add, the block producer takes and removes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from ledger.rejections import Rejection, RejectionReason


@dataclass(frozen=True, slots=True)
class PendingTransaction:
    transaction_id: str
    envelope: bytes


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

    def remove(self, transaction_ids: Iterable[str]) -> None:
        with self._lock:
            for transaction_id in transaction_ids:
                self._pending.pop(transaction_id, None)
