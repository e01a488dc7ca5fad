"""The `tirkeu` and `tirkeu-cluster` console scripts as subprocesses against real nodes: submit,
query, the offline build -> sign -> submit flow, --json output and the exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from clients.errors import EXIT_CONNECTION_FAILED, EXIT_REFUSED
from clients.pki.authority import IssuedCertificate
from tests.integration.harness import NodeProcess, free_port, shared_node
from tests.integration.story_helpers import signed_by
from tests.pki_fixtures import (
    KTK_BIN,
    KTK_HEAD_IIN,
    OTHER_BIN,
    RECIPIENT_IIN,
    REGISTRAR_IIN,
    SPOUSE_IIN,
    STATE_CORPORATION_BIN,
)

pytestmark = pytest.mark.integration
__all__ = ["shared_node"]
BIN_DIRECTORY = Path(sys.executable).parent
TIMEOUT_SECONDS = 120


@dataclass(frozen=True, slots=True)
class Tirkeu:
    """`tirkeu` for one node, with credential files for each party."""

    node: NodeProcess
    directory: Path

    def files(self, name: str, person: IssuedCertificate) -> tuple[Path, Path]:
        key, cert = self.directory / f"{name}.key.pem", self.directory / f"{name}.cert.pem"
        if not key.exists():
            key.write_bytes(person.key_pem)
            cert.write_bytes(person.pem)
        return key, cert

    def sign(self, name: str, person: IssuedCertificate) -> str:
        key, cert = self.files(name, person)
        return f"{key}:{cert}"

    def run(
        self, *arguments: str | Path, as_: str = "registrar", node: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        person = getattr(self.node.parties, as_.replace("-", "_"))
        key, cert = self.files(as_, person)
        environment = {
            **os.environ,
            "TIRKEU_NODE": node or self.node.address,
            "TIRKEU_CERT": str(cert),
            "TIRKEU_KEY": str(key),
            "TIRKEU_CA": str(self.directory / "ca.pem"),
        }
        return subprocess.run(
            [str(BIN_DIRECTORY / "tirkeu"), *(str(argument) for argument in arguments)],
            capture_output=True,
            text=True,
            env=environment,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )

    def json(self, *arguments: str | Path, as_: str = "registrar") -> Any:
        completed = self.run("--json", *arguments, as_=as_)
        assert completed.returncode == 0, completed.stderr + completed.stdout
        return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def tirkeu(shared_node: NodeProcess, tmp_path_factory: pytest.TempPathFactory) -> Tirkeu:
    directory = tmp_path_factory.mktemp("cli")
    (directory / "ca.pem").write_bytes(shared_node.trust_pem)
    return Tirkeu(shared_node, directory)


def _import(tirkeu: Tirkeu, cadastral_number: str) -> dict[str, Any]:
    document: dict[str, Any] = tirkeu.json(
        "submit", "property-import", "--cadastral-number", cadastral_number,
        "--address", "Astana, Turan avenue 3, apt 9", "--kind", "apartment", "--area", "61.25",
        "--holder-bin", KTK_BIN, "--wait",
    )  # fmt: skip
    return document


def test_submit_then_query_as_json_and_as_text(tirkeu: Tirkeu) -> None:
    submitted = _import(tirkeu, "21:318:023:7001:1/9")
    assert submitted["status"] == "COMMITTED"
    assert submitted["height"] >= 1
    status = tirkeu.json("tx", "status", submitted["transaction_id"])
    assert (status["status"], status["kind"]) == ("COMMITTED", "property_import")
    found = tirkeu.json("property", "21:318:023:7001:1/9")
    assert found["holder"] == {"identifier_kind": "BIN", "identifier": KTK_BIN}
    assert found["area_square_metres"] == "61.25"
    text = tirkeu.run("property", "21:318:023:7001:1/9")
    assert text.returncode == 0, text.stderr
    assert "Registration sheet: empty" in text.stdout
    assert f"right holder: BIN {KTK_BIN}" in text.stdout
    info = tirkeu.json("chain-info")
    assert info["chain_id"] == "tirkeu-integration"
    assert info["height"] >= submitted["height"]


def test_the_offline_flow_build_sign_submit(tirkeu: Tirkeu) -> None:
    parties = tirkeu.node.parties
    _import(tirkeu, "21:318:023:7002:1/9")
    documents = tirkeu.directory
    for name, document in (
        ("contract", signed_by(b"contract 7002", "", parties.recipient, parties.ktk_head)),
        ("consent", signed_by(b"consent 7002", "", parties.recipient)),
    ):
        (documents / f"{name}.txt").write_bytes(f"{name} 7002".encode())
        (documents / f"{name}.txt.cms").write_bytes(document.cms)
    envelope = documents / "lease.env"
    built = tirkeu.json(
        "tx", "build", "lease-application", "--cadastral-number", "21:318:023:7002:1/9",
        "--recipient", RECIPIENT_IIN, "--marital-status", "married", "--spouse", SPOUSE_IIN,
        "--contract", documents / "contract.txt", "--consent", documents / "consent.txt",
        "--sign", tirkeu.sign("ktk_officer", parties.ktk_officer), "-o", envelope,
        as_="ktk_officer",
    )  # fmt: skip
    assert built["signatures"] == 1
    signed = tirkeu.json("tx", "sign", envelope, as_="recipient")
    assert len(signed["signers"]) == 2  # KTK and the recipient; the spouse signs nothing
    submitted = tirkeu.json("tx", "submit", envelope, "--wait", as_="ktk_officer")
    assert submitted["status"] == "COMMITTED"
    assert submitted["transaction_id"] == built["transaction_id"]
    application = tirkeu.json("application", built["transaction_id"])
    assert (application["status"], application["recipient_iin"]) == ("FORMED", RECIPIENT_IIN)

    # Para 22: the recipient pays, then KTK and the recipient send it with the payment document.
    (documents / "receipt.txt").write_bytes(b"receipt 7002")
    sending = documents / "send.env"
    tirkeu.json(
        "tx", "build", "send", built["transaction_id"], "--payment", documents / "receipt.txt",
        "--payment-amount-tiyn", "172500", "--payment-reference", "KZ-7002",
        "--payer", RECIPIENT_IIN, "--sign", tirkeu.sign("ktk_officer", parties.ktk_officer),
        "-o", sending, as_="ktk_officer",
    )  # fmt: skip
    tirkeu.json("tx", "sign", sending, as_="recipient")
    sent = tirkeu.json("tx", "submit", sending, "--wait", as_="ktk_officer")
    assert sent["status"] == "COMMITTED"
    application = tirkeu.json("application", built["transaction_id"])
    assert application["status"] == "SUBMITTED"
    assert application["payment"]["payer_iin"] == RECIPIENT_IIN
    listed = tirkeu.json("applications", "--party-iin", SPOUSE_IIN, "--status", "submitted")
    assert built["transaction_id"] in [item["application_id"] for item in listed["applications"]]

    suspended = tirkeu.json(
        "submit", "decision", "suspend", built["transaction_id"], "--reason", "Art. 27 ground",
        "--wait",
    )  # fmt: skip
    assert suspended["status"] == "COMMITTED"
    notified = [
        (item["channel"], item["event"], item["legal_basis"])
        for item in tirkeu.json("notifications")["notifications"]
        if item["application_id"] == built["transaction_id"]
    ]  # para 28: the recipient's cabinets on e-gov and on the platform
    assert sorted(notified) == [
        ("EGOV_CABINET", "SUSPENDED", "Algorithm para 28"),
        ("PLATFORM_CABINET", "SUSPENDED", "Algorithm para 28"),
    ]
    followed = tirkeu.run(
        "--json", "notifications", "--follow", "--limit", "2",
        "--from-height", str(suspended["height"]),
    )  # fmt: skip
    assert followed.returncode == 0, followed.stderr
    lines = [json.loads(line) for line in followed.stdout.splitlines()]
    assert [line["height"] for line in lines] == [suspended["height"]] * 2


def test_a_rejection_exits_1_with_its_reason(tirkeu: Tirkeu) -> None:
    completed = tirkeu.run(
        "--json", "submit", "decision", "register", "no-such-application",
        "--sign", tirkeu.sign("ktk_officer", tirkeu.node.parties.ktk_officer), "--wait",
    )  # fmt: skip
    assert completed.returncode == EXIT_REFUSED
    document = json.loads(completed.stdout)
    assert (document["status"], document["rejection"]["reason"]) == ("REJECTED", "NOT_REGISTRAR")
    text = tirkeu.run("property", "21:000:000:0000")
    assert text.returncode == EXIT_REFUSED
    assert "NotFound" in text.stderr


def test_an_unreachable_node_exits_3(tirkeu: Tirkeu) -> None:
    completed = tirkeu.run("--timeout", "2", "chain-info", node=f"127.0.0.1:{free_port()}")
    assert completed.returncode == EXIT_CONNECTION_FAILED
    assert "NodeUnreachable" in completed.stderr


def _cluster(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIRECTORY / "tirkeu-cluster"), *(str(argument) for argument in arguments)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def _cluster_json(*arguments: str | Path) -> Any:
    completed = _cluster("--json", *arguments)
    assert completed.returncode == 0, completed.stderr + completed.stdout
    return json.loads(completed.stdout)


def test_a_cluster_starts_reports_survives_kill_9_and_stops(tmp_path: Path) -> None:
    directory = tmp_path / "cluster"
    created = _cluster_json(
        "init", directory, "--ktk-bin", KTK_BIN, "--state-corporation-bin",
        STATE_CORPORATION_BIN, "--first-credit-bureau-bin", OTHER_BIN,
        "--registrar-iin", REGISTRAR_IIN, "--ktk-head-iin", KTK_HEAD_IIN,
    )  # fmt: skip
    node_id = created["nodes"][0]["node_id"]
    try:
        started = _cluster_json("start", directory)
        (status,) = _cluster_json("status", directory)["nodes"]
        assert (status["alive"], status["height"], status["role"]) == (True, 0, "validator")
        assert status["pid"] == started["nodes"][0]["pid"]
        assert len(status["state_root"]) == 64
        killed = _cluster_json("kill", directory, node_id)
        assert killed["killed_pid"] == status["pid"]
        down = _cluster("--json", "status", directory)
        assert down.returncode == 1
        assert json.loads(down.stdout)["nodes"][0]["alive"] is False
        restarted = _cluster_json("restart", directory, node_id)
        (again,) = _cluster_json("status", directory)["nodes"]
        assert (again["alive"], again["pid"]) == (True, restarted["pid"])
        assert again["state_root"] == status["state_root"]
    finally:
        stopped = _cluster_json("stop", directory)
    assert stopped["nodes"][0]["node_id"] == node_id
    assert _cluster("status", directory).returncode == 1
