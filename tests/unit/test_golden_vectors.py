"""The golden vectors of the contract (proto/vectors/, written by scripts/gen_vectors.py) are
reproduced byte for byte by this implementation, and changing any one value of them fails.

Other implementations (clients/examples/node) check the same files, so the code, the document
(docs/protocol.md) and every client verify the same bytes. ECDSA signatures are randomised: they
are stored and verified, never regenerated here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from google.protobuf.json_format import ParseDict
from tirkeu_pb import transaction_pb2 as pb

from consensus.types import Height, ValidatorId, VoteType
from consensus.validators import Validator, ValidatorSet
from ledger.audit.anchor import TrustAnchor, trust_anchor
from ledger.audit.replay import StateReplay
from ledger.chain.blocks import Block, BlockHeader, ChainTip, verify_block_link
from ledger.chain.commit_certificates import (
    CertifyingValidators,
    CommitCertificate,
    proposal_sign_bytes,
    verify_commit_certificate,
    vote_sign_bytes,
)
from ledger.extract.extract import decode_records, extract_from_document, verify_extract
from ledger.extract.view import plain
from ledger.hashing import sha256
from ledger.identity.certificates import load_certificate
from ledger.identity.signatures import verify_ecdsa_p256_signature
from ledger.merkle.smt_proof import key_path_of, proof_from_bytes, proof_to_bytes
from ledger.merkle.transaction_tree import merkle_root
from ledger.state.codec import save_record
from ledger.state.records import from_unix_ms

VECTORS = Path(__file__).resolve().parents[2] / "proto" / "vectors"
Json = Any


def _load(name: str) -> Json:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def anchor() -> TrustAnchor:
    return trust_anchor((VECTORS / "genesis.json").read_bytes())


def _h(text: str) -> bytes:
    return bytes.fromhex(text)


# --- the checks, one per file; each raises on any mismatch ---------------------------------------


def check_transactions(document: Json, anchor: TrustAnchor) -> None:
    assert document["chain_id"] == anchor.chain_id
    blocks = _load("blocks.json")["blocks"]
    kinds = set()
    for vector in document["transactions"]:
        body = _h(vector["body_hex"])
        # Canonical: the proto3 encoding of the body's fields, defaults omitted, in field order.
        rebuilt = ParseDict(vector["body"], pb.TransactionBody())
        assert rebuilt.SerializeToString(deterministic=True) == body
        assert pb.TransactionBody.FromString(body).WhichOneof("action") == vector["kind"]
        assert rebuilt.chain_id == anchor.chain_id
        assert sha256(body).hex() == vector["transaction_id"]
        if "application_id" in vector:
            assert vector["application_id"] == vector["transaction_id"]
        signatures = [
            pb.Signature(
                certificate=_h(signature["certificate_hex"]),
                signature=_h(signature["signature_hex"]),
            )
            for signature in vector["signatures"]
        ]
        envelope = pb.Envelope(body=body, signatures=signatures)
        assert envelope.SerializeToString(deterministic=True) == _h(vector["envelope_hex"])
        assert signatures
        for signature in signatures:
            certificate = load_certificate(signature.certificate)
            assert verify_ecdsa_p256_signature(certificate, signature.signature, body)
        # Committed in the block of its height (blocks.json).
        block = Block.decode(_h(blocks[vector["height"] - 1]["block_hex"]))
        assert block.height == vector["height"]
        assert envelope.SerializeToString(deterministic=True) in block.transactions
        kinds.add(vector["kind"])
    assert kinds == {f.name for f in pb.TransactionBody.DESCRIPTOR.oneofs_by_name["action"].fields}


def check_blocks(document: Json, transactions: Json, anchor: TrustAnchor) -> None:
    assert document["chain_id"] == anchor.chain_id
    previous: BlockHeader | ChainTip = ChainTip.genesis(
        anchor.chain_id, anchor.genesis_time_unix_ms
    )
    previous_commit = b""
    replay = StateReplay(anchor)  # the registry rules, re-executed from the genesis file
    envelopes: dict[int, list[bytes]] = {}
    for vector in transactions["transactions"]:
        envelopes.setdefault(vector["height"], []).append(_h(vector["envelope_hex"]))
    for vector in document["blocks"]:
        raw = _h(vector["block_hex"])
        block = Block.decode(raw)  # canonical bytes; root, count, last commit, evidence hash
        assert block.encode() == raw
        header = block.header
        assert header.encode() == _h(vector["header_hex"])
        assert _header_fields(header) == vector["header"]
        assert header.height == vector["height"]
        assert sha256(_h(vector["header_hex"])).hex() == vector["block_hash"]
        verify_block_link(header, previous)
        assert header.validator_set_hash == anchor.validator_set_hash
        assert header.proposer in anchor.validators.validator_set
        assert list(block.transactions) == envelopes.get(header.height, [])
        assert merkle_root(block.transactions) == header.transactions_root
        if block.last_commit is not None:
            assert block.last_commit.encode() == previous_commit
        commit_bytes = _h(vector["commit_hex"])
        commit = CommitCertificate.decode(commit_bytes)
        verify_commit_certificate(
            commit,
            chain_id=anchor.chain_id,
            validators=anchor.validators,
            height=header.height,
            block_hash=header.block_hash,
        )
        assert sha256(commit_bytes).hex() == vector["commit_hash"]
        replayed, defects = replay.replay(header, block.transactions, authentic=True)
        assert replayed is not None and not defects, defects
        previous, previous_commit = header, commit_bytes
    assert len(document["blocks"]) == max(envelopes)


def _header_fields(header: BlockHeader) -> dict[str, object]:
    return {
        "chain_id": header.chain_id,
        "height": header.height,
        "time_unix_ms": header.time_unix_ms,
        "previous_block_hash": header.previous_block_hash.hex(),
        "transactions_root": header.transactions_root.hex(),
        "state_root": header.state_root.hex(),
        "validator_set_hash": header.validator_set_hash.hex(),
        "proposer": header.proposer,
        "last_commit_hash": header.last_commit_hash.hex(),
        "transaction_count": header.transaction_count,
        "evidence_hash": header.evidence_hash.hex(),
    }


def check_extracts(document: Json, anchor: TrustAnchor) -> None:
    seen = set()
    for vector in document["extracts"]:
        verdict = verify_extract(vector["document"], anchor)
        assert verdict.ok, verdict.to_dict()
        extract, _, _ = extract_from_document(vector["document"])
        record, lease = decode_records(extract)
        for proven, decoded in (
            (extract.property_record, record),
            (extract.active_encumbrance, lease),
        ):
            proof = proof_from_bytes(proven.proof)
            assert proof_to_bytes(proof) == proven.proof  # one encoding per proof
            assert len(key_path_of(proven.key)) == 32
            if decoded is not None:
                assert proven.value is not None and save_record(decoded) == proven.value
                assert plain(decoded) is not None
            ends = "absent" if proven.value is None else "present"
            kind = "leaf" if proof.end_leaf is not None else "empty"
            seen.add((ends, kind))
    # Presence, absence at an empty subtree and absence at another record's leaf all occur.
    assert {("present", "leaf"), ("absent", "empty"), ("absent", "leaf")} <= seen


def check_signing(document: Json) -> None:
    for vote in document["votes"]:
        block_hash = None if vote["block_hash"] is None else _h(vote["block_hash"])
        expected = vote_sign_bytes(
            vote["chain_id"], VoteType[vote["type"]], vote["height"], vote["round"], block_hash
        )
        assert expected.hex() == vote["sign_bytes_hex"]
    for proposal in document["proposals"]:
        expected = proposal_sign_bytes(
            proposal["chain_id"],
            proposal["height"],
            proposal["round"],
            proposal["valid_round"],
            _h(proposal["block_hash"]),
        )
        assert expected.hex() == proposal["sign_bytes_hex"]
    vectors = document["validator_set"]
    members = vectors["validators"]
    validator_set = ValidatorSet(
        tuple(Validator(ValidatorId(m["id"]), m["power"]) for m in members)
    )
    assert validator_set.validator_set_hash().hex() == vectors["id_power_hash"]
    certifying = CertifyingValidators(
        validator_set,
        {ValidatorId(m["id"]): load_certificate(_h(m["certificate_der_hex"])) for m in members},
    )
    assert certifying.set_hash().hex() == vectors["validator_set_hash"]
    commit = vectors["commit_certificate"]
    certificate = CommitCertificate.decode(_h(commit["certificate_hex"]))
    verify_commit_certificate(
        certificate,
        chain_id=vectors["chain_id"],
        validators=certifying,
        height=Height(commit["height"]),
        block_hash=_h(commit["block_hash"]),
    )
    assert certificate.round == commit["round"]
    assert [s.validator_id for s in certificate.signatures] == commit["signers_in_order"]
    assert certificate.certificate_hash.hex() == commit["certificate_hash"]


def check_merkle(document: Json) -> None:
    for case in document["rfc6962_roots"]:
        leaves = [_h(leaf) for leaf in case["leaves_hex"]]
        assert merkle_root(leaves).hex() == case["root"]


CHECKS: dict[str, Callable[[Json, TrustAnchor], None]] = {
    "transactions.json": check_transactions,
    "blocks.json": lambda document, anchor: check_blocks(
        document, _load("transactions.json"), anchor
    ),
    "extracts.json": check_extracts,
    "signing.json": lambda document, anchor: check_signing(document),
    "merkle.json": lambda document, anchor: check_merkle(document),
}


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_vectors_are_reproduced(name: str, anchor: TrustAnchor) -> None:
    CHECKS[name](_load(name), anchor)


def test_every_vector_file_is_checked() -> None:
    assert {path.name for path in VECTORS.glob("*.json")} == set(CHECKS) | {"genesis.json"}


def test_the_empty_transactions_root_is_sha256_of_nothing() -> None:
    assert merkle_root([]) == sha256(b"")


def test_block_times_are_unix_milliseconds() -> None:
    first = _load("blocks.json")["blocks"][0]["header"]["time_unix_ms"]
    assert from_unix_ms(first).year == 2026


def _leaves(value: Json, path: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "description":  # words for people, not a checked value
                yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    elif value is not None:
        yield path


def _mutated(value: object) -> object:
    """One value changed by as little as it can be: one byte of hex, one unit, one letter."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    assert isinstance(value, str)
    if len(value) >= 2 and len(value) % 2 == 0 and all(c in "0123456789abcdef" for c in value):
        last = int(value[-2:], 16) ^ 0x01
        return value[:-2] + f"{last:02x}"
    # The first character: in base64 (the bytes of a body's JSON) it changes the first byte.
    return ("B" if value[:1] == "A" else "A") + value[1:]


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_changing_any_one_value_of_a_vector_fails(name: str, anchor: TrustAnchor) -> None:
    original = _load(name)
    survivors = []
    for path in _leaves(original):
        changed = copy.deepcopy(original)
        holder = changed
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = _mutated(holder[path[-1]])
        try:
            CHECKS[name](changed, anchor)
        except Exception:
            continue
        survivors.append(path)
    assert not survivors, f"changes no check noticed in {name}: {survivors[:10]}"


