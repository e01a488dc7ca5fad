"""The state overlay: reads through, buffers writes, and drops a rejected child whole."""

from __future__ import annotations

from ledger.state.access import (
    MappingState,
    StateOverlay,
    application_key,
    authority_key,
    property_key,
    transaction_key,
)


def test_overlay_reads_through_and_buffers_writes_in_key_order() -> None:
    base = MappingState({b"a": b"1", b"b": b"2"})
    overlay = StateOverlay(base)
    overlay.put(b"c", b"3")
    overlay.delete(b"a")
    assert overlay.get(b"a") is None and overlay.get(b"b") == b"2" and overlay.get(b"c") == b"3"
    assert list(overlay.writes().items()) == [(b"a", None), (b"c", b"3")]
    assert base.get(b"a") == b"1"  # nothing reaches the base until the node commits
    base.apply(overlay.writes())
    assert list(base.items()) == [(b"b", b"2"), (b"c", b"3")]


def test_child_writes_reach_the_parent_only_when_absorbed() -> None:
    parent = StateOverlay(MappingState())
    dropped = parent.child()
    dropped.put(b"k", b"rejected")
    assert dropped.get(b"k") == b"rejected" and parent.get(b"k") is None
    kept = parent.child()
    kept.put(b"k", b"applied")
    parent.absorb(kept.writes())
    assert dict(parent.writes()) == {b"k": b"applied"}


def test_key_spaces_are_disjoint() -> None:
    keys = [property_key("x"), application_key("x"), transaction_key("x"), authority_key("x")]
    prefixes = [key[: key.index(b"/") + 1] for key in keys]
    assert len(set(prefixes)) == 4
