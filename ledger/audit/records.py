"""Offline only: every key of the node's database read once, not only those the replay asks for
(issue 13, build point 6; ADR 0019).

The replay reads blocks, certificates, state and indexes by key; what it never asks for could be
damaged unseen: a table block whose checksum fails (LevelDB corruption), a signing record the
double-sign guard cannot decode (the node refuses to start on it), a key no node writes, a block
above the tip, index entries for a party the state does not know. ``scan_records`` walks the
whole key space in order and judges each key by its prefix (ledger/chain/store.py's layout).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from tirkeu_pb import peer_pb2

from ledger.audit.anchor import TrustAnchor
from ledger.audit.defects import AuditReport, Defect, DefectKind
from ledger.audit.source import UnreadableRecord
from ledger.chain import store_keys as keys
from ledger.chain.signing_records import (
    CorruptSigningRecord,
    JournalEntry,
    check_records,
    decode_entry,
)
from ledger.rejections import Rejection
from ledger.state.codec import CorruptRecord, load_record

# The store's key layout (ledger/chain/store_keys.py, shared with the LevelDB store).
# prefix -> length of the key after it (None: any), for keys judged by shape only.
_SHAPED: dict[bytes, int | None] = {
    keys.COMMIT_PREFIX: 8,
    keys.SMT_PREFIX: 32,
    keys.NOTIFICATION_PREFIX: 12,
    keys.STATE_PREFIX: None,  # compared record by record with the replay
    keys.TRANSACTION_PREFIX: None,  # checked against the blocks (TRANSACTION_INDEX_*)
}
_META_KEYS = (keys.META_KEY, keys.FIRST_HEIGHT_KEY)
_BLOCK, _BLOCK_HASH, _REJECTED = keys.BLOCK_PREFIX, keys.BLOCK_HASH_PREFIX, keys.REJECTION_PREFIX
_PARTY, _STATUS = keys.PARTY_INDEX_PREFIX, keys.STATUS_INDEX_PREFIX
_SIGNED, _SIGNED_LAST, _WAL = keys.SIGNED_PREFIX, keys.SIGNED_LAST_KEY, keys.WAL_PREFIX


@dataclass(slots=True)
class RecordScan:
    """What the scan found: defects, whether it read to the end, and the application index."""

    defects: list[Defect] = field(default_factory=list)
    complete: bool = True
    keys_read: int = 0
    by_party: dict[str, set[str]] = field(default_factory=dict)
    by_status: dict[str, set[str]] = field(default_factory=dict)
    signed: list[tuple[bytes, JournalEntry]] = field(default_factory=list)
    signed_last: bytes | None = None
    last_signed_value: bytes | None = None


def scan_records(records: Iterator[tuple[bytes, bytes]], tip: int) -> RecordScan:
    """Judge every (key, value) of the database in key order; stop at LevelDB corruption."""
    scan = RecordScan()
    last_key = b""
    try:
        for key, value in records:
            scan.keys_read += 1
            last_key = key
            _judge(scan, key, value, tip)
    except UnreadableRecord as error:
        scan.complete = False
        scan.defects.append(
            Defect(
                DefectKind.STORE_CORRUPT,
                f"LevelDB cannot read on past key {_text(last_key)!r}: {error}",
                field="database",
                found=str(error),
            )
        )
    _check_signing_records(scan)
    return scan


def unopenable(description: str, anchor: TrustAnchor, detail: str) -> AuditReport:
    """The report on a database LevelDB refuses to open (the node refuses it too): one
    STORE_CORRUPT defect, and nothing else could be checked."""
    report = AuditReport(description, anchor.chain_id, anchor.genesis_sha256.hex())
    report.add(Defect(DefectKind.STORE_CORRUPT, detail, field="database"))
    report.not_verified.append("nothing else was read: LevelDB refuses to open the database")
    return report


def _judge(scan: RecordScan, key: bytes, value: bytes, tip: int) -> None:
    if key in _META_KEYS:
        return
    if key.startswith(_BLOCK):
        _judge_block_key(scan, key, tip)
    elif key.startswith(_BLOCK_HASH):
        if len(key) != len(_BLOCK_HASH) + 32 or len(value) != 8:
            scan.defects.append(_malformed(key, "a block-hash entry is a 32-byte hash -> height"))
    elif key.startswith(_REJECTED):
        try:
            load_record(Rejection, value)
        except CorruptRecord as error:
            scan.defects.append(_malformed(key, f"a rejection record does not decode: {error}"))
    elif key.startswith((_PARTY, _STATUS)):
        _collect_index(scan, key, value)
    elif key.startswith(_SIGNED):
        _collect_signing_record(scan, key, value)
    elif key == _SIGNED_LAST:
        scan.signed_last = value
    elif key.startswith(_WAL):
        _judge_wal(scan, key, value)
    else:
        _judge_shaped(scan, key)


def _judge_block_key(scan: RecordScan, key: bytes, tip: int) -> None:
    if len(key) != len(_BLOCK) + 8:
        scan.defects.append(_unknown(key))
        return
    height = int(struct.unpack(">Q", key[len(_BLOCK) :])[0])
    if height > tip:
        scan.defects.append(
            Defect(
                DefectKind.BLOCK_BEYOND_TIP,
                f"the metadata records height {tip}",
                height=height,
                field="block",
            )
        )


def _judge_shaped(scan: RecordScan, key: bytes) -> None:
    for prefix, length in _SHAPED.items():
        if key.startswith(prefix):
            if length is not None and len(key) != len(prefix) + length:
                scan.defects.append(_unknown(key))
            return
    scan.defects.append(_unknown(key))


def _collect_index(scan: RecordScan, key: bytes, value: bytes) -> None:
    prefix, index = (_PARTY, scan.by_party) if key.startswith(_PARTY) else (_STATUS, scan.by_status)
    name, separator, application_id = key[len(prefix) :].partition(b"/")
    if not separator or not application_id or value:
        scan.defects.append(_malformed(key, "an index entry is <name>/<application>, empty"))
        return
    index.setdefault(_text(name), set()).add(_text(application_id))


def _collect_signing_record(scan: RecordScan, key: bytes, value: bytes) -> None:
    scan.last_signed_value = value
    try:
        entry = decode_entry(value)
    except CorruptSigningRecord as error:
        scan.defects.append(_signing_defect(key, str(error)))
        return
    scan.signed.append((key, entry))


def _check_signing_records(scan: RecordScan) -> None:
    """Each record under its own position; positions in order and the signed message the one
    the record describes (``check_records``, as the cluster tests hold every validator to);
    ``signed-last`` the latest record (the guard refuses to start otherwise)."""
    for key, entry in scan.signed:
        if key[len(_SIGNED) :] != struct.pack(">QIB", *entry.record.position):
            scan.defects.append(
                _signing_defect(key, f"the record is for position {entry.record.position}")
            )
    for violation in check_records([entry for _, entry in scan.signed]):
        key = _SIGNED + struct.pack(">QIB", *violation.position)
        scan.defects.append(_signing_defect(key, violation.detail))
    if scan.signed_last is not None:
        try:
            decode_entry(scan.signed_last)
        except CorruptSigningRecord as error:
            scan.defects.append(_signing_defect(_SIGNED_LAST, str(error)))
            return
    if scan.complete and scan.signed_last != scan.last_signed_value:
        scan.defects.append(
            _signing_defect(_SIGNED_LAST, "signed-last is not the latest signing record")
        )


def _judge_wal(scan: RecordScan, key: bytes, value: bytes) -> None:
    if len(key) != len(_WAL) + 16:
        scan.defects.append(_unknown(key))
        return
    try:
        message = peer_pb2.ConsensusMessage.FromString(value)
    except DecodeError as error:
        scan.defects.append(_malformed(key, f"a consensus log entry does not decode: {error}"))
        return
    if not (message.HasField("proposal") or message.HasField("vote")):
        scan.defects.append(_malformed(key, "a consensus log entry holds no message"))


def _signing_defect(key: bytes, detail: str) -> Defect:
    return Defect(DefectKind.SIGNING_RECORD_CORRUPT, detail, field=f"key {_text(key)}")


def _malformed(key: bytes, detail: str) -> Defect:
    return Defect(DefectKind.RECORD_MALFORMED, detail, field=f"key {_text(key)}")


def _unknown(key: bytes) -> Defect:
    return Defect(
        DefectKind.UNKNOWN_KEY, "no record the node writes has this key", field=f"key {_text(key)}"
    )


def _text(key: bytes) -> str:
    """Printable text of a key: printable ASCII as it is, every other byte as \\xNN."""
    return "".join(chr(byte) if 32 <= byte < 127 else f"\\x{byte:02x}" for byte in key)
