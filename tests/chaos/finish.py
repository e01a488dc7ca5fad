"""The end of a run: heal everything, let the cluster converge, settle what the clients could not,
stop the nodes and read what they stored, audit every node's data.

May import: tests.chaos, tests.integration, ledger.
"""

from __future__ import annotations

import contextlib
import json
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.chaos.checker import NodeChain
from tests.chaos.cluster import ChaosCluster
from tests.chaos.history import COMMITTED, PENDING, REJECTED, History, Operation
from tests.chaos.load import LoadSettings, Submitter
from tests.chaos.monitor import ChainMonitor, wait_until
from tests.integration.cluster_harness import ClusterNode

AUDIT_EXECUTABLE = Path(sys.executable).parent / "tirkeu-audit"


def converge(cluster: ChaosCluster, monitor: ChainMonitor, seconds: float) -> bool:
    """Undo whatever the nemesis left (it heals its own faults; this is the belt to its braces)
    and wait until every node is at the height the cluster had reached, or more."""
    cluster.heal_links()
    for node in cluster.nodes:
        cluster.resume(node.node_id)
        if not node.running:
            cluster.start(node.node_id)
    target = monitor.highest()
    return wait_until(
        lambda: all(monitor.height_of(node.node_id) >= target for node in cluster.nodes), seconds
    )


def resolve(
    history: History,
    cluster: ChaosCluster,
    *,
    monitor: ChainMonitor,
    settings: LoadSettings,
    seconds: float,
    say: Callable[[str], None],
) -> dict[str, dict[str, str]]:
    """For every operation left unsettled or answered PENDING: what every node says now. Those
    no node has decided are waited on until their expiry height has passed, then sent once more
    (as a client that wants a definite answer would), and asked about again."""
    submitter = Submitter(cluster, history, random.Random(0), threading.Event(), settings)
    open_ = [
        o
        for o in history.operations()
        if o.final not in (COMMITTED, REJECTED) or o.answered(PENDING)
    ]
    answers = {o.transaction_id: ask_everyone(submitter, o) for o in open_}
    undecided = [o for o in open_ if not _decided(answers[o.transaction_id])]
    say(f"chaos: {len(open_)} operations to settle, {len(undecided)} undecided on every node")
    if undecided:
        horizon = max(o.expiry_height for o in undecided)
        if not wait_until(lambda: monitor.highest() > horizon, seconds):
            say(f"chaos: the chain did not pass height {horizon} in {seconds:.0f}s")
        validators = [node.node_id for node in cluster.validators]
        for operation in undecided:
            submitter.send(operation, random.choice(validators), retry=True)
            answers[operation.transaction_id] = ask_everyone(submitter, operation)
    return answers


def ask_everyone(submitter: Submitter, operation: Operation) -> dict[str, str]:
    found = {}
    for node_id in submitter.node_ids():
        view = submitter.lookup(operation, node_id)
        if view is None:
            found[node_id] = "unreachable"
            continue
        status = ("UNKNOWN", "UNKNOWN", PENDING, COMMITTED, REJECTED)[view.status]
        detail = view.rejection.reason if status == REJECTED else str(view.height or "")
        found[node_id] = f"{status} {detail}".strip()
    return found


def _decided(answers: dict[str, str]) -> bool:
    return any(a.startswith((COMMITTED, REJECTED)) for a in answers.values())


def stop_all(cluster: ChaosCluster) -> None:
    for node in cluster.nodes:
        cluster.resume(node.node_id)
        if node.running:
            # On a timeout stop() kills it; LevelDB's log keeps the database consistent.
            with contextlib.suppress(subprocess.TimeoutExpired):
                node.stop()


def read_chains(cluster: ChaosCluster) -> list[NodeChain]:
    chains = []
    for node in cluster.nodes:
        chain = NodeChain(node.node_id)
        try:
            with node.store() as store:
                meta = store.load_meta()
                for height in range(1, (meta.height if meta else 0) + 1):
                    block = store.load_block(height)
                    if block is None:
                        chain.error += f"no block at height {height}; "
                        continue
                    chain.blocks[height] = (block.block_hash.hex(), block.header.state_root.hex())
                for transaction_id in store.transaction_ids():
                    location = store.load_transaction_location(transaction_id)
                    if location is not None:
                        chain.locations[transaction_id] = location.height
        except Exception as error:  # a database that cannot be read is a finding, reported
            chain.error += repr(error)
        chains.append(chain)
    return chains


def audit_all(cluster: ChaosCluster, seconds: float) -> dict[str, tuple[bool, str]]:
    """``tirkeu-audit verify --data-dir`` on every stopped node, two at a time (a 2-core box)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda node: (node.node_id, _audit(node, seconds)), cluster.nodes)
        return dict(results)


def _audit(node: ClusterNode, seconds: float) -> tuple[bool, str]:
    command = [
        str(AUDIT_EXECUTABLE), "verify",
        "--genesis", str(node.workdir / "genesis.json"),
        "--data-dir", str(node.data_dir),
        "--json", "--jobs", "1", "--progress-every", "0",
    ]  # fmt: skip
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds, check=False
        )
    except subprocess.TimeoutExpired:
        return False, f"the audit took more than {seconds:.0f}s"
    return completed.returncode == 0, _audit_summary(completed)


def _audit_summary(completed: subprocess.CompletedProcess[str]) -> str:
    try:
        document = json.loads(completed.stdout)
    except json.JSONDecodeError:
        return f"exit {completed.returncode}: {completed.stderr.strip()[-400:]}"
    counts = document.get("counts", {})
    defects = json.dumps(document.get("defects", []))[:600]
    return (
        f"exit {completed.returncode}, tip {document.get('tip_height')}, {counts}, "
        f"defects {document.get('defect_count')}: {defects}"
    )
