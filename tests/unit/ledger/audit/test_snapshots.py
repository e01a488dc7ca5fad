"""State snapshots (issue 12, ADR 0013): made from a node's store at its certified tip after
three validator-set changes, verified from the genesis file alone, restored into a new store
that resumes at that height; each kind of tampering is refused by name before anything is
written."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ledger.audit import trust_anchor
from ledger.audit.snapshots import (
    InvalidSnapshot,
    SnapshotProblem,
    StateSnapshot,
    decode_snapshot,
    encode_snapshot,
    verify_snapshot,
)
from ledger.chain.blocks import CommitSignature
from ledger.chain.store import Store
from ledger.governance.schedule import validators_at
from node.chain.open import chain_setup, check_resumable
from node.chain.snapshots import SnapshotUnavailable, create_snapshot, restore_snapshot
from tests.unit.ledger.audit.test_audit_set_changes import build_changing_chain


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, StateSnapshot]:
    directory = tmp_path_factory.mktemp("snapshot") / "node"
    genesis_bytes = build_changing_chain(directory)
    with Store(directory / "ledger") as store:
        return genesis_bytes, create_snapshot(store)


def test_a_snapshot_restores_a_store_that_resumes_at_its_height(
    made: tuple[bytes, StateSnapshot], tmp_path: Path
) -> None:
    genesis_bytes, snapshot = made
    data = encode_snapshot(snapshot)
    assert decode_snapshot(data) == snapshot
    setup = chain_setup(genesis_bytes)
    meta = restore_snapshot(tmp_path / "new", setup, data)
    assert (meta.height, meta.state_root) == (8, snapshot.block.header.state_root)
    with Store(tmp_path / "new" / "ledger") as store:
        check_resumable(store, meta, setup)  # the node will start on it
        assert store.load_meta() == meta
        assert store.load_block(7) is None  # no history: state sync, not replay
        assert store.load_commit(8) == snapshot.certificate
        assert "validator-1" not in validators_at(store.state, 9).validator_set
    with pytest.raises(SnapshotUnavailable):
        restore_snapshot(tmp_path / "new", setup, data)  # never over an existing store


def _tampered_record(snapshot: StateSnapshot) -> StateSnapshot:
    records = list(snapshot.records)
    index = next(i for i, (k, _) in enumerate(records) if k.startswith(b"authority/"))
    key, value = records[index]
    records[index] = (key, value[:-1] + bytes([value[-1] ^ 1]))
    return replace(snapshot, records=tuple(records))


def _forged_signature(snapshot: StateSnapshot) -> StateSnapshot:
    first, *rest = snapshot.certificate.signatures
    forged = CommitSignature(first.validator_id, first.signature[:-1] + b"\x00")
    return replace(snapshot, certificate=replace(snapshot.certificate, signatures=(forged, *rest)))


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (_tampered_record, SnapshotProblem.STATE_ROOT_MISMATCH),
        (_forged_signature, SnapshotProblem.CERTIFICATE_INVALID),
        (lambda s: replace(s, records=s.records[:-1]), SnapshotProblem.STATE_ROOT_MISMATCH),
        (lambda s: replace(s, chain_id="another"), SnapshotProblem.WRONG_CHAIN),
        (lambda s: replace(s, height=s.height - 1), SnapshotProblem.BLOCK_INVALID),
    ],
)
def test_a_tampered_snapshot_is_refused_by_name_and_nothing_is_written(
    made: tuple[bytes, StateSnapshot], tmp_path: Path, tamper: object, problem: SnapshotProblem
) -> None:
    genesis_bytes, snapshot = made
    bad = tamper(snapshot)  # type: ignore[operator]
    with pytest.raises(InvalidSnapshot) as refused:
        verify_snapshot(bad, trust_anchor(genesis_bytes))
    assert refused.value.problem is problem
    with pytest.raises(InvalidSnapshot):
        restore_snapshot(tmp_path / "new", chain_setup(genesis_bytes), encode_snapshot(bad))
    assert not (tmp_path / "new").exists()


def test_bytes_that_are_no_snapshot_are_malformed(made: tuple[bytes, StateSnapshot]) -> None:
    data = encode_snapshot(made[1])
    for bad in (b"", b"not msgpack", data[:-5]):
        with pytest.raises(InvalidSnapshot) as refused:
            decode_snapshot(bad)
        assert refused.value.problem is SnapshotProblem.MALFORMED
