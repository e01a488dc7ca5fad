"""Run real ``tirkeu-node`` processes on loopback with mutual TLS, for integration tests.

    def test_something(node: NodeProcess) -> None:          # the fixture starts one node
        ledger = node.ledger(node.parties.registrar)        # an mTLS client as the registrar
        info = ledger.GetChainInfo(api_pb2.GetChainInfoRequest())
        node.kill()                                         # kill -9
        node.start()                                        # resume from its data directory

What a ``NodeProcess`` sets up in its work directory: a test PKI (tests/pki_fixtures.py, which
issues through clients.pki.authority, the code of ``tirkeu-pki``), a genesis file with one
validator whose
genesis time is now and whose pilot window covers today, the node's TLS files, and a node.toml
listening on a free port of 127.0.0.1. ``start`` launches the console script installed next to
``sys.executable`` and returns once the standard health service reports SERVING, polling with a
bounded deadline (each poll blocks in gRPC with wait_for_ready; nothing sleeps). ``close``
(called by the fixtures) kills the process and closes channels, whatever the test did.

Fixtures (import them into a test module so pytest sees them, e.g.
``from tests.integration.harness import node`` and list it in ``__all__``):
  - ``node``: a fresh node per test (use it when the test kills, restarts or stops the node);
  - ``shared_node``: one node per module, for tests that only submit and read.
For several nodes, other genesis limits or block timing, build ``NodeProcess(workdir, parties,
NodeSettings(...))`` yourself and call ``close()`` in a ``finally``. ``node.replay()`` runs
``tirkeu-node replay --json`` (the node must be stopped: LevelDB admits one process).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tirkeu_pb import api_pb2, api_pb2_grpc

from clients.pki.authority import IssuedCertificate
from ledger.chain.genesis import DEFAULT_MAX_TRANSACTION_BYTES, genesis_document
from tests.pki_fixtures import KTK_BIN, KTK_HEAD_IIN, REGISTRAR_IIN, STATE_CORPORATION_BIN
from tests.registry_fixtures import (
    AUDITOR_IIN,
    FIRST_CREDIT_BUREAU_BIN,
    SECOND_REGISTRAR_IIN,
    Parties,
)

CHAIN_ID = "tirkeu-integration"
VALIDATOR_ID = "validator-1"  # the node certificate of Parties is issued for this id
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0
HEALTH_POLL_SECONDS = 1.0
SUBMIT_TIMEOUT_SECONDS = 60.0  # above the node's own wait_for_commit bound (30 s)
NODE_EXECUTABLE = Path(sys.executable).parent / "tirkeu-node"


class NodeStartFailed(RuntimeError):
    """The node process exited or did not report SERVING before the deadline."""


@dataclass(frozen=True, slots=True)
class NodeSettings:
    batch_delay_ms: int = 20
    empty_block_interval_ms: int = 1000
    max_block_transactions: int = 200
    max_pending_transactions: int = 1000
    max_message_bytes: int = 4 * 1024 * 1024
    max_transaction_bytes: int = DEFAULT_MAX_TRANSACTION_BYTES


def free_port() -> int:
    """A port free on 127.0.0.1 now (the node binds it moments later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class NodeProcess:
    """One validator node in ``workdir``, with the test parties' certificates."""

    def __init__(
        self,
        workdir: Path,
        parties: Parties | None = None,
        settings: NodeSettings | None = None,
    ) -> None:
        self.workdir = workdir
        self.parties = parties or Parties.create()
        self.settings = settings or NodeSettings()
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.config_path = workdir / "node.toml"
        self.data_dir = workdir / "data"
        self.log_path = workdir / "node.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._channels: list[grpc.Channel] = []
        self._write_files()

    # --- files ---------------------------------------------------------------------------------

    @property
    def trust_pem(self) -> bytes:
        """Root and issuing CA: what the node trusts for clients and clients trust for it."""
        return self.parties.authority.chain_pem

    def _write_files(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        validator = self.parties.validator
        intermediate = self.parties.authority.intermediate
        (self.workdir / "node.cert.pem").write_bytes(validator.pem + intermediate.pem)
        key_path = self.workdir / "node.key.pem"
        key_path.write_bytes(validator.key_pem)
        key_path.chmod(0o600)
        (self.workdir / "ca.chain.pem").write_bytes(self.trust_pem)
        (self.workdir / "genesis.json").write_text(json.dumps(self.genesis_document(), indent=2))
        s = self.settings
        self.config_path.write_text(
            f'node_id = "{VALIDATOR_ID}"\n'
            'role = "validator"\n'
            'data_dir = "data"\n'
            'genesis = "genesis.json"\n\n'
            "[tls]\n"
            'certificate = "node.cert.pem"\n'
            'key = "node.key.pem"\n'
            'trust = "ca.chain.pem"\n\n'
            "[api]\n"
            f'listen = "{self.address}"\n\n'
            "[block]\n"
            f"batch_delay_ms = {s.batch_delay_ms}\n"
            f"empty_block_interval_ms = {s.empty_block_interval_ms}\n"
            f"max_transactions = {s.max_block_transactions}\n\n"
            "[limits]\n"
            f"max_pending_transactions = {s.max_pending_transactions}\n"
            f"max_message_bytes = {s.max_message_bytes}\n\n"
            "[log]\n"
            'level = "info"\n'
        )

    def genesis_document(self) -> dict[str, Any]:
        now = datetime.now(UTC)
        genesis_time = now.replace(microsecond=now.microsecond // 1000 * 1000)
        return genesis_document(
            chain_id=CHAIN_ID,
            genesis_time=genesis_time,
            trusted_certificate_authorities_pem=[self.trust_pem.decode()],
            ktk_bin=KTK_BIN,
            state_corporation_bin=STATE_CORPORATION_BIN,
            first_credit_bureau_bin=FIRST_CREDIT_BUREAU_BIN,
            registrar_iins=[REGISTRAR_IIN, SECOND_REGISTRAR_IIN],
            ktk_head_iins=[KTK_HEAD_IIN],
            auditor_iins=[AUDITOR_IIN],
            validators=[(VALIDATOR_ID, self.parties.validator.pem.decode(), 1)],
            max_transaction_bytes=self.settings.max_transaction_bytes,
        )

    # --- process -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Launch the node and return once its health service says SERVING."""
        if self.running:
            raise RuntimeError("the node is already running")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(NODE_EXECUTABLE), "--config", str(self.config_path)],
                stdout=log,
                stderr=log,
                cwd=self.workdir,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self.wait_until_serving()

    def wait_until_serving(self, timeout_seconds: float = START_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout_seconds
        channel = self.channel(self.parties.tls_client)
        health = health_pb2_grpc.HealthStub(channel)
        try:
            while time.monotonic() < deadline:
                if not self.running:
                    raise NodeStartFailed(f"the node exited early:\n{self.log_tail()}")
                try:
                    answer = health.Check(
                        health_pb2.HealthCheckRequest(service=""),
                        timeout=HEALTH_POLL_SECONDS,
                        wait_for_ready=True,
                    )
                except grpc.RpcError:
                    continue  # not listening yet: the next call waits in gRPC again
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            raise NodeStartFailed(f"not SERVING within {timeout_seconds}s:\n{self.log_tail()}")
        finally:
            self._close_channel(channel)

    def kill(self) -> None:
        """kill -9: no chance to flush or close anything."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(STOP_TIMEOUT_SECONDS)

    def stop(self) -> int:
        """SIGTERM and wait for a graceful exit; returns the exit code."""
        if self.process is None:
            raise RuntimeError("the node was never started")
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()
                raise
        return self.process.returncode

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        for channel in self._channels:
            channel.close()
        self._channels.clear()
        self.kill()

    def run_cli(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        """Run ``tirkeu-node ARGUMENTS...`` to completion (e.g. replay, with the node stopped)."""
        return subprocess.run(
            [str(NODE_EXECUTABLE), *arguments],
            capture_output=True,
            text=True,
            timeout=STOP_TIMEOUT_SECONDS * 4,
            check=False,
            cwd=self.workdir,
        )

    def replay(self) -> tuple[int, dict[str, Any]]:
        """``tirkeu-node replay --json``: exit code and report. The node must be stopped."""
        completed = self.run_cli("replay", "--config", str(self.config_path), "--json")
        if not completed.stdout.strip():
            raise AssertionError(f"replay printed nothing: {completed.stderr}")
        report: dict[str, Any] = json.loads(completed.stdout)
        return completed.returncode, report

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_events(self) -> list[dict[str, Any]]:
        """The node's JSON log lines (other lines, e.g. a traceback, are skipped)."""
        events = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                events.append(json.loads(line))
        return events

    # --- clients -------------------------------------------------------------------------------

    def channel(self, client: IssuedCertificate | None) -> grpc.Channel:
        """An mTLS channel presenting ``client`` (None: no client certificate at all)."""
        if client is None:
            credentials = grpc.ssl_channel_credentials(root_certificates=self.trust_pem)
        else:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=self.trust_pem,
                private_key=client.key_pem,
                certificate_chain=client.pem + self.parties.authority.intermediate.pem,
            )
        channel = grpc.secure_channel(
            self.address,
            credentials,
            options=[("grpc.max_send_message_length", self.settings.max_message_bytes)],
        )
        self._channels.append(channel)
        return channel

    def ledger(self, client: IssuedCertificate | None) -> api_pb2_grpc.LedgerStub:
        return api_pb2_grpc.LedgerStub(self.channel(client))  # type: ignore[no-untyped-call]

    def submit(
        self,
        envelope: bytes,
        *,
        wait_for_commit: bool = True,
        client: IssuedCertificate | None = None,
    ) -> api_pb2.SubmitTransactionResponse:
        """SubmitTransaction as ``client`` (default: the registrar), waiting for commit."""
        ledger = self.ledger(client or self.parties.tls_client)
        request = api_pb2.SubmitTransactionRequest(
            envelope=envelope, wait_for_commit=wait_for_commit
        )
        response: api_pb2.SubmitTransactionResponse = ledger.SubmitTransaction(
            request, timeout=SUBMIT_TIMEOUT_SECONDS
        )
        return response

    def chain_info(self) -> api_pb2.ChainInfo:
        ledger = self.ledger(self.parties.tls_client)
        info: api_pb2.ChainInfo = ledger.GetChainInfo(api_pb2.GetChainInfoRequest(), timeout=10)
        return info

    def _close_channel(self, channel: grpc.Channel) -> None:
        channel.close()
        if channel in self._channels:
            self._channels.remove(channel)


@pytest.fixture
def node(tmp_path: Path) -> Iterator[NodeProcess]:
    """A started single-validator node; killed and cleaned up after the test."""
    process = NodeProcess(tmp_path / "node")
    try:
        process.start()
        yield process
    finally:
        process.close()


@pytest.fixture(scope="module")
def shared_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """One node for every test of a module that only reads or submits (faster than one each)."""
    process = NodeProcess(tmp_path_factory.mktemp("shared") / "node")
    try:
        process.start()
        yield process
    finally:
        process.close()
