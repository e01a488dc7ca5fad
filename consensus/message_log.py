"""The message log of one height: proposals and votes, sent and received (paper, §3).

Upon-rules of Algorithm 1 are conditions over this log. It checks what the node cannot
(membership, proposer of the round, shape of ids and rounds) and rejects bad messages with
a named reason before anything is stored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from consensus.types import (
    NO_ROUND,
    BlockId,
    ConsensusMessage,
    Height,
    Proposal,
    Round,
    ValidatorId,
    Vote,
    VoteType,
    is_block_id,
)
from consensus.validators import ValidatorSet
from consensus.vote_set import AddVoteResult, VoteSet

# Distinct proposals kept per round. Only an equivocating proposer sends more than one; a
# few are kept so a value that still gathers a quorum can be decided, the rest are dropped
# (a node that misses the decided one catches up by block sync).
MAX_PROPOSALS_PER_ROUND = 4


class RejectionReason(enum.Enum):
    UNKNOWN_SENDER = "unknown_sender"
    NOT_PROPOSER = "not_proposer"
    MALFORMED_BLOCK_ID = "malformed_block_id"
    NEGATIVE_ROUND = "negative_round"
    VALID_ROUND_OUT_OF_RANGE = "valid_round_out_of_range"


class RejectedMessage(ValueError):
    """A message that no honest validator could have signed; nothing was changed."""

    def __init__(self, reason: RejectionReason, message: ConsensusMessage | None) -> None:
        super().__init__(f"{reason.value}: {message!r}")
        self.reason = reason
        self.message = message


class AddProposalOutcome(enum.Enum):
    ADDED = "added"
    DUPLICATE = "duplicate"
    CONFLICTING = "conflicting"  # stored as well (up to the cap) and reported as evidence
    DROPPED = "dropped"  # conflicting, over MAX_PROPOSALS_PER_ROUND


@dataclass(frozen=True, slots=True)
class StoredProposal:
    proposal: Proposal
    value_valid: bool


@dataclass(frozen=True, slots=True)
class AddProposalResult:
    outcome: AddProposalOutcome
    first: Proposal | None = None  # for CONFLICTING/DROPPED: the round's first proposal


def check_message_shape(message: ConsensusMessage) -> None:
    """Raise ``RejectedMessage`` for ids and rounds no honest validator signs."""
    if message.round < 0:
        raise RejectedMessage(RejectionReason.NEGATIVE_ROUND, message)
    if isinstance(message, Proposal):
        if not is_block_id(message.value):
            raise RejectedMessage(RejectionReason.MALFORMED_BLOCK_ID, message)
        # Line 28 only accepts 0 <= vr < round; -1 means "no valid round" (line 22).
        if not NO_ROUND <= message.valid_round < message.round:
            raise RejectedMessage(RejectionReason.VALID_ROUND_OUT_OF_RANGE, message)
    elif message.value is not None and not is_block_id(message.value):
        raise RejectedMessage(RejectionReason.MALFORMED_BLOCK_ID, message)


class HeightLog:
    """Every proposal and vote of one height, indexed the way the upon-rules ask."""

    def __init__(self, validator_set: ValidatorSet, height: Height) -> None:
        self.validator_set = validator_set
        self.height = height
        self._proposals: dict[Round, dict[BlockId, StoredProposal]] = {}
        self._prevotes: dict[Round, VoteSet] = {}
        self._precommits: dict[Round, VoteSet] = {}
        # Line 55 counts senders of *any* message in a round, each once, by power.
        self._senders: dict[Round, set[ValidatorId]] = {}
        self._sender_power: dict[Round, int] = {}
        # (round, value) pairs that gathered 2f + 1 precommits: candidates for line 49.
        self._precommit_quorums: dict[tuple[Round, BlockId], None] = {}
        # Conflicting proposals not stored, remembered so gossip repeats are not re-reported.
        self._dropped: set[Proposal] = set()

    def check_sender(self, message: ConsensusMessage) -> None:
        sender = message.proposer if isinstance(message, Proposal) else message.validator
        if sender not in self.validator_set:
            raise RejectedMessage(RejectionReason.UNKNOWN_SENDER, message)
        if isinstance(message, Proposal) and sender != self.validator_set.proposer(
            self.height, message.round
        ):
            raise RejectedMessage(RejectionReason.NOT_PROPOSER, message)

    def add_proposal(self, proposal: Proposal, value_valid: bool) -> AddProposalResult:
        self.check_sender(proposal)
        in_round = self._proposals.setdefault(proposal.round, {})
        stored = in_round.get(proposal.value)
        if stored is not None and stored.proposal == proposal:
            return AddProposalResult(AddProposalOutcome.DUPLICATE)
        first = next(iter(in_round.values())).proposal if in_round else None
        if first is None:
            outcome = AddProposalOutcome.ADDED
        elif stored is not None or len(in_round) >= MAX_PROPOSALS_PER_ROUND:
            # Same value, other valid round; or too many: evidence only, not stored.
            if proposal in self._dropped:
                return AddProposalResult(AddProposalOutcome.DUPLICATE)
            self._dropped.add(proposal)
            return AddProposalResult(AddProposalOutcome.DROPPED, first)
        else:
            outcome = AddProposalOutcome.CONFLICTING
        in_round[proposal.value] = StoredProposal(proposal, value_valid)
        self._note_sender(proposal.round, proposal.proposer)
        return AddProposalResult(outcome, first)

    def add_vote(self, vote: Vote) -> AddVoteResult:
        self.check_sender(vote)
        vote_set = self.votes(vote.vote_type, vote.round)
        result = vote_set.add(vote)
        self._note_sender(vote.round, vote.validator)
        if (
            vote.vote_type is VoteType.PRECOMMIT
            and vote.value is not None
            and vote_set.has_quorum_for(vote.value)
        ):
            self._precommit_quorums[(vote.round, vote.value)] = None
        return result

    def _note_sender(self, round_number: Round, sender: ValidatorId) -> None:
        senders = self._senders.setdefault(round_number, set())
        if sender not in senders:
            senders.add(sender)
            power = self.validator_set.power_of(sender)
            self._sender_power[round_number] = self._sender_power.get(round_number, 0) + power

    def votes(self, vote_type: VoteType, round_number: Round) -> VoteSet:
        """The vote set of a type and round (empty if nothing arrived yet)."""
        by_round = self._prevotes if vote_type is VoteType.PREVOTE else self._precommits
        vote_set = by_round.get(round_number)
        if vote_set is None:
            vote_set = VoteSet(self.validator_set, self.height, round_number, vote_type)
            by_round[round_number] = vote_set
        return vote_set

    def prevotes(self, round_number: Round) -> VoteSet:
        return self.votes(VoteType.PREVOTE, round_number)

    def precommits(self, round_number: Round) -> VoteSet:
        return self.votes(VoteType.PRECOMMIT, round_number)

    def proposals(self, round_number: Round) -> tuple[StoredProposal, ...]:
        """Proposals of a round from its proposer, first received first."""
        return tuple(self._proposals.get(round_number, {}).values())

    def proposal_for(self, round_number: Round, value: BlockId) -> StoredProposal | None:
        return self._proposals.get(round_number, {}).get(value)

    def precommit_quorums(self) -> tuple[tuple[Round, BlockId], ...]:
        """(round, value) pairs with 2f + 1 precommits for a value, in order of forming."""
        return tuple(self._precommit_quorums)

    def highest_round_with_one_third(self, above: Round) -> Round | None:
        """The highest round > ``above`` whose senders hold more than 1/3 of the power."""
        qualifying = [
            r
            for r, power in self._sender_power.items()
            if r > above and self.validator_set.is_one_third(power)
        ]
        return max(qualifying) if qualifying else None

    def messages(self) -> tuple[ConsensusMessage, ...]:
        """Everything logged for the height, for gossip to peers that may have missed it."""
        found: list[ConsensusMessage] = []
        for in_round in self._proposals.values():
            found.extend(stored.proposal for stored in in_round.values())
        for by_round in (self._prevotes, self._precommits):
            for vote_set in by_round.values():
                found.extend(vote_set.votes())
        return tuple(found)
