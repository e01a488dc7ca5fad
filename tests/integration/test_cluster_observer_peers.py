"""`tirkeu-cluster status` shows how many peers the KTK observer reaches, not "?": the observer
has no engine loop, so the runner ties its ``tirkeu_peers_reachable`` gauge to its peer
connections (node/runtime/runner.py). Driven through clients/cluster*.py, what the CLI calls."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from clients.cluster.layout import init_cluster
from clients.cluster.participants import Participants
from clients.cluster.processes import peer_view, start_cluster, stop_cluster
from tests.pki_fixtures import (
    KTK_BIN,
    KTK_HEAD_IIN,
    OTHER_BIN,
    REGISTRAR_IIN,
    STATE_CORPORATION_BIN,
)

pytestmark = pytest.mark.integration
PEERS_SECONDS = 60


def test_the_observer_reports_the_validators_it_reaches(tmp_path: Path) -> None:
    participants = Participants(
        ktk_bin=KTK_BIN,
        state_corporation_bin=STATE_CORPORATION_BIN,
        first_credit_bureau_bin=OTHER_BIN,
        registrar_iins=(REGISTRAR_IIN,),
        ktk_head_iins=(KTK_HEAD_IIN,),
    )
    cluster = init_cluster(tmp_path / "observed", participants, validators=2, observer=True)
    observer = cluster.node("ktk-observer")
    try:
        start_cluster(cluster)
        deadline = time.monotonic() + PEERS_SECONDS
        while (peers := peer_view(observer)).reachable != 2:
            assert time.monotonic() < deadline, f"the observer's peers: {peers.describe()}"
            time.sleep(0.2)  # a poll interval, bounded by the deadline
        assert peers.configured == ("registrar-1", "registrar-2")
    finally:
        stop_cluster(cluster)
