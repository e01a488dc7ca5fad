"""The LevelDB store (ledger/chain/store.py, DESIGN.md §5): one synced batch per block, read back
after a restart, secondary indexes maintained from the application records a block writes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from consensus.types import Round, ValidatorId
from ledger.chain.blocks import (
    GENESIS_PREVIOUS_BLOCK_HASH,
    Block,
    CommitCertificate,
    CommitSignature,
    apply_state_writes,
    build_block,
)
from ledger.chain.store import BlockCommit, ChainMeta, Store, StoreInvariantError
from ledger.hashing import sha256, sha256_hex
from ledger.merkle.smt import EMPTY_ROOT, get_value_hash
from ledger.rejections import Rejection, RejectionReason
from ledger.state.access import application_key, property_key
from ledger.state.records import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    IdentifierKind,
    MaritalStatus,
    PartyIdentifier,
    save_application,
)
from tests.pki_fixtures import GUARANTOR_IIN, KTK_BIN, KTK_OFFICER_IIN, RECIPIENT_IIN

CHAIN_ID = "tirkeu-test"
GENESIS_TIME_MS = 1_777_000_000_000
PROPOSER = ValidatorId("registrar-1")
GENESIS_RECORD = (b"authority/authorities", b"genesis authorities")


def _application(status: ApplicationStatus) -> Application:
    return Application(
        application_id="a" * 64,
        kind=ApplicationKind.LEASE_REGISTRATION,
        status=status,
        cadastral_number="21:318:023:1245:1/45",
        recipient_iin=RECIPIENT_IIN,
        spouse_iin=None,
        marital_status=MaritalStatus.NOT_MARRIED,
        guarantors=(PartyIdentifier(IdentifierKind.IIN, GUARANTOR_IIN),),
        ktk_bin=KTK_BIN,
        submitted_by_iin=KTK_OFFICER_IIN,
        formed_height=1,
        formed_at=datetime(2026, 5, 1, tzinfo=UTC),
        submitted_height=1,
        submitted_at=datetime(2026, 5, 1, tzinfo=UTC),
        documents=(),
        payment=None,
        service_deadline=None,
        videoconference=None,
        attestation=None,
        decisions=(),
        lease_application_id=None,
        new_holder_iin=None,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "db") as opened:
        _commit_genesis(opened)
        yield opened


def _commit_genesis(store: Store) -> None:
    writes = {GENESIS_RECORD[0]: GENESIS_RECORD[1]}
    update = apply_state_writes(store.smt_nodes, EMPTY_ROOT, dict(writes))
    meta = ChainMeta(
        chain_id=CHAIN_ID,
        genesis_sha256=sha256(b"genesis file"),
        genesis_time_unix_ms=GENESIS_TIME_MS,
        height=0,
        block_hash=GENESIS_PREVIOUS_BLOCK_HASH,
        state_root=update.root,
        time_unix_ms=GENESIS_TIME_MS,
    )
    store.commit_genesis(meta, writes, update.new_nodes)


def _next_commit(
    store: Store,
    writes: dict[bytes, bytes | None],
    transactions: tuple[bytes, ...] = (),
    notifications: tuple[bytes, ...] = (),
    rejections: dict[str, Rejection] | None = None,
) -> BlockCommit:
    meta = store.load_meta()
    assert meta is not None
    update = apply_state_writes(store.smt_nodes, meta.state_root, writes)
    tip = meta.tip()
    last_commit = store.load_commit(meta.height) if meta.height else None
    block = build_block(
        previous=tip,
        time_unix_ms=meta.time_unix_ms + 1000,
        transactions=transactions,
        state_root=update.root,
        validator_set_hash=sha256(b"validators"),
        proposer=PROPOSER,
        last_commit=last_commit,
    )
    certificate = CommitCertificate(
        block.height, Round(0), block.block_hash, (CommitSignature(PROPOSER, b"sig"),)
    )
    return BlockCommit(
        block=block,
        certificate=certificate,
        state_writes=writes,
        smt_nodes=update.new_nodes,
        transaction_ids=tuple(sha256_hex(t) for t in transactions),
        notifications=notifications,
        rejections=rejections or {},
    )


def test_genesis_is_height_zero_with_its_state(store: Store) -> None:
    meta = store.load_meta()
    assert meta is not None and meta.height == 0
    assert store.state.get(GENESIS_RECORD[0]) == GENESIS_RECORD[1]
    assert get_value_hash(store.smt_nodes, meta.state_root, GENESIS_RECORD[0]) == sha256(
        GENESIS_RECORD[1]
    )
    with pytest.raises(StoreInvariantError):
        _commit_genesis(store)


def test_committed_block_reads_back_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with Store(path) as store:
        _commit_genesis(store)
        commit = _next_commit(
            store,
            {property_key("21:1"): b"property"},
            transactions=(b"envelope",),
            notifications=(b"note-0", b"note-1"),
        )
        store.commit_block(commit)
    with Store(path) as reopened:
        meta = reopened.load_meta()
        assert meta is not None
        assert (meta.height, meta.block_hash) == (1, commit.block.block_hash)
        assert meta.state_root == commit.block.header.state_root
        assert reopened.load_block(1) == commit.block
        assert reopened.load_commit(1) == commit.certificate
        assert reopened.load_height_of_block(commit.block.block_hash) == 1
        location = reopened.load_transaction_location(sha256_hex(b"envelope"))
        assert location is not None and (location.height, location.index) == (1, 0)
        assert reopened.state.get(property_key("21:1")) == b"property"
        assert [n.encoded for n in reopened.load_notifications(1, 1)] == [b"note-0", b"note-1"]
        assert get_value_hash(reopened.smt_nodes, meta.state_root, property_key("21:1")) == sha256(
            b"property"
        )


def test_a_failing_batch_writes_nothing(store: Store) -> None:
    before = store.load_meta()
    # An application record that does not decode makes indexing fail in the middle of the batch.
    commit = _next_commit(
        store,
        {property_key("21:1"): b"property", application_key("a" * 64): b"not a record"},
        transactions=(b"envelope",),
    )
    with pytest.raises(StoreInvariantError):
        store.commit_block(commit)
    assert store.load_meta() == before
    assert store.load_block(1) is None
    assert store.state.get(property_key("21:1")) is None
    assert store.load_transaction_location(sha256_hex(b"envelope")) is None
    assert store.smt_nodes.get_node(commit.block.header.state_root) is None


def test_block_that_does_not_follow_the_tip_is_refused(store: Store) -> None:
    commit = _next_commit(store, {})
    store.commit_block(commit)
    with pytest.raises(StoreInvariantError):
        store.commit_block(commit)
    meta = store.load_meta()
    assert meta is not None and meta.height == 1


def test_application_indexes_follow_status_changes(store: Store) -> None:
    key = application_key("a" * 64)
    submitted = _application(ApplicationStatus.SUBMITTED)
    store.commit_block(_next_commit(store, {key: save_application(submitted)}))
    assert store.application_ids_by_status("SUBMITTED") == ["a" * 64]
    for party in (RECIPIENT_IIN, KTK_BIN, KTK_OFFICER_IIN, GUARANTOR_IIN):
        assert store.application_ids_by_party(party) == ["a" * 64]
    registered = dataclasses.replace(submitted, status=ApplicationStatus.REGISTERED)
    store.commit_block(_next_commit(store, {key: save_application(registered)}))
    assert store.application_ids_by_status("SUBMITTED") == []
    assert store.application_ids_by_status("REGISTERED") == ["a" * 64]
    assert store.application_ids_by_party(RECIPIENT_IIN) == ["a" * 64]
    assert store.application_ids() == ["a" * 64]


def test_rejections_are_recorded_and_cleared_when_committed_later(store: Store) -> None:
    rejection = Rejection(RejectionReason.APPLICATION_NOT_FOUND, "no application x")
    store.commit_block(_next_commit(store, {}, rejections={sha256_hex(b"early"): rejection}))
    assert store.load_rejection(sha256_hex(b"early")) == rejection
    store.commit_block(_next_commit(store, {}, transactions=(b"early",)))
    assert store.load_rejection(sha256_hex(b"early")) is None
    assert store.load_transaction_location(sha256_hex(b"early")) is not None
    with pytest.raises(StoreInvariantError):
        store.save_rejection(sha256_hex(b"early"), rejection)
    store.save_rejection(sha256_hex(b"other"), rejection)
    assert store.load_rejection(sha256_hex(b"other")) == rejection


def test_view_is_a_consistent_snapshot(store: Store) -> None:
    with store.view() as view:
        store.commit_block(_next_commit(store, {property_key("21:1"): b"property"}))
        meta = view.load_meta()
        assert meta is not None and meta.height == 0
        assert view.state.get(property_key("21:1")) is None
        assert view.load_block(1) is None
    assert store.state.get(property_key("21:1")) == b"property"


def test_blocks_decode_from_their_stored_bytes(store: Store) -> None:
    commit = _next_commit(store, {}, transactions=(b"a", b"b"))
    store.commit_block(commit)
    raw = store.load_block_bytes(1)
    assert raw is not None and Block.decode(raw) == commit.block
