"""What ``tirkeu-audit verify --jobs N`` computes for a block in another process (issue 11).

A block's pure verdicts do not depend on any other block, on state or on time: whether each
envelope's signatures verify over its body with the keys of the certificates it carries, and
the decoding of each CMS document it carries (together ~half of the replay's time in a profile
of a 20,000-transaction chain, most of it parsing CMS with asn1crypto). Worker processes compute
them ahead with the very functions execution uses (ledger/transactions/verdicts.py), and the
auditor supplies them to its own process just before it replays the block, then forgets them.

Everything that depends on the chain so far stays sequential and is judged as without workers:
which validators are in force, the commit certificates, the links and contents of each block,
whether each certificate chains to a CA trusted in state at the block's time and holds its
role, each CMS signer under that trust, and the replay of the state roots. A supplied verdict
is what the same function returns for the same bytes (the keys are their SHA-256), so a
defect is named where and as the single-process audit names it: a worker only saves the main
process the work, it never decides a defect.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from google.protobuf.message import DecodeError, Message
from tirkeu_pb import block_pb2, transaction_pb2

from ledger.documents.cms import MalformedCms, SignedDocument, load_cms
from ledger.hashing import sha256_hex
from ledger.transactions import verdicts


@dataclass(frozen=True, slots=True)
class BlockVerdicts:
    """The pure verdicts of one block's transactions, keyed as ``verdicts.supply`` takes them."""

    height: int
    envelopes: tuple[tuple[bytes, bool], ...]  # (SHA-256 of the envelope, signatures verify)
    documents: tuple[tuple[str, bytes, SignedDocument], ...]  # (tx id, SHA-256 of CMS, decoded)

    def supply(self) -> None:
        """Hand them to this process's verify-once functions (until ``forget``)."""
        verdicts.supply(
            dict(self.envelopes), {(tx, digest): doc for tx, digest, doc in self.documents}
        )

    @staticmethod
    def forget() -> None:
        verdicts.forget_supplied()


def block_verdicts(height: int, raw_block: bytes) -> BlockVerdicts:
    """The verdicts of the block stored at ``height`` (none when it does not decode: the
    auditor then computes everything itself, and names the defect as before)."""
    try:
        block = block_pb2.Block.FromString(raw_block)
    except (DecodeError, ValueError, RecursionError):
        return BlockVerdicts(height, (), ())
    envelopes: list[tuple[bytes, bool]] = []
    documents: list[tuple[str, bytes, SignedDocument]] = []
    for raw in block.transactions:
        envelopes.append((hashlib.sha256(raw).digest(), verdicts.envelope_signatures_verify(raw)))
        documents.extend(_documents(raw))
    return BlockVerdicts(height, tuple(envelopes), tuple(documents))


def _documents(raw_envelope: bytes) -> Iterator[tuple[str, bytes, SignedDocument]]:
    try:
        envelope = transaction_pb2.Envelope.FromString(raw_envelope)
        body = transaction_pb2.TransactionBody.FromString(envelope.body)
    except (DecodeError, ValueError, RecursionError):
        return
    transaction_id = sha256_hex(envelope.body)
    for cms in _cms_fields(body):
        try:
            decoded = load_cms(cms)
        except (MalformedCms, ValueError):
            continue  # not remembered: the auditor's own decoding names the problem
        yield transaction_id, hashlib.sha256(cms).digest(), decoded


def _cms_fields(message: Message) -> Iterator[bytes]:
    """The CMS bytes of every SignedDocument anywhere in ``message`` (whichever action)."""
    if isinstance(message, transaction_pb2.SignedDocument):
        yield message.cms
        return
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            continue
        if descriptor.is_repeated and not descriptor.message_type.GetOptions().map_entry:
            for item in value:
                yield from _cms_fields(item)
        elif not descriptor.is_repeated:
            yield from _cms_fields(value)
