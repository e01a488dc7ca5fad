"""A fault plan drawn from the seed: a faulty period, then a heal.

Two kinds of plan (``--plan``): "random" and "long-partition".

Random: during the faulty period the network has random delay, loss and duplication, partitions
come and go (a random split, or one node cut off: the current proposer or any node), some
messages are very late, and honest nodes crash and restart (some right after persisting a
signature, before sending it). At the heal every partition goes,
loss stops, crashed nodes restart; from then on the simulator demands progress.

Long-partition: one to three partitions back to back, each far longer than a round's
timeouts (12 to 40 s of virtual time while round 0 takes about 2 s): an even split (2/2 of
four, 5/5 of ten: no side has a quorum, so nobody even times out of its round), every
round's proposer cut off (the others time out round after round: round numbers grow), the
proposer of the moment cut off for the whole episode, or any node cut off. Then the same
heal and the same demand: progress within the bound, from whatever round each node reached.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from consensus import ValidatorId
from tests.sim.network import NetworkConditions


class PartitionKind(enum.Enum):
    SPLIT = "split"  # two random groups
    ISOLATE_PROPOSER = "isolate_proposer"  # the proposer of the current round, alone
    ISOLATE_ANY = "isolate_any"  # one random node alone
    EVEN_SPLIT = "even_split"  # two halves of equal size (or off by one): no quorum anywhere
    EACH_PROPOSER = "each_proposer"  # in every round, that round's proposer is cut off


# The random plan draws from the first three only, so its seeds replay as before.
_RANDOM_PLAN_KINDS = (
    PartitionKind.SPLIT,
    PartitionKind.ISOLATE_PROPOSER,
    PartitionKind.ISOLATE_ANY,
)


class PlanKind(enum.Enum):
    RANDOM = "random"
    LONG_PARTITION = "long-partition"


@dataclass(frozen=True, slots=True)
class PartitionEpisode:
    start_ms: int
    end_ms: int
    kind: PartitionKind


@dataclass(frozen=True, slots=True)
class CrashEpisode:
    node: ValidatorId
    crash_ms: int
    restart_ms: int
    after_persist: bool  # crash between persisting a signature and sending it


@dataclass(frozen=True, slots=True)
class FaultPlan:
    heal_ms: int
    faulty_network: NetworkConditions
    healed_network: NetworkConditions
    partitions: tuple[PartitionEpisode, ...]
    crashes: tuple[CrashEpisode, ...]


def plan_faults(rng: random.Random, honest: tuple[ValidatorId, ...]) -> FaultPlan:
    heal_ms = rng.randint(3_000, 15_000)
    faulty_network = NetworkConditions(
        min_delay_ms=rng.randint(1, 20),
        max_delay_ms=rng.randint(50, 800),
        loss_probability=rng.choice((0.0, 0.05, 0.1, 0.2, 0.35)),
        duplicate_probability=rng.choice((0.0, 0.05, 0.2)),
        slow_probability=rng.choice((0.0, 0.05, 0.15)),
        slow_max_delay_ms=rng.randint(1_000, 6_000),
    )
    healed_network = NetworkConditions(
        min_delay_ms=rng.randint(1, 20),
        max_delay_ms=rng.randint(30, 300),
        loss_probability=0.0,
        duplicate_probability=rng.choice((0.0, 0.05)),
    )
    partitions = []
    for _ in range(rng.randint(0, 5)):
        start_ms = rng.randint(0, heal_ms)
        end_ms = min(heal_ms, start_ms + rng.randint(300, 5_000))
        partitions.append(PartitionEpisode(start_ms, end_ms, rng.choice(_RANDOM_PLAN_KINDS)))
    crashes = []
    for _ in range(rng.randint(0, 5)):
        crash_ms = rng.randint(0, heal_ms)
        restart_ms = min(heal_ms, crash_ms + rng.randint(100, 6_000))
        crashes.append(CrashEpisode(rng.choice(honest), crash_ms, restart_ms, rng.random() < 0.4))
    return FaultPlan(heal_ms, faulty_network, healed_network, tuple(partitions), tuple(crashes))


# A partition in a long plan outlasts many rounds: at SIM_TIMEOUTS round r takes about
# 2 s + 0.75 s * r, so 12 s is about five rounds and 40 s about ten.
LONG_PARTITION_MS = (12_000, 40_000)


def plan_long_partitions(rng: random.Random, honest: tuple[ValidatorId, ...]) -> FaultPlan:
    """Long partitions back to back (sometimes with a short reconnection between them)."""
    kinds = (
        PartitionKind.EVEN_SPLIT,
        PartitionKind.EVEN_SPLIT,
        PartitionKind.EACH_PROPOSER,
        PartitionKind.EACH_PROPOSER,
        PartitionKind.ISOLATE_PROPOSER,
        PartitionKind.ISOLATE_ANY,
        PartitionKind.SPLIT,
    )
    partitions = []
    at_ms = rng.randint(0, 3_000)
    for _ in range(rng.randint(1, 3)):
        end_ms = at_ms + rng.randint(*LONG_PARTITION_MS)
        partitions.append(PartitionEpisode(at_ms, end_ms, rng.choice(kinds)))
        at_ms = end_ms + rng.choice((0, 0, rng.randint(200, 3_000)))
    heal_ms = at_ms
    faulty_network = NetworkConditions(
        min_delay_ms=rng.randint(1, 20),
        max_delay_ms=rng.randint(50, 500),
        loss_probability=rng.choice((0.0, 0.05, 0.1, 0.2)),
        duplicate_probability=rng.choice((0.0, 0.05)),
        slow_probability=rng.choice((0.0, 0.05)),
        slow_max_delay_ms=rng.randint(1_000, 4_000),
    )
    healed_network = NetworkConditions(
        min_delay_ms=rng.randint(1, 20),
        max_delay_ms=rng.randint(30, 300),
        duplicate_probability=rng.choice((0.0, 0.05)),
    )
    crashes = []
    for _ in range(rng.randint(0, 2)):
        crash_ms = rng.randint(0, heal_ms)
        restart_ms = min(heal_ms, crash_ms + rng.randint(1_000, 20_000))
        crashes.append(CrashEpisode(rng.choice(honest), crash_ms, restart_ms, rng.random() < 0.4))
    return FaultPlan(heal_ms, faulty_network, healed_network, tuple(partitions), tuple(crashes))


def even_split(
    rng: random.Random, validator_ids: tuple[ValidatorId, ...]
) -> list[list[ValidatorId]]:
    """Two groups of sizes n // 2 and n - n // 2, drawn at random."""
    shuffled = list(validator_ids)
    rng.shuffle(shuffled)
    cut = len(shuffled) // 2
    return [sorted(shuffled[:cut]), sorted(shuffled[cut:])]


def split_groups(
    rng: random.Random, validator_ids: tuple[ValidatorId, ...]
) -> list[list[ValidatorId]]:
    """Two non-empty groups, drawn at random."""
    shuffled = list(validator_ids)
    rng.shuffle(shuffled)
    cut = rng.randint(1, len(shuffled) - 1)
    return [sorted(shuffled[:cut]), sorted(shuffled[cut:])]


def isolate(member: ValidatorId, validator_ids: tuple[ValidatorId, ...]) -> list[list[ValidatorId]]:
    return [[member], [v for v in validator_ids if v != member]]
