"""Hashing rules of the state tree and its proofs; verifying a proof needs no store.

The state root (DESIGN.md §2, §5) is a compact sparse Merkle tree over 256-bit key paths:

- key path   = SHA-256(record key), read most significant bit first; bit 0 goes left, 1 right
- leaf       = SHA-256(0x00 || key path || value hash)
- internal   = SHA-256(0x01 || left || right)
- empty      = 32 zero bytes

"Compact": a subtree holding exactly one record is that record's leaf, placed at the subtree's
top, so the tree is about log2(n) deep instead of 256. A subtree with two or more records is an
internal node, even when one side is empty (two paths sharing a long prefix give a short chain
of such nodes; with SHA-256 paths that chain is a couple of levels on average). The root is
therefore a function of the set of (key path, value hash) pairs only, never of the order in which
records arrived.

A proof is the list of sibling hashes from the root down to where the walk along the key's path
stopped, and what it stopped at: the key's own leaf (presence), an empty subtree (absence) or a
different record's leaf whose path shares the prefix walked so far (absence: that subtree holds
only that one record). This module lives apart from ``ledger.merkle.smt`` so that an auditor
verifying
an extract imports nothing that reads storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ledger.hashing import DIGEST_SIZE, sha256
from ledger.merkle.transaction_tree import MalformedProof, decode_hash_hex

KEY_PATH_BITS = 8 * DIGEST_SIZE
EMPTY_SUBTREE = bytes(DIGEST_SIZE)
LEAF_TAG = b"\x00"
INTERNAL_TAG = b"\x01"

# Two different 256-bit paths share at most 255 leading bits, so a leaf is never deeper than 256.
MAX_PROOF_DEPTH = KEY_PATH_BITS

# Compact proof bytes: flags (1) || depth (2, big-endian) || bitmap of non-empty siblings
# (ceil(depth / 8) bytes, depth 0 is the first byte's top bit, padding bits zero) ||
# each non-empty sibling (32), root side first ||
# the leaf the walk stopped at, key path (32) and value hash (32), when flags is 1.
PROOF_ENDS_AT_EMPTY = 0
PROOF_ENDS_AT_LEAF = 1
_PROOF_HEADER_SIZE = 3


def key_path_of(key: bytes) -> bytes:
    return sha256(key)


def path_bit(key_path: bytes, depth: int) -> int:
    """The branch taken at ``depth``: 0 for left, 1 for right (most significant bit first)."""
    return (key_path[depth >> 3] >> (7 - (depth & 7))) & 1


def shares_prefix(path_a: bytes, path_b: bytes, bit_count: int) -> bool:
    """True when the first ``bit_count`` bits of the two paths are equal."""
    whole_bytes, extra_bits = divmod(bit_count, 8)
    if path_a[:whole_bytes] != path_b[:whole_bytes]:
        return False
    if extra_bits == 0:
        return True
    mask = (0xFF << (8 - extra_bits)) & 0xFF
    return (path_a[whole_bytes] & mask) == (path_b[whole_bytes] & mask)


def encode_leaf(key_path: bytes, value_hash: bytes) -> bytes:
    return LEAF_TAG + key_path + value_hash


def encode_internal(left: bytes, right: bytes) -> bytes:
    return INTERNAL_TAG + left + right


def hash_leaf(key_path: bytes, value_hash: bytes) -> bytes:
    # The node hash is the hash of the node's encoding, so the store is content-addressed.
    return sha256(encode_leaf(key_path, value_hash))


def hash_internal(left: bytes, right: bytes) -> bytes:
    return sha256(encode_internal(left, right))


@dataclass(frozen=True, slots=True)
class SmtLeaf:
    key_path: bytes
    value_hash: bytes


@dataclass(frozen=True, slots=True)
class SmtProof:
    """Siblings from the root down (depth 0 first), and the leaf the walk ended at, if any.

    ``end_leaf`` is the queried key's own leaf in a presence proof, another record's leaf in one
    kind of absence proof, and None when the walk ended in an empty subtree (absence).
    """

    siblings: tuple[bytes, ...]
    end_leaf: SmtLeaf | None

    @property
    def depth(self) -> int:
        return len(self.siblings)


def verify_proof(root: bytes, key: bytes, value_hash: bytes | None, proof: SmtProof) -> bool:
    """True when ``proof`` shows, under ``root``, that ``key`` maps to ``value_hash``.

    ``value_hash`` None claims that ``key`` is absent. Anything malformed gives False.
    """
    key_path = key_path_of(key)
    terminal = _terminal_hash(key_path, value_hash, proof)
    if terminal is None or len(root) != DIGEST_SIZE:
        return False
    return root_from_proof(key_path, terminal, proof.siblings) == root


def _terminal_hash(key_path: bytes, value_hash: bytes | None, proof: SmtProof) -> bytes | None:
    """The hash at the bottom of the walk, or None when the proof cannot support the claim."""
    if proof.depth > MAX_PROOF_DEPTH:
        return None
    leaf = proof.end_leaf
    if leaf is None:
        # An empty subtree on the key's path proves absence and nothing else.
        return EMPTY_SUBTREE if value_hash is None else None
    if len(leaf.key_path) != DIGEST_SIZE or len(leaf.value_hash) != DIGEST_SIZE:
        return None
    # The leaf must sit on the key's path; otherwise it says nothing about this key.
    if not shares_prefix(leaf.key_path, key_path, proof.depth):
        return None
    if value_hash is None:
        # Absence through another record's leaf; the key's own leaf would mean presence.
        return None if leaf.key_path == key_path else hash_leaf(leaf.key_path, leaf.value_hash)
    if leaf.key_path != key_path or leaf.value_hash != value_hash:
        return None
    return hash_leaf(key_path, value_hash)


def root_from_proof(key_path: bytes, terminal: bytes, siblings: tuple[bytes, ...]) -> bytes | None:
    """Fold the siblings from the bottom of the walk back up to the root."""
    node = terminal
    for depth in range(len(siblings) - 1, -1, -1):
        sibling = siblings[depth]
        if len(sibling) != DIGEST_SIZE:
            return None
        if path_bit(key_path, depth):
            node = hash_internal(sibling, node)
        else:
            node = hash_internal(node, sibling)
    return node


# --- compact bytes ------------------------------------------------------------------------------


def proof_to_bytes(proof: SmtProof) -> bytes:
    """Compact form: empty siblings (common in the deep, sparse part) cost one bit each."""
    _check_proof_shape(proof)
    bitmap_bits = 8 * ((proof.depth + 7) // 8)
    bitmap = 0
    stored: list[bytes] = []
    for depth, sibling in enumerate(proof.siblings):
        if sibling != EMPTY_SUBTREE:
            bitmap |= 1 << (bitmap_bits - 1 - depth)
            stored.append(sibling)
    flags = PROOF_ENDS_AT_EMPTY if proof.end_leaf is None else PROOF_ENDS_AT_LEAF
    parts = [
        bytes([flags]),
        proof.depth.to_bytes(2, "big"),
        bitmap.to_bytes(bitmap_bits // 8, "big"),
    ]
    parts += stored
    if proof.end_leaf is not None:
        parts += [proof.end_leaf.key_path, proof.end_leaf.value_hash]
    return b"".join(parts)


def _check_proof_shape(proof: SmtProof) -> None:
    if proof.depth > MAX_PROOF_DEPTH:
        raise MalformedProof(f"a proof is at most {MAX_PROOF_DEPTH} levels deep")
    hashes = list(proof.siblings)
    if proof.end_leaf is not None:
        hashes += [proof.end_leaf.key_path, proof.end_leaf.value_hash]
    if any(len(item) != DIGEST_SIZE for item in hashes):
        raise MalformedProof(f"every hash in a proof is {DIGEST_SIZE} bytes")


def proof_from_bytes(data: bytes) -> SmtProof:
    """Read back ``proof_to_bytes``; every proof has exactly one encoding, anything else raises."""
    if len(data) < _PROOF_HEADER_SIZE:
        raise MalformedProof("proof shorter than its header")
    flags = data[0]
    depth = int.from_bytes(data[1:_PROOF_HEADER_SIZE], "big")
    if flags not in (PROOF_ENDS_AT_EMPTY, PROOF_ENDS_AT_LEAF):
        raise MalformedProof(f"unknown proof flags {flags}")
    if depth > MAX_PROOF_DEPTH:
        raise MalformedProof(f"proof depth {depth} exceeds {MAX_PROOF_DEPTH}")
    bitmap_bits = 8 * ((depth + 7) // 8)
    bitmap_end = _PROOF_HEADER_SIZE + bitmap_bits // 8
    bitmap = int.from_bytes(data[_PROOF_HEADER_SIZE:bitmap_end], "big")
    if bitmap & ((1 << (bitmap_bits - depth)) - 1):
        raise MalformedProof("bitmap bits set past the proof depth")
    present = [bool(bitmap >> (bitmap_bits - 1 - index) & 1) for index in range(depth)]
    leaf_size = 2 * DIGEST_SIZE if flags == PROOF_ENDS_AT_LEAF else 0
    expected_size = bitmap_end + DIGEST_SIZE * sum(present) + leaf_size
    if len(data) != expected_size:
        raise MalformedProof(f"proof is {len(data)} bytes, its header says {expected_size}")
    siblings: list[bytes] = []
    offset = bitmap_end
    for is_present in present:
        if not is_present:
            siblings.append(EMPTY_SUBTREE)
            continue
        sibling = data[offset : offset + DIGEST_SIZE]
        if sibling == EMPTY_SUBTREE:
            raise MalformedProof("an empty sibling must be written as a cleared bitmap bit")
        siblings.append(sibling)
        offset += DIGEST_SIZE
    end_leaf = None
    if flags == PROOF_ENDS_AT_LEAF:
        end_leaf = SmtLeaf(data[offset : offset + DIGEST_SIZE], data[offset + DIGEST_SIZE :])
    return SmtProof(siblings=tuple(siblings), end_leaf=end_leaf)


# --- JSON-able form for registry extracts -------------------------------------------------------


def proof_to_dict(proof: SmtProof) -> dict[str, object]:
    leaf = proof.end_leaf
    return {
        "siblings": [sibling.hex() for sibling in proof.siblings],
        "end_leaf": None
        if leaf is None
        else {"key_path": leaf.key_path.hex(), "value_hash": leaf.value_hash.hex()},
    }


def proof_from_dict(data: object) -> SmtProof:
    """Read back ``proof_to_dict``; raise MalformedProof on any other shape."""
    if not isinstance(data, Mapping) or set(data) != {"siblings", "end_leaf"}:
        raise MalformedProof("a state proof has exactly: siblings, end_leaf")
    siblings = data["siblings"]
    if not isinstance(siblings, list) or len(siblings) > MAX_PROOF_DEPTH:
        raise MalformedProof(f"siblings must be a list of at most {MAX_PROOF_DEPTH} hashes")
    leaf = data["end_leaf"]
    end_leaf = None
    if leaf is not None:
        if not isinstance(leaf, Mapping) or set(leaf) != {"key_path", "value_hash"}:
            raise MalformedProof("end_leaf has exactly: key_path, value_hash")
        end_leaf = SmtLeaf(
            key_path=decode_hash_hex(leaf["key_path"], "end_leaf.key_path"),
            value_hash=decode_hash_hex(leaf["value_hash"], "end_leaf.value_hash"),
        )
    return SmtProof(
        siblings=tuple(
            decode_hash_hex(sibling, f"siblings[{position}]")
            for position, sibling in enumerate(siblings)
        ),
        end_leaf=end_leaf,
    )
