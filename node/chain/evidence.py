"""Evidence of double signing: two different votes of one validator for one height, round and kind.

The core reports an equivocation (``ReportEquivocation``); the node keeps both signed votes,
and the next block this node proposes carries them as a serialized ``peer.proto Evidence`` in
``Block.evidence`` (``header.evidence_hash`` commits to the list). Anyone can check the evidence
alone: both signatures verify with the certificate the validator had at the votes' height.

Evidence is judged by the set in force at its votes' height, which the state holds only while
its validator schedule still covers that height (ledger/governance/schedule.py keeps the set in
force and the next). Older evidence is expired (ADR 0011, as CometBFT expires evidence by age):
no block may carry it (``ExpiredEvidence``) and the pool drops it instead of proposing it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import peer_pb2

from consensus import ReportConflictingProposal, ReportEquivocation
from consensus.types import ValidatorId, Vote

# One limit for the blocks this node proposes and the blocks every node and the auditor accept
# (ledger/chain/block_checks.py); re-exported (``__all__``) for the node's callers.
from ledger.chain.blocks import MAX_EVIDENCE_PER_BLOCK
from ledger.chain.commit_certificates import CertifyingValidators
from ledger.governance.schedule import HeightOutsideSchedule, validators_at
from ledger.state.access import StateReader
from node.chain.signed_messages import BadMessage, verify_vote, vote_of

__all__ = [
    "MAX_EVIDENCE_PER_BLOCK",
    "DoubleVote",
    "EvidencePool",
    "ExpiredEvidence",
    "InvalidEvidence",
    "judge_evidence",
    "make_evidence",
    "report_misbehaviour",
    "verify_evidence",
]


class InvalidEvidence(Exception):
    """Bytes that do not prove a double vote."""


class ExpiredEvidence(InvalidEvidence):
    """Evidence whose votes are older than every validator set the state still holds: no node
    can judge it any more, so none may accept it (ADR 0011)."""


@dataclass(frozen=True, slots=True)
class DoubleVote:
    validator: ValidatorId
    height: int
    round: int
    kind: str


def make_evidence(vote_a: peer_pb2.SignedVote, vote_b: peer_pb2.SignedVote) -> bytes:
    # Canonical order, so both halves seen in either order give the same bytes.
    first, second = sorted((vote_a, vote_b), key=lambda v: v.SerializeToString(deterministic=True))
    return peer_pb2.Evidence(vote_a=first, vote_b=second).SerializeToString(deterministic=True)


def evidence_height(encoded: bytes) -> int | None:
    """The height of the first vote of ``encoded`` (whose set must judge it); None when the
    bytes do not parse."""
    try:
        evidence = peer_pb2.Evidence.FromString(encoded)
        return vote_of(evidence.vote_a).height
    except (DecodeError, ValueError, BadMessage):
        return None


def verify_evidence(encoded: bytes, chain_id: str, validators: CertifyingValidators) -> DoubleVote:
    """What ``encoded`` proves, or InvalidEvidence."""
    try:
        evidence = peer_pb2.Evidence.FromString(encoded)
    except (DecodeError, ValueError) as error:
        raise InvalidEvidence(f"does not parse: {error}") from None
    try:
        vote_a = verify_vote(evidence.vote_a, chain_id, validators)
        vote_b = verify_vote(evidence.vote_b, chain_id, validators)
    except BadMessage as error:
        raise InvalidEvidence(str(error)) from None
    same_position = (vote_a.validator, vote_a.height, vote_a.round, vote_a.vote_type) == (
        vote_b.validator,
        vote_b.height,
        vote_b.round,
        vote_b.vote_type,
    )
    if not same_position or vote_a.value == vote_b.value:
        raise InvalidEvidence("the votes are not two different votes of one validator and round")
    return DoubleVote(vote_a.validator, vote_a.height, vote_a.round, vote_a.vote_type.value)


def judge_evidence(encoded: bytes, chain_id: str, state: StateReader) -> DoubleVote:
    """What ``encoded`` proves, judged by the set in force at its votes' height in ``state`` (the
    state the carrying block follows); ExpiredEvidence when the state no longer holds that set,
    InvalidEvidence for anything else that does not prove a double vote.

    The set of the votes' own height, not the current one: a validator removed (or rotated) since
    it double-voted signed with a key the current set no longer lists."""
    height = evidence_height(encoded)
    if height is None:
        raise InvalidEvidence("does not parse as two signed votes")
    try:
        validators = validators_at(state, height)
    except HeightOutsideSchedule as error:
        raise ExpiredEvidence(f"votes of height {height}: {error}") from None
    return verify_evidence(encoded, chain_id, validators)


class EvidencePool:
    """Evidence waiting for a block; thread-safe. Committed evidence leaves it, and so does
    evidence that no longer verifies (``take_verified``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[bytes, None] = {}

    def add(self, encoded: bytes) -> None:
        with self._lock:
            self._pending.setdefault(encoded, None)

    def take(self) -> list[bytes]:
        with self._lock:
            return list(self._pending)[:MAX_EVIDENCE_PER_BLOCK]

    def take_verified(self, chain_id: str, state: StateReader) -> list[bytes]:
        """Up to MAX_EVIDENCE_PER_BLOCK items for a block following ``state``, each judged as
        every node will judge the block (``judge_evidence``). An item that fails is dropped for
        good: it would fail at every node for every later block too (the schedule only moves
        forward), and a proposer that kept offering it would only propose refused blocks."""
        with self._lock:
            pending = list(self._pending)
        # Signatures are verified outside the lock: the core reports new evidence meanwhile.
        kept: list[bytes] = []
        for item in pending:
            if len(kept) == MAX_EVIDENCE_PER_BLOCK:
                break
            try:
                judge_evidence(item, chain_id, state)
            except InvalidEvidence:
                with self._lock:
                    self._pending.pop(item, None)
                continue
            kept.append(item)
        return kept

    def committed(self, items: Sequence[bytes]) -> None:
        with self._lock:
            for item in items:
                self._pending.pop(item, None)


def report_misbehaviour(
    action: ReportEquivocation | ReportConflictingProposal,
    signed_votes: Mapping[Vote, peer_pb2.SignedVote],
    pool: EvidencePool,
    log: FilteringBoundLogger,
) -> None:
    """What the core reported: a double vote becomes evidence (when both signed votes are at
    hand, which they are for every vote the core heard); two proposals are only logged (a
    proposal is not a vote: the issue asks for evidence of double votes)."""
    if isinstance(action, ReportConflictingProposal):
        log.warning(
            "conflicting_proposals",
            proposer=action.proposal_a.proposer,
            height=action.proposal_a.height,
            round=action.proposal_a.round,
        )
        return
    log.warning(
        "equivocation_detected",
        validator=action.vote_a.validator,
        height=action.vote_a.height,
        round=action.vote_a.round,
        vote_type=action.vote_a.vote_type.value,
    )
    vote_a = signed_votes.get(action.vote_a)
    vote_b = signed_votes.get(action.vote_b)
    if vote_a is not None and vote_b is not None:
        pool.add(make_evidence(vote_a, vote_b))
