"""A local cluster's ports: chosen free at `init`, checked again at `start` (issue 13).

`init` writes each node's API and metrics address into the configs (every node lists the others'
API addresses as [[peers]]), and the processes bind them only at `start`: in between another
process may take one. So `start`, when none of the cluster's nodes runs, checks every port first
and moves a taken one to a free port, rewriting every config that names it and cluster.json
(``reclaim_ports``). A port taken while some node runs cannot be moved (the running nodes hold
the old address), and one taken in the instant between the check and the node's bind makes the
node stop with its named ``node_setup_failed``: both are reported as ``PortTaken``, never as a
traceback. Binding port 0 at start instead would need every node to learn the others' ports
after they started; moving a taken port before starting keeps the configs the single truth.
"""

from __future__ import annotations

import socket
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from clients.cluster.layout import LOOPBACK, RETIRED, Cluster, ClusterNode, free_port, save_cluster
from clients.cluster.participants import PortTaken
from clients.cluster.processes import running_pid


@dataclass(frozen=True, slots=True)
class MovedPort:
    node_id: str
    purpose: str  # "api" or "metrics"
    old: str
    new: str


def address_is_free(address: str) -> bool:
    """Whether HOST:PORT can be bound now (a listener elsewhere on it says no)."""
    host, _, port = address.rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR as gRPC binds: a port in TIME_WAIT is usable, a listening one is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError:
            return False
    return True


def metrics_address(node: ClusterNode) -> str | None:
    try:
        config = tomllib.loads(node.config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    metrics = config.get("metrics")
    listen = metrics.get("listen") if isinstance(metrics, dict) else None
    return listen if isinstance(listen, str) else None


def reclaim_ports(cluster: Cluster) -> tuple[Cluster, list[MovedPort]]:
    """The cluster with every taken port of a node about to start moved to a free one."""
    stopped = [n for n in cluster.nodes if n.role != RETIRED and running_pid(n) is None]
    if not stopped:
        return cluster, []
    moving = len(stopped) == len([n for n in cluster.nodes if n.role != RETIRED])
    moved: list[MovedPort] = []
    nodes = list(cluster.nodes)
    for index, node in enumerate(nodes):
        if node not in stopped:
            continue
        for purpose, address in (("api", node.api), ("metrics", metrics_address(node))):
            if address is None or address_is_free(address):
                continue
            if not moving:
                raise PortTaken(
                    f"{node.node_id}'s {purpose} port {address} is held by another process, "
                    "and other nodes of the cluster run with it in their configs: free the "
                    "port, or stop the cluster and start it again (start moves taken ports)"
                )
            new = f"{LOOPBACK}:{free_port()}"
            _rewrite(cluster, address, new)
            moved.append(MovedPort(node.node_id, purpose, address, new))
            if purpose == "api":
                nodes[index] = replace(nodes[index], api=new)
    if not moved:
        return cluster, []
    updated = replace(cluster, nodes=tuple(nodes))
    save_cluster(updated)
    return updated, moved


def _rewrite(cluster: Cluster, old: str, new: str) -> None:
    """Every node.toml naming ``old`` (its own [api]/[metrics], others' [[peers]]) now names
    ``new``; addresses are quoted TOML strings, unique within a cluster."""
    for node in cluster.nodes:
        path: Path = node.config
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        if f'"{old}"' in text:
            temporary = path.with_suffix(".toml.new")
            temporary.write_text(text.replace(f'"{old}"', f'"{new}"'), encoding="utf-8")
            temporary.replace(path)
