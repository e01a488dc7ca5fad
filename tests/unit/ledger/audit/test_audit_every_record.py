"""``tirkeu-audit verify --data-dir`` reads every record of the database (issue 13, build point 6;
ledger/audit/records.py, ADR 0019), and the application-index findings by party and by status.

Before, the audit read only the keys its replay asked for: it said OK on a database whose
signing record the node refuses to start on, on a damaged table file, on keys no node writes;
and no test removed an application-index entry, so the check could go unnoticed.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import plyvel
import pytest
from click.testing import CliRunner
from tirkeu_pb import peer_pb2

from clients.cli.audit import audit as audit_command
from consensus.signing_guard import SigningRecord, SigningStep
from consensus.types import NO_ROUND, BlockId, Height, Round
from ledger.audit import AuditReport, DefectKind
from ledger.chain.store import Store
from node.engine.signing_records import CorruptSigningRecord, SigningJournal
from tests.pki_fixtures import RECIPIENT_IIN
from tests.unit.ledger.audit.chain import StoryChain
from tests.unit.ledger.audit.tamper import Tamperer, block_key, damage_leveldb_log
from tests.unit.ledger.audit.test_audit_offline import audit, damaged

SIGNED_PREFIX = b"signed/"
UNKNOWN_PARTY_IIN = "990101300999"


def _where(report: AuditReport) -> list[tuple[DefectKind, str | None]]:
    return [(defect.kind, defect.field) for defect in report.defects]


# -- application indexes (by party, by status) -------------------------------------------------


def _party_key(party: str, application_id: str) -> bytes:
    return b"index/party/" + party.encode() + b"/" + application_id.encode()


def _status_key(status: str, application_id: str) -> bytes:
    return b"index/status/" + status.encode() + b"/" + application_id.encode()


def test_a_missing_party_index_entry_is_located_by_party(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    lease = story_chain.lease_application_id
    report = damaged(chain_copy, story_chain, lambda t: t.delete(_party_key(RECIPIENT_IIN, lease)))
    (defect,) = report.defects
    assert (defect.kind, defect.field) == (
        DefectKind.APPLICATION_INDEX_WRONG,
        f"index.party/{RECIPIENT_IIN}",
    )
    assert defect.expected is not None and lease in defect.expected
    assert defect.found is not None and lease not in defect.found


def test_an_index_entry_under_a_party_of_no_application_is_found(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    lease = story_chain.lease_application_id
    report = damaged(
        chain_copy, story_chain, lambda t: t.put(_party_key(UNKNOWN_PARTY_IIN, lease), b"")
    )
    assert [(d.kind, d.field, d.expected, d.found) for d in report.defects] == [
        (DefectKind.APPLICATION_INDEX_WRONG, f"index.party/{UNKNOWN_PARTY_IIN}", "none", lease)
    ]


def test_an_application_indexed_under_the_wrong_status_is_located_under_both(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    lease = story_chain.lease_application_id

    def move(tamperer: Tamperer) -> None:
        tamperer.delete(_status_key("REGISTERED", lease))
        tamperer.put(_status_key("SUBMITTED", lease), b"")

    report = damaged(chain_copy, story_chain, move)
    assert sorted((d.field or "", d.found or "") for d in report.defects) == sorted(
        [
            ("index.status/REGISTERED", _others(report, "index.status/REGISTERED")),
            ("index.status/SUBMITTED", lease),
        ]
    )
    assert {d.kind for d in report.defects} == {DefectKind.APPLICATION_INDEX_WRONG}
    registered = next(d for d in report.defects if d.field == "index.status/REGISTERED")
    assert registered.expected is not None and lease in registered.expected


def _others(report: AuditReport, field: str) -> str:
    return next(d.found or "" for d in report.defects if d.field == field)


# -- every key read: damage the replay never asks for ------------------------------------------


def test_a_key_no_node_writes_is_found(chain_copy: Path, story_chain: StoryChain) -> None:
    report = damaged(chain_copy, story_chain, lambda t: t.put(b"zz/left-behind", b"x"))
    assert _where(report) == [(DefectKind.UNKNOWN_KEY, "key zz/left-behind")]


def test_every_block_above_the_tip_is_found(chain_copy: Path, story_chain: StoryChain) -> None:
    def extra(tamperer: Tamperer) -> None:
        for height in (story_chain.tip + 1, story_chain.tip + 5):
            tamperer.put(block_key(height), tamperer.get(block_key(story_chain.tip)))

    report = damaged(chain_copy, story_chain, extra)
    assert [(d.kind, d.height) for d in report.defects] == [
        (DefectKind.BLOCK_BEYOND_TIP, story_chain.tip + 1),
        (DefectKind.BLOCK_BEYOND_TIP, story_chain.tip + 5),
    ]


def _verify_cli(data_dir: Path, story_chain: StoryChain) -> tuple[int, str]:
    result = CliRunner().invoke(
        audit_command,
        ["verify", "--genesis", str(story_chain.genesis_path), "--data-dir", str(data_dir)],
    )
    return result.exit_code, result.output


def _flip_middle_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_table_file_is_a_defect_with_exit_1(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    database = plyvel.DB(str(chain_copy / "ledger"))
    database.compact_range()  # every record into table files
    database.close()
    _flip_middle_byte(max((chain_copy / "ledger").glob("*.ldb"), key=lambda p: p.stat().st_size))
    exit_code, output = _verify_cli(chain_copy, story_chain)
    assert exit_code == 1, output
    assert "DEFECT STORE_CORRUPT" in output and "checksum mismatch" in output
    assert "OK: no defect found" not in output


def test_a_database_leveldb_refuses_to_open_is_a_defect_with_exit_1(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    damage_leveldb_log(chain_copy / "ledger")
    exit_code, output = _verify_cli(chain_copy, story_chain)
    assert exit_code == 1, output
    assert "DEFECT STORE_CORRUPT" in output and "checksum mismatch" in output
    assert "NOT VERIFIED: nothing else was read" in output


# -- the double-sign guard's records -----------------------------------------------------------


def _sign(store: Store, height: int, step: SigningStep, block_id: bytes) -> None:
    """What a validator's engine does before a vote leaves it (node/engine/signing_records.py)."""
    record = SigningRecord(Height(height), Round(0), step, BlockId(block_id), NO_ROUND, None)
    kind = peer_pb2.PREVOTE if step is SigningStep.PREVOTE else peer_pb2.PRECOMMIT
    vote = peer_pb2.SignedVote(
        kind=kind, height=height, round=0, block_hash=block_id, validator="validator-1"
    )
    message = peer_pb2.ConsensusMessage(vote=vote).SerializeToString(deterministic=True)
    SigningJournal(store).authorise(record, message)


