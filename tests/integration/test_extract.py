"""Registry extracts end to end: `tirkeu extract` fetches one from a real node over mTLS
(GetPropertyExtract), and `tirkeu-audit verify-extract` proves it offline against the genesis
file alone; an altered extract, or one checked against another chain's validators, fails.
"No encumbrance" is proved as an absence (seed 002 para 11 and App. 1; Algorithm paras 25, 34).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clients.cli.extract import extract
from clients.cli.main import tirkeu
from tests.integration.harness import NodeProcess
from tests.integration.story_helpers import Story

pytestmark = pytest.mark.integration
AUDIT_EXECUTABLE = Path(sys.executable).parent / "tirkeu-audit"
TIMEOUT_SECONDS = 60


@dataclass
class ExtractNode:
    node: NodeProcess
    leased_flat: str
    owned_flat: str
    plain_flat: str
    lease_id: str
    credentials: list[str]  # --node/--cert/--key/--ca for `tirkeu`

    @property
    def genesis(self) -> Path:
        return self.node.workdir / "genesis.json"


@pytest.fixture(scope="module")
def extract_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExtractNode]:
    workdir = tmp_path_factory.mktemp("extracts")
    node = NodeProcess(workdir / "node")
    try:
        node.start()
        story = Story.on(node)
        try:
            leased_flat, lease_id = story.registered_lease()
            owned_flat, second_lease = story.registered_lease()
            pair_id = story.submitted_pair(second_lease)
            story.commit(story.attestation(pair_id), node.parties.registrar)
            story.decide(pair_id, "register")
            plain_flat = story.import_property()
        finally:
            story.client.close()
        registrar = node.parties.registrar
        cert, key, ca = workdir / "registrar.pem", workdir / "registrar.key", workdir / "ca.pem"
        cert.write_bytes(registrar.pem + node.parties.authority.intermediate.pem)
        key.write_bytes(registrar.key_pem)
        ca.write_bytes(node.trust_pem)
        credentials = ["--node", node.address, "--cert", str(cert), "--key", str(key)]
        yield ExtractNode(
            node, leased_flat, owned_flat, plain_flat, lease_id, [*credentials, "--ca", str(ca)]
        )
    finally:
        node.close()


def fetch(extract_node: ExtractNode, cadastral_number: str, path: Path) -> dict[str, Any]:
    if "extract" not in tirkeu.commands:
        tirkeu.add_command(extract)  # as clients/cli/main.py registers it
    result = CliRunner().invoke(
        tirkeu, [*extract_node.credentials, "extract", cadastral_number, "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def verify(path: Path, genesis: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    completed = subprocess.run(
        [str(AUDIT_EXECUTABLE), "verify-extract", str(path), "--genesis", str(genesis), "--json",
         *extra],
        capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    verdict: dict[str, Any] = json.loads(completed.stdout)
    return completed.returncode, verdict


def test_an_active_lease_is_proved_and_rendered(extract_node: ExtractNode, tmp_path: Path) -> None:
    path, page = tmp_path / "extract.json", tmp_path / "extract.html"
    document = fetch(extract_node, extract_node.leased_flat, path)
    code, verdict = verify(path, extract_node.genesis, "--html", str(page))
    assert (code, verdict["ok"], verdict["facts"]["encumbrance_proved"]) == (0, True, "present")
    lease = document["view"]["active_encumbrance"]
    assert (lease["status"], lease["application_id"]) == ("ACTIVE", extract_node.lease_id)
    html = page.read_text()
    assert "VERIFIED" in html and "LEASE_ENCUMBRANCE_REGISTERED" in html
    assert "Algorithm para 25" in html


@pytest.mark.parametrize("which", ["owned_flat", "plain_flat"])
def test_no_encumbrance_is_a_proof_of_absence(
    extract_node: ExtractNode, tmp_path: Path, which: str
) -> None:
    path = tmp_path / "extract.json"
    document = fetch(extract_node, getattr(extract_node, which), path)
    code, verdict = verify(path, extract_node.genesis)
    assert (code, verdict["ok"], verdict["facts"]["encumbrance_proved"]) == (0, True, "absent")
    assert document["active_encumbrance"]["present"] is False
    assert document["view"]["active_encumbrance"] is None


def test_an_altered_holder_fails_verification(extract_node: ExtractNode, tmp_path: Path) -> None:
    path = tmp_path / "extract.json"
    document = fetch(extract_node, extract_node.leased_flat, path)
    document["view"]["property"]["holder"]["identifier"] = "850515300125"
    path.write_text(json.dumps(document))
    code, verdict = verify(path, extract_node.genesis)
    assert (code, verdict["ok"], verdict["problem"]) == (1, False, "VIEW_MISMATCH")
    assert verdict["detail"].startswith("view.property.holder.identifier ")


def test_another_chains_validators_do_not_prove_it(
    extract_node: ExtractNode, tmp_path: Path
) -> None:
    path = tmp_path / "extract.json"
    fetch(extract_node, extract_node.leased_flat, path)
    other = NodeProcess(tmp_path / "other")  # same chain id, its own test CA and validator
    code, verdict = verify(path, other.workdir / "genesis.json")
    assert code == 1 and not verdict["ok"]
    assert verdict["problem"] in ("WRONG_VALIDATOR_SET", "CERTIFICATE_INVALID")
