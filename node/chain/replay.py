"""``tirkeu-node replay``: re-execute every stored block from genesis into a fresh store.

The durability check (DESIGN.md §5, §8): the stored blocks, executed again from the genesis
file into an empty temporary database, must give at every height the state root its header
certifies, and at the end exactly the state records the node has stored. Each block's stored
commit certificate is verified on the way. The node must be stopped: LevelDB lets one process
open a database.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ledger.chain.store import Store, StoreReader
from node.chain.commit import BlockRejected, execute_block, persist_block
from node.chain.open import ChainSetup, check_resumable, genesis_state


@dataclass(frozen=True, slots=True)
class HeightReplay:
    height: int
    state_root: bytes  # in the stored header
    replayed_state_root: bytes

    @property
    def matches(self) -> bool:
        return self.state_root == self.replayed_state_root


@dataclass(slots=True)
class ReplayReport:
    chain_id: str
    stored_height: int = 0
    stored_state_root: bytes = b""
    replayed_state_root: bytes = b""
    heights: list[HeightReplay] = field(default_factory=list)
    state_records_match: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and self.state_records_match
            and self.stored_state_root == self.replayed_state_root
            and all(height.matches for height in self.heights)
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "chain_id": self.chain_id,
            "ok": self.ok,
            "height": self.stored_height,
            "stored_state_root": self.stored_state_root.hex(),
            "replayed_state_root": self.replayed_state_root.hex(),
            "state_records_match": self.state_records_match,
            "error": self.error,
            "heights": [
                {
                    "height": h.height,
                    "state_root": h.state_root.hex(),
                    "replayed_state_root": h.replayed_state_root.hex(),
                    "matches": h.matches,
                }
                for h in self.heights
            ],
        }


def replay_chain(source: Store, setup: ChainSetup) -> ReplayReport:
    """Replay ``source`` (opened, not in use by a node) into a temporary store."""
    report = ReplayReport(chain_id=setup.chain_id)
    meta = source.load_meta()
    if meta is None:
        report.error = "the data directory holds no chain"
        return report
    report.stored_height = meta.height
    report.stored_state_root = meta.state_root
    with (
        tempfile.TemporaryDirectory(prefix="tirkeu-replay-") as workdir,
        Store(Path(workdir) / "ledger") as fresh,
    ):
        genesis_meta, records, nodes = genesis_state(setup)
        fresh.commit_genesis(genesis_meta, records, nodes)
        report.replayed_state_root = genesis_meta.state_root
        try:
            check_resumable(source, meta, setup)
            _replay_blocks(source, fresh, setup, report)
        except Exception as error:  # reported, never hidden: the exit code says "mismatch"
            report.error = f"{type(error).__name__}: {error}"
            return report
        report.state_records_match = _same_state(source, fresh)
    return report


def _replay_blocks(source: Store, fresh: Store, setup: ChainSetup, report: ReplayReport) -> None:
    for height in range(1, report.stored_height + 1):
        block = source.load_block(height)
        certificate = source.load_commit(height)
        if block is None or certificate is None:
            report.error = f"block or commit certificate {height} is missing"
            return
        try:
            executed = execute_block(fresh, setup, block, verify_state_root=False)
        except BlockRejected as error:
            report.error = f"height {height}: {error}"
            return
        replayed = HeightReplay(height, block.header.state_root, executed.state_update.root)
        report.heights.append(replayed)
        report.replayed_state_root = replayed.replayed_state_root
        if not replayed.matches:
            return  # the states diverged: later heights cannot be compared meaningfully
        persist_block(fresh, setup, executed, certificate)


def _same_state(first: StoreReader, second: StoreReader) -> bool:
    return list(first.state_items()) == list(second.state_items())
