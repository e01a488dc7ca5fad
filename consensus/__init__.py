"""Tendermint consensus core: a pure state machine (arXiv 1807.04938v3, Algorithm 1).

No clock, randomness, threads, await or I/O in this package; the node (``node/``) supplies
all of them. The core trusts that every message was signature-verified by the node and
names its sender (``Proposal.proposer``, ``Vote.validator``). Each upon-rule is one function
in ``consensus.rules`` named after its line in the paper.

Driving the core
----------------
Create one ``ConsensusCore(validator_id, TimeoutConfig(...))`` per node (a node whose id is
not in the validator set, such as KTK's observer, follows and decides but never signs),
then feed events to ``core.step(event)`` from a single thread. It returns a tuple of actions
to carry out in order.

Events (``consensus.events``):

- ``StartHeight(height, validator_set, resume=None)``: at boot and after every commit. The
  core decides but does not move to the next height by itself (lines 52-54): the node first
  applies the block, then starts ``height + 1``. After block sync (catch-up) start the
  height after the synced block; heights may be skipped, never repeated.
- ``ProposalReceived(proposal, value_valid)``: a verified proposal; the node has executed
  the proposed block and says whether it is valid (valid(v) of the paper).
- ``VoteReceived(vote)``: a verified prevote or precommit.
- ``TimeoutFired(kind, height, round)``: a timer from ``ScheduleTimeout`` expired.
- ``ValueReady(height, round, block_id)``: the answer to ``RequestValue`` (getValue(), line
  18): a block the node built and holds valid.

Actions (``consensus.events``):

- ``BroadcastProposal(proposal, record)``, ``BroadcastPrevote(vote, record)``,
  ``BroadcastPrecommit(vote, record)``: check
  ``signing_guard.decide_signing(last_record, record)``; if allowed, durably persist
  ``record`` and the message, then sign and send to every other validator. The core has
  already put the message in its own log: do not feed it back.
- ``ScheduleTimeout(kind, height, round, duration_ms)``: deliver ``TimeoutFired`` later.
  Timers are never cancelled; stale ones are ignored by the core.
- ``RequestValue(height, round)``: build a block and answer with ``ValueReady``.
- ``CommitDecision(height, round, block_id, precommits)``: the block is final; the
  precommits (more than 2/3 of the power) are its commit certificate.
- ``ReportEquivocation(vote_a, vote_b)``, ``ReportConflictingProposal(a, b)``: evidence
  against the signer of both.

Crash recovery (what the node must persist)
-------------------------------------------
1. The last ``SigningRecord`` (height, round, step, block id, lock), written before the
   signed message leaves the process: the double-sign guard.
2. A write-ahead log of every consensus message of the current height, its own and the
   ones it received, written before ``step`` sees them. The paper's liveness rests on
   gossip: a message that a correct process sent *or received* eventually reaches every
   correct process. A node that forgets after a crash can leave honest validators locked
   on a value whose polka nobody can show any more; the simulator (``tests/sim``) finds
   such stalls when the log is not kept.
3. The committed chain with commit certificates.

After a restart: ``StartHeight(next_height, validator_set,
resume=signing_guard.resume_point(last_record, next_height))``, then feed the write-ahead
log back as received messages and re-send the node's own messages from it.

``core.step`` raises ``RejectedMessage`` (with a ``RejectionReason``) for a message no
honest validator could have signed (unknown sender, proposal from a validator that is not
the round's proposer, malformed block id or rounds); nothing changes then. Messages of
older heights are ignored; those of the next height are buffered until it starts. For
gossip, ``core.current_height_messages()`` lists the current height's log (equivocating
votes included: relaying them is what lets every node see the same polkas).
"""

from consensus.config import InvalidTimeoutConfig, TimeoutConfig
from consensus.core import (
    ConsensusCore,
    ConsensusNotStarted,
    HeightOutOfOrder,
    RoundState,
    RulesDoNotSettle,
)
from consensus.events import (
    Action,
    BroadcastPrecommit,
    BroadcastPrevote,
    BroadcastProposal,
    CommitDecision,
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
from consensus.message_log import RejectedMessage, RejectionReason
from consensus.signing_guard import (
    ResumePoint,
    SigningRecord,
    SigningStep,
    SigningVerdict,
    decide_signing,
    resume_point,
)
from consensus.types import (
    NO_ROUND,
    BlockId,
    Height,
    Proposal,
    Round,
    Step,
    TimeoutKind,
    ValidatorId,
    Vote,
    VoteType,
)
from consensus.validators import InvalidValidatorSet, Validator, ValidatorSet
from consensus.vote_set import VoteSet

__all__ = [
    "NO_ROUND",
    "Action",
    "BlockId",
    "BroadcastPrecommit",
    "BroadcastPrevote",
    "BroadcastProposal",
    "CommitDecision",
    "ConsensusCore",
    "ConsensusNotStarted",
    "Event",
    "Height",
    "HeightOutOfOrder",
    "InvalidTimeoutConfig",
    "InvalidValidatorSet",
    "Proposal",
    "ProposalReceived",
    "RejectedMessage",
    "RejectionReason",
    "ReportConflictingProposal",
    "ReportEquivocation",
    "RequestValue",
    "ResumePoint",
    "Round",
    "RoundState",
    "RulesDoNotSettle",
    "ScheduleTimeout",
    "SigningRecord",
    "SigningStep",
    "SigningVerdict",
    "StartHeight",
    "Step",
    "TimeoutConfig",
    "TimeoutFired",
    "TimeoutKind",
    "Validator",
    "ValidatorId",
    "ValidatorSet",
    "ValueReady",
    "Vote",
    "VoteReceived",
    "VoteSet",
    "VoteType",
    "decide_signing",
    "resume_point",
]
