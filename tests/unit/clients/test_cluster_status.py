"""`tirkeu-cluster` paths and peers: a cluster given as a relative directory loads with absolute
paths (a node starts in its own directory), every node config has a metrics endpoint, and
`status` reads a node's peers from its config and its reachable count from that endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import start_http_server

from clients.cluster.layout import init_cluster, load_cluster
from clients.cluster.participants import Participants
from clients.cluster.processes import NodeStatus, PeerView, peer_view
from node.operations.config import load_config
from node.operations.metrics import NodeMetrics
from tests.pki_fixtures import (
    KTK_BIN,
    KTK_HEAD_IIN,
    OTHER_BIN,
    REGISTRAR_IIN,
    STATE_CORPORATION_BIN,
)

PARTICIPANTS = Participants(
    ktk_bin=KTK_BIN,
    state_corporation_bin=STATE_CORPORATION_BIN,
    first_credit_bureau_bin=OTHER_BIN,
    registrar_iins=(REGISTRAR_IIN,),
    ktk_head_iins=(KTK_HEAD_IIN,),
)


def test_a_relative_cluster_directory_loads_with_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    init_cluster(Path("relative"), PARTICIPANTS, validators=2, observer=True)
    cluster = load_cluster(Path("relative"))
    assert cluster.directory == tmp_path / "relative"
    for node in cluster.nodes:
        assert node.config.is_absolute() and node.directory.is_absolute()
        monkeypatch.chdir(node.directory)  # where `start` runs the node
        assert load_config(node.config).node_id == node.node_id


def _metrics_port(config: Path) -> int:
    metrics_listen = load_config(config).metrics_listen
    assert metrics_listen is not None
    return metrics_listen.port


@pytest.fixture
def cluster_metrics(tmp_path: Path) -> Iterator[tuple[Path, NodeMetrics]]:
    """A four-validator cluster whose registrar-1 metrics endpoint serves a real NodeMetrics."""
    cluster = init_cluster(tmp_path / "c", PARTICIPANTS, validators=4, observer=True)
    node = cluster.node("registrar-1")
    metrics = NodeMetrics()
    server, thread = start_http_server(
        _metrics_port(node.config), addr="127.0.0.1", registry=metrics.registry
    )
    try:
        yield node.config, metrics
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_status_reads_peers_from_the_config_and_the_count_from_the_node(
    cluster_metrics: tuple[Path, NodeMetrics],
) -> None:
    config, metrics = cluster_metrics
    cluster = load_cluster(config.parent.parent)
    node = cluster.node("registrar-1")
    expected = ("registrar-2", "registrar-3", "registrar-4", "ktk-observer")
    assert peer_view(node) == PeerView(expected, None)  # NaN: the node has not asked yet
    metrics.peers.set(3)
    view = peer_view(node)
    assert view == PeerView(expected, 3)
    assert view.text() == "peers 3/4 reachable"
    assert view.describe() == {"configured": list(expected), "reachable": 3}
    silent = peer_view(cluster.node("registrar-2"))  # nothing serves its metrics port
    assert silent == PeerView(("registrar-1", "registrar-3", "registrar-4", "ktk-observer"), None)
    assert silent.text() == "peers ?/4 reachable"


def test_a_status_document_carries_the_peers() -> None:
    status = NodeStatus(
        "registrar-1", "validator", "127.0.0.1:1", 42, True, 7, "ab", "cd", PeerView(("x",), 1)
    )
    assert status.describe()["peers"] == {"configured": ["x"], "reachable": 1}
    assert NodeStatus("n", "observer", "a", None, False).describe()["peers"] is None
