"""Running a local cluster's `tirkeu-node` processes: start in the background, wait until they
serve, report their status, kill -9, restart, stop.

Each node runs in its own session (it outlives `tirkeu-cluster start`), logs to DIR/NODE/node.log
and has its pid in DIR/NODE/node.pid. "Serving" is the standard gRPC health service answering
SERVING over mutual TLS, asked with the node's own certificate.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from clients.client import ClientError, ConnectionSettings, LedgerClient, open_channel
from clients.cluster.layout import RETIRED, Cluster, ClusterNode
from clients.cluster.participants import ClusterError, PortTaken

DEFAULT_START_DEADLINE_SECONDS = 60.0
DEFAULT_STOP_GRACE_SECONDS = 15.0
_POLL_SECONDS = 0.1


def node_executable() -> list[str]:
    """`tirkeu-node` beside this Python (the project's venv), else on PATH."""
    beside = Path(sys.executable).parent / "tirkeu-node"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("tirkeu-node")
    if found is None:
        raise ClusterError("tirkeu-node is not installed (pip install -e .)")
    return [found]


def read_pid(node: ClusterNode) -> int | None:
    try:
        return int(node.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def is_alive(pid: int) -> bool:
    """Whether the process runs (a child of ours that exited is reaped, not counted)."""
    with contextlib.suppress(ChildProcessError):
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """An exited process not yet reaped by its parent (Linux /proc; elsewhere: no)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # "pid (command) state ...": the command may hold spaces and parentheses.
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def running_pid(node: ClusterNode) -> int | None:
    pid = read_pid(node)
    return pid if pid is not None and is_alive(pid) else None


def connection(node: ClusterNode) -> ConnectionSettings:
    """The node's own identity: a node certificate may read everything (api.proto)."""
    return ConnectionSettings.from_files(
        node.api, cert=node.certificate, key=node.key, ca=node.trust
    )


def is_serving(node: ClusterNode, timeout_seconds: float = 2.0) -> bool:
    channel = open_channel(connection(node))
    try:
        stub = health_pb2_grpc.HealthStub(channel)
        response = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout_seconds)
        return bool(response.status == health_pb2.HealthCheckResponse.SERVING)
    except grpc.RpcError:
        return False
    finally:
        channel.close()


def _log_tail(node: ClusterNode, lines: int = 20) -> str:
    try:
        return "\n".join(node.log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _listen_failure(node: ClusterNode) -> str | None:
    """The node's own words when its last start failed to bind a port (``node_setup_failed``
    with ServerSetupError, node/runtime/server.py and runner.py), else None."""
    for line in reversed(_log_tail(node, 40).splitlines()):
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") == "node_setup_failed":
            detail = str(event.get("detail", ""))
            if event.get("error") == "ServerSetupError" and "listen" in detail:
                return detail
            return None
    return None


def start_node(
    node: ClusterNode, *, deadline_seconds: float = DEFAULT_START_DEADLINE_SECONDS
) -> int:
    """Spawn the node unless it runs already, and wait until it serves; returns its pid."""
    pid = running_pid(node)
    if pid is None:
        with node.log.open("ab") as log:
            process = subprocess.Popen(
                # Absolute: the node runs in its own directory (its config's paths are
                # relative to the config file, but the config's own path is not).
                [*node_executable(), "--config", str(node.config.absolute())],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a terminal's Ctrl-C for the CLI does not reach it
                cwd=node.directory.absolute(),
            )
        pid = process.pid
        node.pid_file.write_text(f"{pid}\n")
    wait_until_serving(node, pid, deadline_seconds)
    return pid


def wait_until_serving(node: ClusterNode, pid: int, deadline_seconds: float) -> None:
    deadline = time.monotonic() + deadline_seconds
    while not is_serving(node):
        if not is_alive(pid):
            taken = _listen_failure(node)
            if taken is not None:
                raise PortTaken(f"{node.node_id} could not listen: {taken}")
            raise ClusterError(
                f"{node.node_id} exited before serving; the end of {node.log}:\n{_log_tail(node)}"
            )
        if time.monotonic() > deadline:
            raise ClusterError(
                f"{node.node_id} (pid {pid}) is not SERVING on {node.api} after "
                f"{deadline_seconds:.0f} s; the end of {node.log}:\n{_log_tail(node)}"
            )
        time.sleep(_POLL_SECONDS)


def start_cluster(
    cluster: Cluster, *, deadline_seconds: float = DEFAULT_START_DEADLINE_SECONDS
) -> dict[str, int]:
    return {
        node.node_id: start_node(node, deadline_seconds=deadline_seconds)
        for node in cluster.nodes
        if node.role != RETIRED
    }


def kill_node(node: ClusterNode) -> int | None:
    """SIGKILL, as a crash; returns the pid killed, None when it was not running."""
    pid = running_pid(node)
    if pid is None:
        return None
    os.kill(pid, signal.SIGKILL)
    _wait_for_exit(pid, DEFAULT_STOP_GRACE_SECONDS)
    return pid


def stop_node(
    node: ClusterNode, *, grace_seconds: float = DEFAULT_STOP_GRACE_SECONDS
) -> int | None:
    """SIGTERM, then SIGKILL if it has not exited within `grace_seconds`."""
    pid = running_pid(node)
    if pid is None:
        node.pid_file.unlink(missing_ok=True)
        return None
    os.kill(pid, signal.SIGTERM)
    if not _wait_for_exit(pid, grace_seconds):
        os.kill(pid, signal.SIGKILL)
        _wait_for_exit(pid, grace_seconds)
    node.pid_file.unlink(missing_ok=True)
    return pid


def _wait_for_exit(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while is_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(_POLL_SECONDS / 2)
    return True


def restart_node(
    node: ClusterNode, *, deadline_seconds: float = DEFAULT_START_DEADLINE_SECONDS
) -> int:
    stop_node(node)
    return start_node(node, deadline_seconds=deadline_seconds)


def stop_cluster(cluster: Cluster) -> dict[str, int | None]:
    return {node.node_id: stop_node(node) for node in cluster.nodes}


@dataclass(frozen=True, slots=True)
class PeerView:
    """A node's peers: those its config lists, and how many it reaches (its own metric
    ``tirkeu_peers_reachable``; None when it has no metrics endpoint or did not answer)."""

    configured: tuple[str, ...]
    reachable: int | None

    def describe(self) -> dict[str, object]:
        return {"configured": list(self.configured), "reachable": self.reachable}

    def text(self) -> str:
        seen = "?" if self.reachable is None else str(self.reachable)
        return f"peers {seen}/{len(self.configured)} reachable"


@dataclass(frozen=True, slots=True)
class NodeStatus:
    node_id: str
    role: str
    api: str
    pid: int | None
    alive: bool
    height: int | None = None
    latest_block_hash: str | None = None
    state_root: str | None = None
    peers: PeerView | None = None
    error: str | None = None

    def describe(self) -> dict[str, object]:
        return {
            "node_id": self.node_id,
            "role": self.role,
            "api": self.api,
            "pid": self.pid,
            "alive": self.alive,
            "height": self.height,
            "latest_block_hash": self.latest_block_hash,
            "state_root": self.state_root,
            "peers": None if self.peers is None else self.peers.describe(),
            "error": self.error,
        }


def node_status(node: ClusterNode, timeout_seconds: float = 5.0) -> NodeStatus:
    pid = read_pid(node)
    alive = pid is not None and is_alive(pid)
    if not alive:
        return NodeStatus(node.node_id, node.role, node.api, pid, False, error="not running")
    try:
        with LedgerClient.connect(connection(node), timeout_seconds=timeout_seconds) as client:
            info = client.chain_info()
    except ClientError as error:
        return NodeStatus(node.node_id, node.role, node.api, pid, True, error=str(error))
    return NodeStatus(
        node.node_id,
        info.role or node.role,
        node.api,
        pid,
        True,
        height=info.height,
        latest_block_hash=info.latest_block_hash.hex(),
        state_root=info.state_root.hex(),
        peers=peer_view(node, timeout_seconds),
    )


def peer_view(node: ClusterNode, timeout_seconds: float = 5.0) -> PeerView:
    """The peers in the node's config, and the reachable count its metrics endpoint reports."""
    try:
        config = tomllib.loads(node.config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return PeerView((), None)
    peers = config.get("peers", [])
    configured = tuple(str(peer["id"]) for peer in peers if isinstance(peer, dict) and "id" in peer)
    metrics = config.get("metrics")
    listen = metrics.get("listen") if isinstance(metrics, dict) else None
    if not isinstance(listen, str):
        return PeerView(configured, None)
    return PeerView(configured, _reachable_peers(listen, timeout_seconds))


def _reachable_peers(listen: str, timeout_seconds: float) -> int | None:
    try:
        with urllib.request.urlopen(f"http://{listen}/metrics", timeout=timeout_seconds) as answer:
            exposition = answer.read().decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return None
    for family in text_string_to_metric_families(exposition):
        if family.name == "tirkeu_peers_reachable":
            for sample in family.samples:
                return None if math.isnan(sample.value) else int(sample.value)
    return None
