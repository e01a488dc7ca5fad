"""One run's report: every measurement, each next to its bound, as a table or as JSON."""

from __future__ import annotations

import dataclasses
import os
import platform
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import cryptography
from cryptography.hazmat.backends.openssl.backend import backend as openssl_backend

from tests.bench.bounds import Bounds
from tests.bench.end_to_end import EndToEndResult, LatencySummary
from tests.bench.executor import ExecutorResult
from tests.bench.long_chain import LongChainPoint, long_chain_lines
from tests.bench.state_tree import StateTreeResult
from tests.bench.sweeps import SweepPoint, sweep_lines
from tests.bench.targets import MIB, TargetResult


@dataclass(frozen=True, slots=True)
class Environment:
    cpus: int
    python: str
    platform: str
    openssl: str
    cryptography: str
    started_at: str
    load_average_1min: float  # other work on the machine when the run started

    @classmethod
    def here(cls) -> Environment:
        return cls(
            cpus=os.cpu_count() or 0,
            python=sys.version.split()[0],
            platform=platform.platform(),
            openssl=openssl_backend.openssl_version_text(),
            cryptography=cryptography.__version__,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            load_average_1min=os.getloadavg()[0],
        )


@dataclass(frozen=True, slots=True)
class Comparison:
    """``measured`` per second against ``bound`` per second, e.g. committed vs verification."""

    what: str
    measured_per_second: float
    bound_name: str
    bound_per_second: float

    @property
    def percent(self) -> float:
        if self.bound_per_second <= 0:
            return 0.0
        return 100 * self.measured_per_second / self.bound_per_second

    def sentence(self) -> str:
        return (
            f"{self.what} {self.measured_per_second:,.0f}/s = {self.percent:.0f}% of "
            f"the {self.bound_name} {self.bound_per_second:,.0f}/s"
        )


@dataclass(frozen=True, slots=True)
class BenchReport:
    environment: Environment
    settings: dict[str, Any]
    bounds: Bounds
    executor: ExecutorResult
    end_to_end: EndToEndResult | None
    state_tree: StateTreeResult | None
    comparisons: tuple[Comparison, ...]
    targets: tuple[TargetResult, ...]
    load_average_1min_at_end: float
    sweeps: tuple[SweepPoint, ...] = ()
    long_chain: tuple[LongChainPoint, ...] = ()
    audit_bound_per_second: float = 0.0


WARM_SIGNATURE_BOUND = "warm-certificate signature-verification bound"


def compare(
    bounds: Bounds,
    executor: ExecutorResult,
    end_to_end: EndToEndResult | None,
    state_tree: StateTreeResult | None,
) -> tuple[Comparison, ...]:
    mix = executor.kind_counts()
    found = [
        Comparison(
            f"executor ({executor.workload})",
            executor.transactions_per_second,
            "single-core signature-verification bound",
            bounds.mix_signature_bound(mix),
        ),
        Comparison(
            f"executor ({executor.workload})",
            executor.transactions_per_second,
            "admission bound",
            bounds.mix_admission_bound(mix),
        ),
    ]
    if end_to_end is not None and end_to_end.committed:
        mix = end_to_end.committed_by_kind
        committed = end_to_end.committed_per_second
        load = (
            f"{end_to_end.clients} clients"
            if end_to_end.asked_rate is None
            else f"open loop {end_to_end.asked_rate:,.0f}/s"
        )
        what = f"committed ({end_to_end.workload}, {load})"
        found += [
            Comparison(
                what,
                committed,
                "single-core signature-verification bound",
                bounds.mix_signature_bound(mix),
            ),
            # The one the committed rate is held against: this workload's certificates are all
            # remembered after their first use (tests/bench/bounds.py, docs/benchmarks.md).
            Comparison(what, committed, WARM_SIGNATURE_BOUND, bounds.mix_warm_signature_bound(mix)),
            Comparison(what, committed, "admission bound", bounds.mix_admission_bound(mix)),
            Comparison(
                what,
                committed,
                "node ceiling (admission + execution)",
                bounds.mix_node_ceiling(mix, executor.kind_rates()),
            ),
            # Every node of the run admits and executes every transaction, all on this
            # machine's cores: the most the whole run could commit (issue 11).
            Comparison(
                what,
                committed,
                f"machine bound ({cpu_count()} cores x node ceiling / "
                f"{len(end_to_end.nodes)} nodes)",
                machine_bound(bounds, executor, end_to_end),
            ),
        ]
        if state_tree is not None:
            found.append(
                Comparison(
                    "state-tree writes needed",
                    committed * executor.state_writes_per_transaction,
                    f"state-tree insert rate at {state_tree.records:,} records",
                    state_tree.inserts_per_second,
                )
            )
    return tuple(found)


