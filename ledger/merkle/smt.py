"""The authenticated state: a compact sparse Merkle tree over every state record.

DESIGN.md §2 and §5: the state root in a block header must later prove both the presence and the
absence of a record, with work per update proportional to log(number of records). The hashing
rules and the proof format are in ``ledger.merkle.smt_proof`` (see its docstring); this module
reads and
grows the tree.

Storage is injected. The tree lives in a content-addressed store of nodes (node hash -> node
encoding, 65 bytes: a tag byte, then two 32-byte fields). ``apply_changes`` only reads old nodes
through a ``SmtNodeReader`` and returns the nodes it created, for the caller to write in the same
atomic batch as the block (DESIGN.md §5). Nodes are never deleted, so every past root keeps
answering queries and proofs; pruning unreachable nodes is out of scope.

A missing or corrupt node under a root the caller vouches for is a broken invariant (a store that
lost writes, a disk that flipped bits), not bad input: it raises ``MissingSmtNode`` or
``CorruptSmtNode`` and the caller must stop rather than compute a different state root.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from ledger.hashing import DIGEST_SIZE, sha256
from ledger.merkle.smt_proof import (
    EMPTY_SUBTREE,
    INTERNAL_TAG,
    KEY_PATH_BITS,
    LEAF_TAG,
    SmtLeaf,
    SmtProof,
    encode_internal,
    encode_leaf,
    key_path_of,
    path_bit,
    verify_proof,
)

__all__ = [
    "EMPTY_ROOT",
    "CorruptSmtNode",
    "InvalidSmtInput",
    "MemorySmtStore",
    "MissingSmtNode",
    "OverlaySmtReader",
    "SmtInternal",
    "SmtLeaf",
    "SmtNodeReader",
    "SmtProof",
    "SmtStoreInvariantError",
    "SmtUpdate",
    "apply_changes",
    "decode_node",
    "get_value_hash",
    "load_node",
    "prove",
    "verify_proof",
]

EMPTY_ROOT = EMPTY_SUBTREE
NODE_SIZE = 1 + 2 * DIGEST_SIZE


class SmtStoreInvariantError(RuntimeError):
    """The node store does not hold the tree a root promises: stop, never guess."""


class MissingSmtNode(SmtStoreInvariantError):
    def __init__(self, node_hash: bytes) -> None:
        super().__init__(f"state tree node {node_hash.hex()} is not in the store")
        self.node_hash = node_hash


class CorruptSmtNode(SmtStoreInvariantError):
    def __init__(self, node_hash: bytes, reason: str) -> None:
        super().__init__(f"state tree node {node_hash.hex()} is corrupt: {reason}")
        self.node_hash = node_hash


class InvalidSmtInput(ValueError):
    """A root or value hash handed in by the caller is not a 32-byte hash."""


class SmtNodeReader(Protocol):
    def get_node(self, node_hash: bytes) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class SmtInternal:
    left: bytes
    right: bytes


@dataclass(frozen=True, slots=True)
class SmtUpdate:
    """The new root and every node created to reach it (hash -> encoding), to be persisted."""

    root: bytes
    new_nodes: Mapping[bytes, bytes]


class MemorySmtStore:
    """A dict-backed node store, for tests, benchmarks and offline audit tools."""

    def __init__(self, nodes: Mapping[bytes, bytes] | None = None) -> None:
        self.nodes: dict[bytes, bytes] = dict(nodes or {})

    def get_node(self, node_hash: bytes) -> bytes | None:
        return self.nodes.get(node_hash)

    def put_nodes(self, new_nodes: Mapping[bytes, bytes]) -> None:
        self.nodes.update(new_nodes)


class OverlaySmtReader:
    """Nodes not yet persisted (``pending``) layered over a store: read uncommitted blocks."""

    def __init__(self, base: SmtNodeReader, pending: Mapping[bytes, bytes]) -> None:
        self._base = base
        self._pending = pending

    def get_node(self, node_hash: bytes) -> bytes | None:
        encoded = self._pending.get(node_hash)
        return encoded if encoded is not None else self._base.get_node(node_hash)


def decode_node(node_hash: bytes, encoded: bytes) -> SmtLeaf | SmtInternal:
    # Re-hashing 65 bytes is cheap next to the rest of a lookup, and it turns silent disk
    # corruption into a loud stop instead of a wrong answer or a diverging state root.
    if len(encoded) != NODE_SIZE:
        raise CorruptSmtNode(node_hash, f"{len(encoded)} bytes, a node is {NODE_SIZE}")
    if sha256(encoded) != node_hash:
        raise CorruptSmtNode(node_hash, "content does not hash to its key")
    first, second = encoded[1 : 1 + DIGEST_SIZE], encoded[1 + DIGEST_SIZE :]
    tag = encoded[:1]
    if tag == LEAF_TAG:
        return SmtLeaf(key_path=first, value_hash=second)
    if tag == INTERNAL_TAG:
        return SmtInternal(left=first, right=second)
    raise CorruptSmtNode(node_hash, f"unknown tag {tag.hex()}")


def load_node(reader: SmtNodeReader, node_hash: bytes) -> SmtLeaf | SmtInternal | None:
    """The node behind ``node_hash``; None for the empty subtree, which is never stored."""
    if node_hash == EMPTY_SUBTREE:
        return None
    encoded = reader.get_node(node_hash)
    if encoded is None:
        raise MissingSmtNode(node_hash)
    return decode_node(node_hash, encoded)


def _check_hash(value: object, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != DIGEST_SIZE:
        raise InvalidSmtInput(f"{what} must be {DIGEST_SIZE} bytes")
    return value


# --- reading ------------------------------------------------------------------------------------


def _walk(reader: SmtNodeReader, root: bytes, key_path: bytes) -> SmtProof:
    """Follow ``key_path`` from ``root`` until a leaf or an empty subtree, keeping the siblings."""
    siblings: list[bytes] = []
    node_hash = root
    while True:
        node = load_node(reader, node_hash)
        if node is None or isinstance(node, SmtLeaf):
            return SmtProof(siblings=tuple(siblings), end_leaf=node)
        if len(siblings) >= KEY_PATH_BITS:
            raise CorruptSmtNode(node_hash, "internal node below the deepest possible level")
        if path_bit(key_path, len(siblings)):
            siblings.append(node.left)
            node_hash = node.right
        else:
            siblings.append(node.right)
            node_hash = node.left


def get_value_hash(reader: SmtNodeReader, root: bytes, key: bytes) -> bytes | None:
    """The value hash recorded for ``key`` under ``root``, or None when the key is absent."""
    key_path = key_path_of(key)
    leaf = _walk(reader, _check_hash(root, "root"), key_path).end_leaf
    if leaf is None or leaf.key_path != key_path:
        return None
    return leaf.value_hash


def prove(reader: SmtNodeReader, root: bytes, key: bytes) -> SmtProof:
    """A presence proof when ``key`` is under ``root``, an absence proof otherwise."""
    return _walk(reader, _check_hash(root, "root"), key_path_of(key))


# --- writing ------------------------------------------------------------------------------------

_Change = tuple[bytes, bytes | None]  # (key path, new value hash or None to delete)


class _NodeWriter:
    """Reads old nodes from the store and collects the nodes one update creates."""

    __slots__ = ("new_nodes", "reader")

    def __init__(self, reader: SmtNodeReader) -> None:
        self.reader = reader
        self.new_nodes: dict[bytes, bytes] = {}

    def put(self, encoded: bytes) -> bytes:
        node_hash = sha256(encoded)
        self.new_nodes[node_hash] = encoded
        return node_hash

    def is_leaf(self, node_hash: bytes) -> bool:
        encoded = self.new_nodes.get(node_hash)
        if encoded is not None:
            return encoded[:1] == LEAF_TAG
        return isinstance(load_node(self.reader, node_hash), SmtLeaf)


def apply_changes(
    reader: SmtNodeReader, root: bytes, changes: Mapping[bytes, bytes | None]
) -> SmtUpdate:
    """The tree after setting each record key to its value hash (None deletes the record).

    Changes are sorted by key path and pushed down the tree together, so every changed path is
    walked once: k changes over n records read and write O(k log n) nodes. Deleting an absent
    key changes nothing.
    """
    _check_hash(root, "root")
    for key, value_hash in changes.items():
        if not isinstance(key, bytes):
            raise InvalidSmtInput("record keys must be bytes")
        if value_hash is not None:
            _check_hash(value_hash, f"value hash of key {key!r}")
    ordered = sorted(
        ((key_path_of(key), value_hash) for key, value_hash in changes.items()),
        key=lambda change: change[0],
    )
    writer = _NodeWriter(reader)
    new_root = _update(writer, root, 0, ordered) if ordered else root
    return SmtUpdate(root=new_root, new_nodes=MappingProxyType(writer.new_nodes))


def _update(writer: _NodeWriter, node_hash: bytes, depth: int, changes: list[_Change]) -> bytes:
    node = load_node(writer.reader, node_hash)
    if node is None:
        return _build(writer, depth, [change for change in changes if change[1] is not None])
    if isinstance(node, SmtLeaf):
        return _build(writer, depth, _merge_into_leaf(node, changes))
    if depth >= KEY_PATH_BITS:
        raise CorruptSmtNode(node_hash, "internal node below the deepest possible level")
    left_changes, right_changes = _split(changes, depth)
    left = _update(writer, node.left, depth + 1, left_changes) if left_changes else node.left
    right = _update(writer, node.right, depth + 1, right_changes) if right_changes else node.right
    return _join(writer, left, right)


def _merge_into_leaf(leaf: SmtLeaf, changes: list[_Change]) -> list[_Change]:
    """The records of a one-record subtree after ``changes``, sorted, deletions gone."""
    own_value: bytes | None = leaf.value_hash
    records: list[_Change] = []
    for key_path, value_hash in changes:
        if key_path == leaf.key_path:
            own_value = value_hash
        elif value_hash is not None:
            records.append((key_path, value_hash))
    if own_value is not None:
        records.append((leaf.key_path, own_value))
        records.sort(key=lambda record: record[0])
    return records


def _build(writer: _NodeWriter, depth: int, records: list[_Change]) -> bytes:
    """The compact subtree at ``depth`` holding exactly ``records`` (sorted, no deletions)."""
    if not records:
        return EMPTY_SUBTREE
    if len(records) == 1:
        key_path, value_hash = records[0]
        if value_hash is None:
            raise SmtStoreInvariantError("a deletion reached the subtree builder")
        return writer.put(encode_leaf(key_path, value_hash))
    if depth >= KEY_PATH_BITS:
        raise SmtStoreInvariantError("two records share a full 256-bit key path")
    left, right = _split(records, depth)
    return writer.put(
        encode_internal(_build(writer, depth + 1, left), _build(writer, depth + 1, right))
    )


def _join(writer: _NodeWriter, left: bytes, right: bytes) -> bytes:
    """The parent of two updated children, collapsing to keep the tree compact.

    A subtree left with a single record becomes that record's leaf, which then floats up past
    every level where its sibling is empty; so deleting records undoes their insertion exactly.
    """
    if left == EMPTY_SUBTREE and (right == EMPTY_SUBTREE or writer.is_leaf(right)):
        return right
    if right == EMPTY_SUBTREE and writer.is_leaf(left):
        return left
    return writer.put(encode_internal(left, right))


def _split(changes: list[_Change], depth: int) -> tuple[list[_Change], list[_Change]]:
    """Split changes sorted by path (and sharing ``depth`` leading bits) by the bit at ``depth``."""
    for index, (key_path, _) in enumerate(changes):
        if path_bit(key_path, depth):
            return changes[:index], changes[index:]
    return changes, []
