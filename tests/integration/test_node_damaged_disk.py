"""Damaged disks on a real ``tirkeu-node`` process (issue 13, build point 6; ADR 0019): a full
disk and damaged files are named, logged stops with documented exit codes and no traceback, and
the node never serves a chain with a hole.

The full disk is real and portable to CI (which runs as this user, without mount rights): the
node runs under RLIMIT_FSIZE (``prlimit --fsize``), so LevelDB's write past the limit fails with
EFBIG exactly where a full filesystem fails with ENOSPC (Python ignores SIGXFSZ); the limit is
the size of the files already there plus a margin, so the node starts and then runs out while
committing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
from tirkeu_pb import api_pb2

from clients.transaction_builders import property_import
from tests.integration.harness import (
    CHAIN_ID,
    NODE_EXECUTABLE,
    STOP_TIMEOUT_SECONDS,
    NodeProcess,
    free_port,
    node,
)
from tests.pki_fixtures import KTK_BIN
from tests.registry_fixtures import EnvelopeBuilder
from tests.unit.ledger.audit.tamper import Tamperer, block_key

pytestmark = pytest.mark.integration
__all__ = ["node"]  # the fixture, imported for pytest

EXIT_DATA_DAMAGED = 4  # node/runtime/failures.py
EXIT_DISK_FULL = 5
FILE_SIZE_HEADROOM = 192 * 1024  # bytes LevelDB may still write under the limit
FULL_DISK_DEADLINE_SECONDS = 120.0
PRLIMIT = shutil.which("prlimit") or "prlimit"  # util-linux
AUDIT_EXECUTABLE = NODE_EXECUTABLE.parent / "tirkeu-audit"


def _largest_file(directory: Path) -> int:
    return max(path.stat().st_size for path in directory.rglob("*") if path.is_file())


class LimitedNode(NodeProcess):
    """The node process under ``prlimit --fsize`` (None: no limit): every file it writes stops
    growing at the limit. Its output goes through a pipe to node.log, written by this process,
    so the limit falls on the node's database alone."""

    file_size_limit: int | None = None
    _copier: threading.Thread | None = None

    def start(self) -> None:
        limit = [] if self.file_size_limit is None else [PRLIMIT, f"--fsize={self.file_size_limit}"]
        self.process = subprocess.Popen(
            [*limit, str(NODE_EXECUTABLE), "--config", str(self.config_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._copier = threading.Thread(target=self._copy_output, args=(self.process,))
        self._copier.start()
        self.wait_until_serving()

    def _copy_output(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        with self.log_path.open("ab") as log:
            for line in process.stdout:  # ends when the process exits
                log.write(line)
                log.flush()

    def wait_for_exit(self, timeout_seconds: float) -> int:
        assert self.process is not None and self._copier is not None
        code = self.process.wait(timeout_seconds)
        self._copier.join(timeout_seconds)
        return code


def _import_until_the_node_stops(node: NodeProcess, deadline: float) -> list[tuple[str, int]]:
    """Property imports as the registrar, waiting for each commit, until the node goes away;
    the (transaction id, height) of every import the node reported COMMITTED."""
    ledger = node.ledger(node.parties.registrar)
    builder = EnvelopeBuilder(CHAIN_ID)
    committed: list[tuple[str, int]] = []
    number = 0
    while node.running and time.monotonic() < deadline:
        number += 1
        action = property_import(
            cadastral_number=f"21:318:077:{number}:1/45",
            address=f"Astana, Mangilik El {number}, " + "apartment block " * 25,  # < 500
            kind="APARTMENT",
            area_square_metres="61.20",
            holder_bin=KTK_BIN,
        )
        request = api_pb2.SubmitTransactionRequest(
            envelope=builder.envelope(action, node.parties.registrar), wait_for_commit=True
        )
        try:
            response = ledger.SubmitTransaction(request, timeout=30)
        except grpc.RpcError:
            continue  # the node is stopping: the loop ends when the process is gone
        if response.status == api_pb2.COMMITTED:
            committed.append((response.transaction_id, response.height))
    return committed


def _commit_imports(node: NodeProcess, count: int) -> None:
    builder = EnvelopeBuilder(CHAIN_ID)
    for number in range(count):
        action = property_import(
            cadastral_number=f"21:318:078:{number}:1/45",
            address=f"Astana, Kabanbay Batyr {number}",
            kind="APARTMENT",
            area_square_metres="48.00",
            holder_bin=KTK_BIN,
        )
        response = node.submit(builder.envelope(action, node.parties.registrar))
        assert response.status == api_pb2.COMMITTED, response


def _events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.skipif(shutil.which("prlimit") is None, reason="needs prlimit (util-linux)")
def test_a_full_disk_is_a_named_clean_stop_and_the_node_resumes(tmp_path: Path) -> None:
    limited = LimitedNode(tmp_path / "node")
    try:
        limited.start()  # unlimited: the genesis state and a few empty blocks
        assert limited.stop() == 0
        limited.file_size_limit = _largest_file(limited.data_dir) + FILE_SIZE_HEADROOM
        limited.start()
        deadline = time.monotonic() + FULL_DISK_DEADLINE_SECONDS
        committed = _import_until_the_node_stops(limited, deadline)
        exit_code = limited.wait_for_exit(max(1.0, deadline - time.monotonic()))
        assert exit_code == EXIT_DISK_FULL, limited.log_tail()
        events = [event["event"] for event in limited.log_events()]
        assert "disk_full" in events and "engine_failed" not in events
        full = next(event for event in limited.log_events() if event["event"] == "disk_full")
        assert "File too large" in full["detail"] and "free space" in full["remedy"]
        assert events[-1] == "node_stopped"  # a clean stop: the database was closed
        assert "Traceback" not in limited.log_path.read_text()
        assert committed, "nothing committed before the disk filled"

        limited.file_size_limit = None  # space freed
        limited.start()
        ledger = limited.ledger(limited.parties.registrar)
        for transaction_id, height in committed:
            found = ledger.GetTransaction(
                api_pb2.GetTransactionRequest(transaction_id=transaction_id), timeout=10
            )
            assert (found.status, found.height) == (api_pb2.COMMITTED, height)
        assert limited.stop() == 0
        replay_exit, report = limited.replay()
        assert replay_exit == 0 and report["ok"], report
    finally:
        limited.close()


def _audit(node: NodeProcess) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AUDIT_EXECUTABLE), "verify", "--genesis", str(node.workdir / "genesis.json"),
         "--data-dir", str(node.data_dir), "--json"],
        capture_output=True, text=True, timeout=STOP_TIMEOUT_SECONDS * 4, check=False,
    )  # fmt: skip


def _run_node(node: NodeProcess) -> subprocess.CompletedProcess[str]:
    return node.run_cli("--config", str(node.config_path))


def test_a_hole_in_the_stored_chain_is_a_named_refusal_with_exit_4(node: NodeProcess) -> None:
    _commit_imports(node, 3)  # one after another, each waiting for its block: heights 1..3+
    assert node.stop() == 0
    with Tamperer(node.data_dir / "ledger") as tamperer:
        tamperer.delete(block_key(2))
    refused = _run_node(node)
    assert refused.returncode == EXIT_DATA_DAMAGED, refused.stderr
    (event,) = [e for e in _events(refused.stderr) if e["event"] == "chain_not_continuous"]
    assert "block 2 is missing" in event["detail"]
    assert "resync from peers" in event["remedy"]
    assert "Traceback" not in refused.stderr


def test_a_corrupt_signing_record_is_a_named_refusal_with_exit_4(tmp_path: Path) -> None:
    validator = NodeProcess(tmp_path / "node")
    # A validator peer in the config makes the node run Tendermint and its double-sign guard
    # (a solo validator signs no votes); it holds all the power, so it commits alone.
    with validator.config_path.open("a") as config:
        config.write(f'\n[[peers]]\nid = "validator-2"\naddress = "127.0.0.1:{free_port()}"\n')
    try:
        validator.start()
        _commit_imports(validator, 2)  # the validator prevoted and precommitted for each
        assert validator.stop() == 0
        # The auditor reads the validator's real signing records and consensus log: no defect.
        clean = _audit(validator)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        with Tamperer(validator.data_dir / "ledger") as tamperer:
            tamperer.flip_byte_at(b"signed-last", 2)  # the record's JSON no longer parses
        damaged = _audit(validator)  # the auditor refuses what the node refuses
        assert damaged.returncode == 1, damaged.stdout
        kinds = {defect["kind"] for defect in json.loads(damaged.stdout)["defects"]}
        assert kinds == {"SIGNING_RECORD_CORRUPT"}
        refused = _run_node(validator)
        assert refused.returncode == EXIT_DATA_DAMAGED, refused.stderr
        (event,) = [e for e in _events(refused.stderr) if e["event"] == "signing_record_corrupt"]
        assert "signs nothing" in event["remedy"]
        assert "Traceback" not in refused.stderr
    finally:
        validator.close()
