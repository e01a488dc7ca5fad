"""Sweeps (issue 11): the end-to-end run repeated over client counts, offered rates (open loop)
or validator counts, each point next to the machine bound of its own topology; and the
pictures docs/benchmarks.md shows (``--plot DIR``, matplotlib).

    scripts/bench --cluster --sweep-clients 64,256
    scripts/bench --cluster --sweep-rates 25,50,100,150,200 --plot docs/benchmarks
    scripts/bench --cluster --sweep-validators 4,7,10,16 --clients 64 --plot docs/benchmarks

Every point starts a fresh cluster (a new chain), so points do not inherit each other's
state or queues. The machine bound of a point is cores x node ceiling / nodes, with the node
ceiling (admission + execution on one core) of this run and the point's node count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.bench.end_to_end import EndToEndResult


@dataclass(frozen=True, slots=True)
class SweepPoint:
    sweep: str  # "clients", "rate" or "validators"
    validators: int
    clients: int
    asked_rate: float | None
    offered_rate: float | None
    committed_per_second: float
    p50_ms: float
    p99_ms: float
    submitted: int
    failed: int
    machine_bound_per_second: float
    load_average_1min: float
    blocks_at_later_rounds: int

    @property
    def share_of_bound(self) -> float:
        if self.machine_bound_per_second <= 0:
            return 0.0
        return self.committed_per_second / self.machine_bound_per_second

    def line(self) -> str:
        offered = (
            "closed loop"
            if self.asked_rate is None
            else f"asked {self.asked_rate:,.0f}/s offered {self.offered_rate or 0:,.0f}/s"
        )
        return (
            f"  {self.validators:>2}+1 nodes {self.clients:>4} clients {offered:<30} "
            f"committed {self.committed_per_second:7,.1f}/s = {100 * self.share_of_bound:3.0f}% "
            f"of machine bound {self.machine_bound_per_second:,.0f}/s; "
            f"p50 {self.p50_ms:,.0f} ms p99 {self.p99_ms:,.0f} ms; "
            f"failed {self.failed}; later rounds {self.blocks_at_later_rounds}; "
            f"load {self.load_average_1min:.1f}"
        )


def sweep_point(
    sweep: str, validators: int, result: EndToEndResult, machine_bound: float
) -> SweepPoint:
    return SweepPoint(
        sweep=sweep,
        validators=validators,
        clients=result.clients,
        asked_rate=result.asked_rate,
        offered_rate=result.offered_rate,
        committed_per_second=result.committed_per_second,
        p50_ms=result.latency.p50_ms,
        p99_ms=result.latency.p99_ms,
        submitted=result.submitted,
        failed=result.failed,
        machine_bound_per_second=machine_bound,
        load_average_1min=result.load_average_1min,
        blocks_at_later_rounds=result.blocks_at_later_rounds,
    )


def sweep_lines(points: Sequence[SweepPoint]) -> list[str]:
    if not points:
        return []
    lines = ["Sweeps (each point a fresh cluster; bound = cores x node ceiling / nodes)"]
    for sweep in ("clients", "rate", "validators"):
        chosen = [p for p in points if p.sweep == sweep]
        if chosen:
            lines.append(f" by {sweep}:")
            lines.extend(point.line() for point in chosen)
    return lines


def write_plots(points: Sequence[SweepPoint], directory: Path) -> list[Path]:
    """PNG pictures of the rate and validator sweeps in ``directory``; the files written."""
    import matplotlib  # noqa: PLC0415 (only --plot needs it)

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt  # noqa: PLC0415

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    rates = sorted((p for p in points if p.sweep == "rate"), key=lambda p: p.offered_rate or 0)
    if rates:
        figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        offered = [p.offered_rate or 0 for p in rates]
        left.plot(offered, [p.committed_per_second for p in rates], "o-", label="committed")
        left.plot(offered, offered, ":", color="grey", label="offered")
        left.axhline(rates[0].machine_bound_per_second, color="red", ls="--", label="machine bound")
        left.set_xlabel("offered tx/s")
        left.set_ylabel("committed tx/s")
        left.legend()
        right.plot(offered, [p.p50_ms for p in rates], "o-", label="p50")
        right.plot(offered, [p.p99_ms for p in rates], "s-", label="p99")
        right.axhline(1000, color="red", ls="--", label="1 s target")
        right.set_xlabel("offered tx/s")
        right.set_ylabel("commit latency, ms")
        right.set_yscale("log")
        right.legend()
        figure.suptitle(f"{rates[0].validators}+1 nodes, open loop, one 2-core machine (shared)")
        figure.tight_layout()
        path = directory / "latency_vs_offered_load.png"
        figure.savefig(path, dpi=90)
        plt.close(figure)
        written.append(path)
    counts = sorted((p for p in points if p.sweep == "validators"), key=lambda p: p.validators)
    if counts:
        figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        n = [p.validators for p in counts]
        left.plot(n, [p.committed_per_second for p in counts], "o-", label="committed")
        left.plot(n, [p.machine_bound_per_second for p in counts], "x--", label="machine bound")
        left.set_xlabel("validators (+ KTK observer)")
        left.set_ylabel("committed tx/s")
        left.legend()
        right.plot(n, [p.p50_ms for p in counts], "o-", label="p50")
        right.plot(n, [p.p99_ms for p in counts], "s-", label="p99")
        right.set_xlabel("validators (+ KTK observer)")
        right.set_ylabel("commit latency, ms")
        right.legend()
        figure.suptitle(f"{counts[0].clients} clients, closed loop, one 2-core machine (shared)")
        figure.tight_layout()
        path = directory / "throughput_vs_validators.png"
        figure.savefig(path, dpi=90)
        plt.close(figure)
        written.append(path)
    return written
