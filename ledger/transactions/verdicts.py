"""Verify once (issue 11, ADR 0010): what a node computed from a transaction's bytes at admission
(or on first sight in a proposal) is remembered, bounded, and reused when the mempool re-checks
it after each block and when the block executes.

Only pure functions of the bytes are remembered, never anything that depends on state or time:
  - ``envelope_signatures_verify``: every signature of an envelope (any algorithm of
    ledger/identity/algorithms.py) verifies over its body
    with the public key of the certificate it carries. Keyed by the whole envelope's bytes
    (body, signatures and certificates; the cache hashes them), so a hit is exactly the
    envelope that was checked.
  - ``parsed_cms``: the decoded CMS SignedData of a document (ledger/documents/parse.py
    ``load_cms``), keyed by the transaction id, the document's field and the CMS bytes.
    Parsing with asn1crypto is most of the cost of admitting a lease application (~60% in a
    profile of check_transaction), more than its signatures. The transaction id is in the key
    so that a hit is always the same transaction seen again, never another transaction that
    happens to carry the same document (the benchmark's workload signs its documents once:
    keying by the bytes alone would flatter it).
Whether a certificate chains to a CA trusted in state, is valid at the block time, is not
revoked, holds a role, and whether a CMS signer's signature verifies under that trust, are
judged again in every block: they depend on state and time, and are not cached here.

So a cache hit returns what recomputing would return, and execution stays deterministic: a
node with a cold cache (restarted, or that never saw the transaction before its block) computes
the same verdicts. Memory is bounded (least recently used entries leave first; a miss only
costs the work again). ``functools.lru_cache`` is thread-safe, and the ledger imports no
threading: admission runs on the server's threads, execution on the engine's.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping

from google.protobuf.message import DecodeError
from tirkeu_pb import transaction_pb2

from ledger.documents.cms import SignedDocument, load_cms
from ledger.identity.certificates import MalformedCertificate, load_certificate
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.signatures import verify_certificate_signature

# Enough for a full mempool (10,000 by default) and the blocks in flight.
ENVELOPE_CAPACITY = 16_384  # a key holds the envelope bytes: ~1-6 KiB each, <= ~100 MiB
DOCUMENT_CAPACITY = 8_192  # decoded CMS with their certificates: a few KiB each


@functools.lru_cache(maxsize=ENVELOPE_CAPACITY)
def envelope_signatures_verify(raw_envelope: bytes) -> bool:
    """Whether the envelope decodes and each of its signatures verifies over its body with
    its certificate's key (False for anything else; the caller then names the problem)."""
    try:
        envelope = transaction_pb2.Envelope.FromString(raw_envelope)
        for signature in envelope.signatures:
            certificate = load_certificate(signature.certificate)
            if not verify_certificate_signature(certificate, signature.signature, envelope.body):
                return False
    except (DecodeError, ValueError, MalformedCertificate, InvalidIdentifier):
        return False
    return bool(envelope.signatures)


@functools.lru_cache(maxsize=DOCUMENT_CAPACITY)
def parsed_cms(transaction_id: str, field: str, data: bytes) -> SignedDocument:
    """``load_cms(data)`` for the document ``field`` of the transaction, decoded once
    (MalformedCms is raised, not remembered)."""
    return load_cms(data)


# Verdicts computed by another process running these same functions on the same bytes
# (``tirkeu-audit verify --jobs``, ledger/audit/prefetch.py). Keyed by the SHA-256 of the exact
# bytes, so a supplied verdict is only ever used for the bytes it was computed from; the auditor
# supplies one block's worth before replaying it and forgets them after (memory stays bounded).
_supplied_envelopes: dict[bytes, bool] = {}
_supplied_documents: dict[tuple[str, bytes], SignedDocument] = {}


def supply(
    envelopes: Mapping[bytes, bool], documents: Mapping[tuple[str, bytes], SignedDocument]
) -> None:
    """Remember verdicts computed elsewhere: envelopes by the SHA-256 of their bytes, decoded
    CMS by (transaction id, SHA-256 of the CMS bytes)."""
    _supplied_envelopes.update(envelopes)
    _supplied_documents.update(documents)


def forget_supplied() -> None:
    _supplied_envelopes.clear()
    _supplied_documents.clear()


def envelope_verdict(raw_envelope: bytes) -> bool:
    """``envelope_signatures_verify``, taken from a supplied verdict when there is one."""
    if _supplied_envelopes:
        supplied = _supplied_envelopes.get(hashlib.sha256(raw_envelope).digest())
        if supplied is not None:
            return supplied
    return envelope_signatures_verify(raw_envelope)


def decoded_cms(transaction_id: str, field: str, data: bytes) -> SignedDocument:
    """``parsed_cms``, taken from a supplied decoding when there is one."""
    if _supplied_documents:
        supplied = _supplied_documents.get((transaction_id, hashlib.sha256(data).digest()))
        if supplied is not None:
            return supplied
    return parsed_cms(transaction_id, field, data)


def clear() -> None:
    """Forget every verdict (benchmarks measuring the cold cost)."""
    envelope_signatures_verify.cache_clear()
    parsed_cms.cache_clear()
    forget_supplied()
