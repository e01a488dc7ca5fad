"""``audit_chain`` over a real node database: a clean chain passes; each damage is found and
located exactly (height, transaction index and id, validator, state key), and nothing else is
blamed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tirkeu_pb import block_pb2

from clients.cli.audit_sources import DataDirectorySource
from consensus.types import Height, Round, ValidatorId
from ledger.audit import AuditReport, DefectKind, SourceUnusable, audit_chain, trust_anchor
from ledger.chain.blocks import CommitSignature, build_commit_certificate, sign_precommit
from ledger.chain.genesis import load_genesis
from ledger.state.access import active_encumbrance_key, property_key
from tests.registry_fixtures import envelope_transaction_id
from tests.unit.ledger.audit.chain import (
    CADASTRAL_NUMBER,
    VALIDATOR_IDS,
    StoryChain,
    story_genesis_bytes,
    validator_certificates,
)
from tests.unit.ledger.audit.tamper import (
    META_KEY,
    SMT_PREFIX,
    STATE_PREFIX,
    TRANSACTION_INDEX_PREFIX,
    Tamperer,
    block_key,
    commit_key,
)
from tests.unit.ledger.registry.story import Story


def audit(data_dir: Path, chain: StoryChain) -> AuditReport:
    with DataDirectorySource(data_dir) as source:
        return audit_chain(source, trust_anchor(chain.genesis_bytes), stored=source)


def damaged(
    chain_copy: Path, chain: StoryChain, damage: Callable[[Tamperer], object]
) -> AuditReport:
    with Tamperer(chain_copy / "ledger") as tamperer:
        damage(tamperer)
    return audit(chain_copy, chain)


def kinds(report: AuditReport) -> list[DefectKind]:
    return [defect.kind for defect in report.defects]


def test_the_story_chain_verifies_with_every_check_made(story_chain: StoryChain) -> None:
    report = audit(story_chain.data_dir, story_chain)
    assert report.ok, [d.describe() for d in report.defects]
    assert report.not_verified == []
    assert (report.tip_height, report.replayed_to_height) == (10, 10)
    assert (
        report.counts.transactions_replayed == 10
    )  # block 8 carries the pair's sending and its checks
    # Every height's stored certificate, and the last commit of every block above 1.
    assert report.counts.commit_certificates == 10 + 9
    assert report.counts.state_records_compared > 0


def test_progress_is_reported_for_every_height(story_chain: StoryChain) -> None:
    seen: list[tuple[int, int]] = []
    with DataDirectorySource(story_chain.data_dir) as source:
        audit_chain(
            source,
            trust_anchor(story_chain.genesis_bytes),
            progress=lambda h, t: seen.append((h, t)),
        )
    assert seen == [(height, 10) for height in range(1, 11)]


def test_a_deleted_block_is_located_and_replay_stops_there(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    report = damaged(chain_copy, story_chain, lambda t: t.delete(block_key(4)))
    assert kinds(report) == [DefectKind.BLOCK_MISSING]
    assert report.defects[0].height == 4
    assert report.replayed_to_height == 3
    assert any("state replay stopped at height 4" in note for note in report.not_verified)


def test_two_swapped_blocks_are_each_located(chain_copy: Path, story_chain: StoryChain) -> None:
    report = damaged(chain_copy, story_chain, lambda t: t.swap(block_key(3), block_key(4)))
    assert kinds(report) == [DefectKind.BLOCK_MISPLACED, DefectKind.BLOCK_MISPLACED]
    assert [(d.height, d.expected, d.found) for d in report.defects] == [
        (3, "3", "4"),
        (4, "4", "3"),
    ]


def test_a_changed_header_byte_is_located_at_its_block(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    report = damaged(chain_copy, story_chain, lambda t: t.flip_header_state_root(5))
    assert kinds(report) == [DefectKind.BLOCK_NOT_CERTIFIED]
    assert (report.defects[0].height, report.defects[0].field) == (5, "header")


def test_a_changed_transaction_byte_names_the_transaction(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    lease = story_chain.blocks[2][1]
    report = damaged(chain_copy, story_chain, lambda t: t.flip_transaction_signature(2, 1))
    assert kinds(report) == [DefectKind.WRONG_TRANSACTIONS_ROOT, DefectKind.TRANSACTION_REJECTED]
    rejected = report.defects[1]
    assert (rejected.height, rejected.transaction_index) == (2, 1)
    assert rejected.transaction_id == envelope_transaction_id(lease)  # the body is intact
    assert rejected.found == "BAD_SIGNATURE"
    assert all(defect.height == 2 for defect in report.defects)


def test_an_inserted_validly_signed_transaction_is_named_and_the_rest_still_verifies(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    story = Story(story_chain.parties, load_genesis(story_genesis_bytes(story_chain.parties)))
    intruder = story.envelope(
        story.property_import(cadastral_number="21:318:023:1245:1/99"),
        story_chain.parties.registrar,
    )
    report = damaged(chain_copy, story_chain, lambda t: t.insert_transaction(3, 1, intruder))
    assert kinds(report) == [DefectKind.TRANSACTION_NOT_CERTIFIED]
    defect = report.defects[0]
    assert (defect.height, defect.transaction_index) == (3, 1)
    assert defect.transaction_id == envelope_transaction_id(intruder)
    assert report.replayed_to_height == 10  # replayed without the intruder
    assert report.not_verified == []


def test_a_changed_commit_signature_names_the_validator(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    validator: list[str] = []
    report = damaged(
        chain_copy, story_chain, lambda t: validator.append(t.flip_commit_signature(4, 2))
    )
    assert kinds(report) == [DefectKind.COMMIT_SIGNATURE_INVALID]
    defect = report.defects[0]
    assert (defect.height, defect.field, defect.validator_id) == (
        4,
        "commit.signatures[2]",
        validator[0],
    )
    # Block 5's last commit still certifies block 4: nothing else is lost.
    assert report.replayed_to_height == 10


def test_a_commit_certificate_without_quorum_is_refused(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    def drop_two_signatures(tamperer: Tamperer) -> None:
        certificate = block_pb2.CommitCertificate.FromString(tamperer.get(commit_key(10)))
        del certificate.signatures[2:]
        tamperer.put(commit_key(10), certificate.SerializeToString(deterministic=True))

    report = damaged(chain_copy, story_chain, drop_two_signatures)
    assert kinds(report) == [DefectKind.COMMIT_INVALID]
    assert report.defects[0].height == 10
    assert "NO_QUORUM" in report.defects[0].detail


def test_a_changed_state_record_is_located_by_its_key(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    key = STATE_PREFIX + property_key(CADASTRAL_NUMBER)
    report = damaged(chain_copy, story_chain, lambda t: t.flip_byte_in(key, b"Astana", 2))
    assert kinds(report) == [DefectKind.STATE_RECORD_CHANGED]
    assert report.defects[0].state_key == f"property/{CADASTRAL_NUMBER}"


def test_a_stored_record_the_chain_never_wrote_is_found(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    forged = STATE_PREFIX + active_encumbrance_key(CADASTRAL_NUMBER)  # terminated at height 9
    report = damaged(chain_copy, story_chain, lambda t: t.put(forged, b"forged"))
    assert kinds(report) == [DefectKind.STATE_RECORD_UNEXPECTED]
    assert report.defects[0].state_key == f"active-encumbrance/{CADASTRAL_NUMBER}"


def test_a_missing_transaction_index_entry_is_located(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    lease_id = story_chain.lease_application_id
    key = TRANSACTION_INDEX_PREFIX + lease_id.encode()
    report = damaged(chain_copy, story_chain, lambda t: t.delete(key))
    assert kinds(report) == [DefectKind.TRANSACTION_INDEX_WRONG]
    defect = report.defects[0]
    assert (defect.height, defect.transaction_index, defect.transaction_id) == (2, 1, lease_id)
    assert defect.found == "absent"


def test_a_missing_state_tree_node_is_found(chain_copy: Path, story_chain: StoryChain) -> None:
    with DataDirectorySource(chain_copy) as source:
        root = source.meta().state_root
    report = damaged(chain_copy, story_chain, lambda t: t.delete(SMT_PREFIX + root))
    assert kinds(report) == [DefectKind.STATE_TREE_NODE_MISSING]
    assert report.defects[0].detail == f"node {root.hex()}"


def test_changed_metadata_is_located_by_field(chain_copy: Path, story_chain: StoryChain) -> None:
    with DataDirectorySource(chain_copy) as source:
        root = source.meta().state_root
    report = damaged(chain_copy, story_chain, lambda t: t.flip_byte_in(META_KEY, root, 0))
    assert kinds(report) == [DefectKind.CHAIN_META_MISMATCH]
    assert report.defects[0].field == "meta.state_root"


def test_a_missing_commit_certificate_is_located(chain_copy: Path, story_chain: StoryChain) -> None:
    report = damaged(chain_copy, story_chain, lambda t: t.delete(commit_key(6)))
    assert kinds(report) == [DefectKind.COMMIT_MISSING]
    assert report.defects[0].height == 6


def test_a_genesis_file_of_another_chain_makes_the_source_unusable(
    story_chain: StoryChain,
) -> None:
    other = story_chain.genesis_bytes.replace(b'"tirkeu-test"', b'"tirkeu-other"')
    with DataDirectorySource(story_chain.data_dir) as source, pytest.raises(SourceUnusable):
        audit_chain(source, trust_anchor(other), stored=source)


def test_a_directory_without_a_database_is_unusable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnusable, match="no node database"):
        DataDirectorySource(tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing was created there


def test_two_valid_certificates_for_different_blocks_are_reported_as_a_conflict(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    """Fork evidence: a quorum of the genesis validators signed another block at height 4."""
    other_block = bytes(range(32))
    anchor = trust_anchor(story_chain.genesis_bytes)
    signers = list(zip(VALIDATOR_IDS, validator_certificates(story_chain.parties), strict=True))
    certificate = build_commit_certificate(
        anchor.validators.validator_set,
        Height(4),
        Round(1),
        other_block,
        [
            CommitSignature(
                ValidatorId(name),
                sign_precommit(issued.key, anchor.chain_id, Height(4), Round(1), other_block),
            )
            for name, issued in signers[:3]
        ],
    )
    report = damaged(chain_copy, story_chain, lambda t: t.put(commit_key(4), certificate.encode()))
    assert kinds(report) == [DefectKind.CONFLICTING_COMMITS]
    defect = report.defects[0]
    assert defect.height == 4
    assert other_block.hex() in (defect.expected, defect.found)
    assert report.replayed_to_height == 3  # which block is the chain's cannot be decided


def test_an_index_entry_for_a_transaction_in_no_block_is_found(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    invented = "ab" * 32
    report = damaged(
        chain_copy,
        story_chain,
        lambda t: t.put(TRANSACTION_INDEX_PREFIX + invented.encode(), t.get(
            TRANSACTION_INDEX_PREFIX + story_chain.lease_application_id.encode()
        )),
    )  # fmt: skip
    assert kinds(report) == [DefectKind.TRANSACTION_INDEX_UNEXPECTED]
    assert report.defects[0].transaction_id == invented


def test_commit_bytes_that_do_not_decode_are_located(
    chain_copy: Path, story_chain: StoryChain
) -> None:
    report = damaged(chain_copy, story_chain, lambda t: t.put(commit_key(3), b"\xff\xff"))
    assert kinds(report) == [DefectKind.COMMIT_MALFORMED]
    assert (report.defects[0].height, report.defects[0].field) == (3, "commit")
    assert report.replayed_to_height == 10  # block 4's last commit certifies block 3
