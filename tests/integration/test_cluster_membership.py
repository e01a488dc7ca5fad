"""Issue 12 acceptance over real processes: a 4+1 `tirkeu-cluster` under load takes in
registrar-5 and lets registrar-1 go by transaction; then registrar-1 and registrar-2 are killed
and the chain goes on (three of the new set's four are up; under the genesis set two of four
would have halted it); every node reports the same hashes and state root. registrar-3's key is
rotated while running, and a vote signed with its old key is refused after the switch (and
accepted before it). `tirkeu-audit verify`, trusting the genesis file alone, finds no defect."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
from tirkeu_pb import api_pb2 as api
from tirkeu_pb import peer_pb2, peer_pb2_grpc
from tirkeu_pb import transaction_pb2 as pb

from clients.client import ClientError, ConnectionSettings, LedgerClient, open_channel
from clients.envelopes import SigningIdentity, sign_body
from clients.transaction_builders import property_import
from consensus.types import Height, Round, ValidatorId, Vote, VoteType
from node.chain.signed_messages import sign_vote
from tests.integration.cluster_commands import (
    BIN,
    COMMAND_SECONDS,
    PROGRESS_SECONDS,
    init_cluster_with_registrar,
)
from tests.integration.cluster_commands import ok as _ok
from tests.integration.cluster_commands import run as _run
from tests.pki_fixtures import (
    KTK_BIN,
)
from tests.unit.ledger.audit.tamper import Tamperer, block_key, copy_data_dir

pytestmark = pytest.mark.integration
FAR_AHEAD = 10_000  # a vote for a height no node has reached: judged, then only buffered


class Cluster:
    def __init__(self, directory: Path, registrar: Path) -> None:
        self.directory = directory
        self.registrar_cert = registrar.with_name(registrar.name + ".cert.pem")
        self.registrar_key = registrar.with_name(registrar.name + ".key.pem")

    def change(self, command: str, node_id: str) -> dict[str, Any]:
        document: dict[str, Any] = _ok(
            "tirkeu-cluster", "--json", command, str(self.directory), node_id,
            "--registrar-cert", str(self.registrar_cert),
            "--registrar-key", str(self.registrar_key),
        )  # fmt: skip
        return document

    def settings(self, node_id: str, *, as_registrar: bool = False) -> ConnectionSettings:
        node = self.directory / node_id
        cert = self.registrar_cert if as_registrar else node / "node.cert.pem"
        key = self.registrar_key if as_registrar else node / "node.key.pem"
        return ConnectionSettings.from_files(
            self.address(node_id), cert=cert, key=key, ca=node / "ca.chain.pem"
        )

    def address(self, node_id: str) -> str:
        document = json.loads((self.directory / "cluster.json").read_text())
        nodes = {n["node_id"]: n["api"] for n in document["nodes"]}
        if node_id in nodes:
            return str(nodes[node_id])
        text = (self.directory / node_id / "node.toml").read_text()
        return text.split('[api]\nlisten = "')[1].split('"')[0]

    def chain_info(self, node_id: str) -> api.ChainInfo | None:
        try:
            with LedgerClient.connect(self.settings(node_id), timeout_seconds=5) as client:
                return client.chain_info()
        except ClientError:
            return None

    def height(self, node_id: str) -> int:
        info = self.chain_info(node_id)
        return -1 if info is None else info.height

    def wait_heights(self, node_ids: list[str], height: int) -> None:
        deadline = time.monotonic() + PROGRESS_SECONDS
        while not all(self.height(n) >= height for n in node_ids):
            assert time.monotonic() < deadline, {n: self.height(n) for n in node_ids}
            time.sleep(0.2)  # a poll interval, bounded by the deadline


class Load:
    """Property imports from the registrar, one after another, into one node, until stopped."""

    def __init__(self, cluster: Cluster, node_id: str) -> None:
        self.cluster = cluster
        self.node_id = node_id
        self.identity = SigningIdentity.from_pem(
            cluster.registrar_key.read_bytes(), cluster.registrar_cert.read_bytes()
        )
        self.submitted: list[tuple[float, str]] = []  # (monotonic time, transaction id)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        settings = self.cluster.settings(self.node_id, as_registrar=True)
        number = 0
        while not self._stop.is_set():
            number += 1
            action = property_import(
                cadastral_number=f"21:318:023:1245:1/{number}",
                address=f"Astana, Kabanbay Batyr 11, flat {number}",
                kind="APARTMENT",
                area_square_metres="54.3",
                holder_bin=KTK_BIN,
            )
            try:
                with LedgerClient.connect(settings, timeout_seconds=10) as client:
                    body = client.new_body(action)
                    response = client.submit(sign_body(body, [self.identity]))
            except ClientError:
                self._stop.wait(0.2)  # the node restarts during a change: try again shortly
                continue
            self.submitted.append((time.monotonic(), response.transaction_id))
            self._stop.wait(0.05)  # a steady trickle, not a flood: 2 shared cores

    def committed_after(self, moment: float) -> int:
        ids = [i for t, i in self.submitted if t > moment]
        settings = self.cluster.settings(self.node_id)
        with LedgerClient.connect(settings, timeout_seconds=10) as client:
            return sum(client.transaction(i).status == api.COMMITTED for i in ids)


def _relay_vote(cluster: Cluster, key_pem: bytes, voter: str, via: str, to: str) -> None:
    """registrar ``via`` relays to ``to`` a nil prevote of ``voter`` signed with ``key_pem``."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    key = serialization.load_pem_private_key(key_pem, password=None)
    chain_id = cluster.chain_info(to).chain_id  # type: ignore[union-attr]
    height = Height(cluster.height(to) + FAR_AHEAD)
    vote = Vote(VoteType.PREVOTE, height, Round(0), None, ValidatorId(voter))
    signed = sign_vote(key, chain_id, vote)  # type: ignore[arg-type]
    sender = cluster.directory / via
    settings = ConnectionSettings.from_files(
        cluster.address(to),
        cert=sender / "node.cert.pem",
        key=sender / "node.key.pem",
        ca=sender / "ca.chain.pem",
    )
    channel = open_channel(settings)
    try:
        stub = peer_pb2_grpc.PeerStub(channel)  # type: ignore[no-untyped-call]
        stub.SendConsensus(peer_pb2.ConsensusMessage(vote=signed), timeout=10)
    finally:
        channel.close()


