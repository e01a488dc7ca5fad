"""Blocks: the header and its hash, the transaction and state roots, and how blocks link.

DESIGN.md §4 and proto/tirkeu_pb/block.proto. A block is a header, the serialized Envelopes it
carries (every one of them executed successfully) and the commit certificate of the block
before it. The block hash is SHA-256 of the header bytes exactly as carried; decoding refuses a
header that is not in canonical protobuf encoding, so one header has one hash.

The header's state root is the root AFTER executing this block's transactions
(docs/adr/0002-state-root-after-block.md): the proposer executes before it proposes, and a
registry extract is proved against the header that certifies it.

Votes and commit certificates live in ledger.chain.commit_certificates and are re-exported here.
Pure: no clock, no I/O.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Self

from google.protobuf.message import DecodeError
from tirkeu_pb import block_pb2

from consensus.types import Height, ValidatorId
from ledger.chain.commit_certificates import (
    VOTE_DOMAIN_TAG,
    CertifyingValidators,
    CommitCertificate,
    CommitProblem,
    CommitSignature,
    InvalidCommitCertificate,
    build_commit_certificate,
    sign_precommit,
    verify_commit_certificate,
    vote_sign_bytes,
)
from ledger.hashing import DIGEST_SIZE, sha256
from ledger.merkle.smt import SmtNodeReader, SmtUpdate, apply_changes
from ledger.merkle.transaction_tree import merkle_root

__all__ = [
    "GENESIS_PREVIOUS_BLOCK_HASH",
    "GENESIS_RULES_VERSION",
    "MAX_EVIDENCE_PER_BLOCK",
    "VOTE_DOMAIN_TAG",
    "Block",
    "BlockHeader",
    "BlockProblem",
    "CertifyingValidators",
    "ChainTip",
    "CommitCertificate",
    "CommitProblem",
    "CommitSignature",
    "InvalidBlock",
    "InvalidCommitCertificate",
    "apply_state_writes",
    "build_block",
    "build_commit_certificate",
    "evidence_hash",
    "sign_precommit",
    "state_value_hashes",
    "transactions_root",
    "verify_block_contents",
    "verify_block_link",
    "verify_commit_certificate",
    "vote_sign_bytes",
]

GENESIS_PREVIOUS_BLOCK_HASH = bytes(DIGEST_SIZE)
# The registry rules a chain starts with (ADR 0012); RulesUpgrade transactions schedule later ones.
GENESIS_RULES_VERSION = 1
# At most this many evidence items per block (ledger/chain/block_checks.py): a flood of evidence
# must
# not crowd out transactions, nor cost every validator unbounded signature checks.
MAX_EVIDENCE_PER_BLOCK = 16


class BlockProblem(enum.Enum):
    MALFORMED = "the bytes are not a canonical Block / BlockHeader"
    WRONG_CHAIN_ID = "the header names another chain"
    WRONG_HEIGHT = "the height does not follow the previous block"
    WRONG_PREVIOUS_HASH = "the previous block hash is not the hash of the previous header"
    TIME_NOT_INCREASING = "block time must be later than the previous block's"
    WRONG_TRANSACTIONS_ROOT = "the transactions root does not match the transactions"
    WRONG_TRANSACTION_COUNT = "the transaction count does not match the transactions"
    WRONG_LAST_COMMIT = "the last commit is missing, unexpected, or does not match its hash"
    WRONG_EVIDENCE_HASH = "the evidence hash does not match the evidence"
    # Judged against the validators in force (ledger/chain/block_checks.py), not by the block alone.
    WRONG_VALIDATOR_SET = "the header names another validator set than the one in force"
    UNKNOWN_PROPOSER = "the header's proposer is not a validator"
    WRONG_RULES_VERSION = "the header names another rules version than the one in force"
    # Judged against the chain's limits (ledger/chain/block_checks.py, ``body_problems``).
    TOO_MANY_TRANSACTIONS = "the block carries more transactions than genesis allows per block"
    TOO_MANY_BYTES = "the encoded block is larger than genesis allows per block"
    TOO_MUCH_EVIDENCE = "the block carries more evidence items than a block may"
    DUPLICATE_EVIDENCE = "the block carries one evidence item twice"


class InvalidBlock(Exception):
    def __init__(self, problem: BlockProblem, detail: str) -> None:
        super().__init__(f"{problem.name}: {detail}")
        self.problem = problem
        self.detail = detail


# --- header -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockHeader:
    chain_id: str
    height: Height
    time_unix_ms: int
    previous_block_hash: bytes
    transactions_root: bytes
    state_root: bytes
    validator_set_hash: bytes
    proposer: ValidatorId
    last_commit_hash: bytes  # empty at height 1
    transaction_count: int
    evidence_hash: bytes = b""  # empty when the block carries no evidence
    rules_version: int = GENESIS_RULES_VERSION  # the rules it was executed with (ADR 0012)

    def encode(self) -> bytes:
        message = block_pb2.BlockHeader(
            chain_id=self.chain_id,
            height=self.height,
            time_unix_ms=self.time_unix_ms,
            previous_block_hash=self.previous_block_hash,
            transactions_root=self.transactions_root,
            state_root=self.state_root,
            validator_set_hash=self.validator_set_hash,
            proposer=self.proposer,
            last_commit_hash=self.last_commit_hash,
            transaction_count=self.transaction_count,
            evidence_hash=self.evidence_hash,
            rules_version=self.rules_version,
        )
        return message.SerializeToString(deterministic=True)

    @property
    def block_hash(self) -> bytes:
        # Equal to SHA-256 of the carried bytes: decode_header accepts only canonical bytes.
        return sha256(self.encode())

    @classmethod
    def decode(cls, raw: bytes) -> Self:
        message = block_pb2.BlockHeader()
        _parse(message, raw, "header")
        header = cls(
            chain_id=message.chain_id,
            height=Height(message.height),
            time_unix_ms=message.time_unix_ms,
            previous_block_hash=message.previous_block_hash,
            transactions_root=message.transactions_root,
            state_root=message.state_root,
            validator_set_hash=message.validator_set_hash,
            proposer=ValidatorId(message.proposer),
            last_commit_hash=message.last_commit_hash,
            transaction_count=message.transaction_count,
            evidence_hash=message.evidence_hash,
            rules_version=message.rules_version,
        )
        if header.encode() != raw:
            raise InvalidBlock(BlockProblem.MALFORMED, "the header is not canonically encoded")
        _check_header_shape(header)
        return header


def _check_header_shape(header: BlockHeader) -> None:
    if not header.chain_id or header.height < 1 or not header.proposer:
        raise InvalidBlock(BlockProblem.MALFORMED, "chain id, height >= 1 and proposer are needed")
    hashes = (
        header.previous_block_hash,
        header.transactions_root,
        header.state_root,
        header.validator_set_hash,
    )
    if any(len(value) != DIGEST_SIZE for value in hashes):
        raise InvalidBlock(BlockProblem.MALFORMED, "a header hash is not 32 bytes")
    if len(header.last_commit_hash) not in (0, DIGEST_SIZE):
        raise InvalidBlock(BlockProblem.MALFORMED, "last_commit_hash is neither empty nor 32 bytes")
    if len(header.evidence_hash) not in (0, DIGEST_SIZE):
        raise InvalidBlock(BlockProblem.MALFORMED, "evidence_hash is neither empty nor 32 bytes")
    if header.rules_version < GENESIS_RULES_VERSION:
        raise InvalidBlock(BlockProblem.MALFORMED, "rules_version is 1 or more")


def _parse(message: block_pb2.BlockHeader | block_pb2.Block, raw: bytes, what: str) -> None:
    try:
        message.ParseFromString(raw)
    except (DecodeError, ValueError) as error:
        raise InvalidBlock(BlockProblem.MALFORMED, f"the {what} does not parse: {error}") from None


# --- blocks -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    header: BlockHeader
    transactions: tuple[bytes, ...]  # serialized Envelopes, in execution order
    last_commit: CommitCertificate | None  # commits height - 1; None at height 1
    evidence: tuple[bytes, ...] = ()

    @property
    def block_hash(self) -> bytes:
        return self.header.block_hash

    @property
    def height(self) -> Height:
        return self.header.height

    def encode(self) -> bytes:
        message = block_pb2.Block(
            header=self.header.encode(), transactions=self.transactions, evidence=self.evidence
        )
        if self.last_commit is not None:
            message.last_commit.CopyFrom(self.last_commit.to_message())
        return message.SerializeToString(deterministic=True)

    @classmethod
    def decode(cls, raw: bytes) -> Self:
        """A block from bytes, with its contents checked against its header (not its link)."""
        message = block_pb2.Block()
        _parse(message, raw, "block")
        block = cls(
            header=BlockHeader.decode(message.header),
            transactions=tuple(message.transactions),
            last_commit=(
                CommitCertificate.from_message(message.last_commit)
                if message.HasField("last_commit")
                else None
            ),
            evidence=tuple(message.evidence),
        )
        verify_block_contents(block)
        return block


def transactions_root(transactions: Sequence[bytes]) -> bytes:
    """RFC 6962 Merkle root over the serialized Envelopes (block.proto)."""
    return merkle_root(transactions)


def evidence_hash(evidence: Sequence[bytes]) -> bytes:
    if not evidence:
        return b""
    return sha256(b"".join(struct.pack(">I", len(item)) + item for item in evidence))


def state_value_hashes(writes: Mapping[bytes, bytes | None]) -> dict[bytes, bytes | None]:
    """State record writes (key -> encoded record, None = deleted) as SMT leaf value hashes."""
    return {key: None if value is None else sha256(value) for key, value in writes.items()}


def apply_state_writes(
    reader: SmtNodeReader, previous_state_root: bytes, writes: Mapping[bytes, bytes | None]
) -> SmtUpdate:
    """The state root after a block's writes, and the tree nodes to persist with the block."""
    return apply_changes(reader, previous_state_root, state_value_hashes(writes))


