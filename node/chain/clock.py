"""The node's wall clock in milliseconds: the one place node code reads the time of day.

The ledger never reads it (block time comes from the block); engines and admission do.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def offset_clock(offset_ms: int) -> Callable[[], int]:
    """The wall clock moved by ``offset_ms`` (TEST ONLY: the ``[testing] clock_offset_ms`` of
    node/operations/config.py, with which scripts/chaos skews one node's clock; faking the time
    of a whole process needs libfaketime, which the test machine does not have)."""
    if offset_ms == 0:
        return wall_clock_ms
    return lambda: wall_clock_ms() + offset_ms