def test_the_set_changes_under_load_and_the_chain_outlives_its_genesis_quorum(
    tmp_path: Path,
) -> None:
    directory, registrar = init_cluster_with_registrar(tmp_path, validators=4, observer=True)
    cluster = Cluster(directory, registrar)
    _ok("tirkeu-cluster", "start", str(directory))
    load = Load(cluster, "registrar-4")
    try:
        load.start()
        added = cluster.change("add-validator", "registrar-5")
        assert added["in_force_from"] == added["committed_height"] + 2
        assert added["validators"][-1] == "registrar-5"
        removed = cluster.change("remove-validator", "registrar-1")
        assert removed["validators"] == ["registrar-2", "registrar-3", "registrar-4", "registrar-5"]
        _ok("tirkeu-cluster", "kill", str(directory), "registrar-1")
        _ok("tirkeu-cluster", "kill", str(directory), "registrar-2")
        killed_at = time.monotonic()
        survivors = ["registrar-3", "registrar-4", "registrar-5", "ktk-observer"]
        cluster.wait_heights(survivors, cluster.height("registrar-4") + 3)
        deadline = time.monotonic() + PROGRESS_SECONDS
        while load.committed_after(killed_at) < 3:
            assert time.monotonic() < deadline, "no load transaction committed after the kills"
            time.sleep(0.2)  # a poll interval, bounded by the deadline
        load.stop()

        # Every node holds the same block and state root at a height they all passed.
        common = min(cluster.height(n) for n in survivors)
        seen = set()
        for node_id in survivors:
            with LedgerClient.connect(cluster.settings(node_id), timeout_seconds=10) as client:
                block = client.block(common)
                seen.add((bytes(block.block_hash), bytes(block.header.state_root)))
                signers = {s.validator_id for s in block.commit.signatures}
                # Certified by the new set: registrar-5 in, registrar-1 and -2 (dead) out.
                assert "registrar-5" in signers and not signers & {"registrar-1", "registrar-2"}
        assert len(seen) == 1, seen

        # Key rotation while running: the old key's vote counts before the switch, not after.
        old_key = (directory / "registrar-3" / "node.key.pem").read_bytes()
        _relay_vote(cluster, old_key, "registrar-3", via="registrar-5", to="registrar-4")
        rotated = cluster.change("rotate-key", "registrar-3")
        with pytest.raises(grpc.RpcError) as refused:
            _relay_vote(cluster, old_key, "registrar-3", via="registrar-5", to="registrar-4")
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "does not verify" in str(refused.value.details())
        # The chain goes on with registrar-3's new key (it is needed: only 3 of 4 are up).
        cluster.wait_heights(survivors, rotated["in_force_from"] + 3)
    finally:
        load.stop()
        subprocess.run(
            [str(BIN / "tirkeu-cluster"), "stop", str(directory)],
            capture_output=True,
            timeout=COMMAND_SECONDS,
            check=False,
        )
    audit = _run(
        "tirkeu-audit", "verify", "--genesis", str(directory / "genesis.json"),
        "--data-dir", str(directory / "registrar-4" / "data"), "--json",
    )  # fmt: skip
    report = json.loads(audit.stdout)
    assert audit.returncode == 0 and report["ok"], report.get("defects")

    # One approval signature of the add-validator change altered in a copy of the stored chain.
    copy = copy_data_dir(directory / "registrar-4" / "data", tmp_path / "copy")
    height = added["committed_height"]
    with Tamperer(copy / "ledger") as tamperer:
        transactions = tamperer.block(height).transactions
        index, approval = next(
            (i, change.approvals[0].signature)
            for i, raw in enumerate(transactions)
            if (change := _set_change(raw)) is not None
        )
        tamperer.flip_byte_in(block_key(height), approval, 20)
    damaged = _run(
        "tirkeu-audit", "verify", "--genesis", str(directory / "genesis.json"),
        "--data-dir", str(copy), "--json",
    )  # fmt: skip
    found = json.loads(damaged.stdout)
    assert damaged.returncode == 1 and not found["ok"]
    places = {
        (d["kind"], d["location"].get("height"), d["location"].get("transaction_index"))
        for d in found["defects"]
    }
    # Blamed on its block: the stored transactions are not the certified ones, and replay names
    # the changed one (its envelope signature no longer matches its body).
    assert ("WRONG_TRANSACTIONS_ROOT", height, None) in places, found["defects"]
    assert ("TRANSACTION_REJECTED", height, index) in places, found["defects"]
    assert any(f"after height {height}" in note for note in found["not_verified"]), found


def _set_change(envelope: bytes) -> pb.ValidatorSetChange | None:
    body = pb.TransactionBody.FromString(pb.Envelope.FromString(envelope).body)
    return body.validator_set_change if body.HasField("validator_set_change") else None