@dataclass(frozen=True, slots=True)
class ChainTip:
    """What the next block links to: the last block, or the genesis state (height 0)."""

    chain_id: str
    height: Height
    block_hash: bytes  # GENESIS_PREVIOUS_BLOCK_HASH at height 0
    time_unix_ms: int

    @classmethod
    def of(cls, header: BlockHeader) -> ChainTip:
        return cls(header.chain_id, header.height, header.block_hash, header.time_unix_ms)

    @classmethod
    def genesis(cls, chain_id: str, genesis_time_unix_ms: int) -> ChainTip:
        return cls(chain_id, Height(0), GENESIS_PREVIOUS_BLOCK_HASH, genesis_time_unix_ms)


def build_block(
    *,
    previous: ChainTip,
    time_unix_ms: int,
    transactions: Sequence[bytes],
    state_root: bytes,
    validator_set_hash: bytes,
    proposer: ValidatorId,
    last_commit: CommitCertificate | None,
    evidence: Sequence[bytes] = (),
    rules_version: int = GENESIS_RULES_VERSION,
) -> Block:
    """The next block after ``previous``, carrying ``transactions`` already executed to reach
    ``state_root``. ``last_commit`` certifies ``previous`` (None only after genesis);
    ``evidence`` are serialized double-vote proofs (node/chain/evidence.py)."""
    header = BlockHeader(
        chain_id=previous.chain_id,
        height=Height(previous.height + 1),
        time_unix_ms=time_unix_ms,
        previous_block_hash=previous.block_hash,
        transactions_root=transactions_root(transactions),
        state_root=state_root,
        validator_set_hash=validator_set_hash,
        proposer=proposer,
        last_commit_hash=b"" if last_commit is None else last_commit.certificate_hash,
        transaction_count=len(transactions),
        evidence_hash=evidence_hash(evidence),
        rules_version=rules_version,
    )
    block = Block(header, tuple(transactions), last_commit, tuple(evidence))
    verify_block_contents(block)
    verify_block_link(header, previous)
    return block


