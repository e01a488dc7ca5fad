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

import json
from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError
from tirkeu_pb import peer_pb2

from consensus.signing_guard import SigningRecord, SigningStep, SigningVerdict, decide_signing
from consensus.types import NO_ROUND, BlockId, Height, Round
from ledger.chain.store import Store, StoreReader


class CorruptSigningRecord(RuntimeError):
    """A stored signing record does not decode: the guard cannot decide, so nothing is signed."""


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


@dataclass(frozen=True, slots=True)
class RecordViolation:
    position: tuple[int, int, int]
    detail: str


def check_records(entries: Sequence[JournalEntry]) -> list[RecordViolation]:
    """Audit every record of one validator: what is wrong, empty when nothing is.

    Positions must strictly increase (one record per position, in order), and each record's
    signed message must be the message the record describes (its height, round, step and block
    id): a record overwritten with another block id no longer matches what was sent.
    """
    violations: list[RecordViolation] = []
    previous: tuple[int, int, int] | None = None
    for entry in entries:
        position = entry.record.position
        if previous is not None and position <= previous:
            violations.append(RecordViolation(position, f"not after {previous}"))
        previous = position
        described = _message_position(entry.message)
        if described != (position, entry.record.block_id):
            violations.append(RecordViolation(position, f"the signed message says {described}"))
    return violations


def _message_position(
    encoded: bytes,
) -> tuple[tuple[int, int, int], bytes | None] | str:
    try:
        message = peer_pb2.ConsensusMessage.FromString(encoded)
    except DecodeError:
        return "an undecodable message"
    if message.HasField("proposal"):
        proposal = message.proposal
        step = SigningStep.PROPOSAL
        return (proposal.height, proposal.round, int(step)), proposal.block_hash
    if message.HasField("vote"):
        vote = message.vote
        step = SigningStep.PREVOTE if vote.kind == peer_pb2.PREVOTE else SigningStep.PRECOMMIT
        return (vote.height, vote.round, int(step)), vote.block_hash or None
    return "an empty message"


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
