"""The Tendermint engine's inbox: what other threads hand the engine thread, and the bounds on
what consensus messages from peers can make this validator hold (review finding #2).

Other threads only ever put into the queue (the peer service's verified messages, block sync's
certified blocks, a wake-up when a transaction arrives); the engine thread alone takes from it,
so the core is never called concurrently. Consensus messages waiting in the queue are bounded
in number and bytes; beyond that they are dropped (peers re-gossip their own messages every
second). Block sync deliveries and wake-ups are never dropped.

Every consensus message is screened (engine thread) before it is logged or stored anywhere:
  - heights: the current one, and current+1 .. current+LATER_HEIGHTS kept for later; a node
    further behind than that catches up by block sync, and the messages are re-gossiped.
  - per validator, height, round and kind (proposal, prevote, precommit): at most
    SAME_KIND_PER_ROUND distinct messages, the one an honest validator signs and one
    conflicting, which is enough for evidence. Copies of one signed message count once (the
    key is what was signed, not the bytes: a relayer can re-encode a signature).
  - per validator and height: messages of at most ROUNDS_AHEAD distinct rounds above the
    current round (round 0 for a later height). Rounds at or below the current one are not
    limited this way: the current round only moves by timeouts, or by line 55's round skip,
    which needs f+1 senders and so at least one honest validator in that round
    (consensus/rules.py). A limit per validator, not a window for everybody, keeps line 55
    working: the honest validators' messages of a higher round still arrive, a few rounds at
    a time, and each skip opens room for the next ones.
So one validator cannot crowd out another's messages, and what it makes this node hold is
bounded by the honest validators' progress plus a small constant.
"""

from __future__ import annotations

import enum
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from tirkeu_pb import peer_pb2

from node.engine.wal import message_height, message_sender

LATER_HEIGHTS = 2
SAME_KIND_PER_ROUND = 2
ROUNDS_AHEAD = 4
# For a later height only round 0 and one more round are kept: when this node gets there, the
# higher rounds are re-gossiped anyway. This bounds the blocks a validator parks per height.
ROUNDS_AHEAD_LATER = 1
MAX_QUEUED_MESSAGES = 4096
MAX_QUEUED_BYTES = 64 * 1024 * 1024

_PROPOSAL_KIND = -1  # vote kinds are the VoteKind enum values (1, 2)


class Admission(enum.Enum):
    CURRENT = "current"  # for the current height: log it and hand it to the core
    LATER = "later"  # for a later height: keep it until this node gets there
    STALE = "stale"  # for a decided height
    DUPLICATE = "duplicate"  # already admitted (peers re-gossip)
    TOO_FAR_AHEAD = "too_far_ahead"  # beyond current + LATER_HEIGHTS
    OVER_ROUND_QUOTA = "over_round_quota"  # the sender's share of that round and kind is full
    TOO_MANY_ROUNDS_AHEAD = "too_many_rounds_ahead"  # the sender fills enough future rounds
    TOO_MANY_SENDERS = "too_many_senders"  # more distinct senders than validators

    @property
    def counted(self) -> bool:
        """A refusal worth a metric (duplicates and old heights are everyday gossip)."""
        return self not in (
            Admission.CURRENT,
            Admission.LATER,
            Admission.DUPLICATE,
            Admission.STALE,
        )


@dataclass(frozen=True, slots=True)
class Synced:
    source: str
    blocks: tuple[peer_pb2.CertifiedBlock, ...]


InboxItem = peer_pb2.ConsensusMessage | Synced

_Signed = tuple[int, int, bytes]  # (kind, valid round or 0, block hash): what was signed


def _kind_and_key(message: peer_pb2.ConsensusMessage) -> tuple[int, int, _Signed]:
    """(round, kind, signed content) of a message."""
    if message.HasField("proposal"):
        proposal = message.proposal
        key = (_PROPOSAL_KIND, proposal.valid_round, proposal.block_hash)
        return proposal.round, _PROPOSAL_KIND, key
    vote = message.vote
    return vote.round, vote.kind, (vote.kind, 0, vote.block_hash)


class HeightQuota:
    """What each validator has had admitted at one height, by round and kind."""

    def __init__(self, max_senders: int, rounds_ahead: int) -> None:
        self._max_senders = max_senders
        self._rounds_ahead = rounds_ahead
        self._held: dict[str, dict[int, dict[int, set[_Signed]]]] = {}

    def screen(self, message: peer_pb2.ConsensusMessage, round_now: int) -> Admission | None:
        """Why ``message`` is refused, or None when it fits (nothing is recorded)."""
        sender = message_sender(message)
        round_number, kind, key = _kind_and_key(message)
        rounds = self._held.get(sender)
        if rounds is None:
            return Admission.TOO_MANY_SENDERS if len(self._held) >= self._max_senders else None
        same = rounds.get(round_number, {}).get(kind, set())
        if key in same:
            return Admission.DUPLICATE
        if len(same) >= SAME_KIND_PER_ROUND:
            return Admission.OVER_ROUND_QUOTA
        if round_number > round_now and round_number not in rounds:
            ahead = sum(1 for held in rounds if held > round_now)
            if ahead >= self._rounds_ahead:
                return Admission.TOO_MANY_ROUNDS_AHEAD
        return None

    def record(self, message: peer_pb2.ConsensusMessage) -> None:
        round_number, kind, key = _kind_and_key(message)
        rounds = self._held.setdefault(message_sender(message), {})
        rounds.setdefault(round_number, {}).setdefault(kind, set()).add(key)

    def held_count(self) -> int:
        return sum(
            len(keys)
            for rounds in self._held.values()
            for kinds in rounds.values()
            for keys in kinds.values()
        )


