"""Issue 13, point 7: `tirkeu-cluster` binds without a race. A port chosen at `init` and taken
by another process before `start` is moved to a free one (every config and cluster.json follow),
and a node that still cannot bind its port is reported as the named error PortTaken, not a
traceback."""

from __future__ import annotations

import json
import socket
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from clients.cluster.layout import load_cluster
from clients.cluster.participants import PortTaken
from clients.cluster.ports import metrics_address
from clients.cluster.processes import start_node, stop_node
from tests.integration.cluster_commands import node_height
from tests.integration.cluster_commands import ok as _ok
from tests.integration.cluster_commands import run as _run
from tests.pki_fixtures import (
    KTK_BIN,
    KTK_HEAD_IIN,
    OTHER_BIN,
    REGISTRAR_IIN,
    STATE_CORPORATION_BIN,
)

pytestmark = pytest.mark.integration
# Named explicitly, so the test does not depend on init's demo defaults.
PARTICIPANTS = (
    "--ktk-bin", KTK_BIN, "--state-corporation-bin", STATE_CORPORATION_BIN,
    "--first-credit-bureau-bin", OTHER_BIN, "--registrar-iin", REGISTRAR_IIN,
    "--ktk-head-iin", KTK_HEAD_IIN,
)  # fmt: skip


@contextmanager
def _occupied(address: str) -> Iterator[None]:
    """Another process's listener on ``address`` (HOST:PORT)."""
    host, _, port = address.rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind((host, int(port)))
        holder.listen()
        yield


def test_a_port_taken_after_init_is_moved_at_start(tmp_path: Path) -> None:
    directory = tmp_path / "cluster"
    _ok("tirkeu-cluster", "init", str(directory), "--validators", "2", *PARTICIPANTS)
    before = load_cluster(directory)
    taken = before.node("registrar-2").api
    metrics = metrics_address(before.node("registrar-1"))
    assert metrics is not None
    with _occupied(taken), _occupied(metrics):
        try:
            started = _ok("tirkeu-cluster", "--json", "start", str(directory))
            assert [(m["node_id"], m["purpose"], m["old"]) for m in started["moved_ports"]] == [
                ("registrar-1", "metrics", metrics),
                ("registrar-2", "api", taken),
            ]
            after = load_cluster(directory)
            moved = after.node("registrar-2").api
            assert moved != taken and moved == started["moved_ports"][1]["new"]
            assert metrics_address(after.node("registrar-1")) == started["moved_ports"][0]["new"]
            peers = tomllib.loads(after.node("registrar-1").config.read_text())["peers"]
            assert [peer["address"] for peer in peers] == [moved]
            assert node_height(directory, "registrar-2") >= 0  # serving on the new port
        finally:
            _run("tirkeu-cluster", "stop", str(directory))


def test_a_port_taken_at_the_last_instant_is_a_named_error(tmp_path: Path) -> None:
    directory = tmp_path / "cluster"
    _ok("tirkeu-cluster", "init", str(directory), *PARTICIPANTS)
    node = load_cluster(directory).node("registrar-1")
    try:
        with _occupied(node.api), pytest.raises(PortTaken) as taken:
            start_node(node, deadline_seconds=60)  # past `start`'s check, as in a race
        assert node.api in str(taken.value)
        events = [
            json.loads(line) for line in node.log.read_text().splitlines() if line.startswith("{")
        ]
        failures = [e for e in events if e["event"] == "node_setup_failed"]
        assert [e["error"] for e in failures] == ["ServerSetupError"]
        assert "Traceback" not in node.log.read_text()
    finally:
        stop_node(node)
