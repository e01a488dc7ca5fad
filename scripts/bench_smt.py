#!/usr/bin/env python3
"""Benchmark of the state tree (ledger.merkle.smt) with an in-memory node store.

Inserts records in batches (a block's worth of state changes each) and, at every power-of-ten
checkpoint, reports insert throughput, nodes read and written per updated record, and the depth
and size of proofs. Nodes per update and proof depth should grow by a constant step for every
tenfold growth of the tree (log n), not tenfold.

    .venv/bin/python scripts/bench_smt.py                  # 100k records, batches of 100
    .venv/bin/python scripts/bench_smt.py --records 20000 --json
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, dataclass

from ledger.hashing import sha256
from ledger.merkle.smt import EMPTY_ROOT, MemorySmtStore, apply_changes, prove, verify_proof
from ledger.merkle.smt_proof import proof_to_bytes

PROOF_SAMPLE_SIZE = 200


class CountingStore(MemorySmtStore):
    """The dict store, counting reads so that the report can show the work per update."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_node(self, node_hash: bytes) -> bytes | None:
        self.reads += 1
        return super().get_node(node_hash)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    records: int
    log2_records: float
    inserts_per_second: float
    nodes_written_per_insert: float
    nodes_read_per_insert: float
    single_update_nodes_written: float
    proof_depth_mean: float
    proof_depth_max: int
    proof_bytes_mean: float
    absence_proof_bytes_mean: float
    verifications_per_second: float
    stored_nodes: int


def record_key(number: int) -> bytes:
    return b"property/21:318:%09d" % number


def measure_proofs(store: MemorySmtStore, root: bytes, records: int) -> dict[str, float]:
    step = max(1, records // PROOF_SAMPLE_SIZE)
    present = [(record_key(n), sha256(b"%d" % n)) for n in range(0, records, step)]
    proofs = [(key, value_hash, prove(store, root, key)) for key, value_hash in present]
    absent = [prove(store, root, b"absent/%d" % n) for n in range(len(present))]
    started = time.perf_counter()
    for key, value_hash, proof in proofs:
        if not verify_proof(root, key, value_hash, proof):
            raise RuntimeError(f"proof for {key!r} does not verify")
    verify_seconds = time.perf_counter() - started
    return {
        "depth_mean": sum(proof.depth for _, _, proof in proofs) / len(proofs),
        "depth_max": max(proof.depth for _, _, proof in proofs),
        "bytes_mean": sum(len(proof_to_bytes(proof)) for _, _, proof in proofs) / len(proofs),
        "absent_bytes_mean": sum(len(proof_to_bytes(proof)) for proof in absent) / len(absent),
        "verify_per_second": len(proofs) / verify_seconds,
    }


def single_update_cost(store: MemorySmtStore, root: bytes, records: int) -> float:
    """Nodes written when one existing record changes, averaged over a sample of records."""
    sample = range(0, records, max(1, records // 50))
    written = [
        len(apply_changes(store, root, {record_key(n): sha256(b"changed")}).new_nodes)
        for n in sample
    ]
    return sum(written) / len(written)


def run(total_records: int, batch_size: int) -> list[Checkpoint]:
    store = CountingStore()
    root = EMPTY_ROOT
    checkpoints: list[Checkpoint] = []
    next_checkpoint = 1000
    window_inserts = window_written = window_reads = 0
    window_seconds = 0.0
    for start in range(0, total_records, batch_size):
        batch = {
            record_key(n): sha256(b"%d" % n)
            for n in range(start, min(start + batch_size, total_records))
        }
        reads_before = store.reads
        started = time.perf_counter()
        update = apply_changes(store, root, batch)
        store.put_nodes(update.new_nodes)
        window_seconds += time.perf_counter() - started
        window_reads += store.reads - reads_before
        window_written += len(update.new_nodes)
        window_inserts += len(batch)
        root = update.root
        inserted = start + len(batch)
        if inserted >= next_checkpoint or inserted == total_records:
            proofs = measure_proofs(store, root, inserted)
            checkpoints.append(
                Checkpoint(
                    records=inserted,
                    log2_records=round(math.log2(inserted), 2),
                    inserts_per_second=round(window_inserts / window_seconds),
                    nodes_written_per_insert=round(window_written / window_inserts, 2),
                    nodes_read_per_insert=round(window_reads / window_inserts, 2),
                    single_update_nodes_written=round(single_update_cost(store, root, inserted), 2),
                    proof_depth_mean=round(proofs["depth_mean"], 2),
                    proof_depth_max=int(proofs["depth_max"]),
                    proof_bytes_mean=round(proofs["bytes_mean"], 1),
                    absence_proof_bytes_mean=round(proofs["absent_bytes_mean"], 1),
                    verifications_per_second=round(proofs["verify_per_second"]),
                    stored_nodes=len(store.nodes),
                )
            )
            window_inserts = window_written = window_reads = 0
            window_seconds = 0.0
            next_checkpoint *= 10
    return checkpoints


def print_table(checkpoints: list[Checkpoint], batch_size: int) -> None:
    print(f"state tree, in-memory store, batches of {batch_size} inserts")
    print(
        f"{'records':>8} {'log2 n':>6} {'ins/s':>7} {'wr/ins':>6} {'rd/ins':>6} "
        f"{'wr/upd1':>7} {'depth':>5} {'max':>4} {'proof B':>7} {'absent B':>8} {'verify/s':>8}"
    )
    for point in checkpoints:
        print(
            f"{point.records:>8} {point.log2_records:>6} {point.inserts_per_second:>7} "
            f"{point.nodes_written_per_insert:>6} {point.nodes_read_per_insert:>6} "
            f"{point.single_update_nodes_written:>7} {point.proof_depth_mean:>5} "
            f"{point.proof_depth_max:>4} {point.proof_bytes_mean:>7} "
            f"{point.absence_proof_bytes_mean:>8} {point.verifications_per_second:>8}"
        )
    print(
        "ins/s, wr/ins, rd/ins: since the previous checkpoint; wr/upd1: nodes written when one "
        "record changes alone; depth/max: proof levels; proof B: compact proof bytes"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print the checkpoints as JSON")
    arguments = parser.parse_args()
    if arguments.records < 1 or arguments.batch_size < 1:
        parser.error("--records and --batch-size must be positive")
    checkpoints = run(arguments.records, arguments.batch_size)
    if arguments.json:
        print(json.dumps([asdict(point) for point in checkpoints], indent=2))
    else:
        print_table(checkpoints, arguments.batch_size)


if __name__ == "__main__":
    main()
