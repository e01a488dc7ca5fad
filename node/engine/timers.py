"""The Tendermint engine's timers: the timeouts the core schedules, due in monotonic time.

Timers are never cancelled: a stale one (for a height the node has left) fires and is dropped by
the engine, and one for an old round is ignored by the core (consensus/__init__.py).
"""

from __future__ import annotations

import heapq
import itertools
import time

from consensus import ScheduleTimeout, TimeoutFired


class Timers:
    """A heap of (deadline, sequence, event); the sequence keeps equal deadlines in order."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, TimeoutFired]] = []
        self._sequence = itertools.count()

    def schedule(self, action: ScheduleTimeout) -> None:
        event = TimeoutFired(action.kind, action.height, action.round)
        deadline = time.monotonic() + action.duration_ms / 1000
        heapq.heappush(self._heap, (deadline, next(self._sequence), event))

    def next_deadline(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self) -> TimeoutFired | None:
        """The earliest timer whose deadline has passed, removed; None when none is due."""
        if self._heap and self._heap[0][0] <= time.monotonic():
            return heapq.heappop(self._heap)[2]
        return None
