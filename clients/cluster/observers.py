"""Adding a KTK observer to a running local cluster, from genesis or from a state snapshot
(issue 12, docs/adr/0013-snapshots-and-state-sync.md).

    add_observer(cluster, "ktk-observer-2")                      # syncs every block from 1
    add_observer(cluster, "ktk-observer-2", from_snapshot=True)  # state sync

With ``from_snapshot`` one running validator is stopped for the moment it takes to write
`tirkeu-node snapshot create` at its certified tip (the others keep the chain going), started
again, and the new observer's store is made with `tirkeu-node snapshot restore`, which checks
the snapshot from the genesis file alone before writing anything. The observer then follows the
chain by block sync from the snapshot's height: no history is replayed.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime

from clients.cluster.layout import (
    KTK_ORGANISATION,
    LOOPBACK,
    NODE_CERTIFICATE_DAYS,
    Cluster,
    ClusterNode,
    free_port,
    node_config,
    peers_section,
    save_cluster,
)
from clients.cluster.membership import wait_for_height
from clients.cluster.participants import ClusterError, InvalidClusterRequest
from clients.cluster.processes import (
    DEFAULT_START_DEADLINE_SECONDS,
    node_executable,
    node_status,
    running_pid,
    start_node,
    stop_node,
)
from clients.pki.authority import issue_node
from clients.pki.directory import (
    default_validity,
    locked,
    open_ca_directory,
    record_issued,
    write_new_file,
)

SNAPSHOT_FILE = "state.snapshot"
_COMMAND_SECONDS = 300


@dataclass(frozen=True, slots=True)
class ObserverAdded:
    node_id: str
    api: str
    snapshot_height: int | None  # the height it started from; None: from genesis
    height: int

    def describe(self) -> dict[str, object]:
        return {
            "node_id": self.node_id,
            "api": self.api,
            "snapshot_height": self.snapshot_height,
            "height": self.height,
        }


def add_observer(
    cluster: Cluster,
    name: str,
    *,
    from_snapshot: bool = False,
    deadline_seconds: float = 120.0,
) -> ObserverAdded:
    if any(node.node_id == name for node in cluster.nodes):
        raise InvalidClusterRequest(f"{name!r} is already a node of {cluster.directory}")
    validators = [n for n in cluster.nodes if n.role == "validator"]
    running = [n for n in validators if running_pid(n) is not None]
    if not running:
        raise ClusterError("no validator of the cluster is running")
    node = ClusterNode(name, "observer", f"{LOOPBACK}:{free_port()}", cluster.directory / name)
    node.directory.mkdir(mode=0o700)
    _write_observer_identity(cluster, node)
    text = node_config(node, cluster.batch_delay_ms) + peers_section(validators)
    write_new_file(node.config, text.encode(), 0o644)
    # The snapshot comes from the most advanced running validator, so that it holds everything
    # the cluster has told a client is committed (a lagging one would give an older state).
    source = max(running, key=lambda n: node_status(n).height or 0)
    snapshot_height = _restore_from(source, node) if from_snapshot else None
    updated = Cluster(
        cluster.directory,
        cluster.chain_id,
        cluster.ca_directory,
        (*cluster.nodes, node),
        cluster.batch_delay_ms,
        cluster.validator_changes,
        cluster.rules_upgrades,
    )
    save_cluster(updated)
    start_node(node, deadline_seconds=DEFAULT_START_DEADLINE_SECONDS)
    target = max((node_status(n).height or 0) for n in running)
    wait_for_height(updated, target, deadline_seconds)
    return ObserverAdded(name, node.api, snapshot_height, node_status(node).height or 0)


def _write_observer_identity(cluster: Cluster, node: ClusterNode) -> None:
    genesis = json.loads(cluster.genesis.read_text(encoding="utf-8"))
    with locked(cluster.ca_directory):
        ca = open_ca_directory(cluster.ca_directory)
        # KTK's BIN makes it a node of this chain, which validators let sync (is_chain_node).
        issued = issue_node(
            ca.intermediate,
            node.node_id,
            validity=default_validity(datetime.now(UTC), NODE_CERTIFICATE_DAYS),
            organisation=KTK_ORGANISATION,
            bin_=str(genesis["ktk_bin"]),
        )
        record_issued(ca, issued)
    write_new_file(node.key, issued.key_pem, 0o600)
    write_new_file(node.certificate, issued.pem, 0o644)
    write_new_file(node.trust, cluster.ca_chain.read_bytes(), 0o644)


def _restore_from(source: ClusterNode, node: ClusterNode) -> int:
    """Snapshot ``source`` (stopped meanwhile, then started again) into ``node``'s store."""
    snapshot = node.directory / SNAPSHOT_FILE
    stop_node(source)
    try:
        made = _node_command(
            "snapshot", "create", "--config", str(source.config), "-o", str(snapshot)
        )
    finally:
        start_node(source, deadline_seconds=DEFAULT_START_DEADLINE_SECONDS)
    _node_command("snapshot", "restore", "--config", str(node.config), str(snapshot))
    height = made["height"]
    if not isinstance(height, int):
        raise ClusterError(f"tirkeu-node snapshot create reported {made}")
    return height


def _node_command(*arguments: str) -> dict[str, object]:
    completed = subprocess.run(
        [*node_executable(), *arguments],
        capture_output=True,
        text=True,
        timeout=_COMMAND_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise ClusterError(f"tirkeu-node {' '.join(arguments[:2])}: {completed.stderr.strip()}")
    document: dict[str, object] = json.loads(completed.stdout.splitlines()[-1])
    return document
