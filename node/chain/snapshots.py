"""Writing and restoring state snapshots (ADR 0013); the checks are ledger/audit/snapshots.py.

``create_snapshot`` reads a stopped node's store at its latest committed (certified) height;
``restore_snapshot`` verifies a snapshot against the genesis file alone and only then writes it
into an empty data directory, from which the node starts at that height and follows the chain
by block sync (no history replayed).
"""

from __future__ import annotations

from pathlib import Path

from ledger.audit.snapshots import (
    StateSnapshot,
    decode_snapshot,
    verify_snapshot,
)
from ledger.chain.store import ChainMeta, Store, StoreInvariantError, StoreReader
from node.chain.open import ChainSetup


class SnapshotUnavailable(Exception):
    """No snapshot can be made or restored here (no block yet, a data directory in use)."""


def create_snapshot(reader: StoreReader) -> StateSnapshot:
    """The state at the store's latest height, with that height's block and certificate."""
    meta = reader.load_meta()
    if meta is None or meta.height == 0:
        raise SnapshotUnavailable("no block is committed yet: there is nothing certified")
    block = reader.load_block(meta.height)
    certificate = reader.load_commit(meta.height)
    if block is None or certificate is None or block.block_hash != meta.block_hash:
        raise StoreInvariantError(f"block {meta.height} or its certificate is missing")
    return StateSnapshot(
        chain_id=meta.chain_id,
        genesis_sha256=meta.genesis_sha256,
        height=meta.height,
        block=block,
        certificate=certificate,
        records=tuple(sorted(reader.state_items())),
    )


def restore_snapshot(data_dir: Path, setup: ChainSetup, data: bytes) -> ChainMeta:
    """Verify ``data`` (raises ledger.audit.snapshots.InvalidSnapshot, naming the problem,
    before anything is written) and write it as the node's store in ``data_dir``."""
    verified = verify_snapshot(decode_snapshot(data), setup)
    target = data_dir / "ledger"
    if target.exists() and any(target.iterdir()):
        raise SnapshotUnavailable(f"{target} is not empty: restore only into a new node")
    snapshot = verified.snapshot
    header = snapshot.block.header
    meta = ChainMeta(
        chain_id=setup.chain_id,
        genesis_sha256=setup.genesis_sha256,
        genesis_time_unix_ms=setup.genesis_time_unix_ms,
        height=header.height,
        block_hash=header.block_hash,
        state_root=header.state_root,
        time_unix_ms=header.time_unix_ms,
    )
    with Store(target) as store:
        store.commit_snapshot(
            meta, dict(snapshot.records), verified.smt_nodes, snapshot.block, snapshot.certificate
        )
    return meta