def verify_block_contents(block: Block) -> None:
    """The header's commitments to the body: transactions root and count, last commit, evidence."""
    header = block.header
    if header.transactions_root != transactions_root(block.transactions):
        raise InvalidBlock(BlockProblem.WRONG_TRANSACTIONS_ROOT, f"at height {header.height}")
    if header.transaction_count != len(block.transactions):
        raise InvalidBlock(
            BlockProblem.WRONG_TRANSACTION_COUNT,
            f"header says {header.transaction_count}, block has {len(block.transactions)}",
        )
    if (block.last_commit is None) != (header.height == 1):
        raise InvalidBlock(
            BlockProblem.WRONG_LAST_COMMIT, "only the block at height 1 has no last commit"
        )
    expected = b"" if block.last_commit is None else block.last_commit.certificate_hash
    if header.last_commit_hash != expected:
        raise InvalidBlock(BlockProblem.WRONG_LAST_COMMIT, "last_commit_hash does not match")
    if block.last_commit is not None and block.last_commit.height != header.height - 1:
        raise InvalidBlock(BlockProblem.WRONG_LAST_COMMIT, "the last commit is for another height")
    if header.evidence_hash != evidence_hash(block.evidence):
        raise InvalidBlock(BlockProblem.WRONG_EVIDENCE_HASH, f"at height {header.height}")


def verify_block_link(header: BlockHeader, previous: BlockHeader | ChainTip) -> None:
    """Raise InvalidBlock unless ``header`` directly follows ``previous`` on the same chain."""
    tip = ChainTip.of(previous) if isinstance(previous, BlockHeader) else previous
    if header.chain_id != tip.chain_id:
        raise InvalidBlock(
            BlockProblem.WRONG_CHAIN_ID, f"{header.chain_id!r}, expected {tip.chain_id!r}"
        )
    if header.height != tip.height + 1:
        raise InvalidBlock(BlockProblem.WRONG_HEIGHT, f"height {header.height} after {tip.height}")
    if header.previous_block_hash != tip.block_hash:
        raise InvalidBlock(BlockProblem.WRONG_PREVIOUS_HASH, f"at height {header.height}")
    # Strictly increasing time keeps certificate validity and para 38 deadlines monotonic.
    if header.time_unix_ms <= tip.time_unix_ms:
        raise InvalidBlock(
            BlockProblem.TIME_NOT_INCREASING,
            f"{header.time_unix_ms} is not after {tip.time_unix_ms}",
        )