@dataclass(slots=True)
class _LaterHeight:
    quota: HeightQuota
    messages: list[peer_pb2.ConsensusMessage]


class EngineInbox:
    def __init__(self, validator_count: int) -> None:
        self._queue: queue.Queue[tuple[int, InboxItem] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._queued_messages = 0
        self._queued_bytes = 0
        self._validator_count = validator_count
        self._height = 0
        self._current = HeightQuota(validator_count, ROUNDS_AHEAD)
        self._later: dict[int, _LaterHeight] = {}

    # --- any thread ----------------------------------------------------------------------------

    def put_message(self, message: peer_pb2.ConsensusMessage) -> bool:
        """False (dropped) when the queue already holds its bound of consensus messages."""
        size = message.ByteSize()
        with self._lock:
            full = self._queued_messages >= MAX_QUEUED_MESSAGES
            if full or self._queued_bytes + size > MAX_QUEUED_BYTES:
                return False
            self._queued_messages += 1
            self._queued_bytes += size
        self._queue.put((size, message))
        return True

    def put_synced(self, source: str, blocks: Sequence[peer_pb2.CertifiedBlock]) -> None:
        self._queue.put((0, Synced(source, tuple(blocks))))

    def wake(self) -> None:
        self._queue.put(None)

    # --- the engine thread ---------------------------------------------------------------------

    def take(self, timeout_seconds: float) -> InboxItem | None:
        """The next item; None on a wake-up or when nothing came within the timeout."""
        try:
            queued = self._queue.get(timeout=timeout_seconds)
        except queue.Empty:
            return None
        if queued is None:
            return None
        size, item = queued
        if not isinstance(item, Synced):
            with self._lock:
                self._queued_messages -= 1
                self._queued_bytes -= size
        return item

    def enter_height(self, height: int) -> list[peer_pb2.ConsensusMessage]:
        """``height`` is now current: the messages kept for it (to be screened again, against
        the new height's quota); those of lower heights are dropped."""
        self._height = height
        self._current = HeightQuota(self._validator_count, ROUNDS_AHEAD)
        found = self._later.pop(height, None)
        self._later = {h: kept for h, kept in self._later.items() if h > height}
        return found.messages if found is not None else []

    def screen(self, message: peer_pb2.ConsensusMessage, round_now: int) -> Admission:
        """CURRENT or LATER when ``message`` may be held (then ``accept`` it), else why not.
        ``round_now`` is the core's round at the current height."""
        return self._screen(message_height(message), message, round_now)

    def accept(self, message: peer_pb2.ConsensusMessage) -> None:
        """Count ``message`` against its sender's share; keep it if it is for a later height."""
        height = message_height(message)
        if height == self._height:
            self._current.record(message)
            return
        later = self._later_height(height)
        later.quota.record(message)
        later.messages.append(message)

    def keep_for_later(self, height: int, message: peer_pb2.ConsensusMessage) -> bool:
        """Screen and keep a message of a later ``height``; whether it was kept."""
        if self._screen(height, message, 0) is not Admission.LATER:
            return False
        later = self._later_height(height)
        later.quota.record(message)
        later.messages.append(message)
        return True

    def holds_for(self, height: int) -> bool:
        """Whether a message of ``height`` was kept (a validator has started that height)."""
        later = self._later.get(height)
        return later is not None and bool(later.messages)

    def kept_count(self) -> int:
        """Messages kept for later heights (what a flood could grow)."""
        return sum(len(later.messages) for later in self._later.values())

    def _screen(self, height: int, message: peer_pb2.ConsensusMessage, round_now: int) -> Admission:
        if height < self._height:
            return Admission.STALE
        if height == self._height:
            return self._current.screen(message, round_now) or Admission.CURRENT
        if height > self._height + LATER_HEIGHTS:
            return Admission.TOO_FAR_AHEAD
        later = self._later.get(height)
        if later is None:
            return Admission.LATER
        return later.quota.screen(message, 0) or Admission.LATER

    def _later_height(self, height: int) -> _LaterHeight:
        later = self._later.get(height)
        if later is None:
            later = _LaterHeight(HeightQuota(self._validator_count, ROUNDS_AHEAD_LATER), [])
            self._later[height] = later
        return later
