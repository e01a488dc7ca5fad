"""The double-sign guard's durable half: what this validator signed, on disk before it is sent.

DESIGN.md §4 (crash safety). Before a proposal or vote leaves the process the engine calls
``SigningJournal.authorise``: it asks ``consensus.signing_guard.decide_signing`` whether the
record may be signed given the last durable one, and if so writes it (synced LevelDB batch via
ledger/store.py) together with the signed message, so that a restarted node re-sends exactly
what it signed and never signs anything conflicting. Every record is also kept under its
(height, round, step), which lets an audit check that no two different messages were signed for
one position (tests/integration read them with ``read_records``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from consensus.signing_guard import SigningRecord, SigningStep, SigningVerdict, decide_signing
from consensus.types import NO_ROUND, BlockId, Height, Round
from ledger.store import Store, StoreReader


class CorruptSigningRecord(RuntimeError):
    """A stored signing record does not decode: the guard cannot decide, so nothing is signed."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    record: SigningRecord
    message: bytes  # the serialized peer_pb2.ConsensusMessage that was signed


def encode_entry(entry: JournalEntry) -> bytes:
    record = entry.record
    return json.dumps(
        {
            "height": record.height,
            "round": record.round,
            "step": record.step.name,
            "block_id": None if record.block_id is None else record.block_id.hex(),
            "locked_round": record.locked_round,
            "locked_value": None if record.locked_value is None else record.locked_value.hex(),
            "message": entry.message.hex(),
        },
        sort_keys=True,
    ).encode()


def decode_entry(encoded: bytes) -> JournalEntry:
    try:
        document = json.loads(encoded)
        record = SigningRecord(
            height=Height(int(document["height"])),
            round=Round(int(document["round"])),
            step=SigningStep[document["step"]],
            block_id=_block_id(document["block_id"]),
            locked_round=Round(int(document.get("locked_round", NO_ROUND))),
            locked_value=_block_id(document.get("locked_value")),
        )
        return JournalEntry(record, bytes.fromhex(document["message"]))
    except (ValueError, KeyError, TypeError) as error:
        raise CorruptSigningRecord(f"a signing record does not decode: {error}") from error


def _block_id(text: object) -> BlockId | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError("a block id is hex text")
    return BlockId(bytes.fromhex(text))


def read_records(reader: StoreReader) -> list[JournalEntry]:
    """Every record this validator ever signed, in (height, round, step) order."""
    return [decode_entry(encoded) for encoded in reader.signing_records()]


class SigningJournal:
    """The last durable record, cached; only the engine thread uses it."""

    def __init__(self, store: Store) -> None:
        self._store = store
        stored = store.load_last_signing_record()
        self._last: JournalEntry | None = None if stored is None else decode_entry(stored)

    @property
    def last(self) -> JournalEntry | None:
        return self._last

    def authorise(self, record: SigningRecord, message: bytes) -> SigningVerdict:
        """Persist ``record`` (synced) when the guard allows signing it; the verdict either way.

        A SIGN_AGAIN (the very message already recorded) writes nothing: re-sending is harmless.
        """
        verdict = decide_signing(None if self._last is None else self._last.record, record)
        if verdict is SigningVerdict.SIGN:
            entry = JournalEntry(record, message)
            self._store.save_signing_record(record.position, encode_entry(entry))
            self._last = entry
        return verdict