def test_the_extract_vectors_follow_the_json_schema() -> None:
    schema = json.loads((VECTORS.parents[1] / "docs" / "extract.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for vector in _load("extracts.json")["extracts"]:
        validator.validate(vector["document"])
        broken = copy.deepcopy(vector["document"])
        broken["property"]["proof"] = "not hex"
        assert not validator.is_valid(broken)


def test_changing_any_one_value_of_the_genesis_file_fails() -> None:
    """Every genesis value the chain depends on is bound: through the validator set hash, the
    certificates, or the state the blocks replay to. Values only a running node reads (block
    limits, timing) are listed, so that a new field cannot slip through unnoticed."""
    original = json.loads((VECTORS / "genesis.json").read_text(encoding="utf-8"))
    transactions, blocks = _load("transactions.json"), _load("blocks.json")
    survivors = []
    for path in _leaves(original):
        changed = copy.deepcopy(original)
        holder = changed
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = _mutated(holder[path[-1]])
        try:
            changed_anchor = trust_anchor(json.dumps(changed).encode())
            check_blocks(blocks, transactions, changed_anchor)
        except Exception:
            continue
        survivors.append(path)
    assert survivors == NOT_BOUND_BY_BLOCKS, survivors


# Judged by a node at admission or proposal, not visible in these blocks' bytes or state: a
# different limit gives the same chain. The calendar decides the para 38 deadline, which this
# story's dates (a Monday, UTC+5 or +6 alike) do not move.
NOT_BOUND_BY_BLOCKS: list[tuple[object, ...]] = [
    ("calendar", "utc_offset_hours"),
    ("calendar", "weekend_days", 0),
    ("limits", "max_transaction_bytes"),
    ("limits", "max_expiry_blocks"),
    ("limits", "max_block_transactions"),
]
