"""Issue 13: transactions every block can carry. An envelope larger than any block of the chain
leaves room for (genesis ``max_block_bytes`` less the block's reserved overhead) is refused
with TRANSACTION_EXCEEDS_BLOCK instead of waiting forever, and a nonce is at most
MAX_NONCE_BYTES (NONCE_TOO_LONG), so no rule-free field carries megabytes."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ledger.chain.genesis import (
    BLOCK_OVERHEAD_RESERVE_BYTES,
    DEFAULT_MAX_BLOCK_BYTES,
    MAX_BLOCK_BYTES_CEILING,
    InvalidGenesis,
    load_genesis,
)
from ledger.rejections import Rejection, RejectionReason
from ledger.transactions.envelope import MAX_NONCE_BYTES
from tests.registry_fixtures import make_genesis, make_genesis_document, sign_envelope
from tests.unit.ledger.registry.story import Story


def _reason(outcome: object) -> RejectionReason | None:
    return outcome.reason if isinstance(outcome, Rejection) else None


def _story(*, max_block_bytes: int, max_transaction_bytes: int) -> Story:
    genesis = make_genesis(Story().parties, max_transaction_bytes=max_transaction_bytes)
    limits = dataclasses.replace(genesis.limits, max_block_bytes=max_block_bytes)
    return Story(genesis=dataclasses.replace(genesis, limits=limits))


SIZE_REASONS = {RejectionReason.OVERSIZED_TRANSACTION, RejectionReason.TRANSACTION_EXCEEDS_BLOCK}


def _padded_property_import(story: Story, envelope_bytes: int) -> bytes:
    """A signed property import whose envelope has exactly ``envelope_bytes`` bytes (its
    address is padded: past 500 characters the import itself is refused, INVALID_FIELD, a
    check that comes after both size checks)."""
    action = story.property_import(address="a")
    envelope = story.envelope(action, story.parties.registrar)
    # Length prefixes grow at varint boundaries and a DER signature varies by a byte: adjust
    # the address until the envelope has the exact size.
    for _ in range(50):
        if len(envelope) == envelope_bytes:
            break
        action.address = "a" * max(1, len(action.address) + envelope_bytes - len(envelope))
        envelope = story.envelope(action, story.parties.registrar)
    assert len(envelope) == envelope_bytes
    return envelope


def test_a_transaction_larger_than_any_block_carries_is_refused_with_its_name() -> None:
    block_limit = 200_000
    story = _story(max_block_bytes=block_limit, max_transaction_bytes=262_144)
    fitting = block_limit - BLOCK_OVERHEAD_RESERVE_BYTES
    too_large = _padded_property_import(story, fitting + 1)
    rejected = story.ledger.apply(too_large)
    assert _reason(rejected) is RejectionReason.TRANSACTION_EXCEEDS_BLOCK
    assert str(fitting) in str(rejected)
    # One byte less and the size checks pass (the padded address is refused later): exact.
    assert _reason(story.ledger.apply(_padded_property_import(story, fitting))) not in SIZE_REASONS


def test_the_transaction_limit_is_named_first_when_both_are_exceeded() -> None:
    story = _story(max_block_bytes=200_000, max_transaction_bytes=150_000)
    envelope = _padded_property_import(story, 150_001)
    assert _reason(story.ledger.apply(envelope)) is RejectionReason.OVERSIZED_TRANSACTION


def test_a_nonce_longer_than_the_limit_is_refused() -> None:
    story = Story()
    for length, refused in ((MAX_NONCE_BYTES, False), (MAX_NONCE_BYTES + 1, True)):
        body = story.builder.body(story.property_import())
        body.nonce = b"n" * length
        envelope = sign_envelope(body.SerializeToString(), [story.parties.registrar])
        outcome = story.ledger.apply(envelope)
        assert (_reason(outcome) is RejectionReason.NONCE_TOO_LONG) is refused, outcome


def test_a_genesis_without_max_block_bytes_reads_the_default() -> None:
    document = make_genesis_document(Story().parties)
    assert "max_block_bytes" not in document["limits"]
    genesis = load_genesis(json.dumps(document).encode())
    assert genesis.limits.max_block_bytes == DEFAULT_MAX_BLOCK_BYTES
    assert genesis.limits.largest_fitting_transaction > genesis.limits.max_transaction_bytes


@pytest.mark.parametrize(
    "value", [0, 2 * BLOCK_OVERHEAD_RESERVE_BYTES - 1, MAX_BLOCK_BYTES_CEILING + 1, "big"]
)
def test_a_block_limit_outside_the_carriable_range_is_an_invalid_genesis(value: object) -> None:
    document = make_genesis_document(Story().parties)
    document["limits"]["max_block_bytes"] = value
    with pytest.raises(InvalidGenesis) as raised:
        load_genesis(json.dumps(document).encode())
    assert raised.value.field == "limits.max_block_bytes"
