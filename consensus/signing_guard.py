"""Double-sign guard, pure part: may this validator sign this proposal or vote?

A validator persists a ``SigningRecord`` for everything it signs *before* the message leaves
the process (DESIGN §4, crash safety). After a crash it restarts from the last record, so it
must never sign a second, different message for the same (height, round, step), nor sign
anything for an earlier (height, round, step): either could be half of an equivocation the
validator already committed to before the crash. The node owns the storage; this module
owns the decision, and ``resume_point`` turns a record back into where the core restarts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from consensus.types import NO_ROUND, BlockId, Height, Round, Step


class SigningStep(enum.IntEnum):
    """What was signed, in the order Algorithm 1 signs them within a round."""

    PROPOSAL = 0
    PREVOTE = 1
    PRECOMMIT = 2


@dataclass(frozen=True, slots=True)
class SigningRecord:
    """What the validator signed last, and its lock at that moment (persisted durably)."""

    height: Height
    round: Round
    step: SigningStep
    block_id: BlockId | None
    locked_round: Round = NO_ROUND
    locked_value: BlockId | None = None

    @property
    def position(self) -> tuple[int, int, int]:
        return (self.height, self.round, int(self.step))


class SigningVerdict(enum.Enum):
    SIGN = "sign"  # strictly later (height, round, step) than the record, lock not regressed
    SIGN_AGAIN = "sign_again"  # the very same message as the record: re-sending is harmless
    REFUSE_CONFLICT = "refuse_conflict"  # same (height, round, step), different block id
    REFUSE_REGRESSION = "refuse_regression"  # earlier (height, round, step) than the record
    REFUSE_LOCK_REGRESSION = "refuse_lock_regression"  # lock would move back within a height

    @property
    def allowed(self) -> bool:
        return self in (SigningVerdict.SIGN, SigningVerdict.SIGN_AGAIN)


def decide_signing(last: SigningRecord | None, request: SigningRecord) -> SigningVerdict:
    """Whether ``request`` may be signed given the ``last`` durable record (None: never signed)."""
    if last is None:
        return SigningVerdict.SIGN
    if request.position < last.position:
        return SigningVerdict.REFUSE_REGRESSION
    if request.position == last.position:
        if request.block_id != last.block_id:
            return SigningVerdict.REFUSE_CONFLICT
        return SigningVerdict.SIGN_AGAIN
    # lockedRound only grows within a height (Algorithm 1, lines 38-39); it resets with it.
    if request.height == last.height and request.locked_round < last.locked_round:
        return SigningVerdict.REFUSE_LOCK_REGRESSION
    return SigningVerdict.SIGN


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """Where a restarted core picks up a height it had already signed messages in."""

    round: Round
    # The step the core resumes in: it has already done what the record says it signed.
    step: Step
    proposal_signed: bool
    locked_round: Round
    locked_value: BlockId | None


def resume_point(record: SigningRecord | None, height: Height) -> ResumePoint | None:
    """The restart point for ``height`` from the last record, or None for a fresh start.

    The lock is restored (safety needs it). validValue is restored as the locked value:
    the node saw a quorum of prevotes for it at lockedRound, which is what validValue means.
    """
    if record is None or record.height != height:
        return None
    step = {
        SigningStep.PROPOSAL: Step.PROPOSE,
        SigningStep.PREVOTE: Step.PREVOTE,
        SigningStep.PRECOMMIT: Step.PRECOMMIT,
    }[record.step]
    return ResumePoint(
        round=record.round,
        step=step,
        proposal_signed=record.step is SigningStep.PROPOSAL,
        locked_round=record.locked_round,
        locked_value=record.locked_value,
    )
