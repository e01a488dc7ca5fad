"""The client library absorbs a node's push-back (issue 13): a node that refuses for want of call
slots (RESOURCE_EXHAUSTED) or is not listening yet (UNAVAILABLE) gets the same envelope again,
with backoff, until it answers; the answer is the transaction's one state. Real servers
(node/runtime/server.py over mutual TLS, a real LevelDB node), real channels
(clients/channel.py with its service config)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from clients.cli.main import tirkeu
from clients.client import (
    EXIT_OK,
    EXIT_UNDECIDED,
    ConnectionSettings,
    LedgerClient,
    NodeUnreachable,
)
from node.runtime import server as server_module
from node.runtime.server import RunningServer
from tests.integration.harness import free_port
from tests.registry_fixtures import envelope_transaction_id
from tests.unit.node.api.conftest import Api, serve_validator
from tests.unit.node.conftest import InProcessNode

DEADLINE_SECONDS = 30.0


def _poll(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        threading.Event().wait(0.02)


def _client(in_process: InProcessNode, port: int, deadline: float) -> LedgerClient:
    parties = in_process.parties
    settings = ConnectionSettings(
        target=f"127.0.0.1:{port}",
        certificate_chain_pem=parties.registrar.pem + parties.authority.intermediate.pem,
        private_key_pem=parties.registrar.key_pem,
        trusted_authorities_pem=parties.authority.chain_pem,
    )
    return LedgerClient.connect(settings, timeout_seconds=10, submit_deadline_seconds=deadline)


class Submission:
    """``client.submit(envelope)`` on a thread; its answer or its error."""

    def __init__(self, client: LedgerClient, envelope: bytes) -> None:
        self.answer: object = None
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._run, args=(client, envelope), daemon=True)
        self._thread.start()

    def _run(self, client: LedgerClient, envelope: bytes) -> None:
        try:
            self.answer = client.submit(envelope)
        except Exception as error:  # reported by the test
            self.error = error

    def join(self) -> None:
        self._thread.join(DEADLINE_SECONDS)
        assert not self._thread.is_alive(), "the submission never returned"


@pytest.fixture
def stopping(in_process: InProcessNode) -> Iterator[list[RunningServer]]:
    servers: list[RunningServer] = []
    try:
        yield servers
    finally:
        in_process.node.signal.close()
        for running in servers:
            running.stop(0)


def test_a_node_started_late_gets_the_submission_when_it_is_up(
    in_process: InProcessNode, stopping: list[RunningServer]
) -> None:
    port = free_port()
    envelope = in_process.property_import(1)
    with _client(in_process, port, deadline=DEADLINE_SECONDS) as client:
        submission = Submission(client, envelope)
        # Nothing listens: the client keeps trying (gRPC's own attempts, then its loop).
        _poll(lambda: client.submit_attempts >= 2 or submission.error is not None)
        assert submission.error is None, submission.error
        stopping.append(serve_validator(in_process, port=port))
        submission.join()
    assert submission.error is None, submission.error
    assert getattr(submission.answer, "transaction_id", "") == envelope_transaction_id(envelope)
    assert in_process.node.transaction_state(envelope_transaction_id(envelope)).status.value == (
        "PENDING"
    )


def test_a_node_out_of_call_slots_pushes_back_and_the_client_absorbs_it(
    in_process: InProcessNode, stopping: list[RunningServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module, "CLIENT_CALL_SLOTS", 1)  # a tiny call budget, no queue
    monkeypatch.setattr(server_module, "CLIENT_QUEUE_LIMIT", 0)
    port = free_port()
    stopping.append(serve_validator(in_process, port=port))
    envelope = in_process.property_import(2)
    with _client(in_process, port, deadline=DEADLINE_SECONDS) as client:
        holder = client.notifications(1)  # a stream holds the one client slot while open
        iterator = iter(holder)
        _poll(lambda: _refused(client))  # the node now refuses every other client call
        submission = Submission(client, envelope)
        _poll(lambda: client.submit_attempts >= 2 or submission.error is not None)
        assert submission.error is None, submission.error
        holder.cancel()  # the slot is free again
        del iterator
        submission.join()
    assert submission.error is None, submission.error
    assert getattr(submission.answer, "transaction_id", "") == envelope_transaction_id(envelope)


def test_a_node_that_never_answers_is_reported_unreachable_at_the_deadline(
    in_process: InProcessNode,
) -> None:
    with _client(in_process, free_port(), deadline=1.0) as client:
        with pytest.raises(NodeUnreachable):
            client.submit(in_process.property_import(3))
        assert client.submit_attempts >= 1


def test_a_full_mempool_is_push_back_the_client_absorbs(
    in_process: InProcessNode, stopping: list[RunningServer]
) -> None:
    """Review: MEMPOOL_FULL is the node's in-band push-back ([transient] in rejection.proto:
    "resubmit the same envelope shortly"); the client library sends the same envelope again
    until the pool has room, as it does for RESOURCE_EXHAUSTED, instead of handing the caller a
    REJECTED (exit 1, "rejected again") for a transaction that is valid."""
    capacity = in_process.node.mempool.capacity
    for number in range(capacity):  # the pool is full of valid transactions
        held = in_process.node.submit(
            in_process.property_import(10 + number), wait_for_commit=False
        )
        assert held.status.value == "PENDING"
    port = free_port()
    stopping.append(serve_validator(in_process, port=port))
    envelope = in_process.property_import(9)
    with _client(in_process, port, deadline=DEADLINE_SECONDS) as client:
        submission = Submission(client, envelope)
        _poll(lambda: client.submit_attempts >= 2 or submission.answer is not None)
        assert submission.answer is None, submission.answer  # still trying, not REJECTED
        in_process.engine.seal_block()  # the block takes the pool: room again
        submission.join()
    assert submission.error is None, submission.error
    assert getattr(submission.answer, "transaction_id", "") == envelope_transaction_id(envelope)
    assert in_process.node.transaction_state(envelope_transaction_id(envelope)).status.value == (
        "PENDING"
    )


def _refused(client: LedgerClient) -> bool:
    """True when a GetChainInfo is refused RESOURCE_EXHAUSTED even after gRPC's retries."""
    try:
        client.chain_info()
    except Exception as error:
        return "RESOURCE_EXHAUSTED" in str(error)
    return False


