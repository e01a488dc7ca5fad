"""The Tendermint engine's inbox: what other threads hand the engine thread, and the consensus
messages of later heights that wait until this node gets there.

Other threads only ever put into the queue (the peer service's verified messages, block sync's
certified blocks, a wake-up when a transaction arrives); the engine thread alone takes from it,
so the core is never called concurrently.
"""

from __future__ import annotations

import queue
from collections.abc import Sequence
from dataclasses import dataclass

from tirkeu_pb import peer_pb2

# Messages kept per later height and validator: enough for a few rounds, bounded against floods.
MESSAGES_PER_VALIDATOR_AHEAD = 64


@dataclass(frozen=True, slots=True)
class Synced:
    source: str
    blocks: tuple[peer_pb2.CertifiedBlock, ...]


InboxItem = peer_pb2.ConsensusMessage | Synced


class EngineInbox:
    def __init__(self, validator_count: int) -> None:
        self._queue: queue.Queue[InboxItem | None] = queue.Queue()
        self._later: dict[int, list[peer_pb2.ConsensusMessage]] = {}
        self._limit = MESSAGES_PER_VALIDATOR_AHEAD * validator_count

    def put_message(self, message: peer_pb2.ConsensusMessage) -> None:
        self._queue.put(message)

    def put_synced(self, source: str, blocks: Sequence[peer_pb2.CertifiedBlock]) -> None:
        self._queue.put(Synced(source, tuple(blocks)))

    def wake(self) -> None:
        self._queue.put(None)

    def take(self, timeout_seconds: float) -> InboxItem | None:
        """The next item; None on a wake-up or when nothing came within the timeout."""
        try:
            return self._queue.get(timeout=timeout_seconds)
        except queue.Empty:
            return None

    def keep_for_later(self, height: int, message: peer_pb2.ConsensusMessage) -> None:
        kept = self._later.setdefault(height, [])
        if len(kept) < self._limit:
            kept.append(message)

    def kept_for(self, height: int) -> list[peer_pb2.ConsensusMessage]:
        """The messages kept for ``height`` (now current); those of lower heights are dropped."""
        found = self._later.pop(height, [])
        self._later = {h: kept for h, kept in self._later.items() if h > height}
        return found
