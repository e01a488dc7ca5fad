"""The state tree (ledger.merkle.smt) against a naive full-recompute model, DESIGN.md §2 and §5."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.merkle.smt import (
    EMPTY_ROOT,
    CorruptSmtNode,
    InvalidSmtInput,
    MemorySmtStore,
    MissingSmtNode,
    OverlaySmtReader,
    SmtLeaf,
    apply_changes,
    decode_node,
    get_value_hash,
    prove,
    verify_proof,
)
from tests.unit.ledger.merkle.smt_reference import (
    bit_at,
    key_groups_sharing_prefixes,
    leaf_hash,
    path_of,
    reference_root,
)

# Keys whose paths share 24+ or 10+ leading bits, so that hypothesis also builds the deep chains
# of internal nodes with one empty side, and deletions that must collapse them again.
DEEP_KEYS = [
    key
    for group in key_groups_sharing_prefixes(24, 30_000)[:4]
    + key_groups_sharing_prefixes(10, 600)[:4]
    for key in group
]

record_keys = st.one_of(st.binary(max_size=6), st.sampled_from(DEEP_KEYS))
value_hashes = st.sampled_from([hashlib.sha256(b"value %d" % n).digest() for n in range(4)])
batches = st.dictionaries(record_keys, st.one_of(st.none(), value_hashes), max_size=12)


def value_hash_of(text: bytes) -> bytes:
    return hashlib.sha256(text).digest()


def apply_and_store(
    store: MemorySmtStore, root: bytes, changes: Mapping[bytes, bytes | None]
) -> bytes:
    update = apply_changes(store, root, changes)
    store.put_nodes(update.new_nodes)
    return update.root


def apply_to_model(model: dict[bytes, bytes], changes: dict[bytes, bytes | None]) -> None:
    for key, value_hash in changes.items():
        if value_hash is None:
            model.pop(key, None)
        else:
            model[key] = value_hash


def test_empty_tree_root_is_32_zero_bytes() -> None:
    assert bytes(32) == EMPTY_ROOT
    assert apply_changes(MemorySmtStore(), EMPTY_ROOT, {}).root == bytes(32)
    assert apply_changes(MemorySmtStore(), EMPTY_ROOT, {b"absent": None}).root == bytes(32)


def test_single_record_root_is_its_leaf_computed_by_hand() -> None:
    value_hash = value_hash_of(b"property 21:318:004:123")
    expected = hashlib.sha256(b"\x00" + hashlib.sha256(b"key").digest() + value_hash).digest()
    assert apply_changes(MemorySmtStore(), EMPTY_ROOT, {b"key": value_hash}).root == expected


def test_two_records_on_different_sides_are_children_of_the_root() -> None:
    left_key = next(b"k%d" % n for n in range(100) if bit_at(path_of(b"k%d" % n), 0) == 0)
    right_key = next(b"k%d" % n for n in range(100) if bit_at(path_of(b"k%d" % n), 0) == 1)
    value_hash = value_hash_of(b"v")
    root = apply_changes(
        MemorySmtStore(), EMPTY_ROOT, {right_key: value_hash, left_key: value_hash}
    )
    expected = hashlib.sha256(
        b"\x01"
        + leaf_hash(path_of(left_key), value_hash)
        + leaf_hash(path_of(right_key), value_hash)
    ).digest()
    assert root.root == expected


def test_two_records_sharing_a_prefix_hang_under_a_chain_with_empty_sides() -> None:
    key_a, key_b = key_groups_sharing_prefixes(24, 30_000)[0][:2]
    value_hash = value_hash_of(b"v")
    store = MemorySmtStore()
    root = apply_and_store(store, EMPTY_ROOT, {key_a: value_hash, key_b: value_hash})
    assert root == reference_root({key_a: value_hash, key_b: value_hash})
    shared = 256 - (path_of(key_a) ^ path_of(key_b)).bit_length()
    assert prove(store, root, key_a).depth == shared + 1
    # Deleting one record floats the other back up to the root: no chain is left behind.
    root = apply_and_store(store, root, {key_b: None})
    assert root == leaf_hash(path_of(key_a), value_hash)


@settings(max_examples=60, deadline=None)
@given(st.lists(batches, max_size=8))
def test_every_batch_gives_the_root_of_the_naive_model(
    batch_list: list[dict[bytes, bytes | None]],
) -> None:
    store = MemorySmtStore()
    root = EMPTY_ROOT
    model: dict[bytes, bytes] = {}
    for changes in batch_list:
        root = apply_and_store(store, root, changes)
        apply_to_model(model, changes)
        assert root == reference_root(model)
        for key in set(model) | set(changes) | {b"never-written"}:
            assert get_value_hash(store, root, key) == model.get(key)


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(record_keys, value_hashes, max_size=20),
    st.randoms(use_true_random=False),
)
def test_root_does_not_depend_on_insertion_order_or_batching(
    records: dict[bytes, bytes], shuffler: random.Random
) -> None:
    one_batch = apply_changes(MemorySmtStore(), EMPTY_ROOT, records).root

    store = MemorySmtStore()
    root = EMPTY_ROOT
    keys = list(records)
    shuffler.shuffle(keys)
    for key in keys:
        root = apply_and_store(store, root, {key: records[key]})
    assert root == one_batch == reference_root(records)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(record_keys, value_hashes, min_size=1, max_size=20), st.data())
def test_deleting_every_record_returns_to_the_zero_root(
    records: dict[bytes, bytes], data: st.DataObject
) -> None:
    store = MemorySmtStore()
    root = apply_and_store(store, EMPTY_ROOT, records)
    remaining = sorted(records)
    while remaining:
        count = data.draw(st.integers(min_value=1, max_value=len(remaining)))
        doomed, remaining = remaining[:count], remaining[count:]
        root = apply_and_store(store, root, dict.fromkeys(doomed))
        assert root == reference_root({key: records[key] for key in remaining})
    assert root == bytes(32)


@settings(max_examples=30, deadline=None)
@given(st.lists(batches, min_size=2, max_size=6))
def test_proofs_under_an_old_root_still_verify_against_that_root(
    batch_list: list[dict[bytes, bytes | None]],
) -> None:
    store = MemorySmtStore()
    history: list[tuple[bytes, dict[bytes, bytes]]] = []
    root = EMPTY_ROOT
    model: dict[bytes, bytes] = {}
    touched: set[bytes] = set()
    for changes in batch_list:
        root = apply_and_store(store, root, changes)
        apply_to_model(model, changes)
        touched |= set(changes)
        history.append((root, dict(model)))
    for old_root, old_model in history:
        for key in touched:
            proof = prove(store, old_root, key)
            assert verify_proof(old_root, key, old_model.get(key), proof)
            assert get_value_hash(store, old_root, key) == old_model.get(key)


def test_new_nodes_are_keyed_by_the_hash_of_their_encoding() -> None:
    update = apply_changes(MemorySmtStore(), EMPTY_ROOT, {b"a": value_hash_of(b"1"), b"b": None})
    assert update.new_nodes
    for node_hash, encoded in update.new_nodes.items():
        assert hashlib.sha256(encoded).digest() == node_hash
        decode_node(node_hash, encoded)
    assert update.root in update.new_nodes


def test_changes_over_uncommitted_nodes_through_an_overlay_reader() -> None:
    store = MemorySmtStore()
    first = apply_changes(store, EMPTY_ROOT, {b"a": value_hash_of(b"1"), b"b": value_hash_of(b"2")})
    pending = dict(first.new_nodes)
    second = apply_changes(
        OverlaySmtReader(store, pending), first.root, {b"c": value_hash_of(b"3")}
    )
    pending.update(second.new_nodes)
    assert get_value_hash(OverlaySmtReader(store, pending), second.root, b"a") == value_hash_of(
        b"1"
    )
    with pytest.raises(MissingSmtNode):
        get_value_hash(store, second.root, b"a")


class CountingReader:
    """A dict-backed store that also counts how many nodes a call reads."""

    def __init__(self, store: MemorySmtStore) -> None:
        self.store = store
        self.reads = 0

    def get_node(self, node_hash: bytes) -> bytes | None:
        self.reads += 1
        return self.store.get_node(node_hash)


def test_work_per_update_grows_with_the_logarithm_of_the_record_count() -> None:
    record_count = 4096
    store = MemorySmtStore()
    root = apply_and_store(
        store, EMPTY_ROOT, {b"record %d" % n: value_hash_of(b"%d" % n) for n in range(record_count)}
    )
    depths = [prove(store, root, b"record %d" % n).depth for n in range(0, record_count, 16)]
    # Compact: about log2(n) levels, not the 256 of a full-depth sparse tree.
    assert math.log2(record_count) - 1 <= sum(depths) / len(depths) <= math.log2(record_count) + 3

    reader = CountingReader(store)
    update = apply_changes(reader, root, {b"record 7": value_hash_of(b"new")})
    depth = prove(store, root, b"record 7").depth
    assert reader.reads == depth + 1
    assert len(update.new_nodes) == depth + 1

    batch = {b"new record %d" % n: value_hash_of(b"x") for n in range(64)}
    reader = CountingReader(store)
    update = apply_changes(reader, root, batch)
    bound = len(batch) * (max(depths) + 4)
    assert reader.reads <= bound
    assert len(update.new_nodes) <= bound


def test_a_missing_node_is_a_named_invariant_break() -> None:
    store = MemorySmtStore()
    root = apply_and_store(
        store, EMPTY_ROOT, {b"a": value_hash_of(b"1"), b"b": value_hash_of(b"2")}
    )
    del store.nodes[root]
    with pytest.raises(MissingSmtNode) as raised:
        get_value_hash(store, root, b"a")
    assert raised.value.node_hash == root
    with pytest.raises(MissingSmtNode):
        prove(store, root, b"a")
    with pytest.raises(MissingSmtNode):
        apply_changes(store, root, {b"c": value_hash_of(b"3")})


def test_a_corrupt_node_is_a_named_invariant_break() -> None:
    store = MemorySmtStore()
    root = apply_and_store(
        store, EMPTY_ROOT, {b"a": value_hash_of(b"1"), b"b": value_hash_of(b"2")}
    )
    encoded = bytearray(store.nodes[root])
    encoded[5] ^= 1
    store.nodes[root] = bytes(encoded)
    with pytest.raises(CorruptSmtNode):
        get_value_hash(store, root, b"a")
    store.nodes[root] = b"\x01" * 10
    with pytest.raises(CorruptSmtNode):
        prove(store, root, b"a")
    unknown_tag = b"\x07" + bytes(64)
    with pytest.raises(CorruptSmtNode):
        decode_node(hashlib.sha256(unknown_tag).digest(), unknown_tag)


@pytest.mark.parametrize(
    ("root", "changes"),
    [
        (b"short", {b"a": bytes(32)}),
        (bytes(32), {b"a": b"not a 32-byte hash"}),
        (bytes(32), {"text key": bytes(32)}),
    ],
)
def test_bad_inputs_are_rejected_by_name_and_write_nothing(
    root: bytes, changes: dict[bytes, bytes | None]
) -> None:
    store = MemorySmtStore()
    with pytest.raises(InvalidSmtInput):
        apply_changes(store, root, changes)
    assert store.nodes == {}


def test_a_lookup_under_a_bad_root_is_rejected_by_name() -> None:
    with pytest.raises(InvalidSmtInput):
        get_value_hash(MemorySmtStore(), b"\x00" * 31, b"a")
    with pytest.raises(InvalidSmtInput):
        prove(MemorySmtStore(), b"\x00" * 33, b"a")


def test_a_presence_proof_ends_at_the_keys_own_leaf() -> None:
    store = MemorySmtStore()
    value_hash = value_hash_of(b"1")
    root = apply_and_store(store, EMPTY_ROOT, {b"a": value_hash, b"b": value_hash_of(b"2")})
    proof = prove(store, root, b"a")
    assert proof.end_leaf == SmtLeaf(key_path=hashlib.sha256(b"a").digest(), value_hash=value_hash)