def test_the_cli_exits_4_when_a_submission_is_still_pending_at_the_deadline(
    api: Api, tmp_path: Path
) -> None:
    """Submitted but undecided is neither "refused" (1) nor "unreachable" (3): exit 4."""
    api.in_process.node.wait_for_commit_seconds = 0.2  # nothing seals here: it stays pending
    registrar = api.in_process.parties.registrar
    cert, key, ca = tmp_path / "r.cert.pem", tmp_path / "r.key.pem", tmp_path / "ca.pem"
    cert.write_bytes(registrar.pem + api.in_process.parties.authority.intermediate.pem)
    key.write_bytes(registrar.key_pem)
    ca.write_bytes(api.in_process.parties.authority.chain_pem)
    envelope_file = tmp_path / "tx.env"
    envelope_file.write_bytes(api.in_process.property_import(4))
    arguments = ["--node", f"127.0.0.1:{api.server.port}", "--cert", str(cert), "--key", str(key)]
    arguments += ["--ca", str(ca), "--timeout", "1", "tx", "submit", str(envelope_file), "--wait"]
    result = CliRunner().invoke(tirkeu, arguments)
    assert result.exit_code == EXIT_UNDECIDED, result.output
    assert "StillPending" in result.stderr
    again = CliRunner().invoke(tirkeu, [*arguments[:-1], "--no-wait"])
    assert again.exit_code == EXIT_OK, again.output  # the same file again: PENDING, not REJECTED
