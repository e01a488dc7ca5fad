"""`tirkeu-audit verify` against a chain made by a real `tirkeu-node` process: it passes the
chain as the node left it, over gRPC and offline, and after each damage to a copy of the
stopped node's database (made with plyvel directly, as an attacker or a failing disk would) it
exits 1 and names exactly the place: a changed byte in a stored block, a transaction, a commit
signature or a state record; a deleted block; two blocks swapped; a validly signed transaction
inserted into a certified block. Every run is the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from clients import transaction_builders as builders
from ledger.chain.store import Store
from ledger.state.access import property_key
from tests.integration.harness import NodeProcess
from tests.integration.story_helpers import Story
from tests.pki_fixtures import KTK_BIN
from tests.registry_fixtures import AUDITOR_IIN, envelope_transaction_id
from tests.unit.ledger.audit.tamper import STATE_PREFIX, Tamperer, block_key, copy_data_dir

pytestmark = pytest.mark.integration
AUDIT_EXECUTABLE = Path(sys.executable).parent / "tirkeu-audit"
AUDIT_TIMEOUT_SECONDS = 120


@dataclass
class AuditedChain:
    node: NodeProcess
    leased_flat: str  # ACTIVE lease encumbrance
    owned_flat: str  # lease terminated, owned by the lessee (para 34)
    lease_id: str
    intruder: bytes  # a validly signed transaction that no block carries

    @property
    def genesis(self) -> Path:
        return self.node.workdir / "genesis.json"

    def location_of(self, transaction_id: str, data_dir: Path) -> tuple[int, int]:
        with Store(data_dir / "ledger") as store:
            location = store.load_transaction_location(transaction_id)
        assert location is not None
        return location.height, location.index

    def stopped(self) -> Path:
        if self.node.running:
            assert self.node.stop() == 0
        return self.node.data_dir


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditedChain]:
    node = NodeProcess(tmp_path_factory.mktemp("audited") / "node")
    try:
        node.start()
        story = Story.on(node)
        try:
            leased_flat, lease_id = story.registered_lease()
            owned_flat, second_lease = story.registered_lease()
            pair_id = story.submitted_pair(second_lease)
            story.commit(story.attestation(pair_id), node.parties.registrar)
            story.decide(pair_id, "register")
            intruder = story.envelope(
                builders.property_import(
                    cadastral_number="21:318:023:9999:1/9",
                    address="Astana, a flat no registrar imported",
                    kind="apartment",
                    area_square_metres="40.00",
                    holder_bin=KTK_BIN,
                ),
                node.parties.registrar,
            )
        finally:
            story.client.close()
        yield AuditedChain(node, leased_flat, owned_flat, lease_id, intruder)
    finally:
        node.close()


def audit(*arguments: str) -> tuple[int, dict[str, Any]]:
    completed = subprocess.run(
        # Two worker processes (issue 11): every damage is named as the one-process audit names it.
        [str(AUDIT_EXECUTABLE), "verify", *arguments, "--jobs", "2", "--json"],
        capture_output=True,
        text=True,
        timeout=AUDIT_TIMEOUT_SECONDS,
        check=False,
    )
    if not completed.stdout.strip():
        raise AssertionError(f"tirkeu-audit printed nothing: {completed.stderr}")
    report: dict[str, Any] = json.loads(completed.stdout)
    return completed.returncode, report


def audit_damaged(
    chain: AuditedChain, tmp_path: Path, damage: Callable[[Tamperer], object]
) -> tuple[int, dict[str, Any]]:
    copy = copy_data_dir(chain.stopped(), tmp_path / "copy")
    with Tamperer(copy / "ledger") as tamperer:
        damage(tamperer)
    return audit("--genesis", str(chain.genesis), "--data-dir", str(copy))


def places(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(defect["kind"], defect["location"]) for defect in report["defects"]]


def test_the_running_node_verifies_over_grpc_as_the_auditor(
    chain: AuditedChain, tmp_path: Path
) -> None:
    node = chain.node
    if not node.running:
        node.start()
    auditor = node.parties.authority.issue_individual("Auditor", AUDITOR_IIN)
    cert, key, ca = tmp_path / "auditor.pem", tmp_path / "auditor.key", tmp_path / "ca.pem"
    cert.write_bytes(auditor.pem + node.parties.authority.intermediate.pem)
    key.write_bytes(auditor.key_pem)
    ca.write_bytes(node.trust_pem)
    code, report = audit(
        "--genesis", str(chain.genesis), "--node", node.address,
        "--cert", str(cert), "--key", str(key), "--ca", str(ca),
    )  # fmt: skip
    assert (code, report["ok"], report["defects"]) == (0, True, [])
    assert report["source"] == f"node {node.address}"
    assert report["replayed_to_height"] == report["tip_height"] > 0


def test_the_stopped_nodes_data_directory_verifies(chain: AuditedChain) -> None:
    code, report = audit("--genesis", str(chain.genesis), "--data-dir", str(chain.stopped()))
    assert (code, report["ok"], report["not_verified"]) == (0, True, [])
    assert report["counts"]["state_records_compared"] > 0


def test_a_changed_byte_in_a_stored_block_header(chain: AuditedChain, tmp_path: Path) -> None:
    height, _ = chain.location_of(chain.lease_id, chain.stopped())
    code, report = audit_damaged(chain, tmp_path, lambda t: t.flip_header_state_root(height))
    assert code == 1
    assert places(report) == [("BLOCK_NOT_CERTIFIED", {"height": height, "field": "header"})]


def test_a_changed_byte_in_a_transaction(chain: AuditedChain, tmp_path: Path) -> None:
    height, index = chain.location_of(chain.lease_id, chain.stopped())
    code, report = audit_damaged(
        chain, tmp_path, lambda t: t.flip_transaction_signature(height, index)
    )
    assert code == 1
    assert places(report) == [
        ("WRONG_TRANSACTIONS_ROOT", {"height": height, "field": "transactions"}),
        (
            "TRANSACTION_REJECTED",
            {
                "height": height,
                "field": f"transactions[{index}]",
                "transaction_index": index,
                "transaction_id": chain.lease_id,
            },
        ),
    ]
    assert report["defects"][1]["found"] == "BAD_SIGNATURE"


def test_a_changed_byte_in_a_commit_signature(chain: AuditedChain, tmp_path: Path) -> None:
    height, _ = chain.location_of(chain.lease_id, chain.stopped())
    code, report = audit_damaged(chain, tmp_path, lambda t: t.flip_commit_signature(height, 0))
    assert code == 1
    assert places(report) == [
        (
            "COMMIT_SIGNATURE_INVALID",
            {"height": height, "field": "commit.signatures[0]", "validator_id": "validator-1"},
        )
    ]


def test_a_changed_byte_in_a_state_record(chain: AuditedChain, tmp_path: Path) -> None:
    key = STATE_PREFIX + property_key(chain.leased_flat)
    code, report = audit_damaged(chain, tmp_path, lambda t: t.flip_byte_in(key, b"Astana", 3))
    assert code == 1
    assert places(report) == [
        ("STATE_RECORD_CHANGED", {"field": "state", "state_key": f"property/{chain.leased_flat}"})
    ]


def test_a_deleted_block(chain: AuditedChain, tmp_path: Path) -> None:
    height, _ = chain.location_of(chain.lease_id, chain.stopped())
    code, report = audit_damaged(chain, tmp_path, lambda t: t.delete(block_key(height)))
    assert code == 1
    assert places(report) == [("BLOCK_MISSING", {"height": height, "field": "block"})]
    assert report["replayed_to_height"] == height - 1


def test_two_swapped_blocks(chain: AuditedChain, tmp_path: Path) -> None:
    height, _ = chain.location_of(chain.lease_id, chain.stopped())
    code, report = audit_damaged(
        chain, tmp_path, lambda t: t.swap(block_key(height), block_key(height + 1))
    )
    assert code == 1
    assert places(report) == [
        ("BLOCK_MISPLACED", {"height": height, "field": "header.height"}),
        ("BLOCK_MISPLACED", {"height": height + 1, "field": "header.height"}),
    ]


def test_a_validly_signed_transaction_inserted_into_a_certified_block(
    chain: AuditedChain, tmp_path: Path
) -> None:
    height, index = chain.location_of(chain.lease_id, chain.stopped())
    code, report = audit_damaged(
        chain, tmp_path, lambda t: t.insert_transaction(height, index + 1, chain.intruder)
    )
    assert code == 1
    assert places(report) == [
        (
            "TRANSACTION_NOT_CERTIFIED",
            {
                "height": height,
                "field": f"transactions[{index + 1}]",
                "transaction_index": index + 1,
                "transaction_id": envelope_transaction_id(chain.intruder),
            },
        )
    ]
    assert report["replayed_to_height"] == report["tip_height"]  # the rest still verifies


def test_a_running_nodes_database_is_refused_with_exit_2(chain: AuditedChain) -> None:
    if not chain.node.running:
        chain.node.start()
    completed = subprocess.run(
        [str(AUDIT_EXECUTABLE), "verify", "--genesis", str(chain.genesis),
         "--data-dir", str(chain.node.data_dir)],
        capture_output=True, text=True, timeout=AUDIT_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    assert completed.returncode == 2
    assert "stop it" in completed.stderr
