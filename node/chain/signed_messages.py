"""Consensus messages on the wire: signing, verifying and converting peer.proto messages.

The core (consensus/) trusts that every message it gets was signature-verified and names its
sender; this module is where that happens. A proposal is signed over ``proposal_sign_bytes``,
a vote over ``vote_sign_bytes`` (the bytes a commit certificate's precommits sign, so a node can
put the precommits it received straight into a certificate).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec
from tirkeu_pb import peer_pb2

from consensus.types import (
    BLOCK_ID_SIZE,
    BlockId,
    Height,
    Proposal,
    Round,
    ValidatorId,
    Vote,
    VoteType,
)
from ledger.chain.commit_certificates import (
    CertifyingValidators,
    proposal_sign_bytes,
    vote_sign_bytes,
)
from ledger.identity.signatures import sign_ecdsa_p256, verify_ecdsa_p256_signature

_KIND_OF_TYPE = {VoteType.PREVOTE: peer_pb2.PREVOTE, VoteType.PRECOMMIT: peer_pb2.PRECOMMIT}
_TYPE_OF_KIND = {kind: vote_type for vote_type, kind in _KIND_OF_TYPE.items()}
_MAX_ROUND = 2**32 - 1


class BadMessage(Exception):
    """A consensus message that is malformed, from a stranger, or not signed by its sender."""


def sign_proposal(
    key: ec.EllipticCurvePrivateKey, chain_id: str, proposal: Proposal, block: bytes
) -> peer_pb2.SignedProposal:
    signed = proposal_sign_bytes(
        chain_id, proposal.height, proposal.round, proposal.valid_round, proposal.value
    )
    return peer_pb2.SignedProposal(
        height=proposal.height,
        round=proposal.round,
        valid_round=proposal.valid_round,
        block_hash=proposal.value,
        proposer=proposal.proposer,
        signature=sign_ecdsa_p256(key, signed),
        block=block,
    )


def sign_vote(key: ec.EllipticCurvePrivateKey, chain_id: str, vote: Vote) -> peer_pb2.SignedVote:
    signed = vote_sign_bytes(chain_id, vote.vote_type, vote.height, vote.round, vote.value)
    return peer_pb2.SignedVote(
        kind=_KIND_OF_TYPE[vote.vote_type],
        height=vote.height,
        round=vote.round,
        block_hash=vote.value or b"",
        validator=vote.validator,
        signature=sign_ecdsa_p256(key, signed),
    )


def proposal_of(message: peer_pb2.SignedProposal) -> Proposal:
    if len(message.block_hash) != BLOCK_ID_SIZE or not -1 <= message.valid_round < message.round:
        raise BadMessage("a proposal needs a 32-byte block hash and a valid round below its round")
    return Proposal(
        Height(message.height),
        Round(message.round),
        BlockId(message.block_hash),
        Round(message.valid_round),
        ValidatorId(message.proposer),
    )


def vote_of(message: peer_pb2.SignedVote) -> Vote:
    vote_type = _TYPE_OF_KIND.get(message.kind)
    if vote_type is None:
        raise BadMessage(f"unknown vote kind {message.kind}")
    if len(message.block_hash) not in (0, BLOCK_ID_SIZE):
        raise BadMessage("a vote's block hash is empty (nil) or 32 bytes")
    value = BlockId(message.block_hash) if message.block_hash else None
    return Vote(
        vote_type,
        Height(message.height),
        Round(message.round),
        value,
        ValidatorId(message.validator),
    )


def verify_proposal(
    message: peer_pb2.SignedProposal, chain_id: str, validators: CertifyingValidators
) -> Proposal:
    """The proposal, once its signature verifies with the proposer's genesis certificate."""
    proposal = proposal_of(message)
    certificate = validators.certificates.get(proposal.proposer)
    if certificate is None:
        raise BadMessage(f"proposal from {proposal.proposer!r}, not a validator")
    try:
        signed = proposal_sign_bytes(
            chain_id, proposal.height, proposal.round, proposal.valid_round, proposal.value
        )
    except ValueError as error:
        raise BadMessage(str(error)) from None
    if not verify_ecdsa_p256_signature(certificate, message.signature, signed):
        raise BadMessage(f"the proposal signature of {proposal.proposer!r} does not verify")
    return proposal


def verify_vote(
    message: peer_pb2.SignedVote, chain_id: str, validators: CertifyingValidators
) -> Vote:
    """The vote, once its signature verifies with the voter's genesis certificate."""
    vote = vote_of(message)
    certificate = validators.certificates.get(vote.validator)
    if certificate is None:
        raise BadMessage(f"vote from {vote.validator!r}, not a validator")
    if vote.round > _MAX_ROUND:
        raise BadMessage("round out of range")
    try:
        signed = vote_sign_bytes(chain_id, vote.vote_type, vote.height, vote.round, vote.value)
    except ValueError as error:
        raise BadMessage(str(error)) from None
    if not verify_ecdsa_p256_signature(certificate, message.signature, signed):
        raise BadMessage(f"the vote signature of {vote.validator!r} does not verify")
    return vote
