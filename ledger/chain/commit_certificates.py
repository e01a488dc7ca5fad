"""Votes and commit certificates: what validators sign and how a block is proved committed.

DESIGN.md §4. A commit certificate holds the precommits of more than 2/3 of the voting power for
one block at one height and round (Tendermint's 2f + 1, "The latest gossip on BFT consensus",
Algorithm 1 line 49). Each precommit is an ECDSA P-256 signature over ``vote_sign_bytes``, a
fixed, domain-tagged byte layout that does not depend on any serialization library. Re-exported
by ledger.chain.blocks, which block.proto names as the home of ``vote_sign_bytes``.

Pure: no clock, no I/O.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Self

from cryptography.hazmat.primitives.asymmetric import ec
from google.protobuf.message import DecodeError
from tirkeu_pb import block_pb2

from consensus.types import Height, Round, ValidatorId, VoteType
from consensus.validators import ValidatorSet
from ledger.hashing import DIGEST_SIZE, sha256
from ledger.identity.certificates import CertificateInfo
from ledger.identity.signatures import sign_ecdsa_p256, verify_ecdsa_p256_signature

VOTE_DOMAIN_TAG = b"tirkeu/vote/v1"
PROPOSAL_DOMAIN_TAG = b"tirkeu/proposal/v1"
_VALIDATOR_KEYS_DOMAIN = b"tirkeu/certifying-validators/v1"
_VOTE_TYPE_CODES = {VoteType.PREVOTE: 1, VoteType.PRECOMMIT: 2}
_MAX_ROUND = 2**32 - 1
_MAX_HEIGHT = 2**64 - 1


class CommitProblem(enum.Enum):
    MALFORMED = "the bytes are not a canonical CommitCertificate"
    WRONG_HEIGHT = "the certificate is for another height"
    WRONG_BLOCK_HASH = "the certificate is for another block"
    UNKNOWN_VALIDATOR = "a signature names a validator outside the set"
    DUPLICATE_SIGNATURE = "a validator signs the certificate twice"
    BAD_SIGNATURE = "a signature does not verify with the validator's key"
    NO_QUORUM = "the signers hold no more than 2/3 of the voting power"


class InvalidCommitCertificate(Exception):
    def __init__(self, problem: CommitProblem, detail: str) -> None:
        super().__init__(f"{problem.name}: {detail}")
        self.problem = problem
        self.detail = detail


# --- validators with their keys -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertifyingValidators:
    """The validator set of a height with each member's certificate (whose key signs votes)."""

    validator_set: ValidatorSet
    certificates: Mapping[ValidatorId, CertificateInfo] = field(compare=False)

    def __post_init__(self) -> None:
        if set(self.certificates) != set(self.validator_set.validator_ids):
            raise ValueError("every validator, and only they, must have a certificate")

    def set_hash(self) -> bytes:
        """The header's validator_set_hash: ids, powers and order, and each member's certificate,
        so that the header commits to the keys that must certify it, not only to the names."""
        parts = [_VALIDATOR_KEYS_DOMAIN, self.validator_set.validator_set_hash()]
        parts.extend(
            sha256(self.certificates[validator_id].der)
            for validator_id in self.validator_set.validator_ids
        )
        return sha256(b"".join(parts))


@dataclass(frozen=True, slots=True)
class CommitSignature:
    validator_id: ValidatorId
    signature: bytes  # DER ECDSA P-256 over vote_sign_bytes(..., PRECOMMIT, ...)


@dataclass(frozen=True, slots=True)
class CommitCertificate:
    """Precommits of more than 2/3 of the power for ``block_hash`` at ``height``/``round``."""

    height: Height
    round: Round
    block_hash: bytes
    signatures: tuple[CommitSignature, ...]

    def to_message(self) -> block_pb2.CommitCertificate:
        return block_pb2.CommitCertificate(
            height=self.height,
            round=self.round,
            block_hash=self.block_hash,
            signatures=[
                block_pb2.CommitSignature(validator_id=s.validator_id, signature=s.signature)
                for s in self.signatures
            ],
        )

    def encode(self) -> bytes:
        return self.to_message().SerializeToString(deterministic=True)

    @property
    def certificate_hash(self) -> bytes:
        """What the next header's last_commit_hash holds."""
        return sha256(self.encode())

    @classmethod
    def from_message(cls, message: block_pb2.CommitCertificate) -> Self:
        return cls(
            height=Height(message.height),
            round=Round(message.round),
            block_hash=message.block_hash,
            signatures=tuple(
                CommitSignature(ValidatorId(s.validator_id), s.signature)
                for s in message.signatures
            ),
        )

    @classmethod
    def decode(cls, raw: bytes) -> Self:
        message = block_pb2.CommitCertificate()
        try:
            message.ParseFromString(raw)
        except (DecodeError, ValueError) as error:
            raise InvalidCommitCertificate(CommitProblem.MALFORMED, str(error)) from None
        certificate = cls.from_message(message)
        if certificate.encode() != raw:
            raise InvalidCommitCertificate(CommitProblem.MALFORMED, "not canonically encoded")
        return certificate


