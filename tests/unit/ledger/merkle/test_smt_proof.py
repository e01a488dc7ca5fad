"""State proofs (ledger.merkle.smt_proof): presence, both kinds of absence, tampering, codecs."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.merkle.smt import EMPTY_ROOT, MemorySmtStore, apply_changes, prove
from ledger.merkle.smt_proof import (
    MAX_PROOF_DEPTH,
    SmtLeaf,
    SmtProof,
    proof_from_bytes,
    proof_from_dict,
    proof_to_bytes,
    proof_to_dict,
    verify_proof,
)
from ledger.merkle.transaction_tree import MalformedProof
from tests.unit.ledger.merkle.smt_reference import key_groups_sharing_prefixes

VALUE_HASHES = [hashlib.sha256(b"value %d" % n).digest() for n in range(3)]
PAIRED_KEYS = [key for group in key_groups_sharing_prefixes(24, 30_000)[:3] for key in group]
RECORDS = {b"record %d" % n: VALUE_HASHES[n % 3] for n in range(40)} | dict.fromkeys(
    PAIRED_KEYS, VALUE_HASHES[0]
)


def build_store(records: dict[bytes, bytes]) -> tuple[MemorySmtStore, bytes]:
    store = MemorySmtStore()
    update = apply_changes(store, EMPTY_ROOT, records)
    store.put_nodes(update.new_nodes)
    return store, update.root


STORE, ROOT = build_store(RECORDS)
ABSENT_KEYS = [b"absent %d" % n for n in range(200)]


def absent_key_whose_proof_ends(at_leaf: bool) -> bytes:
    return next(
        key for key in ABSENT_KEYS if (prove(STORE, ROOT, key).end_leaf is not None) == at_leaf
    )


CASES = {
    "presence": (b"record 5", VALUE_HASHES[5 % 3]),
    "presence deep in a chain": (PAIRED_KEYS[0], VALUE_HASHES[0]),
    "absence ending at an empty subtree": (absent_key_whose_proof_ends(at_leaf=False), None),
    "absence ending at another record's leaf": (absent_key_whose_proof_ends(at_leaf=True), None),
}


@pytest.mark.parametrize("case", CASES)
def test_each_kind_of_proof_verifies_and_round_trips(case: str) -> None:
    key, value_hash = CASES[case]
    proof = prove(STORE, ROOT, key)
    assert verify_proof(ROOT, key, value_hash, proof)
    assert proof_from_bytes(proof_to_bytes(proof)) == proof
    assert proof_from_dict(json.loads(json.dumps(proof_to_dict(proof)))) == proof


@pytest.mark.parametrize("case", CASES)
def test_the_opposite_claim_fails_with_the_same_proof(case: str) -> None:
    key, value_hash = CASES[case]
    proof = prove(STORE, ROOT, key)
    if value_hash is None:
        for other_value in VALUE_HASHES:
            assert not verify_proof(ROOT, key, other_value, proof)
        if proof.end_leaf is not None:
            # The leaf it ends at belongs to another key, whose presence it does not prove here.
            assert not verify_proof(ROOT, key, proof.end_leaf.value_hash, proof)
    else:
        assert not verify_proof(ROOT, key, None, proof)


def flipped(data: bytes, bit: int) -> bytes:
    mutable = bytearray(data)
    mutable[bit // 8] ^= 1 << (bit % 8)
    return bytes(mutable)


@pytest.mark.parametrize("case", CASES)
def test_any_single_flipped_bit_in_the_encoded_proof_is_caught(case: str) -> None:
    key, value_hash = CASES[case]
    encoded = proof_to_bytes(prove(STORE, ROOT, key))
    for bit in range(8 * len(encoded)):
        try:
            tampered = proof_from_bytes(flipped(encoded, bit))
        except MalformedProof:
            continue
        assert not verify_proof(ROOT, key, value_hash, tampered), f"bit {bit} went unnoticed"


@pytest.mark.parametrize("case", CASES)
def test_any_single_flipped_bit_in_the_root_or_value_hash_is_caught(case: str) -> None:
    key, value_hash = CASES[case]
    proof = prove(STORE, ROOT, key)
    for bit in range(256):
        assert not verify_proof(flipped(ROOT, bit), key, value_hash, proof)
        if value_hash is not None:
            assert not verify_proof(ROOT, key, flipped(value_hash, bit), proof)


@pytest.mark.parametrize("case", ["presence", "presence deep in a chain"])
def test_any_single_flipped_bit_in_the_key_of_a_presence_proof_is_caught(case: str) -> None:
    key, value_hash = CASES[case]
    proof = prove(STORE, ROOT, key)
    for bit in range(8 * len(key)):
        assert not verify_proof(ROOT, flipped(key, bit), value_hash, proof)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.binary(max_size=4), st.sampled_from(VALUE_HASHES), max_size=12),
    st.binary(max_size=4),
    st.binary(max_size=4),
    st.one_of(st.none(), st.sampled_from(VALUE_HASHES)),
)
def test_a_proof_never_convinces_of_something_false(
    records: dict[bytes, bytes], proved_key: bytes, claimed_key: bytes, claimed: bytes | None
) -> None:
    # Soundness: whatever honest proof is reused for whatever claim, it verifies only when the
    # claim is true. (An absence proof may rightly serve another absent key on the same path.)
    store, root = build_store(records)
    proof = prove(store, root, proved_key)
    assert verify_proof(root, proved_key, records.get(proved_key), proof)
    if verify_proof(root, claimed_key, claimed, proof):
        assert records.get(claimed_key) == claimed


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_decode_to_a_proof_or_raise_malformed_proof(data: bytes) -> None:
    try:
        proof = proof_from_bytes(data)
    except MalformedProof:
        return
    # Every accepted encoding is the one and only encoding of its proof.
    assert proof_to_bytes(proof) == data
    verify_proof(ROOT, b"record 1", VALUE_HASHES[1], proof)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([ABSENT_KEYS[0], b"record 1", PAIRED_KEYS[1]]),
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=255),
)
def test_bytes_cut_short_or_padded_raise_malformed_proof(key: bytes, cut: int, extra: int) -> None:
    encoded = proof_to_bytes(prove(STORE, ROOT, key))
    with pytest.raises(MalformedProof):
        proof_from_bytes(encoded[: len(encoded) - 1 - cut])
    with pytest.raises(MalformedProof):
        proof_from_bytes(encoded + bytes([extra]))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=70),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["siblings", "end_leaf", "key_path", "x"]), children)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_decodes_to_a_proof_or_raises_malformed_proof(data: object) -> None:
    try:
        proof = proof_from_dict(data)
    except MalformedProof:
        return
    assert proof_from_dict(proof_to_dict(proof)) == proof


@pytest.mark.parametrize(
    "data",
    [
        {"siblings": ["00" * 31], "end_leaf": None},
        {"siblings": ["zz" * 32], "end_leaf": None},
        {"siblings": ["00" * 32] * (MAX_PROOF_DEPTH + 1), "end_leaf": None},
        {"siblings": [], "end_leaf": {"key_path": "00" * 32}},
        {"siblings": [], "end_leaf": {"key_path": "00" * 32, "value_hash": 5}},
        {"siblings": "00" * 32, "end_leaf": None},
        {"siblings": []},
    ],
)
def test_malformed_dicts_raise_malformed_proof(data: object) -> None:
    with pytest.raises(MalformedProof):
        proof_from_dict(data)


@pytest.mark.parametrize(
    "proof",
    [
        SmtProof(siblings=(b"short",), end_leaf=None),
        SmtProof(siblings=(bytes(32),) * (MAX_PROOF_DEPTH + 1), end_leaf=None),
        SmtProof(siblings=(), end_leaf=SmtLeaf(key_path=b"short", value_hash=bytes(32))),
        SmtProof(siblings=(), end_leaf=SmtLeaf(key_path=bytes(32), value_hash=b"")),
    ],
)
def test_a_malformed_proof_object_fails_verification_without_crashing(proof: SmtProof) -> None:
    assert not verify_proof(ROOT, b"record 1", VALUE_HASHES[1], proof)
    assert not verify_proof(ROOT, b"record 1", None, proof)
    with pytest.raises(MalformedProof):
        proof_to_bytes(proof)


def test_the_empty_tree_proves_absence_of_anything_with_an_empty_proof() -> None:
    proof = prove(MemorySmtStore(), EMPTY_ROOT, b"anything")
    assert proof == SmtProof(siblings=(), end_leaf=None)
    assert proof_to_bytes(proof) == b"\x00\x00\x00"
    assert verify_proof(EMPTY_ROOT, b"anything", None, proof)
    assert not verify_proof(EMPTY_ROOT, b"anything", VALUE_HASHES[0], proof)


def test_an_empty_sibling_costs_one_bit_in_the_compact_form() -> None:
    proof = prove(STORE, ROOT, PAIRED_KEYS[0])
    empty_siblings = sum(sibling == bytes(32) for sibling in proof.siblings)
    assert empty_siblings >= 20  # the two paired keys share 24+ bits
    expected_size = 3 + (proof.depth + 7) // 8 + 32 * (proof.depth - empty_siblings) + 64
    assert len(proof_to_bytes(proof)) == expected_size


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x00\x00\x01\x80" + bytes(32), "an empty sibling stored instead of a cleared bit"),
        (b"\x00\x00\x01\x40", "a bitmap bit set past the depth"),
        (b"\x02\x00\x00", "unknown flags"),
        (b"\x00\x01\x01" + bytes(33), "deeper than 256 levels"),
        (b"\x01\x00\x00" + bytes(63), "end leaf cut short"),
    ],
)
def test_non_canonical_or_impossible_bytes_raise_malformed_proof(data: bytes, why: str) -> None:
    with pytest.raises(MalformedProof):
        proof_from_bytes(data)