@pytest.fixture
def signed_copy(chain_copy: Path) -> Path:
    """The story's database with the signing records a validator leaves at heights 11 and 12."""
    with Store(chain_copy / "ledger") as store:
        for height in (11, 12):
            for step in (SigningStep.PREVOTE, SigningStep.PRECOMMIT):
                _sign(store, height, step, bytes([height]) * 32)
    return chain_copy


def _signing_key(height: int, step: SigningStep) -> bytes:
    return SIGNED_PREFIX + struct.pack(">QIB", height, 0, int(step))


def test_valid_signing_records_audit_clean(signed_copy: Path, story_chain: StoryChain) -> None:
    report = audit(signed_copy, story_chain)
    assert report.ok, [d.describe() for d in report.defects]


def test_a_signing_record_the_node_refuses_to_start_on_is_a_defect(
    signed_copy: Path, story_chain: StoryChain
) -> None:
    latest = _signing_key(12, SigningStep.PRECOMMIT)
    with Tamperer(signed_copy / "ledger") as tamperer:
        tamperer.flip_byte_at(latest, 3)  # the JSON no longer parses
        tamperer.flip_byte_at(b"signed-last", 3)
    with Store(signed_copy / "ledger") as store, pytest.raises(CorruptSigningRecord):
        SigningJournal(store)  # the node's own verdict on this database
    report = audit(signed_copy, story_chain)
    assert (DefectKind.SIGNING_RECORD_CORRUPT, "key signed/" + _escaped(latest)) in _where(report)
    assert (DefectKind.SIGNING_RECORD_CORRUPT, "key signed-last") in _where(report)


def test_a_signing_record_changed_to_another_block_is_located(
    signed_copy: Path, story_chain: StoryChain
) -> None:
    key = _signing_key(11, SigningStep.PREVOTE)
    with Tamperer(signed_copy / "ledger") as tamperer:
        value = tamperer.get(key)
        # The record's block id only (it comes first in the JSON), not the signed message's.
        tamperer.put(key, value.replace(bytes([11]).hex().encode() * 32, b"ab" * 32, 1))
    report = audit(signed_copy, story_chain)
    assert _where(report) == [(DefectKind.SIGNING_RECORD_CORRUPT, "key signed/" + _escaped(key))]
    assert "the signed message says" in report.defects[0].detail


def _escaped(key: bytes) -> str:
    return "".join(f"\\x{byte:02x}" for byte in key[len(SIGNED_PREFIX) :])


def test_copy_helper_is_independent(story_chain: StoryChain, tmp_path: Path) -> None:
    """The fixtures damage copies only: the shared story chain still audits clean."""
    shutil.copytree(story_chain.data_dir, tmp_path / "again")
    assert audit(tmp_path / "again", story_chain).ok
