"""scripts/chaos: run the harness for N minutes, check the history, print and write the verdict.

python -m tests.chaos.run --minutes 60 --seed 7                  # the documented long run
python -m tests.chaos.run --minutes 1.2 --seed 3 --keep /tmp/c   # keep the nodes' files
python -m tests.chaos.run --minutes 5 --nemesis kill-two,one-way --report chaos.json

Exit 0 iff the checker passes (1: a violation; 2: the harness itself failed).

May import: tests.chaos, tests.integration.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.chaos.checker import Verdict, check
from tests.chaos.cluster import ChaosCluster
from tests.chaos.disk import DiskFiller
from tests.chaos.finish import audit_all, converge, read_chains, resolve, stop_all
from tests.chaos.history import History
from tests.chaos.load import LoadSettings
from tests.chaos.monitor import ChainMonitor, wait_until
from tests.chaos.nemesis import KINDS, Nemesis, NemesisSettings
from tests.chaos.story import StoryWorker


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, required=True, help="load-and-faults time")
    parser.add_argument("--seed", type=int, default=None, help="default: drawn and printed")
    parser.add_argument("--nemesis", default=",".join(KINDS), help="fault kinds, comma-separated")
    parser.add_argument("--workers", type=int, default=4, help="concurrent story workers")
    parser.add_argument("--quiet", default="5,15", help="seconds between faults: MIN,MAX")
    parser.add_argument("--hold", default="5,20", help="seconds a fault lasts: MIN,MAX")
    parser.add_argument("--think", default="0.2,1.0", help="seconds between story steps")
    parser.add_argument("--expires-in", type=int, default=150, help="expiry, blocks ahead")
    parser.add_argument("--empty-block-ms", type=int, default=400, help="idle heartbeat")
    parser.add_argument("--timeout-scale", type=float, default=1.0, help="for slow machines")
    parser.add_argument("--report", type=Path, help="write the JSON report here")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    arguments = parser.parse_args(argv)
    unknown = set(arguments.nemesis.split(",")) - set(KINDS) - {""}
    if unknown:
        parser.error(f"unknown fault kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
    return arguments


def _pair(text: str) -> tuple[float, float]:
    low, high = (float(part) for part in text.split(","))
    return low, high


def say(text: str) -> None:
    print(text, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    seed = arguments.seed if arguments.seed is not None else random.SystemRandom().randrange(10**6)
    workdir = arguments.keep or Path(tempfile.mkdtemp(prefix="tirkeu-chaos-"))
    workdir.mkdir(parents=True, exist_ok=True)
    say(f"chaos: seed {seed}, {arguments.minutes} min, work directory {workdir}")
    started = datetime.now(UTC)
    cluster = ChaosCluster(workdir / "cluster", empty_block_interval_ms=arguments.empty_block_ms)
    disk_node = random.Random(f"{seed}/disk").choice(cluster.validators).node_id
    disk = DiskFiller(cluster.node(disk_node).data_dir)
    say(f"chaos: full-disk node {disk_node}, by {disk.mode}")
    try:
        report = _run(arguments, seed, cluster, disk, disk_node)
    except Exception:
        cluster.close()
        disk.close()
        raise
    report["started"] = started.isoformat()
    report["finished"] = datetime.now(UTC).isoformat()
    report["work_directory"] = str(workdir)
    target = arguments.report or workdir / "chaos-report.json"
    target.write_text(json.dumps(report, indent=1) + "\n")
    say(f"chaos: report written to {target}")
    if arguments.keep is None and arguments.report is not None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if report["ok"] else 1


def _run(
    arguments: argparse.Namespace,
    seed: int,
    cluster: ChaosCluster,
    disk: DiskFiller,
    disk_node: str,
) -> dict[str, Any]:
    scale = arguments.timeout_scale
    history = History()
    monitor = ChainMonitor(cluster, history)
    stop = threading.Event()
    nemesis: Nemesis | None = None
    settings = LoadSettings(
        submit_timeout_s=20.0 * scale,
        follow_up_s=15.0 * scale,
        operation_s=120.0 * scale,
        expires_in_blocks=arguments.expires_in,
        think_s=_pair(arguments.think),
    )
    try:
        cluster.start_all()
        monitor.start()
        if not wait_until(
            lambda: all(monitor.height_of(n.node_id) >= 1 for n in cluster.nodes), 60 * scale
        ):
            raise RuntimeError(f"the cluster did not reach height 1: {monitor.tips}")
        workers = [
            StoryWorker(
                i,
                cluster,
                history=history,
                seed=seed,
                stop=stop,
                settings=settings,
                tip=monitor.highest,
                height_of=monitor.height_of,
            )
            for i in range(1, arguments.workers + 1)
        ]
        nemesis = Nemesis(
            cluster,
            history=history,
            monitor=monitor,
            disk=disk,
            disk_node=disk_node,
            seed=seed,
            stop=stop,
            settings=NemesisSettings(
                tuple(k for k in arguments.nemesis.split(",") if k),
                _pair(arguments.quiet),
                _pair(arguments.hold),
            ),
            log=say,
        )
        for worker in workers:
            worker.start()
        nemesis.start()
        say(f"chaos: load and nemesis running for {arguments.minutes} min")
        deadline = time.monotonic() + arguments.minutes * 60
        while not stop.wait(min(60.0, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                break
            say(
                f"chaos: t={history.now():.0f}s heights {dict(sorted(_heights(monitor).items()))}, "
                f"{len(history.operations())} operations"
            )
        stop.set()
        nemesis.join(180 * scale)
        for worker in workers:
            worker.join(60 * scale)
        say("chaos: load stopped; healing everything and letting the cluster converge")
        converged = converge(cluster, monitor, 180 * scale)
        resolutions = resolve(
            history, cluster, monitor=monitor, settings=settings, seconds=300 * scale, say=say
        )
        monitor.stop()
        stop_all(cluster)
        chains = read_chains(cluster)
        say("chaos: auditing every node's data (tirkeu-audit verify --data-dir)")
        audits = audit_all(cluster, 1800 * scale)
    finally:
        stop.set()
        monitor.stop()
        if nemesis is not None:  # it may be restarting a node: let it finish, then close all
            nemesis.join(180 * scale)
        cluster.close()
        disk.close()
    verdict = check(
        history.operations(),
        chains,
        monitor=monitor,
        faults=nemesis.faults,
        audits=audits,
        resolutions=resolutions,
    )
    if not converged:
        verdict.violations["stalls"].append(f"the healed cluster did not converge: {monitor.tips}")
    harness_errors = [error for worker in workers for error in worker.errors]
    _print_summary(verdict, seed, harness_errors)
    return {
        "ok": verdict.ok,
        "seed": seed,
        "minutes": arguments.minutes,
        "nemesis": arguments.nemesis.split(","),
        "disk_full_node": disk_node,
        "disk_full_mode": disk.mode,
        "workers": arguments.workers,
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "violations": verdict.violations,
        "figures": verdict.figures,
        "faults": [fault.to_json() for fault in nemesis.faults],
        "audits": {node: {"ok": ok, "summary": text} for node, (ok, text) in audits.items()},
        "harness_errors": harness_errors,
        "stories": sum(worker.stories for worker in workers),
        "history": history.to_json(),
        "resolutions": resolutions,
        "commit_times": monitor.commit_times,  # when the cluster's highest height grew
    }


def _heights(monitor: ChainMonitor) -> dict[str, int]:
    return {node: tip[0] for node, tip in monitor.tips.items()}


def _print_summary(verdict: Verdict, seed: int, harness_errors: list[str]) -> None:
    figures = verdict.figures
    say("=" * 72)
    say(f"chaos verdict: {'PASS' if verdict.ok else 'FAIL'} (seed {seed})")
    say(
        f"  operations {figures['operations']}, attempts {figures['attempts']}, "
        f"retries {figures['retries']}, committed {figures['committed_operations']}, "
        f"conflict groups {figures['conflict_groups']}"
    )
    say(f"  heights {figures['heights']}")
    say(f"  faults {figures['faults']}: {figures['faults_by_kind']}")
    recovery = figures["recovery"]
    say(f"  heal -> next commit (s): {recovery['heal_to_next_commit_s']}")
    say(f"  heal -> target caught up (s): {recovery['heal_to_target_caught_up_s']}")
    for kind, gap in recovery["longest_commit_gap_during_fault_by_kind_s"].items():
        say(f"  longest commit gap during {kind} (s): {gap}")
    say(f"  rejections by fault: {figures['rejections_by_fault']}")
    say(f"  answers: {figures['answers']}")
    for name, problems in verdict.violations.items():
        say(f"  {name}: {'ok' if not problems else f'{len(problems)} VIOLATION(S)'}")
        for problem in problems[:10]:
            say(f"    - {problem}")
    if harness_errors:
        say(f"  harness errors ({len(harness_errors)}), first: {harness_errors[0]}")
    say("=" * 72)


if __name__ == "__main__":
    sys.exit(main())
