"""The block's transaction Merkle root and its inclusion proofs (RFC 6962 / RFC 9162 §2.1).

A block header commits to its transactions through ``merkle_root`` over the transaction ids
(DESIGN.md §4). The hashing is exactly Certificate Transparency's, so any RFC 6962 tool can check
a registry extract:

- leaf hash  = SHA-256(0x00 || leaf data)
- inner hash = SHA-256(0x01 || left || right), splitting n leaves at the largest power of two
  strictly smaller than n (not at the midpoint: that would give a tree nobody else can check)
- empty tree = SHA-256(b"")

The distinct leaf / inner prefixes stop a second-preimage attack in which an inner node is
presented as a leaf.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ledger.hashing import DIGEST_SIZE, sha256

LEAF_PREFIX = b"\x00"
INNER_PREFIX = b"\x01"
EMPTY_TREE_ROOT = sha256(b"")

# A proof has one sibling per level; 64 levels already cover 2**64 leaves, more than any
# block will ever hold. The bound keeps a hostile proof from making the verifier loop long.
MAX_PROOF_LENGTH = 64


class MalformedProof(ValueError):
    """A proof from outside (bytes, JSON) that does not have the documented shape."""


class LeafIndexOutOfRange(ValueError):
    """An inclusion proof was asked for a leaf the tree does not have."""


@dataclass(frozen=True, slots=True)
class MerkleInclusionProof:
    """RFC 9162 §2.1.3 audit path: the sibling hashes from the leaf's level up to the root."""

    index: int
    tree_size: int
    siblings: tuple[bytes, ...]


def hash_leaf(leaf_data: bytes) -> bytes:
    return sha256(LEAF_PREFIX + leaf_data)


def hash_inner(left: bytes, right: bytes) -> bytes:
    return sha256(INNER_PREFIX + left + right)


def _split_point(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def _root_of_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    size = len(leaf_hashes)
    if size == 1:
        return leaf_hashes[0]
    split = _split_point(size)
    return hash_inner(
        _root_of_leaf_hashes(leaf_hashes[:split]), _root_of_leaf_hashes(leaf_hashes[split:])
    )


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 Merkle Tree Hash of ``leaves`` (raw leaf data, hashed here)."""
    if not leaves:
        return EMPTY_TREE_ROOT
    return _root_of_leaf_hashes([hash_leaf(leaf) for leaf in leaves])


def _audit_path(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n]), leaf level first."""
    size = len(leaf_hashes)
    if size == 1:
        return []
    split = _split_point(size)
    if index < split:
        path = _audit_path(leaf_hashes[:split], index)
        path.append(_root_of_leaf_hashes(leaf_hashes[split:]))
    else:
        path = _audit_path(leaf_hashes[split:], index - split)
        path.append(_root_of_leaf_hashes(leaf_hashes[:split]))
    return path


def prove_inclusion(leaves: Sequence[bytes], index: int) -> MerkleInclusionProof:
    """The audit path proving that ``leaves[index]`` is in ``merkle_root(leaves)``."""
    if not 0 <= index < len(leaves):
        raise LeafIndexOutOfRange(f"leaf index {index} is outside a tree of {len(leaves)} leaves")
    leaf_hashes = [hash_leaf(leaf) for leaf in leaves]
    return MerkleInclusionProof(
        index=index, tree_size=len(leaves), siblings=tuple(_audit_path(leaf_hashes, index))
    )


def root_from_inclusion_proof(leaf_data: bytes, proof: MerkleInclusionProof) -> bytes | None:
    """RFC 9162 §2.1.3.2: the root the proof leads to, or None when the proof cannot be right.

    The bit walk over (index, tree_size - 1) knows at each level whether the sibling sits left or
    right and when a level has no sibling (the rightmost, unpaired subtree); a proof with too
    many or too few siblings for its position is rejected rather than folded anyway.
    """
    if not 0 <= proof.index < proof.tree_size or len(proof.siblings) > MAX_PROOF_LENGTH:
        return None
    node_index = proof.index
    last_index = proof.tree_size - 1
    node = hash_leaf(leaf_data)
    for sibling in proof.siblings:
        if last_index == 0 or len(sibling) != DIGEST_SIZE:
            return None
        if node_index & 1 or node_index == last_index:
            node = hash_inner(sibling, node)
            # Climb past the levels where this node is the unpaired rightmost subtree.
            while not node_index & 1 and node_index != 0:
                node_index >>= 1
                last_index >>= 1
        else:
            node = hash_inner(node, sibling)
        node_index >>= 1
        last_index >>= 1
    if last_index != 0:
        return None
    return node


def verify_inclusion(root: bytes, leaf_data: bytes, proof: MerkleInclusionProof) -> bool:
    """True when ``proof`` shows that ``leaf_data`` sits at ``proof.index`` under ``root``."""
    computed = root_from_inclusion_proof(leaf_data, proof)
    return computed is not None and computed == root


# --- JSON-able form for registry extracts -------------------------------------------------------


def inclusion_proof_to_dict(proof: MerkleInclusionProof) -> dict[str, object]:
    return {
        "index": proof.index,
        "tree_size": proof.tree_size,
        "siblings": [sibling.hex() for sibling in proof.siblings],
    }


def _decode_non_negative_int(value: object, field: str) -> int:
    # bool is an int subclass; a JSON `true` is not a tree size.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedProof(f"{field} must be a non-negative integer")
    return value


def decode_hash_hex(value: object, field: str) -> bytes:
    """A 32-byte hash written as 64 lowercase or uppercase hex digits."""
    if not isinstance(value, str) or len(value) != 2 * DIGEST_SIZE:
        raise MalformedProof(f"{field} must be {2 * DIGEST_SIZE} hex digits")
    try:
        decoded = bytes.fromhex(value)
    except ValueError as error:
        raise MalformedProof(f"{field} is not hexadecimal") from error
    # bytes.fromhex skips spaces, so 64 characters can still decode to fewer than 32 bytes.
    if len(decoded) != DIGEST_SIZE:
        raise MalformedProof(f"{field} must be {2 * DIGEST_SIZE} hex digits")
    return decoded


def inclusion_proof_from_dict(data: object) -> MerkleInclusionProof:
    """Read back ``inclusion_proof_to_dict``; raise MalformedProof on any other shape."""
    if not isinstance(data, Mapping) or set(data) != {"index", "tree_size", "siblings"}:
        raise MalformedProof("an inclusion proof has exactly: index, tree_size, siblings")
    index = _decode_non_negative_int(data["index"], "index")
    tree_size = _decode_non_negative_int(data["tree_size"], "tree_size")
    if index >= tree_size:
        raise MalformedProof("index must be smaller than tree_size")
    siblings = data["siblings"]
    if not isinstance(siblings, list) or len(siblings) > MAX_PROOF_LENGTH:
        raise MalformedProof(f"siblings must be a list of at most {MAX_PROOF_LENGTH} hashes")
    return MerkleInclusionProof(
        index=index,
        tree_size=tree_size,
        siblings=tuple(
            decode_hash_hex(sibling, f"siblings[{position}]")
            for position, sibling in enumerate(siblings)
        ),
    )
