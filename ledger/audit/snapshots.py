"""State snapshots (issue 12, docs/adr/0013-snapshots-and-state-sync.md): the whole consensus
state at one certified height, and how a new node checks one before it trusts it.

A snapshot holds the chain id and genesis file hash, the height H, the block of H with its
commit certificate, and every state record. ``verify_snapshot`` trusts only the genesis file
(as the auditor, ADR 0003): the records must rebuild the state tree to the header's state root;
the validator-set changes kept in those records are followed from the genesis set through their
approvals (ADR 0011, the light-client walk of ledger/audit/validator_history.py); the header
must name the resulting set; and the certificate must be more than 2/3 of its power for exactly
this block. Any failure is an ``InvalidSnapshot`` naming its ``SnapshotProblem``; nothing is
written before the verdict (node/chain/snapshots.py).

The file: deterministic msgpack ``[format, chain id, genesis sha256, height, block bytes,
certificate bytes, [[key, value], ...] in key order]``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import msgpack
from google.protobuf.message import DecodeError
from tirkeu_pb import transaction_pb2

from ledger.audit.anchor import TrustAnchor
from ledger.audit.validator_history import ValidatorHistory
from ledger.chain.blocks import (
    Block,
    CertifyingValidators,
    CommitCertificate,
    CommitProblem,
    InvalidBlock,
    InvalidCommitCertificate,
    apply_state_writes,
    verify_block_contents,
    verify_commit_certificate,
)
from ledger.governance.schedule import CommittedChange, change_key
from ledger.governance.validator_changes import InvalidChange
from ledger.merkle.smt import EMPTY_ROOT, MemorySmtStore
from ledger.state.access import authority_key
from ledger.state.codec import CorruptRecord, load_record

SNAPSHOT_FORMAT = "tirkeu-state-snapshot/1"
_CHANGES_PREFIX = authority_key("validator-changes/")


class SnapshotProblem(enum.Enum):
    MALFORMED = "the bytes are not a state snapshot"
    WRONG_CHAIN = "the snapshot is of another chain or genesis file"
    BLOCK_INVALID = "the snapshot's block does not match its own header"
    STATE_ROOT_MISMATCH = "the state records do not give the header's state root"
    VALIDATOR_CHANGE_UNAPPROVED = "a validator-set change in the state lacks its approvals"
    WRONG_VALIDATOR_SET = "the header names another set than genesis and the changes give"
    NOT_CERTIFIED = "the certificate commits another block"
    CERTIFICATE_INVALID = "the certificate lacks more than 2/3 of the power in valid signatures"


class InvalidSnapshot(Exception):
    def __init__(self, problem: SnapshotProblem, detail: str) -> None:
        super().__init__(f"{problem.name}: {detail}")
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True, slots=True)
class StateSnapshot:
    chain_id: str
    genesis_sha256: bytes
    height: int
    block: Block
    certificate: CommitCertificate
    records: tuple[tuple[bytes, bytes], ...]  # in key order


@dataclass(frozen=True, slots=True)
class VerifiedSnapshot:
    snapshot: StateSnapshot
    smt_nodes: dict[bytes, bytes]  # the rebuilt state tree


def encode_snapshot(snapshot: StateSnapshot) -> bytes:
    document = [
        SNAPSHOT_FORMAT,
        snapshot.chain_id,
        snapshot.genesis_sha256,
        snapshot.height,
        snapshot.block.encode(),
        snapshot.certificate.encode(),
        [[key, value] for key, value in snapshot.records],
    ]
    packed: bytes = msgpack.packb(document, use_bin_type=True)
    return packed


def decode_snapshot(data: bytes) -> StateSnapshot:
    malformed = SnapshotProblem.MALFORMED
    try:
        document = msgpack.unpackb(data, raw=False, use_list=True, strict_map_key=True)
        form, chain_id, genesis_sha256, height, block, certificate, records = document
    except (ValueError, TypeError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError):
        raise InvalidSnapshot(malformed, "not a snapshot file") from None
    if form != SNAPSHOT_FORMAT:
        raise InvalidSnapshot(malformed, f"format {form!r}, expected {SNAPSHOT_FORMAT!r}")
    if not (isinstance(chain_id, str) and isinstance(genesis_sha256, bytes)):
        raise InvalidSnapshot(malformed, "chain id or genesis hash")
    if not isinstance(height, int) or height < 1 or not isinstance(records, list):
        raise InvalidSnapshot(malformed, "height or records")
    pairs = []
    for item in records:
        pair = item if isinstance(item, list) and len(item) == 2 else None
        if pair is None or not all(isinstance(part, bytes) for part in pair):
            raise InvalidSnapshot(malformed, "a record is not a [key, value] pair of bytes")
        pairs.append((item[0], item[1]))
    if [key for key, _ in pairs] != sorted({key for key, _ in pairs}):
        raise InvalidSnapshot(malformed, "records are not in strictly increasing key order")
    try:
        decoded_block = Block.decode(block)
        decoded_certificate = CommitCertificate.decode(certificate)
    except (InvalidBlock, InvalidCommitCertificate, TypeError) as error:
        raise InvalidSnapshot(malformed, f"block or certificate: {error}") from None
    return StateSnapshot(
        chain_id, genesis_sha256, height, decoded_block, decoded_certificate, tuple(pairs)
    )


def verify_snapshot(snapshot: StateSnapshot, anchor: TrustAnchor) -> VerifiedSnapshot:
    """The snapshot with its rebuilt state tree, once every check holds; InvalidSnapshot."""
    if snapshot.chain_id != anchor.chain_id or snapshot.genesis_sha256 != anchor.genesis_sha256:
        raise InvalidSnapshot(SnapshotProblem.WRONG_CHAIN, f"chain {snapshot.chain_id!r}")
    block, header = snapshot.block, snapshot.block.header
    try:
        verify_block_contents(block)
    except InvalidBlock as error:
        raise InvalidSnapshot(SnapshotProblem.BLOCK_INVALID, str(error)) from None
    if header.height != snapshot.height or header.chain_id != anchor.chain_id:
        raise InvalidSnapshot(SnapshotProblem.BLOCK_INVALID, "height or chain of the header")
    tree = MemorySmtStore()
    update = apply_state_writes(tree, EMPTY_ROOT, dict(snapshot.records))
    if update.root != header.state_root:
        raise InvalidSnapshot(
            SnapshotProblem.STATE_ROOT_MISMATCH,
            f"records give {update.root.hex()}, header {header.state_root.hex()}",
        )
    validators = _validators_at(snapshot, anchor)
    if header.validator_set_hash != validators.set_hash():
        raise InvalidSnapshot(SnapshotProblem.WRONG_VALIDATOR_SET, f"at height {header.height}")
    try:
        verify_commit_certificate(
            snapshot.certificate,
            chain_id=anchor.chain_id,
            validators=validators,
            height=header.height,
            block_hash=header.block_hash,
        )
    except InvalidCommitCertificate as error:
        problem = (
            SnapshotProblem.NOT_CERTIFIED
            if error.problem in (CommitProblem.WRONG_HEIGHT, CommitProblem.WRONG_BLOCK_HASH)
            else SnapshotProblem.CERTIFICATE_INVALID
        )
        raise InvalidSnapshot(problem, str(error)) from None
    return VerifiedSnapshot(snapshot, dict(update.new_nodes))


def _validators_at(snapshot: StateSnapshot, anchor: TrustAnchor) -> CertifyingValidators:
    history = ValidatorHistory(anchor)
    records = dict(snapshot.records)
    sequence = 0
    while (raw := records.get(change_key(sequence))) is not None:
        try:
            change = load_record(CommittedChange, raw)
            message = transaction_pb2.ValidatorSetChange.FromString(change.change)
            history.follow_change(change.height, message)
        except (CorruptRecord, DecodeError, ValueError, InvalidChange) as error:
            raise InvalidSnapshot(
                SnapshotProblem.VALIDATOR_CHANGE_UNAPPROVED, f"change {sequence}: {error}"
            ) from None
        sequence += 1
    stray = [k for k in records if k.startswith(_CHANGES_PREFIX) and k > change_key(sequence)]
    if stray:
        raise InvalidSnapshot(SnapshotProblem.VALIDATOR_CHANGE_UNAPPROVED, "a gap in the changes")
    return history.validators_at(snapshot.height)
