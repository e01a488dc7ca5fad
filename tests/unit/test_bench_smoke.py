"""The benchmark code (tests/bench/, scripts/bench) on tiny workloads: it runs, its report has every
field with counts that add up, and targets are judged as docs/benchmarks.md says. Nothing here
asserts on a time or a rate beyond "measured" (positive): speed is the benchmark's business."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.bench.bounds import Bounds, KindCost, SignatureRate
from tests.bench.cluster_target import SubmitVia
from tests.bench.end_to_end import EndToEndResult, LatencySummary, NodeMeasurement, summarize
from tests.bench.report import render_table, report_json
from tests.bench.run import BenchOptions, main, parse_options, run_benchmark
from tests.bench.state_tree import StateTreeResult
from tests.bench.targets import MIB, TARGET_STATE_RECORDS, TargetStatus, all_met, evaluate_targets
from tests.bench.workloads import REGISTRATION_KINDS, Workload

TINY = BenchOptions(
    transactions=10,
    clients=2,
    executor_transactions=10,
    block_size=4,
    samples_per_kind=2,
    ecdsa_seconds=0.01,
    tree_records=200,
    tree_batch_size=50,
    node=False,
)
TINY_ARGUMENTS = [
    "--no-node",
    "--executor-transactions",
    "5",
    "--samples",
    "1",
    "--ecdsa-seconds",
    "0.01",
    "--tree-records",
    "100",
]
KIND_NAMES = [str(kind) for kind in REGISTRATION_KINDS]


def test_in_process_run_reports_bounds_executor_and_state_tree_with_consistent_counts() -> None:
    report = run_benchmark(TINY)

    bounds = report.bounds
    assert [cost.kind for cost in bounds.kinds] == KIND_NAMES
    assert bounds.chain_links == 2  # the test PKI: leaf -> issuing CA -> root
    signers = {cost.kind: cost.signers for cost in bounds.kinds}
    # Paras 19-20: KTK and the recipient sign the application; its contract carries the
    # recipient, the guarantor and KTK's head (paras 17-19), the consent the recipient (para 20).
    # Para 22: KTK and the recipient sign the sending.
    assert signers == {
        "property_import": 1,
        "lease_application": 2 + 3 + 1,
        "application_sending": 2,
        "registrar_attestation": 1,
        "registrar_decision": 1,
    }
    for cost in bounds.kinds:
        assert cost.samples == 2
        assert cost.ecdsa_verifications == cost.signers * (1 + bounds.chain_links)
        assert cost.admission_per_second > 0 and cost.verify_per_second > 0

    executor = report.executor
    assert executor.transactions == 10  # two registrations of five transactions
    assert executor.kind_counts() == dict.fromkeys(KIND_NAMES, 2)
    assert executor.blocks == 5  # one block per kind: each needs the previous one committed
    assert executor.state_writes_per_transaction > 1  # a record and its committed-id marker

    assert report.end_to_end is None
    assert report.state_tree is not None and report.state_tree.records == 200
    assert {c.bound_name for c in report.comparisons} == {
        "single-core signature-verification bound",
        "admission bound",
    }
    assert all(t.status is TargetStatus.NOT_MEASURED for t in report.targets)
    assert not all_met(report.targets)

    table = render_table(report)
    for heading in ("1. Signature", "2. Executor", "3. End-to-end: not run", "4. State tree"):
        assert heading in table
    document = json.loads(json.dumps(report_json(report)))
    assert set(document) >= {"environment", "bounds", "executor", "comparisons", "targets"}
    assert document["settings"]["workload"] == "registrations"


def test_imports_workload_is_one_transaction_per_chain() -> None:
    report = run_benchmark(replace(TINY, workload=Workload.IMPORTS, tree_records=0))
    assert report.executor.kind_counts() == {"property_import": 10}
    assert report.state_tree is None


@pytest.mark.integration
def test_end_to_end_on_a_real_node_commits_every_transaction_and_measures_the_node() -> None:
    report = run_benchmark(replace(TINY, node=True, preload_records=30))

    result = report.end_to_end
    assert result is not None
    assert result.failures == ()
    assert result.planned == result.submitted == result.committed == 10
    assert result.committed_by_kind == dict.fromkeys(KIND_NAMES, 2)
    assert result.latency.count == 10
    assert 0 < result.latency.p50_ms <= result.latency.p99_ms <= result.latency.max_ms
    assert result.blocks >= 1
    assert result.topology == "one validator"
    assert result.blocks_at_later_rounds == result.max_commit_round == 0  # solo: round 0 only
    assert result.preloaded_records >= 30
    # Two registrations on top of the preload: each writes records of its own.
    assert result.state_records > result.preloaded_records
    (node,) = result.nodes
    assert node.peak_rss_bytes >= node.rss_bytes > 0
    assert node.leveldb_bytes > 0
    statuses = {target.name: target.status for target in report.targets}
    assert statuses["every_transaction_commits"] is TargetStatus.MET
    assert statuses["node_memory"] is TargetStatus.NOT_MEASURED  # far below 100k records


@pytest.mark.integration
def test_end_to_end_on_four_validators_and_the_observer_measures_every_node() -> None:
    report = run_benchmark(replace(TINY, node=True, cluster=True, tree_records=0))

    result = report.end_to_end
    assert result is not None
    assert result.failures == ()
    assert result.planned == result.submitted == result.committed == 10
    assert result.committed_by_kind == dict.fromkeys(KIND_NAMES, 2)
    assert 0 < result.latency.p50_ms <= result.latency.p99_ms <= result.latency.max_ms
    assert result.topology == "4 validators + KTK observer, clients submit via observer"
    assert result.blocks >= 1
    assert 0 <= result.blocks_at_later_rounds <= result.blocks
    assert (result.max_commit_round > 0) == (result.blocks_at_later_rounds > 0)
    assert [node.node_id for node in result.nodes] == [
        "registrar-1",
        "registrar-2",
        "registrar-3",
        "registrar-4",
        "ktk-observer",
    ]
    for node in result.nodes:
        assert node.peak_rss_bytes >= node.rss_bytes > 0
        assert node.leveldb_bytes > 0
    assert result.state_records > 0
    assert "4 validators + KTK observer" in render_table(report)
    assert report.settings["cluster"] is True


def test_cluster_options_submit_via_the_observer_unless_told_and_refuse_a_preload() -> None:
    options, _ = parse_options(["--cluster", "--quick"])
    assert options.cluster and options.submit_via is SubmitVia.OBSERVER
    options, _ = parse_options(["--cluster", "--submit-via", "validators"])
    assert options.submit_via is SubmitVia.VALIDATORS
    assert not parse_options([])[0].cluster
    with pytest.raises(SystemExit):
        parse_options(["--submit-via", "validators"])  # only with --cluster
    with pytest.raises(SystemExit):
        parse_options(["--cluster", "--preload-records", "10"])


def _end_to_end(
    *, committed_per_second: float, p99_ms: float, peak_mib: float, records: int, failed: int = 0
) -> EndToEndResult:
    latency = LatencySummary(100, 50.0, 80.0, p99_ms, p99_ms, 60.0)
    return EndToEndResult(
        workload="registrations",
        clients=8,
        planned=100,
        submitted=100,
        committed=100 - failed,
        failures=("lease_application: REJECTED",) if failed else (),
        seconds=100 / committed_per_second,
        committed_per_second=committed_per_second,
        latency=latency,
        latency_by_kind={},
        committed_by_kind={"property_import": 100 - failed},
        blocks=10,
        preloaded_records=records,
        state_records=records,
        nodes=(NodeMeasurement("validator-1", int(peak_mib * MIB), int(peak_mib * MIB), 1),),
    )


def _tree(records: int, inserts_per_second: float) -> StateTreeResult:
    return StateTreeResult(records, 100, inserts_per_second, 12.0, 9.6, 18.0, 611.0, 30_000.0)


def _statuses(end_to_end: EndToEndResult, tree: StateTreeResult) -> dict[str, TargetStatus]:
    return {target.name: target.status for target in evaluate_targets(end_to_end, tree)}


def test_targets_are_met_only_when_measured_at_their_size_and_within_their_bounds() -> None:
    good = _end_to_end(
        committed_per_second=60, p99_ms=300, peak_mib=200, records=TARGET_STATE_RECORDS
    )
    tree = _tree(TARGET_STATE_RECORDS, 5000)
    assert set(_statuses(good, tree).values()) == {TargetStatus.MET}
    assert all_met(evaluate_targets(good, tree))

    slow = replace(good, committed_per_second=49.9)
    assert _statuses(slow, tree)["committed_throughput"] is TargetStatus.MISSED
    late = replace(good, latency=replace(good.latency, p99_ms=2001))
    assert _statuses(late, tree)["commit_latency_p99"] is TargetStatus.MISSED
    small_state = replace(good, state_records=TARGET_STATE_RECORDS - 1)
    assert _statuses(small_state, tree)["node_memory"] is TargetStatus.NOT_MEASURED
    heavy_small_state = _end_to_end(committed_per_second=60, p99_ms=300, peak_mib=501, records=10)
    assert _statuses(heavy_small_state, tree)["node_memory"] is TargetStatus.MISSED
    failing = _end_to_end(
        committed_per_second=60, p99_ms=300, peak_mib=200, records=TARGET_STATE_RECORDS, failed=1
    )
    assert _statuses(failing, tree)["every_transaction_commits"] is TargetStatus.MISSED
    assert _statuses(good, _tree(10_000, 5000))["state_tree_updates"] is TargetStatus.NOT_MEASURED
    assert _statuses(good, _tree(TARGET_STATE_RECORDS, 999))["state_tree_updates"] is (
        TargetStatus.MISSED
    )
    assert {t.status for t in evaluate_targets(None, None)} == {TargetStatus.NOT_MEASURED}


def _cost(kind: str, signature_bound: float, admission: float) -> KindCost:
    return KindCost(kind, 10, 800, 1, 3, signature_bound, admission * 2, admission)


def test_a_mix_runs_its_kinds_one_after_another() -> None:
    bounds = Bounds(
        SignatureRate(3000.0, 3000, 100),
        2,
        (_cost("a", 1000.0, 100.0), _cost("b", 250.0, 300.0)),
    )
    # Equal counts: 1/100 + 1/300 seconds for two transactions -> 150 tx/s.
    assert bounds.mix_admission_bound({"a": 5, "b": 5}) == pytest.approx(150.0)
    assert bounds.mix_signature_bound({"a": 1, "b": 0}) == pytest.approx(1000.0)
    # Admission then execution at the same rate halves each kind's rate.
    ceiling = bounds.mix_node_ceiling({"a": 1, "b": 1}, {"a": 100.0, "b": 300.0})
    assert ceiling == pytest.approx(75.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1))
def test_latency_percentiles_are_ordered_and_within_the_samples(values: list[float]) -> None:
    summary = summarize(values)
    assert summary.count == len(values)
    assert summary.p50_ms <= summary.p95_ms <= summary.p99_ms <= summary.max_ms
    assert summary.max_ms == round(max(values) * 1000, 1)
    assert round(min(values) * 1000, 1) <= summary.p50_ms


def test_quick_options_are_overridden_by_explicit_ones_and_bad_values_refused() -> None:
    options, _ = parse_options(["--quick", "--transactions", "40", "--workload", "imports"])
    assert options.transactions == 40
    assert options.workload is Workload.IMPORTS
    assert options.tree_records < BenchOptions().tree_records
    with pytest.raises(SystemExit):
        parse_options(["--clients", "0"])
    with pytest.raises(SystemExit):
        parse_options(["--preload-records", "-1"])


def test_check_targets_fails_a_run_whose_targets_were_not_measured(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(TINY_ARGUMENTS) == 0
    assert "Targets" in capsys.readouterr().out
    assert main([*TINY_ARGUMENTS, "--json", "--check-targets"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert {t["status"] for t in document["targets"]} == {"not measured"}
