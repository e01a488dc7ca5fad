"""One deterministic simulation run: n validators, some Byzantine, a fault plan, checks.

Everything random comes from ``random.Random`` streams derived from the seed, everything
happens on one thread in virtual time, and nothing iterates a set: the same seed replays
the same run, event for event.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from consensus import ConsensusCore, TimeoutConfig, ValidatorId, ValidatorSet
from consensus.types import BlockId
from tests.sim.byzantine import AmnesicCore, Behaviour, ByzantineNode, choose_behaviours
from tests.sim.checker import Checker, Violation, ViolationKind
from tests.sim.coalition import Coalition, CoalitionNode
from tests.sim.network import (
    Deliver,
    EventQueue,
    Fault,
    GossipTick,
    Item,
    Network,
    NetworkStats,
    NextHeight,
    NodeTimer,
)
from tests.sim.node import CoreFactory, NodeTiming, SimNode
from tests.sim.scenario import (
    FaultPlan,
    PartitionKind,
    PlanKind,
    even_split,
    isolate,
    plan_faults,
    plan_long_partitions,
    split_groups,
)

SIM_TIMEOUTS = TimeoutConfig(
    timeout_propose_ms=1000,
    timeout_propose_delta_ms=250,
    timeout_prevote_ms=500,
    timeout_prevote_delta_ms=250,
    timeout_precommit_ms=500,
    timeout_precommit_delta_ms=250,
)


class Strategy(enum.Enum):
    """How the Byzantine validators behave (``--strategy``)."""

    RANDOM = "random"  # each on its own: behaviours drawn per node (byzantine.py)
    COORDINATED = "coordinated"  # one coalition splitting the honest in two (coalition.py)


@dataclass(frozen=True, slots=True)
class SimConfig:
    seed: int
    validators: int = 4
    byzantine: int = 0
    faults: bool = True
    strategy: Strategy = Strategy.RANDOM
    plan: PlanKind = PlanKind.RANDOM
    progress_blocks: int = 2  # blocks every honest node must add after the heal ...
    progress_bound_ms: int = 60_000  # ... within this much virtual time
    max_events: int = 2_000_000
    timing: NodeTiming = field(default_factory=lambda: NodeTiming(SIM_TIMEOUTS))

    def replay_command(self) -> str:
        options = "" if self.faults else " --no-faults"
        if self.strategy is not Strategy.RANDOM:
            options += f" --strategy {self.strategy.value}"
        if self.plan is not PlanKind.RANDOM:
            options += f" --plan {self.plan.value}"
        return (
            f"scripts/sim --seed {self.seed} --validators {self.validators} "
            f"--byzantine {self.byzantine}{options} --verbose"
        )


@dataclass(frozen=True, slots=True)
class SimResult:
    config: SimConfig
    violations: tuple[Violation, ...]
    byzantine: tuple[str, ...]
    honest_heights: tuple[int, ...]
    virtual_ms: int
    events: int
    heal_ms: int
    progress_ms: int | None  # virtual time from the heal until every honest node progressed
    network: NetworkStats
    counts: tuple[tuple[str, int], ...]  # what happened: crashes, syncs, evidence, ...
    max_round: int = 0  # the highest round any honest validator signed a message in
    heights_at_heal: tuple[int, ...] = ()  # honest chain lengths when the network healed

    def count(self, what: str) -> int:
        return dict(self.counts).get(what, 0)

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        status = "ok" if self.ok else "VIOLATION"
        return (
            f"seed {self.config.seed}: {status}; heights {list(self.honest_heights)}, "
            f"byzantine {list(self.byzantine)}, heal at {self.heal_ms} ms, progress after "
            f"{self.progress_ms} ms, max round {self.max_round}, {self.events} events, "
            f"{self.virtual_ms} virtual ms"
        )


class Simulation:
    def __init__(
        self,
        config: SimConfig,
        core_factory: CoreFactory = ConsensusCore,
        trace: Callable[[str], None] | None = None,
    ) -> None:
        if not 0 <= config.byzantine < config.validators:
            raise ValueError("need at least one honest validator")
        self.config = config
        self.timing = config.timing
        self._trace_sink = trace
        root = random.Random(config.seed)
        self._plan_rng = random.Random(root.getrandbits(64))
        self._value_rng = random.Random(root.getrandbits(64))
        network_rng = random.Random(root.getrandbits(64))
        byzantine_rng = random.Random(root.getrandbits(64))
        ids = tuple(f"v{i}" for i in range(config.validators))
        self.validator_set = ValidatorSet.with_equal_power(ids)
        byzantine_ids = sorted(byzantine_rng.sample(ids, config.byzantine))
        self.byzantine = tuple(byzantine_ids)
        self.honest = tuple(ValidatorId(v) for v in ids if v not in byzantine_ids)
        self.queue = EventQueue()
        self.network = Network(network_rng, self.queue)
        self.checker = Checker(self.validator_set, frozenset(self.honest))
        self.nodes: dict[ValidatorId, SimNode] = {}
        self.coalition: Coalition | None = None
        if config.strategy is Strategy.COORDINATED and byzantine_ids:
            members = tuple(ValidatorId(v) for v in byzantine_ids)
            coalition_rng = random.Random(byzantine_rng.getrandbits(64))
            self.coalition = Coalition(coalition_rng, self, members, self.honest)
            self.trace(self.coalition.describe())
        coalition = self.coalition
        for validator_id in self.validator_set.validator_ids:
            if coalition is not None and validator_id in coalition.members:
                # Members run the real core for timing: a mutant under test is for honest ones.
                self.nodes[validator_id] = CoalitionNode(
                    validator_id, self, ConsensusCore, coalition
                )
            elif validator_id in byzantine_ids:
                behaviours = choose_behaviours(byzantine_rng)
                node_rng = random.Random(byzantine_rng.getrandbits(64))
                # Byzantine nodes never run the core under test (a mutant is for honest nodes).
                core = AmnesicCore if Behaviour.AMNESIC in behaviours else ConsensusCore
                self.nodes[validator_id] = ByzantineNode(
                    validator_id, self, core, node_rng, behaviours
                )
                self.trace(f"{validator_id} is byzantine: {sorted(b.value for b in behaviours)}")
            else:
                self.nodes[validator_id] = SimNode(validator_id, self, core_factory)
        self.plan: FaultPlan | None = None
        if config.faults:
            plan = plan_long_partitions if config.plan is PlanKind.LONG_PARTITION else plan_faults
            self.plan = plan(self._plan_rng, self.honest)
        self.heal_ms = 0
        self.heights_at_heal: tuple[int, ...] = ()
        self._progress_target: int | None = None
        self.events = 0
        self._counts: dict[str, int] = {}

    # ------------------------------------------------------------------ environment

    @property
    def tracing(self) -> bool:
        return self._trace_sink is not None

    def trace(self, text: str) -> None:
        if self._trace_sink is not None:
            self._trace_sink(f"[{self.queue.now_ms:>7} ms] {text}")

    def count(self, what: str) -> None:
        self._counts[what] = self._counts.get(what, 0) + 1

    def new_value(self, valid_probability: float) -> BlockId:
        value = BlockId(self._value_rng.randbytes(32))
        self.checker.value_validity[value] = self._value_rng.random() < valid_probability
        return value

    # ------------------------------------------------------------------ faults

    def _schedule_plan(self, plan: FaultPlan) -> None:
        self.network.conditions = plan.faulty_network
        self.trace(f"plan: {plan}")
        for episode in plan.partitions:
            apply_partition = {
                PartitionKind.SPLIT: self._split,
                PartitionKind.ISOLATE_PROPOSER: self._isolate_proposer,
                PartitionKind.ISOLATE_ANY: self._isolate_any,
                PartitionKind.EVEN_SPLIT: self._even_split,
                PartitionKind.EACH_PROPOSER: self._cut_each_proposer,
            }[episode.kind]
            self.queue.push(episode.start_ms, Fault(episode.kind.value, apply_partition))
            self.queue.push(episode.end_ms, Fault("partition ends", self.network.heal_partition))
        for crash in plan.crashes:
            node = self.nodes[crash.node]
            if crash.after_persist:
                self.queue.push(crash.crash_ms, Fault("crash after persist", node.arm_crash))
            else:
                self.queue.push(crash.crash_ms, Fault("crash", node.crash))
            self.queue.push(crash.restart_ms, Fault("restart", node.restart))
        self.queue.push(plan.heal_ms, Fault("heal", self._heal))

    def _split(self) -> None:
        groups = split_groups(self._plan_rng, self.validator_set.validator_ids)
        self.trace(f"partition {groups}")
        self.network.partition(groups)

    def _even_split(self) -> None:
        groups = even_split(self._plan_rng, self.validator_set.validator_ids)
        self.trace(f"even split {groups}")
        self.network.partition(groups)

    def _cut_each_proposer(self) -> None:
        self.trace("every round's proposer is cut off")
        self.network.cut_each_round_proposer(self.validator_set.proposer)

    def _isolate_proposer(self) -> None:
        up = [v for v in self.honest if self.nodes[v].core is not None]
        if not up:
            return
        core = self.nodes[self._plan_rng.choice(up)].core
        if core is None:
            return
        proposer = self.validator_set.proposer(core.state.height, core.state.round)
        groups = isolate(proposer, self.validator_set.validator_ids)
        self.trace(f"isolate proposer {proposer}: {groups}")
        self.network.partition(groups)

    def _isolate_any(self) -> None:
        member = self._plan_rng.choice(self.validator_set.validator_ids)
        groups = isolate(member, self.validator_set.validator_ids)
        self.trace(f"isolate {member}: {groups}")
        self.network.partition(groups)

    def _heal(self) -> None:
        self.heal_ms = self.queue.now_ms
        self.network.heal_partition()
        if self.plan is not None:
            self.network.conditions = self.plan.healed_network
        for validator_id in self.honest:
            self.nodes[validator_id].restart()
        self.heights_at_heal = tuple(len(self.nodes[v].store.chain) for v in self.honest)
        best = max(self.heights_at_heal)
        self._progress_target = best + self.config.progress_blocks
        self.trace(f"heal: every honest node must reach height {self._progress_target}")

    # ------------------------------------------------------------------ run

    def _dispatch(self, item: Item) -> None:
        if isinstance(item, Deliver):
            self.network.stats.delivered += 1
            self.nodes[item.receiver].on_payload(item.sender, item.payload)
        elif isinstance(item, NodeTimer):
            self.nodes[item.node].on_timer(item)
        elif isinstance(item, NextHeight):
            self.nodes[item.node].on_next_height(item)
        elif isinstance(item, GossipTick):
            self.nodes[item.node].on_gossip_tick(item)
        else:
            self.trace(f"fault: {item.description}")
            self.count(f"fault {item.description}")
            item.apply()

    def _progressed(self) -> bool:
        target = self._progress_target
        return target is not None and all(
            len(self.nodes[v].store.chain) >= target for v in self.honest
        )

    def run(self) -> SimResult:
        for node in self.nodes.values():
            node.boot()
        if self.plan is None:
            self._heal()
        else:
            self._schedule_plan(self.plan)
        progress_ms: int | None = None
        commits_seen = -1
        while not self.checker.violations:
            if self.checker.commits != commits_seen or self._progress_target is None:
                commits_seen = self.checker.commits
                if self._progressed():
                    progress_ms = self.queue.now_ms - self.heal_ms
                    break
            next_ms = self.queue.next_time_ms()
            deadline_ms = self.heal_ms + self.config.progress_bound_ms
            if self._progress_target is not None and (next_ms is None or next_ms > deadline_ms):
                heights = [len(self.nodes[v].store.chain) for v in self.honest]
                self.checker.fail(
                    ViolationKind.LIVENESS,
                    deadline_ms,
                    f"honest heights {heights} after the heal at {self.heal_ms} ms; "
                    f"needed {self._progress_target} by {deadline_ms} ms",
                )
                break
            item = self.queue.pop()
            if item is None:
                break
            self._dispatch(item)
            self.events += 1
            if self.events > self.config.max_events:
                raise RuntimeError(f"seed {self.config.seed}: event budget exhausted")
        if self.coalition is not None:
            # Blocks the honest decided in a round where the halves were shown two blocks:
            # the attack's dangerous case happened, and the checker saw no fork.
            decided = {(b.height, b.round) for v in self.honest for b in self.nodes[v].store.chain}
            for height, round_number in sorted(decided):
                if self.coalition.equivocated(height, round_number):
                    self.count("blocks decided in a round the coalition equivocated")
        return SimResult(
            config=self.config,
            violations=tuple(self.checker.violations),
            byzantine=self.byzantine,
            honest_heights=tuple(len(self.nodes[v].store.chain) for v in self.honest),
            virtual_ms=self.queue.now_ms,
            events=self.events,
            heal_ms=self.heal_ms,
            progress_ms=progress_ms,
            network=self.network.stats,
            counts=tuple(sorted(self._counts.items())),
            max_round=self.checker.max_honest_round,
            heights_at_heal=self.heights_at_heal,
        )


def run_seed(
    config: SimConfig,
    core_factory: CoreFactory = ConsensusCore,
    trace: Callable[[str], None] | None = None,
) -> SimResult:
    return Simulation(config, core_factory, trace).run()
