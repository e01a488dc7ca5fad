"""Between heights: when a validator starts the next height after a commit.

A land registry registers a few thousand acts a day; a block every few seconds while nothing
happens would bury them under tens of thousands of empty blocks that every auditor walks. So,
like CometBFT's ``create_empty_blocks = false`` with ``create_empty_blocks_interval``, after
committing height h the engine holds ``StartHeight(h + 1)`` back (the pure core is unchanged)
until the first of:

  (a) TRANSACTION: its mempool holds a transaction (a client's or a peer's gossip);
  (b) HEARTBEAT: ``[block] empty_block_interval_ms`` has passed since the last block's time,
      so block time keeps moving for certificate expiry and para 38 deadlines;
  (c) PEER: a consensus message of h + 1 signed by a genesis validator (the peer service
      verified it) came in: someone else has started, which keeps the validators together when
      only one of them saw the transaction. The message is kept and fed after StartHeight.

After a restart the node starts at once (RESUMING) when it has a resume point for the height
(it signed there) or logged messages of it (node/engine/wal.py); else it waits like above.
While waiting, messages of the decided height are stale, as they would be after StartHeight.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass

from structlog.typing import FilteringBoundLogger

from consensus import Height, resume_point
from ledger.chain.store import ChainMeta
from node.chain.mempool import Mempool
from node.engine.inbox import EngineInbox
from node.engine.signing_records import JournalEntry
from node.engine.wal import ConsensusWal
from node.operations.config import BlockConfig


class StartReason(enum.Enum):
    RESUMING = "resuming"
    TRANSACTION = "transaction"
    HEARTBEAT = "heartbeat"
    PEER = "peer"


@dataclass(frozen=True, slots=True)
class WaitingHeight:
    """A height this validator has not started yet; ``heartbeat_due`` is in monotonic seconds."""

    height: Height
    heartbeat_due: float


def heartbeat_delay_ms(last_block_time_ms: int, now_ms: int, interval_ms: int) -> int:
    """How long until a heartbeat block is due: ``interval_ms`` after the last block's time.
    Never negative, and never more than ``interval_ms`` (a block time ahead of this node's
    clock, within the allowed skew, must not stretch the wait)."""
    return min(interval_ms, max(0, last_block_time_ms + interval_ms - now_ms))


def start_reason(
    waiting: WaitingHeight, *, pending: int, now: float, peer_started: bool
) -> StartReason | None:
    """Why the waiting height starts now, or None to keep waiting."""
    if pending > 0:
        return StartReason.TRANSACTION
    if peer_started:
        return StartReason.PEER
    if now >= waiting.heartbeat_due:
        return StartReason.HEARTBEAT
    return None


def resumes_at_once(last_signed: JournalEntry | None, wal: ConsensusWal, height: Height) -> bool:
    """After a restart: whether this validator signed at ``height`` or logged messages of it
    (or of the one after), so that it must pick the height up at once."""
    record = last_signed.record if last_signed is not None else None
    if resume_point(record, height) is not None:
        return True
    return bool(wal.messages_of(height)) or bool(wal.messages_of(height + 1))


class HeightGate:
    """The engine's waiting height, if any, and when it may start (engine thread only)."""

    def __init__(
        self,
        mempool: Mempool,
        inbox: EngineInbox,
        block_config: BlockConfig,
        clock_ms: Callable[[], int],
        log: FilteringBoundLogger,
    ) -> None:
        self._mempool = mempool
        self._inbox = inbox
        self._interval_ms = block_config.empty_block_interval_ms
        self._clock_ms = clock_ms
        self._log = log
        self.waiting: WaitingHeight | None = None

    def wait_after(self, meta: ChainMeta) -> None:
        """``meta`` is the stored tip, decided: wait to start the height after it."""
        delay_ms = heartbeat_delay_ms(meta.time_unix_ms, self._clock_ms(), self._interval_ms)
        self.waiting = WaitingHeight(Height(meta.height + 1), time.monotonic() + delay_ms / 1000)

    def heartbeat_due(self) -> float | None:
        return None if self.waiting is None else self.waiting.heartbeat_due

    def open(self) -> bool:
        """Whether the waiting height starts now (it is then no longer waiting)."""
        waiting = self.waiting
        if waiting is None:
            return False
        reason = start_reason(
            waiting,
            pending=len(self._mempool),
            now=time.monotonic(),
            peer_started=self._inbox.holds_for(waiting.height),
        )
        if reason is None:
            return False
        self.waiting = None
        self._log.debug("height_started", height=waiting.height, reason=reason.value)
        return True
