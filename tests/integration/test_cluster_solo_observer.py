"""Issue 13, point 7: a KTK observer beside a single validator follows it. The solo validator
serves the Peer service (status, block sync, forwarded submissions, announcements), so a
submission through the observer with wait_for_commit returns COMMITTED; and an observer that
reaches no validator for long says so in its log (``no_validator_reachable``)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from tirkeu_pb import api_pb2

from clients.client import LedgerClient
from clients.envelopes import SigningIdentity, sign_body
from clients.transaction_builders import property_import
from tests.integration.cluster_commands import init_cluster_with_registrar
from tests.integration.cluster_commands import node_height as _height
from tests.integration.cluster_commands import node_settings as _settings
from tests.integration.cluster_commands import ok as _ok
from tests.integration.cluster_commands import run as _run
from tests.pki_fixtures import (
    KTK_BIN,
)

pytestmark = pytest.mark.integration
FLAT = "21:318:023:1245:1/8"
# Below the client's 60 s default: on a solo validator that serves no peer service the
# observer never learns the commit and this deadline expires instead.
SUBMIT_SECONDS = 30
# sync.py UNREACHABLE_WARNING_SECONDS (10 s) plus room for a loaded machine.
WARNING_SECONDS = 60


def _events(log: Path, name: str) -> list[dict[str, object]]:
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if event.get("event") == name:
                found.append(event)
    return found


def test_an_observer_beside_a_solo_validator_follows_and_forwards(tmp_path: Path) -> None:
    directory, registrar = init_cluster_with_registrar(tmp_path, validators=1, observer=True)
    _ok("tirkeu-cluster", "start", str(directory))
    try:
        identity = SigningIdentity.from_pem(
            Path(f"{registrar}.key.pem").read_bytes(), Path(f"{registrar}.cert.pem").read_bytes()
        )
        settings = _settings(directory, "ktk-observer", person=registrar)
        with LedgerClient.connect(settings, timeout_seconds=SUBMIT_SECONDS) as client:
            action = property_import(
                cadastral_number=FLAT, address="Astana, Kabanbay Batyr 11, flat 8",
                kind="APARTMENT", area_square_metres="41.0", holder_bin=KTK_BIN,
            )  # fmt: skip
            committed = client.submit(
                sign_body(client.new_body(action), [identity]), wait_for_commit=True
            )
        assert committed.status == api_pb2.COMMITTED, committed
        assert committed.height > 0
        assert _height(directory, "ktk-observer") >= committed.height

        _ok("tirkeu-cluster", "kill", str(directory), "registrar-1")
        observer_log = directory / "ktk-observer" / "node.log"
        deadline = time.monotonic() + WARNING_SECONDS
        while not _events(observer_log, "no_validator_reachable"):
            assert time.monotonic() < deadline, "the observer never warned it is cut off"
            time.sleep(0.2)  # a poll interval, bounded by the deadline
        warning = _events(observer_log, "no_validator_reachable")[0]
        assert warning["level"] == "warning"
        assert warning["validators"] == ["registrar-1"]
        assert float(str(warning["seconds"])) >= 10
    finally:
        _run("tirkeu-cluster", "stop", str(directory))
