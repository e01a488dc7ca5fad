"""The pilot's speed and memory targets (docs/benchmarks.md says why these numbers), judged on
one run's measurements. A target the run did not measure at the size it names is "not
measured", never "met": ``--check-targets`` fails on it as on a miss.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tests.bench.end_to_end import EndToEndResult
from tests.bench.state_tree import StateTreeResult

MIN_COMMITTED_PER_SECOND = 50.0
MAX_P99_COMMIT_LATENCY_MS = 2000.0
MAX_NODE_PEAK_RSS_MIB = 500.0
MIN_TREE_INSERTS_PER_SECOND = 1000.0
TARGET_STATE_RECORDS = 100_000  # the state size the memory and state-tree targets name
MIB = 1024 * 1024


class TargetStatus(enum.StrEnum):
    MET = "met"
    MISSED = "NOT MET"
    NOT_MEASURED = "not measured"


@dataclass(frozen=True, slots=True)
class TargetResult:
    name: str
    requirement: str
    measured: str
    status: TargetStatus
    note: str = ""


def _status(met: bool) -> TargetStatus:
    return TargetStatus.MET if met else TargetStatus.MISSED


def evaluate_targets(
    end_to_end: EndToEndResult | None, state_tree: StateTreeResult | None
) -> tuple[TargetResult, ...]:
    return (*_end_to_end_targets(end_to_end), _state_tree_target(state_tree))


def _end_to_end_targets(result: EndToEndResult | None) -> tuple[TargetResult, ...]:
    requirements = (
        ("every_transaction_commits", "every submitted transaction commits"),
        (
            "committed_throughput",
            f">= {MIN_COMMITTED_PER_SECOND:,.0f} committed tx/s sustained, one validator",
        ),
        ("commit_latency_p99", f"p99 commit latency <= {MAX_P99_COMMIT_LATENCY_MS:,.0f} ms"),
        (
            "node_memory",
            f"node peak RSS <= {MAX_NODE_PEAK_RSS_MIB:,.0f} MiB "
            f"at >= {TARGET_STATE_RECORDS:,} state records",
        ),
    )
    if result is None:
        return tuple(
            TargetResult(name, requirement, "-", TargetStatus.NOT_MEASURED, "no end-to-end run")
            for name, requirement in requirements
        )
    peak_mib = result.peak_rss_bytes / MIB
    memory_status = _status(peak_mib <= MAX_NODE_PEAK_RSS_MIB)
    memory_note = ""
    if memory_status is TargetStatus.MET and result.state_records < TARGET_STATE_RECORDS:
        memory_status = TargetStatus.NOT_MEASURED
        memory_note = (
            f"the state reached {result.state_records:,} records; "
            f"run with --preload-records {TARGET_STATE_RECORDS}"
        )
    measured = (
        f"{result.committed:,} of {result.submitted:,}",
        f"{result.committed_per_second:,.1f} tx/s ({result.workload})",
        f"{result.latency.p99_ms:,.0f} ms",
        f"{peak_mib:,.0f} MiB at {result.state_records:,} records",
    )
    statuses = (
        _status(result.failed == 0 and result.submitted == result.planned),
        _status(result.committed_per_second >= MIN_COMMITTED_PER_SECOND),
        _status(result.latency.count > 0 and result.latency.p99_ms <= MAX_P99_COMMIT_LATENCY_MS),
        memory_status,
    )
    # The throughput target names one validator of a 2-core machine; a local cluster runs its
    # five nodes on the same cores, so its rate is reported against it but is not that setup.
    throughput_note = (
        "" if result.topology == "one validator" else f"measured on {result.topology}, one machine"
    )
    notes = ("; ".join(result.failures), throughput_note, "", memory_note)
    return tuple(
        TargetResult(name, requirement, value, status, note)
        for (name, requirement), value, status, note in zip(
            requirements, measured, statuses, notes, strict=True
        )
    )


def _state_tree_target(result: StateTreeResult | None) -> TargetResult:
    name = "state_tree_updates"
    requirement = (
        f">= {MIN_TREE_INSERTS_PER_SECOND:,.0f} state-tree inserts/s "
        f"at {TARGET_STATE_RECORDS:,} records"
    )
    if result is None:
        return TargetResult(name, requirement, "-", TargetStatus.NOT_MEASURED, "not run")
    measured = f"{result.inserts_per_second:,.0f}/s at {result.records:,} records"
    if result.records < TARGET_STATE_RECORDS:
        note = f"run with --tree-records {TARGET_STATE_RECORDS}"
        return TargetResult(name, requirement, measured, TargetStatus.NOT_MEASURED, note)
    met = result.inserts_per_second >= MIN_TREE_INSERTS_PER_SECOND
    return TargetResult(name, requirement, measured, _status(met))


def all_met(targets: tuple[TargetResult, ...]) -> bool:
    return all(target.status is TargetStatus.MET for target in targets)
