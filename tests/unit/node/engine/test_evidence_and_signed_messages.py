"""Signed consensus messages (node/chain/signed_messages.py) and double-vote evidence
(node/chain/evidence.py): what verifies, and what is refused as BadMessage / InvalidEvidence."""

from __future__ import annotations

import pytest
from tirkeu_pb import peer_pb2

from consensus.types import Height, Proposal, Round, Vote, VoteType
from node.chain.evidence import (
    MAX_EVIDENCE_PER_BLOCK,
    DoubleVote,
    EvidencePool,
    InvalidEvidence,
    make_evidence,
    verify_evidence,
)
from node.chain.signed_messages import BadMessage, verify_proposal, verify_vote
from tests.unit.node.bft_fixtures import BLOCK_A, BLOCK_B, VALIDATOR_IDS, FourValidators

FIRST, SECOND = VALIDATOR_IDS[0], VALIDATOR_IDS[1]


@pytest.fixture(scope="module")
def chain() -> FourValidators:
    return FourValidators.create()


def _garbled(signature: bytes) -> bytes:
    changed = bytearray(signature)
    changed[len(changed) // 2] ^= 0x40
    return bytes(changed)


# --- signed messages ----------------------------------------------------------------------------


def test_a_signed_vote_verifies_with_its_validators_certificate(chain: FourValidators) -> None:
    for value in (BLOCK_A, None):
        signed = chain.vote(FIRST, VoteType.PRECOMMIT, height=7, round_number=2, value=value)
        vote = verify_vote(signed, chain.chain_id, chain.setup.validators)
        assert vote == Vote(VoteType.PRECOMMIT, Height(7), Round(2), value, FIRST)


def test_a_signed_proposal_verifies_with_its_proposers_certificate(chain: FourValidators) -> None:
    signed = chain.proposal(SECOND, height=3, round_number=1, value=BLOCK_B, block=b"block")
    proposal = verify_proposal(signed, chain.chain_id, chain.setup.validators)
    assert proposal == Proposal(Height(3), Round(1), BLOCK_B, Round(-1), SECOND)


def test_a_vote_signed_with_another_validators_key_is_refused(chain: FourValidators) -> None:
    signed = chain.vote(FIRST, VoteType.PREVOTE)
    impostor = chain.vote(SECOND, VoteType.PREVOTE)
    claimed = peer_pb2.SignedVote()
    claimed.CopyFrom(impostor)
    claimed.validator = FIRST  # SECOND's signature, FIRST's name
    with pytest.raises(BadMessage, match="does not verify"):
        verify_vote(claimed, chain.chain_id, chain.setup.validators)
    assert verify_vote(signed, chain.chain_id, chain.setup.validators).validator == FIRST


def test_garbled_votes_and_proposals_are_refused(chain: FourValidators) -> None:
    vote = chain.vote(FIRST, VoteType.PREVOTE)
    bad_signature = peer_pb2.SignedVote()
    bad_signature.CopyFrom(vote)
    bad_signature.signature = _garbled(vote.signature)
    changed_value = peer_pb2.SignedVote()
    changed_value.CopyFrom(vote)
    changed_value.block_hash = BLOCK_B
    short_hash = peer_pb2.SignedVote()
    short_hash.CopyFrom(vote)
    short_hash.block_hash = b"\x01" * 31
    unknown_kind = peer_pb2.SignedVote()
    unknown_kind.CopyFrom(vote)
    unknown_kind.kind = peer_pb2.VOTE_KIND_UNSPECIFIED
    for bad in (bad_signature, changed_value, short_hash, unknown_kind):
        with pytest.raises(BadMessage):
            verify_vote(bad, chain.chain_id, chain.setup.validators)
    proposal = chain.proposal(FIRST)
    forged = peer_pb2.SignedProposal()
    forged.CopyFrom(proposal)
    forged.signature = _garbled(proposal.signature)
    with pytest.raises(BadMessage):
        verify_proposal(forged, chain.chain_id, chain.setup.validators)


def test_a_vote_of_another_chain_or_a_stranger_is_refused(chain: FourValidators) -> None:
    with pytest.raises(BadMessage):
        verify_vote(chain.vote(FIRST, VoteType.PREVOTE), "other-chain", chain.setup.validators)
    stranger = chain.vote(FIRST, VoteType.PREVOTE)
    stranger.validator = "ktk-observer"
    with pytest.raises(BadMessage, match="not a validator"):
        verify_vote(stranger, chain.chain_id, chain.setup.validators)


# --- evidence -----------------------------------------------------------------------------------


def test_two_different_votes_of_one_validator_are_evidence_naming_it(
    chain: FourValidators,
) -> None:
    vote_a = chain.vote(SECOND, VoteType.PREVOTE, height=4, round_number=1, value=BLOCK_A)
    vote_b = chain.vote(SECOND, VoteType.PREVOTE, height=4, round_number=1, value=BLOCK_B)
    encoded = make_evidence(vote_a, vote_b)
    assert make_evidence(vote_b, vote_a) == encoded  # canonical: either order, same bytes
    proven = verify_evidence(encoded, chain.chain_id, chain.setup.validators)
    assert proven == DoubleVote(SECOND, 4, 1, VoteType.PREVOTE.value)


def test_a_nil_vote_and_a_block_vote_are_a_double_vote(chain: FourValidators) -> None:
    vote_a = chain.vote(FIRST, VoteType.PRECOMMIT, value=None)
    vote_b = chain.vote(FIRST, VoteType.PRECOMMIT, value=BLOCK_A)
    proven = verify_evidence(make_evidence(vote_a, vote_b), chain.chain_id, chain.setup.validators)
    assert proven.validator == FIRST


def test_a_same_vote_pair_is_not_evidence(chain: FourValidators) -> None:
    vote = chain.vote(FIRST, VoteType.PREVOTE)
    resigned = chain.vote(FIRST, VoteType.PREVOTE)  # same vote, a fresh ECDSA signature
    for pair in ((vote, vote), (vote, resigned)):
        with pytest.raises(InvalidEvidence):
            verify_evidence(make_evidence(*pair), chain.chain_id, chain.setup.validators)


def test_votes_at_different_positions_or_of_two_validators_are_not_evidence(
    chain: FourValidators,
) -> None:
    base = chain.vote(FIRST, VoteType.PREVOTE, value=BLOCK_A)
    for other in (
        chain.vote(FIRST, VoteType.PREVOTE, round_number=1, value=BLOCK_B),
        chain.vote(FIRST, VoteType.PREVOTE, height=2, value=BLOCK_B),
        chain.vote(FIRST, VoteType.PRECOMMIT, value=BLOCK_B),
        chain.vote(SECOND, VoteType.PREVOTE, value=BLOCK_B),
    ):
        with pytest.raises(InvalidEvidence):
            verify_evidence(make_evidence(base, other), chain.chain_id, chain.setup.validators)


def test_forged_or_garbled_evidence_is_refused(chain: FourValidators) -> None:
    vote_a = chain.vote(FIRST, VoteType.PREVOTE, value=BLOCK_A)
    forged_b = chain.vote(SECOND, VoteType.PREVOTE, value=BLOCK_B)
    forged_b.validator = FIRST  # SECOND forges FIRST's second vote
    with pytest.raises(InvalidEvidence, match="does not verify"):
        verify_evidence(make_evidence(vote_a, forged_b), chain.chain_id, chain.setup.validators)
    with pytest.raises(InvalidEvidence, match="does not parse"):
        verify_evidence(b"\xff\xff\xff", chain.chain_id, chain.setup.validators)


def test_the_pool_de_duplicates_and_drops_committed_evidence(chain: FourValidators) -> None:
    pool = EvidencePool()
    vote_a = chain.vote(FIRST, VoteType.PREVOTE, value=BLOCK_A)
    vote_b = chain.vote(FIRST, VoteType.PREVOTE, value=BLOCK_B)
    other = make_evidence(
        chain.vote(SECOND, VoteType.PRECOMMIT, value=BLOCK_A),
        chain.vote(SECOND, VoteType.PRECOMMIT, value=None),
    )
    pool.add(make_evidence(vote_a, vote_b))
    pool.add(make_evidence(vote_b, vote_a))  # the same double vote, seen the other way round
    pool.add(other)
    assert pool.take() == [make_evidence(vote_a, vote_b), other]
    assert pool.take() == pool.take()  # taking does not remove: only a commit does
    pool.committed([other])
    assert pool.take() == [make_evidence(vote_a, vote_b)]


def test_a_block_carries_at_most_the_evidence_limit() -> None:
    pool = EvidencePool()
    for index in range(MAX_EVIDENCE_PER_BLOCK + 5):
        pool.add(bytes([index]))
    taken = pool.take()
    assert len(taken) == MAX_EVIDENCE_PER_BLOCK
    assert taken[0] == b"\x00"  # oldest first
