"""Issue 12 acceptance over real processes: a new KTK observer joins a running 4-validator
cluster from a state snapshot (`tirkeu-cluster add-observer --from-snapshot`): it holds no block
below the snapshot's height, reaches the validators' state root, and serves an extract that
verifies offline from the genesis file. A tampered snapshot is refused with a named reason by
`tirkeu-node snapshot verify` and `restore`, which then writes nothing."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from clients.client import ClientError, LedgerClient
from clients.envelopes import SigningIdentity, sign_body
from clients.transaction_builders import property_import
from ledger.audit import trust_anchor
from ledger.audit.snapshots import decode_snapshot, encode_snapshot
from ledger.extract.extract import extract_document, extract_from_message, verify_extract
from ledger.state.access import property_key
from tests.integration.cluster_commands import PROGRESS_SECONDS, init_cluster_with_registrar
from tests.integration.cluster_commands import node_height as _height
from tests.integration.cluster_commands import node_settings as _settings
from tests.integration.cluster_commands import ok as _ok
from tests.integration.cluster_commands import run as _run
from tests.pki_fixtures import (
    KTK_BIN,
)

pytestmark = pytest.mark.integration
FLAT = "21:318:023:1245:1/7"


def test_an_observer_joins_from_a_snapshot_and_a_tampered_one_is_refused(tmp_path: Path) -> None:
    directory, registrar = init_cluster_with_registrar(tmp_path, validators=4)
    genesis_bytes = (directory / "genesis.json").read_bytes()
    _ok("tirkeu-cluster", "start", str(directory))
    try:
        identity = SigningIdentity.from_pem(
            Path(f"{registrar}.key.pem").read_bytes(), Path(f"{registrar}.cert.pem").read_bytes()
        )
        settings = _settings(directory, "registrar-1", person=registrar)
        with LedgerClient.connect(settings, timeout_seconds=60) as client:
            action = property_import(
                cadastral_number=FLAT, address="Astana, Kabanbay Batyr 11, flat 7",
                kind="APARTMENT", area_square_metres="54.3", holder_bin=KTK_BIN,
            )  # fmt: skip
            body = client.new_body(action)
            committed = client.submit(sign_body(body, [identity]), wait_for_commit=True)
        assert committed.height > 0, committed
        # The snapshot must lie above block 1 for "no history below it" to be observable: the
        # property import may be block 1, so wait for one more block (the idle heartbeat).
        deadline = time.monotonic() + PROGRESS_SECONDS
        while _height(directory, "registrar-1") < committed.height + 1:
            assert time.monotonic() < deadline, "the chain does not grow past the import"
            time.sleep(0.2)  # a poll interval, bounded by the deadline

        added = _ok("tirkeu-cluster", "--json", "add-observer", str(directory), "ktk-2",
                    "--from-snapshot")  # fmt: skip
        start = added["snapshot_height"]
        assert isinstance(start, int) and start > committed.height
        with LedgerClient.connect(_settings(directory, "ktk-2"), timeout_seconds=10) as client:
            with pytest.raises(ClientError):
                client.block(committed.height)  # state sync: no history below the snapshot
            assert client.block(start).block_hash
        # Same state root as the validators at a height both passed.
        deadline = time.monotonic() + PROGRESS_SECONDS
        while min(_height(directory, n) for n in ("ktk-2", "registrar-1")) < start + 2:
            assert time.monotonic() < deadline, "the observer does not follow the chain"
            time.sleep(0.2)  # a poll interval, bounded by the deadline
        roots = set()
        for node_id in ("ktk-2", "registrar-1"):
            with LedgerClient.connect(_settings(directory, node_id), timeout_seconds=10) as client:
                roots.add(bytes(client.block(start + 2).header.state_root))
                if node_id == "ktk-2":
                    extract = extract_document(extract_from_message(client.property_extract(FLAT)))
        assert len(roots) == 1
        verdict = verify_extract(json.loads(json.dumps(extract)), trust_anchor(genesis_bytes))
        assert verdict.ok, verdict.detail
        assert verdict.facts["property_proved"] == "present"
    finally:
        _run("tirkeu-cluster", "stop", str(directory))

    # A snapshot with one state record altered: refused by name, and nothing is written.
    snapshot = decode_snapshot((directory / "ktk-2" / "state.snapshot").read_bytes())
    records = dict(snapshot.records)
    records[property_key(FLAT)] = records[property_key(FLAT)].replace(b"54.3", b"99.3")
    tampered = tmp_path / "tampered.snapshot"
    tampered.write_bytes(encode_snapshot(replace(snapshot, records=tuple(sorted(records.items())))))
    verify = _run("tirkeu-node", "snapshot", "verify", "--genesis",
                  str(directory / "genesis.json"), str(tampered))  # fmt: skip
    assert verify.returncode == 1
    assert json.loads(verify.stdout.splitlines()[0])["problem"] == "STATE_ROOT_MISMATCH"
    other = directory / "ktk-3"
    shutil.copytree(directory / "ktk-2", other, ignore=shutil.ignore_patterns("data", "*.log"))
    restore = _run("tirkeu-node", "snapshot", "restore", "--config", str(other / "node.toml"),
                   str(tampered))  # fmt: skip
    assert restore.returncode == 1 and "STATE_ROOT_MISMATCH" in restore.stderr, restore.stderr
    assert not (other / "data" / "ledger").exists()
