"""A validator cut off from its peers (TCP proxies on every validator link) falls behind while
the other three keep committing, and catches up once reconnected."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cluster_harness import LocalCluster, heights, wait_for

pytestmark = pytest.mark.integration


def test_isolated_validator_falls_behind_and_catches_up(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path, observer=False, links=True)
    try:
        cluster.start_all()
        first, _, _, isolated = cluster.validators
        wait_for(lambda: isolated.height() >= 1, 60, lambda: str(heights(cluster.validators)))
        cluster.isolate(isolated.node_id)
        cut_at = isolated.height()
        wait_for(
            lambda: first.height() >= cut_at + 5,
            60,
            lambda: f"the three did not go on: {heights(cluster.validators)}",
        )
        assert isolated.height() <= cut_at + 1  # at most a block decided before the cut
        cluster.reconnect(isolated.node_id)
        target = first.height()
        wait_for(
            lambda: isolated.height() >= target,
            60,
            lambda: f"no catch-up: {heights(cluster.validators)}",
        )
    finally:
        cluster.close()
