"""The state tree (ledger/merkle/smt.py) at a realistic size, by running scripts/bench_smt.py's own
``run`` (imported from its file, not copied): inserts in batches of a block's changes, in
memory, and the work per insert at the largest checkpoint.

Its bound is the write rate the end-to-end run asked of it: committed transactions per second
times the state records each transaction writes (from the executor benchmark).
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

BENCH_SMT_PATH = Path(__file__).resolve().parents[2] / "scripts" / "bench_smt.py"
MODULE_NAME = "tirkeu_scripts_bench_smt"


@dataclass(frozen=True, slots=True)
class StateTreeResult:
    records: int  # the tree's size at the measurement
    batch_size: int
    inserts_per_second: float  # since the previous power-of-ten checkpoint
    nodes_written_per_insert: float
    nodes_read_per_insert: float
    proof_depth_mean: float
    proof_bytes_mean: float
    proof_verifications_per_second: float


def _bench_smt() -> ModuleType:
    loaded = sys.modules.get(MODULE_NAME)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(MODULE_NAME, BENCH_SMT_PATH)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {BENCH_SMT_PATH}")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module executes.
    sys.modules[MODULE_NAME] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[MODULE_NAME]
        raise
    return module


def measure_state_tree(records: int, batch_size: int) -> StateTreeResult:
    if records < 1 or batch_size < 1:
        raise ValueError("records and batch size must be positive")
    checkpoints = _bench_smt().run(records, batch_size)
    last = checkpoints[-1]
    return StateTreeResult(
        records=int(last.records),
        batch_size=batch_size,
        inserts_per_second=float(last.inserts_per_second),
        nodes_written_per_insert=float(last.nodes_written_per_insert),
        nodes_read_per_insert=float(last.nodes_read_per_insert),
        proof_depth_mean=float(last.proof_depth_mean),
        proof_bytes_mean=float(last.proof_bytes_mean),
        proof_verifications_per_second=float(last.verifications_per_second),
    )
