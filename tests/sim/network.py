"""Virtual clock and lossy network of the simulator; one seeded ``random.Random`` drives it.

Nothing here reads a real clock. Time is an integer number of virtual milliseconds and only
moves when the next scheduled item is taken off the queue.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from consensus import BlockId, Height, Round, TimeoutFired, ValidatorId, Vote
from consensus.types import ConsensusMessage

# ------------------------------------------------------------------ payloads on the wire


@dataclass(frozen=True, slots=True)
class CommittedBlock:
    """A decided block with its commit certificate, as stored and served by block sync."""

    height: Height
    round: Round
    value: BlockId
    precommits: tuple[Vote, ...]


@dataclass(frozen=True, slots=True)
class SyncRequest:
    """Catch-up: send me your committed blocks from this height on."""

    from_height: Height


@dataclass(frozen=True, slots=True)
class SyncResponse:
    blocks: tuple[CommittedBlock, ...]


Payload = ConsensusMessage | SyncRequest | SyncResponse

# ------------------------------------------------------------------ scheduled items


@dataclass(frozen=True, slots=True)
class Deliver:
    receiver: ValidatorId
    sender: ValidatorId
    payload: Payload


@dataclass(frozen=True, slots=True)
class NodeTimer:
    """A consensus timeout; ``incarnation`` lets a restarted node ignore its old timers."""

    node: ValidatorId
    incarnation: int
    event: TimeoutFired


@dataclass(frozen=True, slots=True)
class NextHeight:
    node: ValidatorId
    incarnation: int


@dataclass(frozen=True, slots=True)
class GossipTick:
    node: ValidatorId
    incarnation: int


@dataclass(frozen=True, slots=True)
class Fault:
    """A change to the world (partition, crash, restart, heal) at a planned time."""

    description: str
    apply: Callable[[], None] = field(compare=False)


Item = Deliver | NodeTimer | NextHeight | GossipTick | Fault


class EventQueue:
    """Items ordered by virtual time, ties broken by insertion order (deterministic)."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Item]] = []
        self._sequence = 0
        self.now_ms = 0

    def push(self, at_ms: int, item: Item) -> None:
        if at_ms < self.now_ms:
            raise ValueError(f"cannot schedule into the past: {at_ms} < {self.now_ms}")
        heapq.heappush(self._heap, (at_ms, self._sequence, item))
        self._sequence += 1

    def push_after(self, delay_ms: int, item: Item) -> None:
        self.push(self.now_ms + delay_ms, item)

    def pop(self) -> Item | None:
        if not self._heap:
            return None
        at_ms, _, item = heapq.heappop(self._heap)
        self.now_ms = at_ms
        return item

    def next_time_ms(self) -> int | None:
        return self._heap[0][0] if self._heap else None


# ------------------------------------------------------------------ network


@dataclass(frozen=True, slots=True)
class NetworkConditions:
    min_delay_ms: int = 5
    max_delay_ms: int = 100
    loss_probability: float = 0.0
    duplicate_probability: float = 0.0
    # A heavy tail: some messages are much later than the rest (a slow or congested link).
    slow_probability: float = 0.0
    slow_max_delay_ms: int = 0


@dataclass(slots=True)
class NetworkStats:
    sent: int = 0
    delivered: int = 0
    lost: int = 0
    cut_by_partition: int = 0
    duplicated: int = 0


class Network:
    """Point-to-point links with random delay (hence reordering), loss, duplication, cuts."""

    def __init__(self, rng: random.Random, queue: EventQueue) -> None:
        self._rng = rng
        self._queue = queue
        self.conditions = NetworkConditions()
        # Validator -> group number; messages between different groups are cut.
        self._groups: dict[ValidatorId, int] = {}
        # Set while "each round's proposer is cut off": a consensus message of round r at
        # height h does not cross a link touching proposer(h, r). Votes among the others
        # flow, so every round times out and round numbers grow.
        self._proposer_of: Callable[[Height, Round], ValidatorId] | None = None
        self.stats = NetworkStats()

    def partition(self, groups: list[list[ValidatorId]]) -> None:
        self._proposer_of = None
        self._groups = {member: number for number, group in enumerate(groups) for member in group}

    def cut_each_round_proposer(self, proposer_of: Callable[[Height, Round], ValidatorId]) -> None:
        self._groups = {}
        self._proposer_of = proposer_of

    def heal_partition(self) -> None:
        self._groups = {}
        self._proposer_of = None

    def is_cut(self, sender: ValidatorId, receiver: ValidatorId, payload: Payload) -> bool:
        if self._proposer_of is not None and not isinstance(payload, SyncRequest | SyncResponse):
            proposer = self._proposer_of(payload.height, payload.round)
            return proposer in (sender, receiver)
        if not self._groups:
            return False
        return self._groups.get(sender, -1) != self._groups.get(receiver, -1)

    def send(self, sender: ValidatorId, receiver: ValidatorId, payload: Payload) -> None:
        self.stats.sent += 1
        if self.is_cut(sender, receiver, payload):
            self.stats.cut_by_partition += 1
            return
        conditions, rng = self.conditions, self._rng
        if conditions.loss_probability and rng.random() < conditions.loss_probability:
            self.stats.lost += 1
            return
        copies = 1
        if conditions.duplicate_probability and rng.random() < conditions.duplicate_probability:
            copies = 2
            self.stats.duplicated += 1
        for _ in range(copies):
            delay_ms = rng.randint(conditions.min_delay_ms, conditions.max_delay_ms)
            if conditions.slow_probability and rng.random() < conditions.slow_probability:
                delay_ms = rng.randint(conditions.max_delay_ms, conditions.slow_max_delay_ms)
            self._queue.push_after(delay_ms, Deliver(receiver, sender, payload))
