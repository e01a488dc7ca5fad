"""Durability (DESIGN.md §5, §8): kill -9 during a stream of submissions loses nothing that was
reported committed, and the state after restart is exactly what a replay of the stored blocks
gives (one synced write batch per block: a block is on disk whole or not at all)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import grpc
import pytest
from tirkeu_pb import api_pb2

from clients.transaction_builders import property_import
from tests.integration.harness import CHAIN_ID, NodeProcess, node
from tests.pki_fixtures import KTK_BIN
from tests.registry_fixtures import EnvelopeBuilder

pytestmark = pytest.mark.integration
__all__ = ["node"]  # the fixture, imported for pytest

SUBMITTER_THREADS = 3
COMMITTED_BEFORE_KILL = 24
SUBMIT_TIMEOUT_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Committed:
    transaction_id: str
    height: int
    cadastral_number: str


class Submitters:
    """Threads importing properties as the registrar, each waiting for commit, until the node
    dies under them; they keep what the node reported COMMITTED."""

    def __init__(self, node: NodeProcess) -> None:
        self.node = node
        self.committed: list[Committed] = []
        self.failures: list[str] = []  # asserted in the test: a thread's exception is lost
        self.enough = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._submit_until_failure, args=(worker,))
            for worker in range(SUBMITTER_THREADS)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

    def _submit_until_failure(self, worker: int) -> None:
        ledger = self.node.ledger(self.node.parties.registrar)
        builder = EnvelopeBuilder(CHAIN_ID)
        for number in range(1, 100_000):
            cadastral_number = f"21:318:{worker:03d}:{number}:1/45"
            action = property_import(
                cadastral_number=cadastral_number,
                address=f"Astana, block {worker}, apartment {number}",
                kind="APARTMENT",
                area_square_metres="61.20",
                holder_bin=KTK_BIN,
            )
            envelope = builder.envelope(action, self.node.parties.registrar)
            request = api_pb2.SubmitTransactionRequest(envelope=envelope, wait_for_commit=True)
            try:
                response = ledger.SubmitTransaction(request, timeout=SUBMIT_TIMEOUT_SECONDS)
            except grpc.RpcError:
                self.enough.set()  # the node is gone (or never answered): stop
                return
            with self._lock:
                if response.status != api_pb2.COMMITTED:
                    self.failures.append(f"import not committed: {response}")
                    self.enough.set()
                    return
                self.committed.append(
                    Committed(response.transaction_id, response.height, cadastral_number)
                )
                if len(self.committed) >= COMMITTED_BEFORE_KILL:
                    self.enough.set()


def test_kill_during_submissions_loses_nothing_committed_and_replay_agrees(
    node: NodeProcess,
) -> None:
    submitters = Submitters(node)
    submitters.start()
    try:
        assert submitters.enough.wait(120), node.log_tail()
        node.kill()  # kill -9 while the submitters keep submitting
    finally:
        submitters.join()
    assert submitters.failures == []
    committed = list(submitters.committed)
    assert len(committed) >= COMMITTED_BEFORE_KILL

    node.start()
    ledger = node.ledger(node.parties.registrar)
    for transaction in committed:
        status = ledger.GetTransaction(
            api_pb2.GetTransactionRequest(transaction_id=transaction.transaction_id), timeout=10
        )
        assert (status.status, status.height) == (api_pb2.COMMITTED, transaction.height)
        found = ledger.GetProperty(
            api_pb2.GetPropertyRequest(cadastral_number=transaction.cadastral_number), timeout=10
        )
        assert found.imported_height == transaction.height
    info = ledger.GetChainInfo(api_pb2.GetChainInfoRequest(), timeout=10)
    assert info.height >= max(t.height for t in committed)

    assert node.stop() == 0
    exit_code, report = node.replay()
    assert exit_code == 0, report
    assert report["ok"] and report["state_records_match"]
    assert report["height"] >= info.height
    # Blocks sealed after GetChainInfo are empty: they do not move the state root.
    assert report["replayed_state_root"] == report["stored_state_root"] == info.state_root.hex()
    assert len(report["heights"]) == report["height"]
    assert all(height["matches"] for height in report["heights"])


def test_node_refuses_to_resume_on_another_genesis(node: NodeProcess) -> None:
    assert node.stop() == 0
    genesis = node.workdir / "genesis.json"
    genesis.write_text(genesis.read_text().replace(CHAIN_ID, "another-chain"))
    refused = node.run_cli("--config", str(node.config_path))
    assert refused.returncode == 1
    assert "GenesisMismatch" in refused.stderr


def test_unusable_config_exits_with_2(node: NodeProcess) -> None:
    broken = node.workdir / "broken.toml"
    broken.write_text(node.config_path.read_text().replace(node.address, "127.0.0.1"))
    completed = node.run_cli("--config", str(broken))
    assert completed.returncode == 2
    assert "api.listen" in completed.stderr
    replay_while_running = node.run_cli("replay", "--config", str(node.config_path))
    assert replay_while_running.returncode == 1
    assert "stop the node first" in replay_while_running.stderr
