"""The commit signal: threads waiting for the chain to grow (wait_for_commit, notification
streams) sleep on it, and the engine wakes them after every committed block and on shutdown."""

from __future__ import annotations

import threading
from collections.abc import Callable


class CommitSignal:
    def __init__(self, height: int) -> None:
        self._condition = threading.Condition()
        self._height = height
        self._closed = False

    @property
    def height(self) -> int:
        with self._condition:
            return self._height

    @property
    def closed(self) -> bool:
        with self._condition:
            return self._closed

    def publish(self, height: int) -> None:
        with self._condition:
            self._height = max(self._height, height)
            self._condition.notify_all()

    def close(self) -> None:
        """The node is stopping: every waiter returns now."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def wait_for_height_above(self, height: int, timeout_seconds: float) -> int:
        """The latest height once it exceeds ``height``, on close, or after the timeout."""
        with self._condition:
            self._condition.wait_for(
                lambda: self._closed or self._height > height, timeout=timeout_seconds
            )
            return self._height

    def wait_until(self, settled: Callable[[], bool], timeout_seconds: float) -> bool:
        """Re-test ``settled`` after each commit until it holds (True), on close or timeout."""
        with self._condition:
            return (
                self._condition.wait_for(lambda: self._closed or settled(), timeout=timeout_seconds)
                and settled()
            )
