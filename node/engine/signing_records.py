"""The double-sign guard's durable half: what this validator signed, on disk before it is sent.

DESIGN.md §4 (crash safety). Before a proposal or vote leaves the process the engine calls
``SigningJournal.authorise``: it asks ``consensus.signing_guard.decide_signing`` whether the
record may be signed given the last durable one, and if so writes it (synced LevelDB batch via
ledger/chain/store.py) together with the signed message, so that a restarted node re-sends exactly
what it signed and never signs anything conflicting. Every record is also kept under its
(height, round, step), which lets an audit check that no two different messages were signed for
one position (tests/integration read them with ``read_records``).
"""

from __future__ import annotations

from consensus.signing_guard import SigningRecord, SigningVerdict, decide_signing
from consensus.types import BlockId
from ledger.chain.signing_records import (
    CorruptSigningRecord,
    JournalEntry,
    RecordViolation,
    check_records,
    decode_entry,
    encode_entry,
)
from ledger.chain.store import Store, StoreReader

# The format lives in ledger/chain/signing_records.py (the auditor reads it too); re-exported.
__all__ = [
    "ConflictingSigningRecord",
    "CorruptSigningRecord",
    "JournalEntry",
    "RecordViolation",
    "SigningJournal",
    "check_records",
    "decode_entry",
    "encode_entry",
    "read_records",
]


class ConflictingSigningRecord(Exception):
    """Asked to sign a different block id at a (height, round, step) that already has a record.

    Signing it would be half of an equivocation: the journal refuses and writes nothing.
    """

    def __init__(self, position: tuple[int, int, int], recorded: bytes | None, asked: bytes | None):
        self.position = position
        self.recorded = recorded
        self.asked = asked
        super().__init__(
            f"already signed {_describe(recorded)} at {position}, refusing {_describe(asked)}"
        )


def _describe(block_id: bytes | None) -> str:
    return "nil" if block_id is None else block_id.hex()[:16]


def read_records(reader: StoreReader) -> list[JournalEntry]:
    """Every record this validator ever signed, in (height, round, step) order."""
    return [decode_entry(encoded) for encoded in reader.signing_records()]


class SigningJournal:
    """The last durable record and the positions recorded at its height; engine thread only."""

    def __init__(self, store: Store) -> None:
        self._store = store
        stored = store.load_last_signing_record()
        self._last: JournalEntry | None = None if stored is None else decode_entry(stored)
        # Block ids recorded at the last record's height: the positions a request may repeat.
        # Earlier heights need no index: the guard refuses them as regressions.
        # Only the records from the last one's height are read (issue 11: start-up must not
        # grow with the chain); the full history stays for audits (``read_records``).
        self._recorded: dict[tuple[int, int, int], BlockId | None] = {}
        latest: JournalEntry | None = None
        from_height = 0 if self._last is None else self._last.record.height
        for encoded in store.signing_records(from_height):
            entry = decode_entry(encoded)
            latest = entry
            if self._last is not None and entry.record.height == self._last.record.height:
                self._recorded[entry.record.position] = entry.record.block_id
        if latest != self._last:
            raise CorruptSigningRecord("the last signing record is not the latest one stored")

    @property
    def last(self) -> JournalEntry | None:
        return self._last

    def authorise(self, record: SigningRecord, message: bytes) -> SigningVerdict:
        """Persist ``record`` (synced) when the guard allows signing it; the verdict either way.

        A SIGN_AGAIN (the very message already recorded) writes nothing: re-sending is harmless.
        Raises ConflictingSigningRecord, writing nothing, when the position already holds a
        record with another block id.
        """
        position = record.position
        if position in self._recorded and self._recorded[position] != record.block_id:
            raise ConflictingSigningRecord(position, self._recorded[position], record.block_id)
        last = None if self._last is None else self._last.record
        verdict = decide_signing(last, record)
        if verdict is SigningVerdict.REFUSE_CONFLICT and last is not None:
            raise ConflictingSigningRecord(position, last.block_id, record.block_id)
        if verdict is SigningVerdict.SIGN:
            entry = JournalEntry(record, message)
            self._store.save_signing_record(position, encode_entry(entry))
            if last is None or last.height != record.height:
                self._recorded = {}
            self._recorded[position] = record.block_id
            self._last = entry
        return verdict
