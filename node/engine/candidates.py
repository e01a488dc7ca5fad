"""Candidate blocks of the current height: the ones this node proposes and the ones it judged.

valid(v) of Algorithm 1 (node/engine/proposal_check.py): a proposed block is executed on an overlay
of
this node's state and its header checked; the outcome is kept per block id until the height is
decided, so a block re-proposed in a later round is not executed twice, and the executed block
is what gets persisted once it is decided.

The block bytes a proposal carries are not covered by its signature (that signs the block
hash), so anyone relaying the proposal can swap or pad them. Before a verdict is drawn or the
bytes are kept, they must be the signed block (``signed_block_problem``); when they are not,
the copy is the relayer's fault: it is dropped with no verdict cached, and a correct copy of
the same signed proposal is still judged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from structlog.typing import FilteringBoundLogger
from tirkeu_pb import peer_pb2

from consensus import Event, Proposal, ProposalReceived, ValidatorId, Vote, VoteReceived
from consensus.types import BlockId, Height, Round
from ledger.chain.blocks import Block, InvalidBlock
from ledger.chain.store import Store
from ledger.governance.schedule import HeightOutsideSchedule, validators_at
from ledger.rejections import Rejection
from node.chain.commit import ExecutedBlock
from node.chain.evidence import EvidencePool
from node.chain.mempool import Mempool
from node.chain.open import ChainSetup
from node.chain.sealing import propose_from_mempool
from node.chain.signed_messages import BadMessage, proposal_of, vote_of
from node.engine.proposal_check import check_decoded_block
from node.operations.config import BlockConfig
from node.operations.metrics import NodeMetrics


def signed_block_problem(block_hash: bytes, encoded: bytes) -> str | None:
    """Why ``encoded`` is not the block whose hash the proposer signed; None when it is."""
    outcome = decode_signed_block(block_hash, encoded)
    return outcome if isinstance(outcome, str) else None


def decode_signed_block(block_hash: bytes, encoded: bytes) -> Block | str:
    """The block whose hash the proposer signed, decoded; else why ``encoded`` is not it.

    The header hash (SHA-256 of the canonical header bytes, ledger/chain/blocks.py) must be the
    signed hash, the body must match the header's commitments (``Block.decode``), and the bytes
    must be the block's canonical encoding, so no unknown fields can pad it.
    """
    try:
        block = Block.decode(encoded)
    except InvalidBlock as error:
        return f"the block does not decode: {error}"
    if block.block_hash != block_hash:
        return "the block's header does not hash to the signed block hash"
    if block.encode() != encoded:
        return "the block is not canonically encoded"
    return block


@dataclass(frozen=True, slots=True)
class Candidate:
    """A block this node proposed or found valid, kept until its height is decided."""

    executed: ExecutedBlock | None  # None: invalid
    rejections: dict[str, Rejection]
    encoded: bytes


class CandidateBlocks:
    def __init__(
        self,
        *,
        store: Store,
        setup: ChainSetup,
        validator_id: ValidatorId,
        mempool: Mempool,
        evidence: EvidencePool,
        block_config: BlockConfig,
        max_clock_skew_ms: int,
        clock_ms: Callable[[], int],
        metrics: NodeMetrics,
        log: FilteringBoundLogger,
    ) -> None:
        self._store = store
        self._setup = setup
        self._id = validator_id
        self._mempool = mempool
        self._evidence = evidence
        self._block_config = block_config
        self._max_skew_ms = max_clock_skew_ms
        self._clock_ms = clock_ms
        self._metrics = metrics
        self._log = log
        self._by_id: dict[bytes, Candidate] = {}
        # Blocks of this height decoded once on their way through the inbox's admission and
        # the candidate check: signed hash -> (the exact bytes, their block). A copy with other
        # bytes for the same hash is decoded (and refused) on its own.
        self._decoded: dict[bytes, tuple[bytes, Block]] = {}

    def new_height(self) -> None:
        self._by_id = {}
        self._decoded = {}

    def _signed_block(self, block_hash: bytes, encoded: bytes) -> Block | str:
        known = self._decoded.get(block_hash)
        if known is not None and known[0] == encoded:
            return known[1]
        outcome = decode_signed_block(block_hash, encoded)
        if isinstance(outcome, Block):
            self._decoded[block_hash] = (encoded, outcome)
        return outcome

    def get(self, block_id: bytes) -> Candidate | None:
        return self._by_id.get(block_id)

    def admissible(self, message: peer_pb2.ConsensusMessage, *, check_block: bool) -> bool:
        """Whether a message may be judged or kept. A vote may; a proposal must come from the
        round's proposer (the core drops the others, but only after this node would have
        executed their blocks) and, with ``check_block``, carry the block it signed. A refusal
        is counted and logged."""
        if not message.HasField("proposal"):
            return True
        signed = message.proposal
        try:
            validators = validators_at(self._store.state, signed.height).validator_set
        except HeightOutsideSchedule:  # a proposal for a height this node has left behind
            self._metrics.consensus_dropped.labels(reason="not_proposer").inc()
            return False
        if validators.proposer(Height(signed.height), Round(signed.round)) != signed.proposer:
            self._metrics.consensus_dropped.labels(reason="not_proposer").inc()
            return False
        outcome = self._signed_block(signed.block_hash, signed.block) if check_block else None
        if isinstance(outcome, str):
            self._bytes_mismatch(signed.height, signed.round, signed.proposer, outcome)
        return not isinstance(outcome, str)

    def event_of(
        self,
        message: peer_pb2.ConsensusMessage,
        vote_seen: Callable[[Vote, peer_pb2.SignedVote], None],
    ) -> Event | None:
        """The core's event for a message of the current height; None when it is dropped.
        A proposal's block is judged here (valid(v)); a vote is handed to ``vote_seen``."""
        try:
            if message.HasField("vote"):
                vote = vote_of(message.vote)
                vote_seen(vote, message.vote)
                return VoteReceived(vote)
            proposal = proposal_of(message.proposal)
        except BadMessage:
            return None
        if not self.admissible(message, check_block=False):
            return None
        valid = self.judge(proposal, message.proposal.block)  # checks the block bytes
        return None if valid is None else ProposalReceived(proposal, valid)

    def judge(self, proposal: Proposal, encoded: bytes) -> bool | None:
        """valid(v): whether the proposed block executes and its header hashes to v; None, with
        nothing cached, when ``encoded`` is not the signed block (the relayer's doing: a
        correct copy of the same signed proposal is still judged when it comes)."""
        candidate = self._by_id.get(proposal.value)
        # A re-proposal (valid round >= 0) had 2f+1 prevotes, so it is not held to the lower
        # block-time bound; a verdict cached for the fresh proposal must not block it.
        if candidate is None or (candidate.executed is None and proposal.valid_round >= 0):
            block = self._signed_block(proposal.value, encoded)
            if isinstance(block, str):
                self._bytes_mismatch(proposal.height, proposal.round, proposal.proposer, block)
                return None
            candidate = self._check(block, encoded, proposal.proposer, proposal.valid_round)
            self._by_id[proposal.value] = candidate
        return candidate.executed is not None and (
            candidate.executed.block.block_hash == proposal.value
        )

    def _bytes_mismatch(self, height: int, round_number: int, proposer: str, detail: str) -> None:
        self._metrics.consensus_dropped.labels(reason="proposal_bytes_mismatch").inc()
        self._log.warning(
            "proposal_bytes_mismatch",
            height=height,
            round=round_number,
            proposer=proposer,
            detail=detail,
        )

    def _check(
        self, block: Block, encoded: bytes, proposer: ValidatorId, valid_round: int
    ) -> Candidate:
        outcome = check_decoded_block(
            self._store,
            self._setup,
            block,
            proposer=proposer,
            now_ms=self._clock_ms(),
            max_skew_ms=self._max_skew_ms,
            valid_round=valid_round,
            earlier_proposers=self._earlier_proposers(block.height, valid_round),
        )
        if isinstance(outcome, str):
            self._log.warning("proposal_invalid", proposer=proposer, detail=outcome)
            return Candidate(None, {}, encoded)
        return Candidate(outcome, {}, encoded)

    def _earlier_proposers(self, height: int, valid_round: int) -> frozenset[str]:
        """The proposers of rounds 0..valid_round at ``height``: a re-proposed valid value was
        assembled by one of them. Round robin repeats after n rounds, so n rounds cover them."""
        if valid_round < 0:
            return frozenset()
        try:
            validators = validators_at(self._store.state, height).validator_set
        except HeightOutsideSchedule:
            return frozenset()
        rounds = min(valid_round + 1, len(validators))
        return frozenset(validators.proposer(Height(height), Round(r)) for r in range(rounds))

    def assemble(self) -> BlockId:
        """getValue(): a new block of the oldest pending transactions and pending evidence."""
        proposed = propose_from_mempool(
            self._store,
            self._setup,
            proposer=self._id,
            now_unix_ms=self._clock_ms(),
            mempool=self._mempool,
            block_config=self._block_config,
            evidence=self._evidence.take_verified(self._setup.chain_id, self._store.state),
        )
        block = proposed.executed.block
        self._by_id[block.block_hash] = Candidate(
            proposed.executed, dict(proposed.rejections), block.encode()
        )
        return BlockId(block.block_hash)
