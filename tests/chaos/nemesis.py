"""The nemesis: seeded faults, one at a time, each undone ("healed") after a while, all logged.

Kinds (``KINDS``):
  kill-one      SIGKILL one node (a validator or the observer), restart it after the hold;
  kill-two      SIGKILL two validators at once (the other two are no quorum: the chain must
                stop, and resume once they are back);
  pause         SIGSTOP one node, SIGCONT after the hold (a GC pause, a frozen VM);
  partition     cut every link of one validator, both ways;
  one-way       one validator's bytes to every other node are dropped, or every other node's
                bytes to it (it hears and is not heard, or the reverse);
  disk-full     the small-disk validator's disk is made full (tests/chaos/disk.py); a node that
                stopped on it is restarted after the hold;
  skew-within   one validator restarted with its clock moved by half the allowed skew
                ([consensus] max_clock_skew_ms, 5 s by default) either way, then set right;
  skew-beyond   the same with twice the allowed skew plus a second: its proposals are refused
                and it refuses the others' (consensus must go on with the other three).

Kinds are drawn in seeded shuffled rounds, so that a short run still sees each kind once. Times
are seconds since the run began, with the UTC wall time beside them in the log.

May import: tests.chaos.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.chaos.cluster import ChaosCluster
from tests.chaos.disk import DiskFiller
from tests.chaos.history import History
from tests.chaos.monitor import ChainMonitor

KINDS = (
    "kill-one",
    "kill-two",
    "pause",
    "partition",
    "one-way",
    "disk-full",
    "skew-within",
    "skew-beyond",
)
MAX_CLOCK_SKEW_MS = 5000  # node/operations/config.py default; the chaos cluster keeps it


@dataclass(frozen=True, slots=True)
class NemesisSettings:
    kinds: tuple[str, ...] = KINDS
    quiet_s: tuple[float, float] = (5.0, 15.0)  # healthy time between faults
    hold_s: tuple[float, float] = (5.0, 20.0)  # how long a fault lasts


@dataclass(slots=True)
class Fault:
    kind: str
    targets: list[str]
    started: float
    detail: str = ""
    healed: float = 0.0  # when the nemesis began to undo it
    healed_done: float = 0.0  # when every process was back (a restart waits for SERVING)
    highest_at_heal: int = 0
    outcome: str = ""
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "targets": self.targets,
            "started": self.started,
            "healed": self.healed,
            "healed_done": self.healed_done,
            "detail": self.detail,
            "highest_at_heal": self.highest_at_heal,
            "outcome": self.outcome,
            "errors": self.errors,
        }


class Nemesis(threading.Thread):
    def __init__(
        self,
        cluster: ChaosCluster,
        *,
        history: History,
        monitor: ChainMonitor,
        disk: DiskFiller,
        disk_node: str,
        seed: int,
        stop: threading.Event,
        settings: NemesisSettings,
        log: Callable[[str], None],
    ) -> None:
        super().__init__(name="nemesis", daemon=True)
        self.cluster, self.history, self.monitor = cluster, history, monitor
        self.disk, self.disk_node = disk, disk_node
        self.rng = random.Random(f"{seed}/nemesis")
        self.stop, self.settings, self.log = stop, settings, log
        self.faults: list[Fault] = []
        self._round: list[str] = []

    def run(self) -> None:
        while not self.stop.wait(self.rng.uniform(*self.settings.quiet_s)):
            kind = self._next_kind()
            fault = Fault(kind, [], self.history.now())
            self.faults.append(fault)
            try:
                undo = self._inject(fault)
            except Exception as error:  # the harness could not make this fault: say so, go on
                fault.errors.append(f"inject: {error!r}")
                undo = self.cluster.heal_links
            self._say(fault, f"{kind} {', '.join(fault.targets)}: {fault.detail}")
            self.stop.wait(self.rng.uniform(*self.settings.hold_s))
            fault.healed = self.history.now()
            fault.highest_at_heal = self.monitor.highest()
            try:
                undo()
            except Exception as error:  # a node that does not come back is a finding, not a crash
                fault.errors.append(f"heal: {error!r}")
            fault.healed_done = self.history.now()
            self._say(fault, f"healed {kind} {', '.join(fault.targets)} {fault.outcome}".rstrip())

    def _next_kind(self) -> str:
        if not self._round:
            self._round = list(self.settings.kinds)
            self.rng.shuffle(self._round)
        return self._round.pop()

    def _say(self, fault: Fault, text: str) -> None:
        wall = datetime.now(UTC).strftime("%H:%M:%SZ")
        self.log(f"[nemesis t={self.history.now():8.1f}s {wall}] {text}")
        del fault  # the fault's record already holds the same facts

    # --- faults: each returns what undoes it ---------------------------------------------------

    def _inject(self, fault: Fault) -> Callable[[], None]:
        cluster = self.cluster
        validators = [node.node_id for node in cluster.validators]
        everyone = [node.node_id for node in cluster.nodes]
        kind = fault.kind
        if kind in ("kill-one", "kill-two"):
            targets = (
                [self.rng.choice(everyone)]
                if kind == "kill-one"
                else self.rng.sample(validators, 2)
            )
            fault.targets = targets
            for target in targets:
                cluster.kill(target)
            fault.detail = "SIGKILL"
            return lambda: self._restart(fault, targets)
        if kind == "pause":
            target = self.rng.choice(everyone)
            fault.targets, fault.detail = [target], "SIGSTOP"
            cluster.pause(target)
            return lambda: cluster.resume(target)
        if kind == "partition":
            target = self.rng.choice(validators)
            fault.targets, fault.detail = [target], "every link cut both ways"
            cluster.isolate(target)
            return cluster.heal_links
        if kind == "one-way":
            return self._one_way(fault, self.rng.choice(validators), everyone)
        if kind == "disk-full":
            fault.targets = [self.disk_node]
            node = cluster.node(self.disk_node)
            pid = node.process.pid if node.process is not None and node.running else None
            fault.detail = self.disk.fill(pid)
            return lambda: self._heal_disk(fault, pid)
        if kind in ("skew-within", "skew-beyond"):
            target = self.rng.choice(validators)
            bound = MAX_CLOCK_SKEW_MS
            size = bound // 2 if kind == "skew-within" else 2 * bound + 1000
            offset = size * self.rng.choice((1, -1))
            fault.targets, fault.detail = [target], f"clock offset {offset:+d} ms (bound {bound})"
            self._restart_with_offset(target, offset)
            return lambda: self._restart_with_offset(target, 0)
        raise ValueError(f"unknown fault kind {kind!r}")

    def _one_way(self, fault: Fault, target: str, everyone: list[str]) -> Callable[[], None]:
        others = [node_id for node_id in everyone if node_id != target]
        outgoing = self.rng.random() < 0.5
        for other in others:
            if outgoing:
                self.cluster.cut_one_way(target, other)
            else:
                self.cluster.cut_one_way(other, target)
        fault.targets = [target]
        fault.detail = "its bytes to the others dropped" if outgoing else "bytes to it dropped"
        return self.cluster.heal_links

    def _restart(self, fault: Fault, targets: list[str]) -> None:
        for target in targets:
            node = self.cluster.node(target)
            if not node.running:
                self.cluster.start(target)
        fault.outcome = "restarted"

    def _restart_with_offset(self, target: str, offset_ms: int) -> None:
        self.cluster.resume(target)
        node = self.cluster.node(target)
        self.cluster.set_clock_offset(target, offset_ms)
        if node.running:
            node.stop()
        self.cluster.start(target)

    def _heal_disk(self, fault: Fault, pid: int | None) -> None:
        self.disk.heal(pid)
        node = self.cluster.node(self.disk_node)
        if node.running and node.process is not None and node.process.pid == pid:
            fault.outcome = "the node kept running"
            return
        code = None if node.process is None else node.process.returncode
        fault.outcome = f"the node had stopped (exit {code}); restarted"
        self.cluster.start(self.disk_node)
