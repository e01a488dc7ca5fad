"""A deliberately naive state tree to test ``ledger.merkle.smt`` against.

It recomputes the whole root from a plain dict, straight from the rules written in the
``ledger.merkle.smt_proof`` docstring, using hashlib directly and none of the code under test.
"""

from __future__ import annotations

import hashlib

ZERO_HASH = bytes(32)


def path_of(key: bytes) -> int:
    return int.from_bytes(hashlib.sha256(key).digest(), "big")


def bit_at(path: int, depth: int) -> int:
    return (path >> (255 - depth)) & 1


def leaf_hash(path: int, value_hash: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + path.to_bytes(32, "big") + value_hash).digest()


def reference_root(records: dict[bytes, bytes]) -> bytes:
    """Root of the compact tree over ``records`` (record key -> value hash)."""
    return _subtree_root({path_of(key): value for key, value in records.items()}, 0)


def _subtree_root(by_path: dict[int, bytes], depth: int) -> bytes:
    if not by_path:
        return ZERO_HASH
    if len(by_path) == 1:
        ((path, value_hash),) = by_path.items()
        return leaf_hash(path, value_hash)
    left = {path: value for path, value in by_path.items() if bit_at(path, depth) == 0}
    right = {path: value for path, value in by_path.items() if bit_at(path, depth) == 1}
    return hashlib.sha256(
        b"\x01" + _subtree_root(left, depth + 1) + _subtree_root(right, depth + 1)
    ).digest()


def shared_prefix_bits(key_a: bytes, key_b: bytes) -> int:
    difference = path_of(key_a) ^ path_of(key_b)
    return 256 - difference.bit_length()


def key_groups_sharing_prefixes(minimum_shared_bits: int, candidates: int) -> list[list[bytes]]:
    """Groups of keys whose paths share at least ``minimum_shared_bits`` leading bits, found by
    brute force; they make the chains of internal nodes with an empty side that random keys
    almost never produce in small trees."""
    by_prefix: dict[int, list[bytes]] = {}
    for index in range(candidates):
        key = b"deep-%d" % index
        by_prefix.setdefault(path_of(key) >> (256 - minimum_shared_bits), []).append(key)
    return [group for _, group in sorted(by_prefix.items()) if len(group) > 1]
