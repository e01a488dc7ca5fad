#!/usr/bin/env python3
"""Time start-up's hole check (node/chain/open.py ``check_continuous``) on a large store.

    .venv/bin/python scripts/bench_startup_check.py /tmp/million [--blocks 1000000]

Fills DIR once with BLOCKS block keys (600-byte values, a certificate beside each, compacted into
table files as a long-running node's are), then times, three times, what start-up reads: the
seeks for the lowest height and for anything above the tip, and the key count of the last
CONTINUITY_WINDOW heights; and, for comparison, a count of every block key. ADR 0019 records
the figures.
"""

from __future__ import annotations

import argparse
import struct
import time
from pathlib import Path

import plyvel

from ledger.chain.store import Store
from ledger.chain.store_checks import CONTINUITY_WINDOW


def fill(path: Path, blocks: int) -> None:
    database = plyvel.DB(str(path), create_if_missing=True)
    for start in range(1, blocks + 1, 10_000):
        with database.write_batch() as batch:
            for height in range(start, min(start + 10_000, blocks + 1)):
                batch.put(b"block/" + struct.pack(">Q", height), b"b" * 600)
                batch.put(b"commit/" + struct.pack(">Q", height), b"c" * 400)
    database.compact_range()
    database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--blocks", type=int, default=1_000_000)
    arguments = parser.parse_args()
    if not arguments.directory.exists():
        fill(arguments.directory, arguments.blocks)
    tip = arguments.blocks
    with Store(arguments.directory) as store:
        for _ in range(3):
            started = time.perf_counter()
            above = store.lowest_block_height(tip + 1)
            lowest = store.lowest_block_height()
            window = max(1, tip - CONTINUITY_WINDOW + 1)
            counted = store.count_blocks(window, tip)
            elapsed = time.perf_counter() - started
            print(f"start-up check: {elapsed:.3f} s (above {above}, lowest {lowest}, {counted})")
        started = time.perf_counter()
        every = store.count_blocks(1, tip)
        print(f"full key count, for comparison: {time.perf_counter() - started:.3f} s ({every})")


if __name__ == "__main__":
    main()