def cpu_count() -> int:
    return os.cpu_count() or 1


def machine_bound(bounds: Bounds, executor: ExecutorResult, end_to_end: EndToEndResult) -> float:
    """cores x node ceiling / nodes: each node's admission and execution of every transaction,
    the nodes sharing this machine's cores (the issue's 2 x 1,053 / 5)."""
    ceiling = bounds.mix_node_ceiling(end_to_end.committed_by_kind, executor.kind_rates())
    return cpu_count() * ceiling / max(1, len(end_to_end.nodes))


def report_json(report: BenchReport) -> dict[str, Any]:
    document = dataclasses.asdict(report)
    document["comparisons"] = [
        {**dataclasses.asdict(c), "percent": round(c.percent, 1)} for c in report.comparisons
    ]
    for kind, cost in zip(document["bounds"]["kinds"], report.bounds.kinds, strict=True):
        kind["warm_ecdsa_verifications"] = cost.warm_ecdsa_verifications
        kind["warm_signature_bound_per_second"] = cost.warm_signature_bound_per_second
    if report.end_to_end is not None:
        document["end_to_end"]["failed"] = report.end_to_end.failed
        document["end_to_end"]["peak_rss_bytes"] = report.end_to_end.peak_rss_bytes
    return document


def render_table(report: BenchReport) -> str:
    env = report.environment
    lines = [
        f"Tirkeu benchmark, {env.started_at}: {env.cpus} CPUs (load average "
        f"{env.load_average_1min:.1f} at start, {report.load_average_1min_at_end:.1f} at end), "
        f"Python {env.python}, {env.openssl}",
        "",
        *_bounds_lines(report.bounds, report.executor.kind_counts()),
        "",
        *_executor_lines(report.executor),
        "",
        *_end_to_end_lines(report.end_to_end),
        "",
        *_state_tree_lines(report.state_tree),
        "",
        "Against the bounds",
        *(f"  {comparison.sentence()}" for comparison in report.comparisons),
        "",
        *sweep_lines(report.sweeps),
        "",
        *long_chain_lines(report.long_chain, report.audit_bound_per_second),
        "",
        "Targets (docs/benchmarks.md)",
        *_target_lines(report.targets),
    ]
    return "\n".join(lines)


def _bounds_lines(bounds: Bounds, mix: dict[str, int]) -> list[str]:
    lines = [
        "1. Signature-verification bounds (one core)",
        *(
            f"  {entry.algorithm:<24} verify: {entry.rate.verifications_per_second:>8,.0f}/s "
            f"({entry.rate.verifications:,} verifications)"
            for entry in bounds.algorithms
        ),
        f"  the people's keys here: {bounds.person_key_type}; "
        f'"ECDSA" below counts their verifications',
        f"  people's signature verify: {bounds.ecdsa.verifications_per_second:,.0f}/s "
        f"({bounds.ecdsa.verifications:,} verifications of a {bounds.ecdsa.message_bytes}-byte "
        f"body); cold: {bounds.chain_links} more per signer for its certificate chain, warm: "
        "none (chain remembered)",
        f"  {'kind':<24} {'bytes':>6} {'signers':>7} {'ECDSA':>5} {'cold/s':>8} {'warm/s':>8} "
        f"{'verify/s':>9} {'admission/s':>11}",
    ]
    for cost in bounds.kinds:
        lines.append(
            f"  {cost.kind:<24} {cost.envelope_bytes:>6,} {cost.signers:>7} "
            f"{cost.ecdsa_verifications:>5} {cost.signature_bound_per_second:>8,.0f} "
            f"{cost.warm_signature_bound_per_second:>8,.0f} "
            f"{cost.verify_per_second:>9,.0f} {cost.admission_per_second:>11,.0f}"
        )
    lines += [
        f"  mix of the executor's workload: cold {bounds.mix_signature_bound(mix):,.0f}/s, "
        f"warm {bounds.mix_warm_signature_bound(mix):,.0f}/s, "
        f"admission {bounds.mix_admission_bound(mix):,.0f}/s",
        "  ECDSA, cold/s: every certificate new (signer + chain links); warm/s: one ECDSA per "
        "signer, chains remembered, as here after each certificate's first use. Below, the "
        '"single-core signature-verification bound" is the cold one; the committed rate is '
        "held against the warm one",
        "  verify/s: verify_transaction (envelope, signatures, chains); admission/s: "
        "check_transaction (that plus the registry rule, CMS documents included)",
    ]
    return lines


