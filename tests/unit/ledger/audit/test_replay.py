"""The auditor's in-memory replay state tree: dropping nodes no root needs changes no answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.audit.replay import reachable_tree
from ledger.chain.blocks import apply_state_writes
from ledger.hashing import sha256
from ledger.merkle.smt import EMPTY_ROOT, MemorySmtStore, get_value_hash

keys = st.binary(min_size=1, max_size=8)
batches = st.lists(st.dictionaries(keys, st.one_of(st.none(), st.binary(max_size=4))), max_size=6)


@settings(max_examples=40, deadline=None)
@given(batches=batches, later=st.dictionaries(keys, st.binary(max_size=4), max_size=5))
def test_a_compacted_tree_answers_and_grows_like_the_full_one(
    batches: list[dict[bytes, bytes | None]], later: dict[bytes, bytes]
) -> None:
    tree, root, current = MemorySmtStore(), EMPTY_ROOT, {}
    for writes in batches:
        update = apply_state_writes(tree, root, writes)
        tree.put_nodes(update.new_nodes)
        root = update.root
        current.update(writes)
    compacted = reachable_tree(tree, root)
    assert set(compacted.nodes) <= set(tree.nodes)
    for key, value in current.items():
        expected = None if value is None else sha256(value)
        assert get_value_hash(compacted, root, key) == expected
    assert (
        apply_state_writes(compacted, root, dict(later)).root
        == apply_state_writes(tree, root, dict(later)).root
    )
