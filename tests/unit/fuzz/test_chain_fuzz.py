"""Fuzzing what a peer sends about the chain: blocks, block headers, commit certificates, the
consensus messages of the peer stream (proposals, votes, evidence), and genesis files.

Named errors per decoder (anything else escaping is a defect of the decoder):
- ``BlockHeader.decode`` / ``Block.decode``: InvalidBlock (ledger/chain/blocks.py).
- ``CommitCertificate.decode`` / ``verify_commit_certificate``: InvalidCommitCertificate.
- ``verify_proposal`` / ``verify_vote`` (node/chain/signed_messages.py): BadMessage.
- ``verify_evidence`` (node/chain/evidence.py): InvalidEvidence; ``evidence_height``: None.
- ``load_genesis`` (ledger/chain/genesis.py): InvalidGenesis.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from google.protobuf.message import DecodeError, Message
from hypothesis import example, given
from hypothesis import strategies as st
from tirkeu_pb import block_pb2, peer_pb2

from consensus.types import BlockId, Height, Proposal, Round, ValidatorId, VoteType
from consensus.validators import Validator, ValidatorSet
from ledger.audit.anchor import trust_anchor
from ledger.audit.snapshots import (
    InvalidSnapshot,
    StateSnapshot,
    decode_snapshot,
    encode_snapshot,
    verify_snapshot,
)
from ledger.chain.blocks import Block, BlockHeader, InvalidBlock
from ledger.chain.commit_certificates import (
    CertifyingValidators,
    CommitCertificate,
    CommitSignature,
    InvalidCommitCertificate,
    verify_commit_certificate,
)
from ledger.chain.genesis import InvalidGenesis, load_genesis
from node.chain.evidence import InvalidEvidence, evidence_height, make_evidence, verify_evidence
from node.chain.signed_messages import (
    BadMessage,
    proposal_of,
    sign_proposal,
    verify_proposal,
    verify_vote,
    vote_of,
)
from tests.unit.fuzz.support import (
    FUZZ,
    bytes_of,
    json_bytes_of,
    only_named,
    vectors,
    with_extreme_fields,
)
from tests.unit.node.bft_fixtures import BLOCK_A, BLOCK_B, VALIDATOR_IDS, FourValidators

BLOCKS = vectors("blocks")["blocks"]
BLOCK_BYTES = [bytes.fromhex(b["block_hex"]) for b in BLOCKS]
HEADER_BYTES = [bytes.fromhex(b["header_hex"]) for b in BLOCKS]
COMMIT_BYTES = [bytes.fromhex(b["commit_hex"]) for b in BLOCKS]
GENESIS = vectors("genesis")
P = TypeVar("P", bound=Message)


@cache
def _chain() -> FourValidators:
    return FourValidators.create()


def _validators() -> CertifyingValidators:
    genesis = _chain().setup.genesis
    return CertifyingValidators(
        ValidatorSet(
            tuple(Validator(ValidatorId(v.validator_id), v.power) for v in genesis.validators)
        ),
        {ValidatorId(v.validator_id): v.certificate for v in genesis.validators},
    )


# --- blocks, headers, commit certificates -------------------------------------------------------


@FUZZ
@given(
    bytes_of(HEADER_BYTES)
    | with_extreme_fields([block_pb2.BlockHeader.FromString(h) for h in HEADER_BYTES]).map(
        lambda m: m.SerializeToString()
    )
)
def test_block_headers_decode_or_are_named_malformed(raw: bytes) -> None:
    header = only_named(lambda: BlockHeader.decode(raw), (InvalidBlock,))
    if isinstance(header, BlockHeader):
        assert header.encode() == raw  # one header, one encoding, one hash


@FUZZ
@given(
    bytes_of(BLOCK_BYTES)
    | with_extreme_fields([block_pb2.Block.FromString(b) for b in BLOCK_BYTES]).map(
        lambda m: m.SerializeToString()
    )
)
def test_blocks_decode_or_are_named_invalid(raw: bytes) -> None:
    block = only_named(lambda: Block.decode(raw), (InvalidBlock,))
    if isinstance(block, Block):
        assert Block.decode(block.encode()) == block


@FUZZ
@given(
    bytes_of(COMMIT_BYTES)
    | with_extreme_fields([block_pb2.CommitCertificate.FromString(c) for c in COMMIT_BYTES]).map(
        lambda m: m.SerializeToString()
    )
)
def test_commit_certificates_decode_and_verify_or_are_named_invalid(raw: bytes) -> None:
    certificate = only_named(lambda: CommitCertificate.decode(raw), (InvalidCommitCertificate,))
    if not isinstance(certificate, CommitCertificate):
        return
    assert CommitCertificate.decode(certificate.encode()) == certificate
    # Callers judge a certificate against a header they hold: a height of 1 or more and a
    # 32-byte block hash; the certificate's own claims are the fuzzed part.
    only_named(
        lambda: verify_commit_certificate(
            certificate,
            chain_id=_chain().chain_id,
            validators=_validators(),
            height=Height(max(certificate.height, 1)),
            block_hash=certificate.block_hash if len(certificate.block_hash) == 32 else BLOCK_A,
        ),
        (InvalidCommitCertificate,),
    )


_HEADERS = st.builds(
    BlockHeader,
    chain_id=st.text(min_size=1, max_size=40),
    height=st.integers(1, 2**64 - 1).map(Height),
    time_unix_ms=st.integers(-(2**63), 2**63 - 1),
    previous_block_hash=st.binary(min_size=32, max_size=32),
    transactions_root=st.binary(min_size=32, max_size=32),
    state_root=st.binary(min_size=32, max_size=32),
    validator_set_hash=st.binary(min_size=32, max_size=32),
    proposer=st.text(min_size=1, max_size=40).map(ValidatorId),
    last_commit_hash=st.sampled_from([b"", b"\x11" * 32]),
    transaction_count=st.integers(0, 2**32 - 1),
    evidence_hash=st.sampled_from([b"", b"\x22" * 32]),
    rules_version=st.integers(1, 2**32 - 1),
)


@FUZZ
@given(_HEADERS)
def test_a_header_survives_encode_then_decode(header: BlockHeader) -> None:
    assert BlockHeader.decode(header.encode()) == header


@FUZZ
@given(
    height=st.integers(0, 2**64 - 1),
    round_number=st.integers(0, 2**32 - 1),
    block_hash=st.binary(max_size=40),
    signers=st.lists(st.tuples(st.text(max_size=20), st.binary(max_size=80)), max_size=5),
)
def test_a_commit_certificate_survives_encode_then_decode(
    height: int, round_number: int, block_hash: bytes, signers: list[tuple[str, bytes]]
) -> None:
    certificate = CommitCertificate(
        Height(height),
        Round(round_number),
        block_hash,
        tuple(CommitSignature(ValidatorId(v), s) for v, s in signers),
    )
    assert CommitCertificate.decode(certificate.encode()) == certificate


# --- consensus messages of the peer stream ------------------------------------------------------


@cache  # ECDSA signatures are randomized: sign once, so that every run draws from the same seeds
def _proposals() -> list[peer_pb2.SignedProposal]:
    chain = _chain()
    return [
        chain.proposal(VALIDATOR_IDS[0], block=BLOCK_BYTES[0]),
        chain.proposal(VALIDATOR_IDS[1], height=7, round_number=3, value=BLOCK_B),
    ]


@cache
def _votes() -> list[peer_pb2.SignedVote]:
    chain = _chain()
    return [
        chain.vote(VALIDATOR_IDS[0], VoteType.PREVOTE),
        chain.vote(VALIDATOR_IDS[1], VoteType.PRECOMMIT, height=9, round_number=2, value=None),
    ]


@FUZZ
@given(st.data())
def test_proposals_verify_or_are_bad_messages(data: st.DataObject) -> None:
    seeds = _proposals()
    message = data.draw(
        st.one_of(
            with_extreme_fields(seeds),
            bytes_of([m.SerializeToString() for m in seeds]).map(_lenient(peer_pb2.SignedProposal)),
        )
    )
    proposal = only_named(
        lambda: verify_proposal(message, _chain().chain_id, _validators()), (BadMessage,)
    )
    if isinstance(proposal, Proposal):
        assert proposal_of(message) == proposal


@FUZZ
@given(st.data())
def test_votes_verify_or_are_bad_messages(data: st.DataObject) -> None:
    seeds = _votes()
    message = data.draw(
        st.one_of(
            with_extreme_fields(seeds),
            bytes_of([m.SerializeToString() for m in seeds]).map(_lenient(peer_pb2.SignedVote)),
        )
    )
    vote = only_named(lambda: verify_vote(message, _chain().chain_id, _validators()), (BadMessage,))
    if not isinstance(vote, BaseException):
        assert vote_of(message) == vote


@FUZZ
@given(st.data())
def test_evidence_verifies_or_is_named_invalid(data: st.DataObject) -> None:
    chain = _chain()
    double = _double_vote()
    raw = data.draw(
        bytes_of([double])
        | with_extreme_fields([peer_pb2.Evidence.FromString(double)]).map(
            lambda m: m.SerializeToString()
        )
    )
    height = evidence_height(raw)
    assert height is None or isinstance(height, int)
    only_named(lambda: verify_evidence(raw, chain.chain_id, _validators()), (InvalidEvidence,))


@cache
def _double_vote() -> bytes:
    chain = _chain()
    return make_evidence(
        chain.vote(VALIDATOR_IDS[2], VoteType.PREVOTE, value=BLOCK_A),
        chain.vote(VALIDATOR_IDS[2], VoteType.PREVOTE, value=BLOCK_B),
    )


def test_a_signed_proposal_reads_back_as_the_proposal_it_signs() -> None:
    chain = _chain()
    proposal = Proposal(Height(5), Round(2), BlockId(BLOCK_A), Round(1), VALIDATOR_IDS[3])
    signed = sign_proposal(chain.keys[VALIDATOR_IDS[3]].key, chain.chain_id, proposal, b"")
    wire = peer_pb2.SignedProposal.FromString(signed.SerializeToString())
    assert verify_proposal(wire, chain.chain_id, _validators()) == proposal


def _lenient(kind: type[P]) -> Callable[[bytes], P]:
    """Bytes as the gRPC layer hands them on: a message when they parse, else an empty one (the
    transport refuses what does not parse before the service sees it)."""

    def parse(raw: bytes) -> P:
        message = kind()
        try:
            message.ParseFromString(raw)
        except DecodeError:
            message.Clear()
        return message

    return parse


# --- genesis files ------------------------------------------------------------------------------


@FUZZ
@given(json_bytes_of([GENESIS]))
@example(b"[" * 100_000 + b"]" * 100_000)  # found: RecursionError from json.loads
def test_genesis_files_load_or_name_the_bad_field(raw: bytes) -> None:
    only_named(lambda: load_genesis(raw), (InvalidGenesis,))


def test_the_genesis_vector_loads() -> None:
    assert load_genesis(json.dumps(GENESIS).encode()).chain_id == GENESIS["chain_id"]


# --- snapshot files -----------------------------------------------------------------------------
# Peers do not send snapshots (peer.proto has no such call); an operator restores one from a file
# someone handed over (tirkeu-node snapshot restore), so the file is untrusted input all the same.


@cache
def _snapshot_seeds() -> list[bytes]:
    anchor = trust_anchor(json.dumps(GENESIS).encode())
    seeds = []
    for block, commit in zip(BLOCK_BYTES[:3], COMMIT_BYTES[:3], strict=True):
        decoded = Block.decode(block)
        seeds.append(
            encode_snapshot(
                StateSnapshot(
                    anchor.chain_id,
                    anchor.genesis_sha256,
                    decoded.height,
                    decoded,
                    CommitCertificate.decode(commit),
                    ((b"property/1", b"\x90"), (b"property/2", b"\x91\x01")),
                )
            )
        )
    return seeds


@FUZZ
@given(st.deferred(lambda: bytes_of(_snapshot_seeds())))
def test_snapshot_files_decode_and_verify_or_are_named_invalid(raw: bytes) -> None:
    snapshot = only_named(lambda: decode_snapshot(raw), (InvalidSnapshot,))
    if isinstance(snapshot, StateSnapshot):
        assert decode_snapshot(encode_snapshot(snapshot)) == snapshot
        anchor = trust_anchor(json.dumps(GENESIS).encode())
        only_named(lambda: verify_snapshot(snapshot, anchor), (InvalidSnapshot,))
