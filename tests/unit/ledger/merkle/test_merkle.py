"""The block's transaction Merkle root (ledger.merkle.transaction_tree) against RFC 6962 and its
known vectors."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.merkle.transaction_tree import (
    EMPTY_TREE_ROOT,
    LeafIndexOutOfRange,
    MalformedProof,
    MerkleInclusionProof,
    inclusion_proof_from_dict,
    inclusion_proof_to_dict,
    merkle_root,
    prove_inclusion,
    verify_inclusion,
)

# Certificate Transparency's reference leaves and the root of every prefix of them, as published
# in transparency-dev/merkle (testonly/constants.go); used here as data only.
CT_LEAVES = [
    bytes.fromhex(text)
    for text in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (0-based leaf index, tree size, audit path) from transparency-dev/merkle proof/verify_test.go.
CT_INCLUSION_PROOFS = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def inner(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_root_matches_the_certificate_transparency_vectors(size: int) -> None:
    assert merkle_root(CT_LEAVES[:size]).hex() == CT_ROOTS[size]


def test_small_trees_computed_by_hand() -> None:
    a, b, c, d, e = (leaf(x) for x in [b"a", b"b", b"c", b"d", b"e"])
    assert merkle_root([]) == EMPTY_TREE_ROOT == hashlib.sha256(b"").digest()
    assert merkle_root([b"a"]) == a
    assert merkle_root([b"a", b"b"]) == inner(a, b)
    # Three leaves split 2 + 1 (largest power of two below 3), not 1 + 2.
    assert merkle_root([b"a", b"b", b"c"]) == inner(inner(a, b), c)
    # Five leaves split 4 + 1, not at the midpoint.
    assert merkle_root([b"a", b"b", b"c", b"d", b"e"]) == inner(inner(inner(a, b), inner(c, d)), e)


def test_a_leaf_cannot_pose_as_an_inner_node() -> None:
    a, b = leaf(b"a"), leaf(b"b")
    # The two-leaf tree's root is not the one-leaf tree of the concatenated child hashes.
    assert merkle_root([a + b]) != merkle_root([b"a", b"b"])


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION_PROOFS)
def test_inclusion_proofs_match_the_certificate_transparency_vectors(
    index: int, size: int, path: list[str]
) -> None:
    proof = prove_inclusion(CT_LEAVES[:size], index)
    assert [sibling.hex() for sibling in proof.siblings] == path
    assert verify_inclusion(bytes.fromhex(CT_ROOTS[size]), CT_LEAVES[index], proof)


def tampered_proofs(proof: MerkleInclusionProof) -> list[MerkleInclusionProof]:
    """Every way of being wrong that transparency-dev/merkle probes, and then some."""
    some_hash = hashlib.sha256(b"some hash").digest()
    candidates = [
        MerkleInclusionProof(proof.index - 1, proof.tree_size, proof.siblings),
        MerkleInclusionProof(proof.index + 1, proof.tree_size, proof.siblings),
        MerkleInclusionProof(proof.index ^ 2, proof.tree_size, proof.siblings),
        MerkleInclusionProof(proof.index, proof.tree_size * 2, proof.siblings),
        MerkleInclusionProof(proof.index, proof.tree_size // 2, proof.siblings),
        MerkleInclusionProof(proof.index, proof.tree_size, (*proof.siblings, some_hash)),
        MerkleInclusionProof(proof.index, proof.tree_size, (some_hash, *proof.siblings)),
        MerkleInclusionProof(proof.index, proof.tree_size, proof.siblings[:-1]),
        MerkleInclusionProof(proof.index, proof.tree_size, (*proof.siblings, b"")),
    ]
    for position, sibling in enumerate(proof.siblings):
        for bit in range(256):
            flipped = bytearray(sibling)
            flipped[bit // 8] ^= 1 << (bit % 8)
            siblings = list(proof.siblings)
            siblings[position] = bytes(flipped)
            candidates.append(MerkleInclusionProof(proof.index, proof.tree_size, tuple(siblings)))
    return [candidate for candidate in candidates if candidate != proof]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=40, unique=True))
def test_every_leaf_proves_its_inclusion_and_no_tampered_proof_does(leaves: list[bytes]) -> None:
    root = merkle_root(leaves)
    for index, leaf_data in enumerate(leaves):
        proof = prove_inclusion(leaves, index)
        assert verify_inclusion(root, leaf_data, proof)
        assert inclusion_proof_from_dict(
            json.loads(json.dumps(inclusion_proof_to_dict(proof)))
        ) == (proof)
        assert not verify_inclusion(root, leaf_data + b"!", proof)
        wrong_root = bytes([root[0] ^ 1]) + root[1:]
        assert not verify_inclusion(wrong_root, leaf_data, proof)
    # Tamper with a few proofs only: each one costs 256 * depth verifications.
    for index in {0, len(leaves) // 2, len(leaves) - 1}:
        proof = prove_inclusion(leaves, index)
        for tampered in tampered_proofs(proof):
            assert not verify_inclusion(root, leaves[index], tampered), tampered


def test_a_proof_for_a_leaf_outside_the_tree_is_refused_by_name() -> None:
    with pytest.raises(LeafIndexOutOfRange):
        prove_inclusion([b"a", b"b"], 2)
    with pytest.raises(LeafIndexOutOfRange):
        prove_inclusion([], 0)
    with pytest.raises(LeafIndexOutOfRange):
        prove_inclusion([b"a"], -1)


@pytest.mark.parametrize(
    "proof",
    [
        MerkleInclusionProof(index=0, tree_size=0, siblings=()),
        MerkleInclusionProof(index=1, tree_size=1, siblings=()),
        MerkleInclusionProof(index=-1, tree_size=1, siblings=()),
        MerkleInclusionProof(index=0, tree_size=2, siblings=()),
        MerkleInclusionProof(index=0, tree_size=2**70, siblings=(bytes(32),) * 70),
    ],
)
def test_impossible_proofs_fail_verification_without_crashing(
    proof: MerkleInclusionProof,
) -> None:
    assert not verify_inclusion(merkle_root([b"a"]), b"a", proof)


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"index": 0, "tree_size": 1},
        {"index": 0, "tree_size": 1, "siblings": [], "extra": 1},
        {"index": True, "tree_size": 2, "siblings": []},
        {"index": -1, "tree_size": 2, "siblings": []},
        {"index": 2, "tree_size": 2, "siblings": []},
        {"index": 0, "tree_size": "2", "siblings": []},
        {"index": 0, "tree_size": 2, "siblings": "00" * 32},
        {"index": 0, "tree_size": 2, "siblings": ["00" * 31]},
        {"index": 0, "tree_size": 2, "siblings": ["0g" * 32]},
        {"index": 0, "tree_size": 2, "siblings": [32]},
        {"index": 0, "tree_size": 2, "siblings": ["00 " * 16 + "00" * 8]},
        {"index": 0, "tree_size": 2, "siblings": ["00" * 32] * 65},
    ],
)
def test_malformed_dicts_raise_malformed_proof(data: object) -> None:
    with pytest.raises(MalformedProof):
        inclusion_proof_from_dict(data)
