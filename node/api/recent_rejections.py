"""Submission-time rejections this node gave recently, so that GetTransaction can answer
"rejected with reason" for them (api.proto) instead of UNKNOWN.

A transaction refused at submission never reaches a block or the store (ADR 0004), so the node
remembers the answer in memory only: at most ``CAPACITY`` transactions for at most
``WINDOW_SECONDS`` each, the oldest forgotten first, each detail cut to ``MAX_DETAIL_CHARS``
(a detail may quote the envelope, e.g. a chain id of 200 KB: 4096 of those would be a
gigabyte). Bounded whatever clients send; lost on restart; per node (the node the client
submitted to). A later decision (pending, committed, or a rejection at execution) always wins
over this memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from ledger.rejections import Rejection
from node.api.errors import MAX_DETAIL_CHARS, bounded

CAPACITY = 4096
WINDOW_SECONDS = 600.0


class RecentRejections:
    def __init__(
        self,
        *,
        capacity: int = CAPACITY,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity = capacity
        self._window = window_seconds
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Rejection]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, transaction_id: str, rejection: Rejection) -> None:
        if not transaction_id:
            return  # an envelope that did not decode has no id to ask about
        kept = Rejection(rejection.reason, bounded(rejection.detail, MAX_DETAIL_CHARS))
        with self._lock:
            self._entries.pop(transaction_id, None)
            self._entries[transaction_id] = (self._clock(), kept)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def lookup(self, transaction_id: str) -> Rejection | None:
        with self._lock:
            self._forget_expired()
            entry = self._entries.get(transaction_id)
            return None if entry is None else entry[1]

    def __len__(self) -> int:
        with self._lock:
            self._forget_expired()
            return len(self._entries)

    def _forget_expired(self) -> None:
        horizon = self._clock() - self._window
        while self._entries:
            oldest = next(iter(self._entries.values()))
            if oldest[0] >= horizon:
                return
            self._entries.popitem(last=False)