def _executor_lines(result: ExecutorResult) -> list[str]:
    lines = [
        f"2. Executor in-process (BlockExecutor, blocks of {result.block_size}, no network/disk)",
        f"  {result.workload}: {result.transactions:,} transactions in {result.blocks} blocks, "
        f"{result.transactions_per_second:,.0f} tx/s, "
        f"{result.state_writes_per_transaction:.2f} state writes per transaction",
    ]
    lines += [
        f"  {kind.kind:<24} {kind.transactions:>6,} tx {kind.transactions_per_second:>9,.0f} tx/s"
        for kind in result.kinds
    ]
    return lines


def _end_to_end_lines(result: EndToEndResult | None) -> list[str]:
    if result is None:
        return ["3. End-to-end: not run (--no-node)"]
    load = (
        f"{result.clients} clients (closed loop)"
        if result.asked_rate is None
        else f"open loop: asked {result.asked_rate:,.0f} tx/s, offered "
        f"{result.offered_rate or 0:,.1f} tx/s"
    )
    lines = [
        f"3. End-to-end, {result.topology}, over mTLS gRPC, {load}, wait_for_commit "
        f"(load average {result.load_average_1min:.1f} at its end)",
        f"  {result.workload}: {result.committed:,} of {result.submitted:,} submitted committed "
        f"({result.planned:,} planned) in {result.seconds:,.1f} s = "
        f"{result.committed_per_second:,.1f} tx/s in {result.blocks} blocks",
        f"  failed: {result.failed:,}; sent again by the client library after a refusal or a "
        f"timeout: {result.resent:,}",
        f"  consensus: {result.blocks_at_later_rounds} of those blocks committed at a round > 0 "
        f"(highest round {result.max_commit_round}), from the commit certificates",
        f"  {'latency ms':<24} {'count':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}",
        _latency_line("all", result.latency),
        *(_latency_line(kind, summary) for kind, summary in result.latency_by_kind.items()),
    ]
    for node in result.nodes:
        lines.append(
            f"  node {node.node_id}: peak RSS {node.peak_rss_bytes / MIB:,.0f} MiB "
            f"(now {node.rss_bytes / MIB:,.0f} MiB), LevelDB {node.leveldb_bytes / MIB:,.1f} MiB, "
            f"{result.state_records:,} state records ({result.preloaded_records:,} preloaded), "
            f"CPU {node.cpu_seconds:,.1f} s = "
            f"{1000 * node.cpu_seconds / max(1, result.committed):,.2f} ms per committed tx"
        )
    lines += [f"  failure: {failure}" for failure in result.failures]
    return lines


def _latency_line(name: str, summary: LatencySummary) -> str:
    return (
        f"  {name:<24} {summary.count:>6,} {summary.p50_ms:>7,.0f} {summary.p95_ms:>7,.0f} "
        f"{summary.p99_ms:>7,.0f} {summary.max_ms:>7,.0f}"
    )


def _state_tree_lines(result: StateTreeResult | None) -> list[str]:
    if result is None:
        return ["4. State tree: not run"]
    return [
        f"4. State tree (scripts/bench_smt.py, in memory, batches of {result.batch_size})",
        f"  at {result.records:,} records: {result.inserts_per_second:,.0f} inserts/s, "
        f"{result.nodes_written_per_insert:.2f} nodes written and "
        f"{result.nodes_read_per_insert:.2f} read per insert, proofs {result.proof_depth_mean:.1f} "
        f"levels / {result.proof_bytes_mean:,.0f} bytes, "
        f"{result.proof_verifications_per_second:,.0f} proof checks/s",
    ]


def _target_lines(targets: tuple[TargetResult, ...]) -> list[str]:
    lines = []
    for target in targets:
        note = f" ({target.note})" if target.note else ""
        lines.append(f"  [{target.status.value:^12}] {target.requirement}: {target.measured}{note}")
    return lines
