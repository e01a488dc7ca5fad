"""The signing records' format: what a validator signed at each (height, round, step), with the
signed message, as the node stores them (``signed/`` keys of ledger/chain/store.py) and as the
auditor reads them back (ledger/audit). The double-sign guard that writes them is
node/engine/signing_records.py; both sides decode with ``decode_entry`` so a record the node
refuses to start on is a defect the auditor names.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError
from tirkeu_pb import peer_pb2

from consensus.signing_guard import SigningRecord, SigningStep
from consensus.types import NO_ROUND, BlockId, Height, Round


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
