"""Short, readable one-line forms of consensus events, actions and messages for traces."""

from __future__ import annotations

from consensus import (
    Action,
    BroadcastPrecommit,
    BroadcastPrevote,
    BroadcastProposal,
    CommitDecision,
    Event,
    Proposal,
    ProposalReceived,
    ReportConflictingProposal,
    ReportEquivocation,
    RequestValue,
    ScheduleTimeout,
    StartHeight,
    TimeoutFired,
    Vote,
    VoteReceived,
)
from consensus.types import short_id


def describe_message(message: Proposal | Vote) -> str:
    where = f"h{message.height} r{message.round}"
    if isinstance(message, Proposal):
        return (
            f"proposal {where} {short_id(message.value)} vr={message.valid_round} "
            f"from {message.proposer}"
        )
    return f"{message.vote_type.value} {where} {short_id(message.value)} from {message.validator}"


def describe(item: Event | Action) -> str:
    if isinstance(item, ProposalReceived):
        return f"{describe_message(item.proposal)} valid={item.value_valid}"
    if isinstance(item, VoteReceived):
        return describe_message(item.vote)
    if isinstance(item, BroadcastProposal):
        return f"broadcast {describe_message(item.proposal)}"
    if isinstance(item, BroadcastPrevote | BroadcastPrecommit):
        return f"broadcast {describe_message(item.vote)}"
    if isinstance(item, TimeoutFired | ScheduleTimeout):
        verb = "timeout fired" if isinstance(item, TimeoutFired) else "schedule timeout"
        return f"{verb} {item.kind.value} h{item.height} r{item.round}"
    if isinstance(item, CommitDecision):
        return f"commit h{item.height} r{item.round} {short_id(item.value)}"
    if isinstance(item, StartHeight):
        return f"start height {item.height} resume={item.resume}"
    if isinstance(item, ReportEquivocation):
        return f"evidence {describe_message(item.vote_a)} / {short_id(item.vote_b.value)}"
    if isinstance(item, ReportConflictingProposal):
        first, second = item.proposal_a, item.proposal_b
        return f"evidence {describe_message(first)} / {short_id(second.value)}"
    if isinstance(item, RequestValue):
        return f"request value h{item.height} r{item.round}"
    return f"value ready h{item.height} r{item.round} {short_id(item.value)}"
