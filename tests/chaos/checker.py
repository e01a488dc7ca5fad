"""The checker: judges the client-side history against what the nodes stored, after the run.

Inputs: the history (tests/chaos/history.py), each node's stored chain read from its stopped
database (``NodeChain``), the live samples (tests/chaos/monitor.py), the final GetTransaction
answers of the resolution pass, the nemesis' faults and each node's ``tirkeu-audit verify``.

Checks (each a list of violations; the run passes iff every list is empty):
  lost_commits       every transaction a client was told COMMITTED is in every node's chain, at
                     the height it was told;
  forks              one block per height everywhere: the same block hash at each height on
                     every node (stored chains and live samples);
  state_roots        equal state roots at equal heights (stored headers and live samples);
  audits             ``tirkeu-audit verify --data-dir`` clean on every node;
  pending_lost       every PENDING answer (and every operation left unsettled) ends COMMITTED, or
                     with a definite rejection from GetTransaction (e.g. TRANSACTION_EXPIRED);
  wrong_answers      no REJECTED answer for a transaction that then committed, and no COMMITTED
                     answer for one that did not (a first answer APPLICATION_NOT_FOUND and the
                     like from a node that had not applied the story's previous step yet is
                     that node's truth, not a wrong answer: the client asks another node);
  conflicts          of two conflicting transactions exactly one commits (none only if both were
                     rejected with a definite answer);
  stalls             every fault is followed by a commit, and every node reaches the cluster's
                     height again, before the run ends.

May import: tests.chaos.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.chaos.history import COMMITTED, PENDING, REJECTED, Attempt, Operation
from tests.chaos.load import BEHIND_REASONS
from tests.chaos.monitor import ChainMonitor
from tests.chaos.nemesis import Fault


@dataclass(slots=True)
class NodeChain:
    """What one stopped node stored: per height its block hash and state root; where each
    committed transaction is."""

    node_id: str
    blocks: dict[int, tuple[str, str]] = field(default_factory=dict)
    locations: dict[str, int] = field(default_factory=dict)  # transaction id -> height
    error: str = ""  # the database could not be read


@dataclass(slots=True)
class Verdict:
    violations: dict[str, list[str]]
    figures: dict[str, Any]

    @property
    def ok(self) -> bool:
        return not any(self.violations.values())


def check(
    operations: list[Operation],
    chains: list[NodeChain],
    *,
    monitor: ChainMonitor,
    faults: list[Fault],
    audits: dict[str, tuple[bool, str]],
    resolutions: dict[str, dict[str, str]],
) -> Verdict:
    """``resolutions``: transaction id -> node -> final GetTransaction answer ("COMMITTED",
    "REJECTED TRANSACTION_EXPIRED", "UNKNOWN", "unreachable") for every unsettled operation."""
    committed_at = _committed_heights(chains)
    violations: dict[str, list[str]] = {
        "lost_commits": _lost_commits(operations, chains, committed_at),
        "forks": _forks(chains, monitor, root=False),
        "state_roots": _forks(chains, monitor, root=True),
        "audits": [f"{node}: {summary}" for node, (ok, summary) in audits.items() if not ok],
        "pending_lost": _pending_lost(operations, committed_at, resolutions),
        "wrong_answers": _wrong_answers(operations, committed_at),
        "conflicts": _conflicts(operations, committed_at, resolutions),
        "stalls": _stalls(faults, monitor),
        "unreadable": [f"{c.node_id}: {c.error}" for c in chains if c.error],
    }
    return Verdict(violations, _figures(operations, chains, faults, monitor, committed_at))


def _committed_heights(chains: list[NodeChain]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chain in chains:
        for transaction_id, height in chain.locations.items():
            found.setdefault(transaction_id, height)
    return found


def _lost_commits(
    operations: list[Operation], chains: list[NodeChain], committed_at: dict[str, int]
) -> list[str]:
    problems = []
    for operation in operations:
        told = {a.height for a in operation.attempts if a.answer == COMMITTED}
        if operation.final == COMMITTED:
            told.add(operation.final_height)
        told.discard(0)
        if not told and not operation.reported_committed():
            continue
        for chain in chains:
            height = chain.locations.get(operation.transaction_id)
            if height is None and max(chain.blocks, default=0) < max(told, default=0):
                continue  # this node was stopped below that height (the nodes stop in turn)
            if height is None:
                problems.append(
                    f"{operation.transaction_id[:16]} told COMMITTED {sorted(told)}, "
                    f"absent from {chain.node_id}"
                )
            elif told and told != {height}:
                problems.append(
                    f"{operation.transaction_id[:16]} told COMMITTED at "
                    f"{sorted(told)}, stored at {height} on {chain.node_id}"
                )
    return problems


def _forks(chains: list[NodeChain], monitor: ChainMonitor, *, root: bool) -> list[str]:
    index = 1 if root else 0
    what = "state root" if root else "block hash"
    problems = []
    heights = sorted({h for chain in chains for h in chain.blocks})
    for height in heights:
        values = {c.node_id: c.blocks[height][index] for c in chains if height in c.blocks}
        if len(set(values.values())) > 1:
            problems.append(f"height {height}: {what} differs: {values}")
    seen = set()
    for divergence in monitor.divergences:
        nodes: dict[str, tuple[str, str]] = divergence["nodes"]  # type: ignore[assignment]
        values = {node: pair[index] for node, pair in nodes.items()}
        key = (divergence["height"], tuple(sorted(values.items())))
        if len(set(values.values())) > 1 and key not in seen:
            seen.add(key)
            problems.append(f"live, height {divergence['height']}: {what} differs: {values}")
    return problems


def _pending_lost(
    operations: list[Operation],
    committed_at: dict[str, int],
    resolutions: dict[str, dict[str, str]],
) -> list[str]:
    problems = []
    for operation in operations:
        if operation.transaction_id in committed_at:
            continue
        needs_answer = operation.answered(PENDING) or operation.final not in (COMMITTED, REJECTED)
        if not needs_answer:
            continue
        answers = resolutions.get(operation.transaction_id, {})
        if not any(answer.startswith(REJECTED) for answer in answers.values()):
            problems.append(
                f"{operation.transaction_id[:16]} ({operation.kind}) answered "
                f"{[a.answer for a in operation.attempts]}: not committed and no definite answer "
                f"at the end: {answers}"
            )
    return problems


def _wrong_answers(operations: list[Operation], committed_at: dict[str, int]) -> list[str]:
    problems = []
    for operation in operations:
        height = committed_at.get(operation.transaction_id)
        for attempt in operation.attempts:
            stale = attempt.reason in BEHIND_REASONS and not attempt.retry
            if attempt.answer == REJECTED and height is not None and not stale:
                problems.append(
                    f"{operation.transaction_id[:16]} ({operation.kind}) answered REJECTED "
                    f"{attempt.reason} by {attempt.node} at t={attempt.answered_at}"
                    f"{' (a retry)' if attempt.retry else ''}, committed at {height}"
                )
            if attempt.answer == COMMITTED and height is None:
                problems.append(f"{operation.transaction_id[:16]} answered COMMITTED, not stored")
        lookup = operation.settled_by_lookup_at
        if lookup and operation.final == REJECTED and height is not None:
            problems.append(
                f"{operation.transaction_id[:16]} ({operation.kind}) GetTransaction on {lookup} "
                f"answered REJECTED {operation.final_reason}, committed at {height}"
            )
    return problems


def _conflicts(
    operations: list[Operation],
    committed_at: dict[str, int],
    resolutions: dict[str, dict[str, str]],
) -> list[str]:
    groups: dict[str, list[Operation]] = defaultdict(list)
    for operation in operations:
        if operation.group:
            groups[operation.group].append(operation)
    problems = []
    for group, members in groups.items():
        winners = [o for o in members if o.transaction_id in committed_at]
        if len(winners) > 1:
            problems.append(f"{group}: {len(winners)} of {len(members)} conflicting committed")
        elif not winners and not all(_definitely_rejected(o, resolutions) for o in members):
            problems.append(f"{group}: none committed and not all definitely rejected")
    return problems


def _definitely_rejected(operation: Operation, resolutions: dict[str, dict[str, str]]) -> bool:
    if operation.final == REJECTED:
        return True
    answers = resolutions.get(operation.transaction_id, {})
    return any(answer.startswith(REJECTED) for answer in answers.values())


def _stalls(faults: list[Fault], monitor: ChainMonitor) -> list[str]:
    problems = []
    for fault in faults:
        if fault.healed == 0.0:
            problems.append(f"{fault.kind} at t={fault.started} was never healed")
        elif monitor.next_commit_after(fault.healed) is None:
            problems.append(
                f"{fault.kind} {fault.targets} healed at t={fault.healed}: no commit after"
            )
        for error in fault.errors:
            problems.append(f"{fault.kind} {fault.targets}: {error}")
    return problems


def _recovery(faults: list[Fault], monitor: ChainMonitor) -> dict[str, Any]:
    to_commit: list[float] = []
    to_catch_up: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    for fault in faults:
        after = monitor.next_commit_after(fault.healed) if fault.healed else None
        if after is not None:
            to_commit.append(after - fault.healed)
            by_kind[fault.kind].append(after - fault.healed)
        for target in fault.targets:
            reached = monitor.node_reached(target, fault.highest_at_heal, fault.healed)
            if reached is not None:
                to_catch_up.append(reached - fault.healed)
    gaps: dict[str, list[float]] = defaultdict(list)
    for fault in faults:
        gaps[fault.kind].append(_longest_gap(monitor.commit_times, fault))
    return {
        "longest_commit_gap_during_fault_by_kind_s": {
            k: _distribution(v) for k, v in sorted(gaps.items())
        },
        "heal_to_next_commit_s": _distribution(to_commit),
        "heal_to_target_caught_up_s": _distribution(to_catch_up),
        "heal_to_next_commit_by_kind_s": {k: _distribution(v) for k, v in sorted(by_kind.items())},
    }


def _longest_gap(commit_times: list[float], fault: Fault) -> float:
    """The longest time without a commit anywhere from the last commit before the fault to the
    first after its heal: how long the chain stood still because of it."""
    before = [t for t in commit_times if t <= fault.started][-1:]
    after_heal = [t for t in commit_times if t > fault.healed][:1] if fault.healed else []
    end = after_heal[0] if after_heal else (commit_times[-1] if commit_times else 0.0)
    points = [*before, *(t for t in commit_times if fault.started < t <= end)]
    return max((b - a for a, b in itertools.pairwise(points)), default=0.0)


def _distribution(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def quantile(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {
        "count": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p99": quantile(0.99),
        "max": round(ordered[-1], 3),
    }


def _figures(
    operations: list[Operation],
    chains: list[NodeChain],
    faults: list[Fault],
    monitor: ChainMonitor,
    committed_at: dict[str, int],
) -> dict[str, Any]:
    attempts = [a for o in operations for a in o.attempts]
    answers: dict[str, int] = defaultdict(int)
    for attempt in attempts:
        answers[f"{attempt.answer} {attempt.reason}".strip()] += 1
    kinds: dict[str, int] = defaultdict(int)
    for fault in faults:
        kinds[fault.kind] += 1
    return {
        "operations": len(operations),
        "attempts": len(attempts),
        "retries": sum(a.retry for a in attempts),
        "committed_operations": sum(o.transaction_id in committed_at for o in operations),
        "conflict_groups": len({o.group for o in operations if o.group}),
        "answers": dict(sorted(answers.items())),
        "heights": {c.node_id: max(c.blocks, default=0) for c in chains},
        "faults": len(faults),
        "faults_by_kind": dict(sorted(kinds.items())),
        "recovery": _recovery(faults, monitor),
        "rejections_by_fault": _rejections_by_fault(attempts, faults),
    }


def _rejections_by_fault(attempts: list[Attempt], faults: list[Fault]) -> dict[str, int]:
    """Each rejection with the fault in force when it was answered ("none" between faults), so
    that a reason that only appears under one kind of fault stands out."""
    counted: dict[str, int] = defaultdict(int)
    for attempt in attempts:
        if attempt.answer != REJECTED:
            continue
        during = next(
            (
                f"{f.kind} {f.detail}" if f.kind.startswith("skew") else f.kind
                for f in faults
                if f.started <= attempt.answered_at <= (f.healed_done or float("inf"))
            ),
            "none",
        )
        counted[f"{attempt.reason} during {during}"] += 1
    return dict(sorted(counted.items()))
