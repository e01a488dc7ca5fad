"""`tirkeu-cluster` over a relative cluster directory (the nodes start in their own directories)
and `status` showing each node's peers: configured ones, and how many the node reaches."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.pki_fixtures import (
    KTK_BIN,
    KTK_HEAD_IIN,
    OTHER_BIN,
    REGISTRAR_IIN,
    STATE_CORPORATION_BIN,
)

pytestmark = pytest.mark.integration
CLUSTER = Path(sys.executable).parent / "tirkeu-cluster"
COMMAND_SECONDS = 120
PEERS_SECONDS = 60


def _cluster(cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLUSTER), *arguments],
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
        cwd=cwd,
    )


def _status(cwd: Path) -> tuple[int, Any]:
    completed = _cluster(cwd, "--json", "status", "relative")
    return completed.returncode, json.loads(completed.stdout)


def test_a_relative_cluster_starts_and_reports_its_peers(tmp_path: Path) -> None:
    created = _cluster(
        tmp_path, "init", "relative", "--validators", "2", "--ktk-bin", KTK_BIN,
        "--state-corporation-bin", STATE_CORPORATION_BIN, "--first-credit-bureau-bin",
        OTHER_BIN, "--registrar-iin", REGISTRAR_IIN, "--ktk-head-iin", KTK_HEAD_IIN,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    try:
        started = _cluster(tmp_path, "start", "relative")
        assert started.returncode == 0, started.stderr + started.stdout
        deadline = time.monotonic() + PEERS_SECONDS
        while True:
            code, document = _status(tmp_path)
            nodes = {node["node_id"]: node for node in document["nodes"]}
            if code == 0 and all(n["peers"]["reachable"] == 1 for n in nodes.values()):
                break
            assert time.monotonic() < deadline, f"peers never all reachable: {document}"
            time.sleep(0.2)  # a poll interval, bounded by the deadline
        assert nodes["registrar-1"]["peers"]["configured"] == ["registrar-2"]
        assert nodes["registrar-2"]["peers"]["configured"] == ["registrar-1"]
        text = _cluster(tmp_path, "status", "relative")
        assert text.returncode == 0
        assert text.stdout.count("peers 1/1 reachable") == 2, text.stdout
    finally:
        stopped = _cluster(tmp_path, "stop", "relative")
    assert stopped.returncode == 0, stopped.stderr
