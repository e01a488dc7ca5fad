"""The Tendermint consensus state machine (arXiv 1807.04938v3, Algorithm 1), pure.

``ConsensusCore.step(event)`` records the event in the height's message log, then applies
the upon-rules until none fires, and returns the actions to carry out. Each upon-rule is one
method named after the paper's line. Line numbers below are those of Algorithm 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from consensus.config import TimeoutConfig
from consensus.events import (
    Action,
    BroadcastPrecommit,
    BroadcastPrevote,
    BroadcastProposal,
    Event,
    ProposalReceived,
    ReportConflictingProposal,
    ReportEquivocation,
    RequestValue,
    ScheduleTimeout,
    StartHeight,
    TimeoutFired,
    ValueReady,
    VoteReceived,
)
from consensus.message_log import (
    AddProposalOutcome,
    HeightLog,
    RejectedMessage,
    RejectionReason,
    check_message_shape,
)
from consensus.rules import UPON_RULES
from consensus.signing_guard import SigningRecord, SigningStep
from consensus.types import (
    NO_ROUND,
    BlockId,
    ConsensusMessage,
    Height,
    Proposal,
    Round,
    Step,
    TimeoutKind,
    ValidatorId,
    Vote,
    VoteType,
    is_block_id,
)
from consensus.validators import ValidatorSet
from consensus.vote_set import AddVoteOutcome

# Each firing changes the state or marks a rule as fired, so the rules settle after a few
# firings per event; far more means a rule fires without effect, a bug: raise, do not spin.
_MAX_RULE_FIRINGS_PER_STEP = 10_000

# Messages for the next height that arrive before StartHeight(height + 1) are kept (up to
# this many times the number of validators, in all) and replayed when that height starts.
_BUFFERED_PER_VALIDATOR = 64


class ConsensusNotStarted(RuntimeError):
    """An event other than StartHeight arrived before the first StartHeight."""


class HeightOutOfOrder(ValueError):
    """StartHeight asked for a height at or below the one already running."""


class RulesDoNotSettle(RuntimeError):
    """Broken invariant: an upon-rule keeps firing without changing anything."""


@dataclass(frozen=True, slots=True)
class RoundState:
    """The process variables of Algorithm 1 (lines 2-9) for the current height."""

    height: Height
    round: Round
    step: Step
    locked_round: Round = NO_ROUND
    locked_value: BlockId | None = None
    valid_round: Round = NO_ROUND
    valid_value: BlockId | None = None
    decision: BlockId | None = None  # decision_p[h_p]


class ConsensusCore:
    """One validator's (or observer's) Tendermint instance, height after height."""

    def __init__(self, validator_id: ValidatorId, timeouts: TimeoutConfig | None = None) -> None:
        self.validator_id = validator_id
        self.timeouts = timeouts or TimeoutConfig()
        self._state: RoundState | None = None
        self._log: HeightLog | None = None
        self._validator_set: ValidatorSet | None = None
        self._next_height_buffer: list[ProposalReceived | VoteReceived] = []
        # "for the first time" rules (lines 34, 36, 47) remember the rounds they fired in.
        self._fired: set[tuple[int, Round]] = set()
        self._proposed_rounds: set[Round] = set()
        self._out: list[Action] = []

    # ------------------------------------------------------------------ public surface

    @property
    def state(self) -> RoundState:
        if self._state is None:
            raise ConsensusNotStarted("no height started yet")
        return self._state

    @property
    def validator_set(self) -> ValidatorSet:
        if self._validator_set is None:
            raise ConsensusNotStarted("no height started yet")
        return self._validator_set

    @property
    def log(self) -> HeightLog:
        if self._log is None:
            raise ConsensusNotStarted("no height started yet")
        return self._log

    def current_height_messages(self) -> tuple[ConsensusMessage, ...]:
        """The current height's log, for re-gossip to peers that may have missed messages."""
        return self.log.messages()

    def step(self, event: Event) -> tuple[Action, ...]:
        """Apply one event; return the actions, in the order they must be carried out.

        Raises ``RejectedMessage`` (nothing changed) for a message no honest validator
        could have signed; stale messages (older heights) are ignored silently.
        """
        self._out = []
        if isinstance(event, StartHeight):
            self._on_start_height(event)
        elif self._state is None:
            raise ConsensusNotStarted(f"{type(event).__name__} before StartHeight")
        elif isinstance(event, ProposalReceived | VoteReceived):
            if not self._on_message(event):
                # Nothing new in the log or state: the rules are still at their fixpoint.
                actions, self._out = tuple(self._out), []
                return actions
        elif isinstance(event, TimeoutFired):
            self._on_timeout(event)
        elif isinstance(event, ValueReady):
            self._on_value_ready(event)
        else:
            raise TypeError(f"not a consensus event: {event!r}")
        self._apply_rules()
        actions, self._out = tuple(self._out), []
        return actions

    # ------------------------------------------------------------------ event handlers

    def _on_start_height(self, event: StartHeight) -> None:
        if event.height < 0:
            raise HeightOutOfOrder(f"negative height {event.height}")
        if self._state is not None and event.height <= self._state.height:
            raise HeightOutOfOrder(f"height {event.height} after {self._state.height}")
        self._validator_set = event.validator_set
        self._log = HeightLog(event.validator_set, event.height)
        self._fired = set()
        self._proposed_rounds = set()
        # Lines 52-53: a new height starts unlocked with an empty message log.
        self._state = RoundState(height=event.height, round=Round(0), step=Step.PROPOSE)
        resume = event.resume
        if resume is None:
            self._start_round(Round(0))
        else:
            # After a crash: the lock is restored (safety), and validValue with it (it had a
            # quorum of prevotes at lockedRound); the core sits where its last signature was.
            self._state = replace(
                self._state,
                round=resume.round,
                step=resume.step,
                locked_round=resume.locked_round,
                locked_value=resume.locked_value,
                valid_round=resume.locked_round,
                valid_value=resume.locked_value,
            )
            if resume.proposal_signed:
                self._proposed_rounds.add(resume.round)
            if resume.step is Step.PROPOSE:
                self._schedule(TimeoutKind.PROPOSE)
        buffered, self._next_height_buffer = self._next_height_buffer, []
        for message_event in buffered:
            if self._message_of(message_event).height == event.height:
                try:
                    self._on_message(message_event)
                except RejectedMessage:
                    continue  # not a member of this height's set after all: drop it

    def _on_message(self, event: ProposalReceived | VoteReceived) -> bool:
        """Log the message; whether the log changed (a rule may have become enabled)."""
        message = self._message_of(event)
        check_message_shape(message)
        state = self.state
        if message.height != state.height:
            if message.height == state.height + 1:
                self._buffer_next_height(event)
            return False  # an older height: stale gossip
        if state.decision is not None:
            self.log.check_sender(message)
            return False
        if isinstance(event, ProposalReceived):
            return self._record_proposal(event.proposal, event.value_valid)
        return self._record_vote(event.vote)

    def _record_proposal(self, proposal: Proposal, value_valid: bool) -> bool:
        result = self.log.add_proposal(proposal, value_valid)
        if result.first is not None and result.outcome in (
            AddProposalOutcome.CONFLICTING,
            AddProposalOutcome.DROPPED,
        ):
            self._out.append(ReportConflictingProposal(result.first, proposal))
        return result.outcome in (AddProposalOutcome.ADDED, AddProposalOutcome.CONFLICTING)

    def _record_vote(self, vote: Vote) -> bool:
        result = self.log.add_vote(vote)
        if result.outcome is AddVoteOutcome.EQUIVOCATION and result.counted_vote is not None:
            self._out.append(ReportEquivocation(result.counted_vote, vote))
        return result.outcome is not AddVoteOutcome.DUPLICATE

    def _buffer_next_height(self, event: ProposalReceived | VoteReceived) -> None:
        limit = _BUFFERED_PER_VALIDATOR * len(self.validator_set)
        if len(self._next_height_buffer) < limit:
            self._next_height_buffer.append(event)

    def _on_value_ready(self, event: ValueReady) -> None:
        """getValue() returned (line 18): propose it if this round still waits for it."""
        if not is_block_id(event.value):
            raise RejectedMessage(RejectionReason.MALFORMED_BLOCK_ID, None)
        state = self.state
        if (
            (event.height, event.round) == (state.height, state.round)
            and state.step is Step.PROPOSE
            and state.decision is None
            and state.valid_value is None
            and self._is_proposer()
        ):
            self._broadcast_proposal(event.value, NO_ROUND)

    def _on_timeout(self, event: TimeoutFired) -> None:
        if event.kind is TimeoutKind.PROPOSE:
            self.on_timeout_propose_line_57(event.height, event.round)
        elif event.kind is TimeoutKind.PREVOTE:
            self.on_timeout_prevote_line_61(event.height, event.round)
        else:
            self.on_timeout_precommit_line_65(event.height, event.round)

    @staticmethod
    def _message_of(event: ProposalReceived | VoteReceived) -> ConsensusMessage:
        return event.proposal if isinstance(event, ProposalReceived) else event.vote

    # ------------------------------------------------------------------ rules

    def _apply_rules(self) -> None:
        """Fire enabled upon-rules until none is; the paper lets any order fire first."""
        for _ in range(_MAX_RULE_FIRINGS_PER_STEP):
            if self._state is None or self._state.decision is not None:
                return
            if not any(rule(self) for rule in UPON_RULES):
                return
        raise RulesDoNotSettle(f"upon-rules still firing at {self._state}")

    # ------------------------------------------------------------------ helpers for rules
    # consensus/rules.py holds the upon-rules as functions over this object; these
    # underscored helpers are the part of the core they use, and nothing else should.

    def _is_proposer(self) -> bool:
        state = self.state
        return self.validator_set.proposer(state.height, state.round) == self.validator_id

    def _is_validator(self) -> bool:
        return self.validator_id in self.validator_set

    def _set_state(self, **changes: Any) -> None:
        self._state = replace(self.state, **changes)

    def _schedule(self, kind: TimeoutKind) -> None:
        state = self.state
        duration_ms = self.timeouts.duration_ms(kind, state.round)
        self._out.append(ScheduleTimeout(kind, state.height, state.round, duration_ms))

    def _start_round(self, round_number: Round) -> None:
        """StartRound(round), lines 11-21.

        Deviation: every validator schedules timeoutPropose, the proposer too (line 21 has
        only the others do), so a proposer whose node is slow to build a block still moves
        on; the timeout only ever produces a nil prevote, which safety allows at any time.
        """
        self._set_state(round=round_number, step=Step.PROPOSE)
        self._schedule(TimeoutKind.PROPOSE)
        if not self._is_proposer():
            return
        state = self.state
        if state.valid_value is not None:
            self._broadcast_proposal(state.valid_value, state.valid_round)
        else:
            self._out.append(RequestValue(state.height, state.round))

    def _signing_record(self, step: SigningStep, value: BlockId | None) -> SigningRecord:
        state = self.state
        return SigningRecord(
            state.height, state.round, step, value, state.locked_round, state.locked_value
        )

    def _broadcast_proposal(self, value: BlockId, valid_round: Round) -> None:
        """Line 19. The proposal enters this node's own log at once ("sent messages")."""
        state = self.state
        if not self._is_validator() or state.round in self._proposed_rounds:
            return
        self._proposed_rounds.add(state.round)
        proposal = Proposal(state.height, state.round, value, valid_round, self.validator_id)
        record = self._signing_record(SigningStep.PROPOSAL, value)
        self._out.append(BroadcastProposal(proposal, record))
        # A value this node proposes is valid: getValue() returns valid values and
        # validValue was valid when it was set (line 36).
        self._record_proposal(proposal, value_valid=True)

    def _broadcast_vote(self, vote_type: VoteType, value: BlockId | None) -> None:
        """Lines 24/26/30/32/40/45/59/63. Own votes enter the own log at once."""
        if not self._is_validator():
            return
        state = self.state
        vote = Vote(vote_type, state.height, state.round, value, self.validator_id)
        if vote_type is VoteType.PREVOTE:
            record = self._signing_record(SigningStep.PREVOTE, value)
            self._out.append(BroadcastPrevote(vote, record))
        else:
            record = self._signing_record(SigningStep.PRECOMMIT, value)
            self._out.append(BroadcastPrecommit(vote, record))
        self._record_vote(vote)

    # ------------------------------------------------------------------ lines 57-67

    def on_timeout_propose_line_57(self, height: Height, round_number: Round) -> None:
        """OnTimeoutPropose, lines 57-60: no acceptable proposal in time: prevote nil."""
        state = self.state
        position = (height, round_number, state.step)
        if position == (state.height, state.round, Step.PROPOSE) and state.decision is None:
            self._broadcast_vote(VoteType.PREVOTE, None)
            self._set_state(step=Step.PREVOTE)

    def on_timeout_prevote_line_61(self, height: Height, round_number: Round) -> None:
        """OnTimeoutPrevote, lines 61-64: prevotes split without a polka: precommit nil."""
        state = self.state
        position = (height, round_number, state.step)
        if position == (state.height, state.round, Step.PREVOTE) and state.decision is None:
            self._broadcast_vote(VoteType.PRECOMMIT, None)
            self._set_state(step=Step.PRECOMMIT)

    def on_timeout_precommit_line_65(self, height: Height, round_number: Round) -> None:
        """OnTimeoutPrecommit, lines 65-67: the round did not decide: StartRound(round + 1)."""
        state = self.state
        if (height, round_number) == (state.height, state.round) and state.decision is None:
            self._start_round(Round(state.round + 1))

    # ------------------------------------------------------------------ lock predicates

    def lock_admits_fresh_proposal_line_23(self, value: BlockId, value_valid: bool) -> bool:
        """Line 23: valid(v) ∧ (lockedRound = -1 ∨ lockedValue = v)."""
        state = self.state
        return value_valid and (state.locked_round == NO_ROUND or state.locked_value == value)

    def lock_admits_reproposal_line_29(
        self, value: BlockId, value_valid: bool, valid_round: Round
    ) -> bool:
        """Line 29: valid(v) ∧ (lockedRound <= vr ∨ lockedValue = v)."""
        state = self.state
        return value_valid and (state.locked_round <= valid_round or state.locked_value == value)
