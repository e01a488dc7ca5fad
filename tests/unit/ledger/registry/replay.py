"""Replays recorded blocks on a fresh in-memory ledger and prints a digest of every block's
writes and notifications. Run as a separate process (`python -m tests.unit.ledger.registry.replay
FILE`) so that determinism is checked across interpreters with different hash seeds."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from ledger.chain.genesis import genesis_records, load_genesis
from ledger.execution.executor import BlockExecutor, check_transaction
from ledger.hashing import sha256
from ledger.registry.notifications import save_notification
from ledger.state.access import MappingState
from ledger.transactions.context import BlockContext


def replay_digest(
    genesis_json: bytes,
    blocks: Sequence[tuple[datetime, Sequence[bytes]]],
    *,
    admit_first: bool = False,
) -> str:
    """With `admit_first`, every envelope also goes through mempool admission before its block
    (as on a real node): that must change nothing."""
    genesis = load_genesis(genesis_json)
    state = MappingState(genesis_records(genesis))
    digest = sha256(b"")
    for height, (time, envelopes) in enumerate(blocks, start=1):
        context = BlockContext.from_genesis(genesis, height, time)
        if admit_first:
            for envelope in envelopes:
                check_transaction(state, envelope, context)
        executor = BlockExecutor(state, context)
        outcomes = [repr(executor.try_apply(envelope)).encode() for envelope in envelopes]
        execution = executor.finish()
        state.apply(execution.writes)
        parts = [digest, *outcomes]
        for key, value in execution.writes.items():
            parts += [key, b"-" if value is None else value]
        parts += [save_notification(n) for n in execution.notifications]
        digest = sha256(b"|".join(parts))
    return digest.hex()


def write_recording(
    path: Path, genesis_json: bytes, blocks: Sequence[tuple[datetime, Sequence[bytes]]]
) -> None:
    path.write_text(
        json.dumps(
            {
                "genesis": genesis_json.decode(),
                "blocks": [[t.isoformat(), [e.hex() for e in es]] for t, es in blocks],
            }
        )
    )


def read_recording(path: Path) -> tuple[bytes, list[tuple[datetime, list[bytes]]]]:
    recording = json.loads(path.read_text())
    blocks = [
        (datetime.fromisoformat(t), [bytes.fromhex(e) for e in es]) for t, es in recording["blocks"]
    ]
    return recording["genesis"].encode(), blocks


if __name__ == "__main__":
    genesis_json, recorded = read_recording(Path(sys.argv[1]))
    print(replay_digest(genesis_json, recorded))
