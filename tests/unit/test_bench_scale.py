"""scripts/bench's capacity and scale options (issue 11): the sweeps' options, the targets
judged from their points, and the pictures. Nothing here asserts on a measured speed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.bench.long_chain import LongChainPoint, write_long_chain_plot
from tests.bench.run import parse_options
from tests.bench.sweeps import SweepPoint, sweep_lines, write_plots
from tests.bench.targets import TargetStatus, evaluate_scale_targets


def _point(
    sweep: str,
    *,
    validators: int = 4,
    clients: int = 64,
    rate: float | None = None,
    committed: float = 100.0,
    bound: float = 400.0,
    p99_ms: float = 800.0,
    failed: int = 0,
) -> SweepPoint:
    return SweepPoint(
        sweep=sweep,
        validators=validators,
        clients=clients,
        asked_rate=rate,
        offered_rate=rate,
        committed_per_second=committed,
        p50_ms=p99_ms / 2,
        p99_ms=p99_ms,
        submitted=1000,
        failed=failed,
        machine_bound_per_second=bound,
        load_average_1min=3.0,
        blocks_at_later_rounds=0,
    )


def _statuses(points: list[SweepPoint]) -> dict[str, TargetStatus]:
    return {target.name: target.status for target in evaluate_scale_targets(points)}


def test_sweep_options_are_parsed_and_bad_ones_refused() -> None:
    options, _ = parse_options(
        [
            "--cluster",
            "--validators",
            "7",
            "--rate",
            "50",
            "--sweep-clients",
            "64,256",
            "--sweep-rates",
            "25,50.5",
            "--sweep-validators",
            "4,16",
            "--plot",
            "out",
        ]
    )
    assert (options.validators, options.rate, options.plot_dir) == (7, 50.0, "out")
    assert options.sweep_clients == (64, 256)
    assert options.sweep_rates == (25.0, 50.5)
    assert options.sweep_validators == (4, 16)
    for bad in (
        ["--validators", "7"],  # needs --cluster
        ["--cluster", "--validators", "3"],  # no BFT quorum surviving a fault
        ["--cluster", "--rate", "0"],
        ["--cluster", "--sweep-rates", "10,-1"],
        ["--cluster", "--sweep-clients", "a,b"],
    ):
        with pytest.raises(SystemExit):
            parse_options(bad)


def test_scale_targets_are_judged_from_the_points_and_unmeasured_ones_said_so() -> None:
    assert set(_statuses([]).values()) == {TargetStatus.NOT_MEASURED}
    points = [
        _point("clients", clients=64, committed=210.0),  # 52% of 400
        _point("clients", clients=256, committed=190.0, failed=1),
        _point("rate", rate=100.0, committed=99.0, p99_ms=900.0),
        _point("rate", rate=150.0, committed=140.0, p99_ms=3000.0),  # above half of 210
        _point("validators", validators=16, committed=20.0, bound=100.0),
    ]
    statuses = _statuses(points)
    assert statuses["saturation_share"] is TargetStatus.MET
    assert statuses["no_refusals_64_clients"] is TargetStatus.MET
    assert statuses["no_refusals_256_clients"] is TargetStatus.MISSED
    assert statuses["p99_at_half_load"] is TargetStatus.MET  # judged at 100/s, not 150/s
    assert statuses["sixteen_validators_commit"] is TargetStatus.MET
    assert statuses["long_chain_start_up"] is TargetStatus.NOT_MEASURED
    slow = [_point("clients", committed=150.0), _point("rate", rate=50.0, p99_ms=1500.0)]
    assert _statuses(slow)["saturation_share"] is TargetStatus.MISSED
    assert _statuses(slow)["p99_at_half_load"] is TargetStatus.MISSED
    assert " by rate:" in sweep_lines(points)


def test_the_pictures_are_written_for_the_rate_and_validator_sweeps(tmp_path: Path) -> None:
    points = [
        _point("rate", rate=50.0),
        _point("rate", rate=100.0, p99_ms=1500.0),
        *(_point("validators", validators=n, committed=100.0 / n) for n in (4, 7, 10, 16)),
    ]
    written = write_plots(points, tmp_path)
    assert sorted(path.name for path in written) == [
        "latency_vs_offered_load.png",
        "throughput_vs_validators.png",
    ]
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert write_plots([_point("clients")], tmp_path / "none") == []


def _chain_point(transactions: int, start_up: float, p99_ms: float) -> LongChainPoint:
    return LongChainPoint(
        transactions=transactions,
        height=transactions // 500,
        start_up_seconds=start_up,
        get_property_p50_ms=0.7,
        get_property_p99_ms=p99_ms,
        rss_bytes=100 * 1024 * 1024,
        disk_bytes=transactions * 2500,
        audit_seconds=transactions / 1000,
    )


def test_long_chain_targets_are_judged_only_at_a_million_transactions(tmp_path: Path) -> None:
    small = [_chain_point(10_000, 1.0, 1.5), _chain_point(80_000, 1.1, 10.0)]
    targets = {t.name: t for t in evaluate_scale_targets([], small, audit_bound=2000.0)}
    assert {t.status for t in targets.values()} == {TargetStatus.NOT_MEASURED}
    assert "would be met at 80,000 tx" in targets["long_chain_start_up"].note
    assert "already missed" in targets["long_chain_get_property"].note
    assert targets["long_chain_audit"].measured == "1,000 tx/s = 50% of 2,000 tx/s"
    both = [dataclasses.replace(small[-1], audit_one_job_seconds=160.0)]  # 80,000 tx in 160 s
    measured = {t.name: t.measured for t in evaluate_scale_targets([], both, audit_bound=2000.0)}
    assert measured["long_chain_audit"] == "1,000 tx/s = 50% of 2,000 tx/s (--jobs 1: 500 tx/s)"
    assert "ListApplications p99" in measured["long_chain_get_property"]
    full = [_chain_point(10_000, 1.0, 1.5), _chain_point(1_000_000, 1.2, 4.0)]
    judged = {t.name: t.status for t in evaluate_scale_targets([], full, audit_bound=1200.0)}
    assert judged["long_chain_start_up"] is TargetStatus.MET
    assert judged["long_chain_get_property"] is TargetStatus.MET
    assert judged["long_chain_audit"] is TargetStatus.MET  # 1,000 of 1,200 = 83%
    assert judged["long_chain_memory"] is TargetStatus.MET
    assert judged["long_chain_sync"] is TargetStatus.NOT_MEASURED  # these points did not sync
    # Block sync: the fresh observer's time against the in-process time of the same blocks.
    synced = dataclasses.replace(full[-1], sync_seconds=1000.0, sync_bound_seconds=800.0)
    sync = {t.name: t for t in evaluate_scale_targets([], [synced], audit_bound=1200.0)}
    assert sync["long_chain_sync"].status is TargetStatus.MET  # 80% of the bound
    assert sync["long_chain_sync"].measured == (
        "1,000 tx/s = 80% of 1,250 tx/s (in process, one core)"
    )
    slow = dataclasses.replace(synced, sync_seconds=2000.0)  # 40%
    judged_slow = {t.name: t.status for t in evaluate_scale_targets([], [slow], 1200.0)}
    assert judged_slow["long_chain_sync"] is TargetStatus.MISSED
    growing = [_chain_point(10_000, 0.5, 1.0), _chain_point(1_000_000, 1.5, 1.0)]
    grown = {t.name: t.status for t in evaluate_scale_targets([], growing, audit_bound=1.0)}
    assert grown["long_chain_start_up"] is TargetStatus.MISSED  # under 2 s, but grew by 1 s
    path = write_long_chain_plot(full, tmp_path, audit_bound=1200.0)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
