"""The node's wall clock in milliseconds: the one place node code reads the time of day.

The ledger never reads it (block time comes from the block); engines and admission do.
"""

from __future__ import annotations

import time


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000
