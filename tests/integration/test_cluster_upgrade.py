"""Issue 12 acceptance over real processes: `tirkeu-cluster upgrade` schedules rules version 2 at
height H on a 4-validator cluster. registrar-4 runs without version 2 (pinned below it, as an
operator who has not installed it): it stops at H with `rules_version_unsupported`, after
committing H - 1. The other three go on; headers before H say version 1, from H version 2.
Restarted with the version, registrar-4 catches up across H. `tirkeu-audit verify` replays the
whole chain across H from the genesis file alone."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from clients.client import LedgerClient
from ledger.chain.store import Store
from node.chain.commit import MAX_RULES_VERSION_VARIABLE
from tests.integration.cluster_commands import (
    PROGRESS_SECONDS,
    init_cluster_with_registrar,
    node_settings,
)
from tests.integration.cluster_commands import node_height as _height
from tests.integration.cluster_commands import ok as _ok
from tests.integration.cluster_commands import run as _run

pytestmark = pytest.mark.integration
AUTHORITY = "Order of the State Corporation No. 17 of 2027-04-01 (test)"


def _client(directory: Path, node_id: str) -> LedgerClient:
    return LedgerClient.connect(node_settings(directory, node_id), timeout_seconds=5)


def _wait(directory: Path, node_ids: list[str], height: int) -> None:
    deadline = time.monotonic() + PROGRESS_SECONDS
    while not all(_height(directory, n) >= height for n in node_ids):
        heights = {n: _height(directory, n) for n in node_ids}
        assert time.monotonic() < deadline, heights
        time.sleep(0.2)  # a poll interval, bounded by the deadline


def test_a_node_without_the_new_rules_stops_at_their_height_and_the_chain_goes_on(
    tmp_path: Path,
) -> None:
    directory, registrar = init_cluster_with_registrar(tmp_path, validators=4)
    _ok("tirkeu-cluster", "start", str(directory))
    others = ["registrar-1", "registrar-2", "registrar-3"]
    try:
        pinned = {**os.environ, MAX_RULES_VERSION_VARIABLE: "1"}
        _ok("tirkeu-cluster", "restart", str(directory), "registrar-4", env=pinned)
        activation = max(_height(directory, n) for n in others) + 8
        outcome = _ok(
            "tirkeu-cluster", "--json", "upgrade", str(directory), "--rules-version", "2",
            "--at-height", str(activation), "--authority", AUTHORITY,
            "--registrar-cert", f"{registrar}.cert.pem", "--registrar-key", f"{registrar}.key.pem",
        )  # fmt: skip
        assert outcome["stopped"] == ["registrar-4"], outcome
        assert outcome["committed_height"] < activation
        log = (directory / "registrar-4" / "node.log").read_text()
        events = [
            json.loads(line) for line in log.splitlines() if "rules_version_unsupported" in line
        ]
        assert [(e["height"], e["rules_version"]) for e in events] == [(activation, 2)], events
        _wait(directory, others, activation + 3)  # three of four: the chain goes on
        with _client(directory, "registrar-1") as client:
            assert client.block(activation - 1).header.rules_version == 1
            assert client.block(activation).header.rules_version == 2
        # With the version, registrar-4 catches up across H and votes again.
        _ok("tirkeu-cluster", "restart", str(directory), "registrar-4")
        _wait(directory, ["registrar-4"], activation + 3)
    finally:
        _run("tirkeu-cluster", "stop", str(directory))
    audit = _run(
        "tirkeu-audit", "verify", "--genesis", str(directory / "genesis.json"),
        "--data-dir", str(directory / "registrar-1" / "data"), "--json",
    )  # fmt: skip
    report = json.loads(audit.stdout)
    assert audit.returncode == 0 and report["ok"], report.get("defects")
    assert report["replayed_to_height"] >= activation + 3
    with Store(directory / "registrar-4" / "data" / "ledger") as store:
        meta = store.load_meta()
        assert meta is not None and meta.height >= activation + 3