def vote_sign_bytes(
    chain_id: str, vote_type: VoteType, height: int, round_number: int, block_hash: bytes | None
) -> bytes:
    """The bytes a validator signs for a vote: a fixed layout, big-endian, domain-tagged.

    tag "tirkeu/vote/v1" | u16 length + UTF-8 chain id | u8 vote type (1 prevote, 2 precommit)
    | u64 height | u32 round | u8 1 for a block, 0 for nil | 32-byte block hash (zeros for nil).
    The chain id and vote type are inside so that a vote can be replayed neither on another
    chain nor as the other kind of vote.
    """
    encoded_chain_id = chain_id.encode("utf-8")
    if not encoded_chain_id or len(encoded_chain_id) > 0xFFFF:
        raise ValueError("a chain id is 1..65535 bytes of UTF-8")
    if not 0 <= height <= _MAX_HEIGHT or not 0 <= round_number <= _MAX_ROUND:
        raise ValueError(f"height {height} or round {round_number} out of range")
    if block_hash is not None and len(block_hash) != DIGEST_SIZE:
        raise ValueError("a block hash is 32 bytes")
    return b"".join(
        (
            VOTE_DOMAIN_TAG,
            struct.pack(">H", len(encoded_chain_id)),
            encoded_chain_id,
            struct.pack(">BQI", _VOTE_TYPE_CODES[vote_type], height, round_number),
            b"\x00" + bytes(DIGEST_SIZE) if block_hash is None else b"\x01" + block_hash,
        )
    )


def proposal_sign_bytes(
    chain_id: str, height: int, round_number: int, valid_round: int, block_hash: bytes
) -> bytes:
    """The bytes a proposer signs: tag "tirkeu/proposal/v1" | u16 length + UTF-8 chain id |
    u64 height | u32 round | i32 valid round (-1: none) | 32-byte block hash. A separate tag, so
    that a proposal signature can never pass for a vote."""
    encoded_chain_id = chain_id.encode("utf-8")
    if not encoded_chain_id or len(encoded_chain_id) > 0xFFFF:
        raise ValueError("a chain id is 1..65535 bytes of UTF-8")
    if not 0 <= height <= _MAX_HEIGHT or not 0 <= round_number <= _MAX_ROUND:
        raise ValueError(f"height {height} or round {round_number} out of range")
    if not -1 <= valid_round < round_number or len(block_hash) != DIGEST_SIZE:
        raise ValueError("a valid round is -1..round-1 and a block hash is 32 bytes")
    return b"".join(
        (
            PROPOSAL_DOMAIN_TAG,
            struct.pack(">H", len(encoded_chain_id)),
            encoded_chain_id,
            struct.pack(">QIi", height, round_number, valid_round),
            block_hash,
        )
    )


def sign_precommit(
    private_key: ec.EllipticCurvePrivateKey,
    chain_id: str,
    height: Height,
    round_number: Round,
    block_hash: bytes,
) -> bytes:
    return sign_ecdsa_p256(
        private_key, vote_sign_bytes(chain_id, VoteType.PRECOMMIT, height, round_number, block_hash)
    )


def build_commit_certificate(
    validators: ValidatorSet,
    height: Height,
    round_number: Round,
    block_hash: bytes,
    signatures: Iterable[CommitSignature],
) -> CommitCertificate:
    """A certificate with the signatures in validator-set order, so equal votes give equal bytes."""
    by_validator: dict[ValidatorId, CommitSignature] = {}
    for signature in signatures:
        if signature.validator_id in by_validator:
            raise InvalidCommitCertificate(
                CommitProblem.DUPLICATE_SIGNATURE, f"{signature.validator_id!r} signs twice"
            )
        by_validator[signature.validator_id] = signature
    order = {validator_id: index for index, validator_id in enumerate(validators.validator_ids)}
    unknown = sorted(set(by_validator) - set(order))
    if unknown:
        raise InvalidCommitCertificate(CommitProblem.UNKNOWN_VALIDATOR, f"{unknown!r}")
    ordered = sorted(by_validator.values(), key=lambda s: order[s.validator_id])
    return CommitCertificate(height, round_number, block_hash, tuple(ordered))


def verify_commit_certificate(
    certificate: CommitCertificate,
    *,
    chain_id: str,
    validators: CertifyingValidators,
    height: Height,
    block_hash: bytes,
) -> None:
    """Raise InvalidCommitCertificate unless ``certificate`` commits ``block_hash`` at ``height``:
    every signature is a member's precommit over the vote sign bytes, no member signs twice, and
    the signers hold more than 2/3 of the power (Tendermint's 2f + 1). One bad signature fails
    the whole certificate, even beside a quorum of good ones: a certificate is evidence, and
    evidence with forged parts is not kept."""
    if certificate.height != height:
        raise InvalidCommitCertificate(
            CommitProblem.WRONG_HEIGHT, f"certificate for {certificate.height}, expected {height}"
        )
    if certificate.block_hash != block_hash:
        raise InvalidCommitCertificate(
            CommitProblem.WRONG_BLOCK_HASH,
            f"certificate for {certificate.block_hash.hex()}, expected {block_hash.hex()}",
        )
    signed = vote_sign_bytes(
        chain_id, VoteType.PRECOMMIT, height, certificate.round, certificate.block_hash
    )
    seen: set[ValidatorId] = set()
    power = 0
    for signature in certificate.signatures:
        member = validators.certificates.get(signature.validator_id)
        if member is None:
            raise InvalidCommitCertificate(
                CommitProblem.UNKNOWN_VALIDATOR, f"{signature.validator_id!r}"
            )
        if signature.validator_id in seen:
            raise InvalidCommitCertificate(
                CommitProblem.DUPLICATE_SIGNATURE, f"{signature.validator_id!r} signs twice"
            )
        seen.add(signature.validator_id)
        if not verify_ecdsa_p256_signature(member, signature.signature, signed):
            raise InvalidCommitCertificate(
                CommitProblem.BAD_SIGNATURE, f"precommit of {signature.validator_id!r}"
            )
        power += validators.validator_set.power_of(signature.validator_id)
    if not validators.validator_set.is_quorum(power):
        raise InvalidCommitCertificate(
            CommitProblem.NO_QUORUM,
            f"power {power} of {validators.validator_set.total_power} is not more than 2/3",
        )
