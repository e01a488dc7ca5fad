"""The Tendermint engine: drives consensus/ (the pure core) from one thread, with I/O around it.

Everything that touches the core or the store's write path happens on the engine thread, fed
by one queue: verified consensus messages from the peer service, certified blocks from block
sync and announcements, and the timers the core schedules (a heap; timers are never cancelled,
stale ones are ignored by the core). The core is never called concurrently.

Signing (DESIGN §4, crash safety): every proposal and vote the core asks for is signed in
memory, then the double-sign guard (node/signing_records.py) records it durably, and only then
is it sent. After a restart the core resumes from the last record and the recorded message is
fed back and re-sent, never re-signed differently.

Proposal validity, valid(v) of Algorithm 1 (node/proposal_check.py): the block is executed on
an overlay of this node's state and its header checked before the core hears it is valid.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import peer_pb2

from consensus import (
    Action,
    BroadcastPrecommit,
    BroadcastPrevote,
    BroadcastProposal,
    CommitDecision,
    ConsensusCore,
    Event,
    Height,
    ProposalReceived,
    RejectedMessage,
    ReportConflictingProposal,
    ReportEquivocation,
    RequestValue,
    ScheduleTimeout,
    SigningRecord,
    StartHeight,
    TimeoutConfig,
    TimeoutFired,
    ValidatorId,
    ValueReady,
    Vote,
    VoteReceived,
    resume_point,
)
from consensus.types import BlockId, Round
from ledger.blocks import CommitSignature, build_commit_certificate
from ledger.rejections import Rejection
from ledger.store import Store
from node.block_sync import apply_certified_block
from node.chain import ChainSetup
from node.commit import CommittedBlock, ExecutedBlock, persist_block
from node.config import BlockConfig, ConsensusConfig
from node.evidence import EvidencePool, make_evidence
from node.mempool import Mempool
from node.metrics import NodeMetrics
from node.peer_client import PeerClients
from node.proposal_check import check_proposed_block
from node.proposer import assemble_block
from node.signed_messages import BadMessage, proposal_of, sign_proposal, sign_vote, vote_of
from node.signing_records import SigningJournal
from node.solo_engine import wall_clock_ms


@dataclass(frozen=True, slots=True)
class _Synced:
    source: str
    blocks: tuple[peer_pb2.CertifiedBlock, ...]


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A block this node proposed or found valid, kept until its height is decided."""

    executed: ExecutedBlock | None  # None: invalid
    rejections: dict[str, Rejection]
    encoded: bytes


_Item = peer_pb2.ConsensusMessage | _Synced | None


def timeout_config(config: ConsensusConfig) -> TimeoutConfig:
    return TimeoutConfig(
        timeout_propose_ms=config.timeout_propose_ms,
        timeout_propose_delta_ms=config.timeout_propose_delta_ms,
        timeout_prevote_ms=config.timeout_prevote_ms,
        timeout_prevote_delta_ms=config.timeout_prevote_delta_ms,
        timeout_precommit_ms=config.timeout_precommit_ms,
        timeout_precommit_delta_ms=config.timeout_precommit_delta_ms,
    )


class TendermintEngine:
    def __init__(
        self,
        *,
        store: Store,
        setup: ChainSetup,
        mempool: Mempool,
        validator_id: ValidatorId,
        signing_key: ec.EllipticCurvePrivateKey,
        block_config: BlockConfig,
        consensus_config: ConsensusConfig,
        peers: PeerClients,
        evidence: EvidencePool,
        metrics: NodeMetrics,
        on_committed: Callable[[CommittedBlock], None],
        on_behind: Callable[[], None],
        log: FilteringBoundLogger,
        clock_ms: Callable[[], int] = wall_clock_ms,
    ) -> None:
        self._store = store
        self._setup = setup
        self._mempool = mempool
        self._id = validator_id
        self._key = signing_key
        self._block_config = block_config
        self._config = consensus_config
        self._peers = peers
        self._evidence = evidence
        self._metrics = metrics
        self._on_committed = on_committed
        self._on_behind = on_behind
        self._log = log
        self._clock_ms = clock_ms
        self._core = ConsensusCore(validator_id, timeout_config(consensus_config))
        self._journal = SigningJournal(store)
        self._queue: queue.Queue[_Item] = queue.Queue()
        self._timers: list[tuple[float, int, TimeoutFired]] = []
        self._sequence = itertools.count()
        self._stop = threading.Event()
        # Per height: candidate blocks by id, signed votes (for certificates and evidence),
        # this node's own signed messages (re-gossiped), proposals of the next heights.
        self._candidates: dict[bytes, _Candidate] = {}
        self._signed_votes: dict[Vote, peer_pb2.SignedVote] = {}
        self._own_messages: list[peer_pb2.ConsensusMessage] = []
        self._future: dict[int, list[peer_pb2.ConsensusMessage]] = {}
        self._value_request: RequestValue | None = None
        self._decided: CommitDecision | None = None
        self._height_started = time.monotonic()
        self._last_commit_at = time.monotonic()
        self._next_regossip = time.monotonic()
        self._round_seen: tuple[int, int] = (0, -1)

    # --- inputs from other threads -------------------------------------------------------------

    def consensus_message(self, message: peer_pb2.ConsensusMessage) -> None:
        self._queue.put(message)

    def synced_blocks(self, source: str, blocks: Sequence[peer_pb2.CertifiedBlock]) -> None:
        self._queue.put(_Synced(source, tuple(blocks)))

    def transaction_arrived(self) -> None:
        self._queue.put(None)  # wakes the loop: a waiting proposer may build its block now

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)

    # --- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        self._start_height(resuming=True)
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=self._wait_seconds())
            except queue.Empty:
                item = None
            if item is not None:
                self._handle(item)
            self._fire_due_timers()
            self._maybe_build_value()
            self._maybe_regossip()

    def _wait_seconds(self) -> float:
        now = time.monotonic()
        deadlines = [self._next_regossip]
        if self._timers:
            deadlines.append(self._timers[0][0])
        if self._value_request is not None:
            deadlines.append(self._value_due())
        return max(0.0, min(deadlines) - now)

    def _handle(self, item: peer_pb2.ConsensusMessage | _Synced) -> None:
        if isinstance(item, _Synced):
            self._apply_synced(item)
        elif item.HasField("proposal"):
            self._on_proposal(item)
        else:
            self._on_vote(item)

    def _step(self, event: Event) -> None:
        pending: list[Event] = [event]
        while pending:
            try:
                actions = self._core.step(pending.pop(0))
            except RejectedMessage as error:
                self._log.debug("consensus_message_rejected", reason=str(error))
                continue
            for action in actions:
                follow_up = self._carry_out(action)
                if follow_up is not None:
                    pending.append(follow_up)
        self._note_round()
        if self._decided is not None:
            self._try_commit()  # after the core's actions of this step are all carried out

    def _note_round(self) -> None:
        state = self._core.state
        if (state.height, state.round) != self._round_seen:
            self._round_seen = (state.height, state.round)
            self._metrics.round.set(state.round)
            self._log.info("round_started", height=state.height, round=state.round)

    # --- heights -------------------------------------------------------------------------------

    def _start_height(self, *, resuming: bool = False) -> None:
        meta = self._store.load_meta()
        if meta is None:
            raise RuntimeError("the store holds no chain")
        height = Height(meta.height + 1)
        self._candidates = {}
        self._signed_votes = {}
        self._own_messages = []
        self._value_request = None
        self._decided = None
        self._height_started = time.monotonic()
        self._metrics.height.set(meta.height)
        last = self._journal.last
        record = last.record if last is not None else None
        resume = resume_point(record, height)
        self._step(StartHeight(height, self._setup.validators.validator_set, resume))
        if resuming and resume is not None and last is not None:
            self._log.info("consensus_resumed", height=height, round=resume.round)
            self._replay_own(peer_pb2.ConsensusMessage.FromString(last.message))
        for message in self._future.pop(height, []):
            self._handle(message)
        self._future = {h: m for h, m in self._future.items() if h > height}

    def _replay_own(self, message: peer_pb2.ConsensusMessage) -> None:
        """After a restart: feed the recorded message back as received and send it again."""
        self._own_messages.append(message)
        self._peers.send_consensus(message)
        if message.HasField("vote"):
            vote = vote_of(message.vote)
            self._signed_votes[vote] = message.vote
            self._step(VoteReceived(vote))
        else:
            self._on_proposal(message)

    # --- messages ------------------------------------------------------------------------------

    def _current_height(self) -> int:
        return self._core.state.height

    def _defer_or_drop(self, height: int, message: peer_pb2.ConsensusMessage) -> bool:
        """True when the message is not for the current height (kept if it is for a later)."""
        current = self._current_height()
        if height == current:
            return False
        if height > current:
            kept = self._future.setdefault(height, [])
            if len(kept) < 64 * len(self._setup.validators.validator_set):
                kept.append(message)
            if height > current + 1 or message.HasField("proposal"):
                self._on_behind()  # peers are ahead: block sync catches up
        return True

    def _on_proposal(self, message: peer_pb2.ConsensusMessage) -> None:
        signed = message.proposal
        if self._defer_or_drop(signed.height, message):
            return
        try:
            proposal = proposal_of(signed)
        except BadMessage:
            return
        candidate = self._candidates.get(proposal.value)
        if candidate is None:
            candidate = self._check_candidate(signed.block, proposal.proposer)
            self._candidates[proposal.value] = candidate
        valid = candidate.executed is not None and (
            candidate.executed.block.block_hash == proposal.value
        )
        self._step(ProposalReceived(proposal, valid))

    def _check_candidate(self, encoded: bytes, proposer: ValidatorId) -> _Candidate:
        outcome = check_proposed_block(
            self._store,
            self._setup,
            encoded,
            proposer=proposer,
            now_ms=self._clock_ms(),
            max_skew_ms=self._config.max_clock_skew_ms,
        )
        if isinstance(outcome, str):
            self._log.warning("proposal_invalid", proposer=proposer, detail=outcome)
            return _Candidate(None, {}, encoded)
        return _Candidate(outcome, {}, encoded)

    def _on_vote(self, message: peer_pb2.ConsensusMessage) -> None:
        signed = message.vote
        if signed.height < self._current_height():
            return
        if signed.height > self._current_height():
            self._defer_or_drop(signed.height, message)
            return
        try:
            vote = vote_of(signed)
        except BadMessage:
            return
        self._signed_votes.setdefault(vote, signed)
        self._step(VoteReceived(vote))

    # --- actions -------------------------------------------------------------------------------

    def _carry_out(self, action: Action) -> Event | None:
        if isinstance(action, ScheduleTimeout):
            event = TimeoutFired(action.kind, action.height, action.round)
            deadline = time.monotonic() + action.duration_ms / 1000
            heapq.heappush(self._timers, (deadline, next(self._sequence), event))
        elif isinstance(action, BroadcastProposal):
            self._broadcast_proposal(action)
        elif isinstance(action, BroadcastPrevote | BroadcastPrecommit):
            self._broadcast_vote(action.vote, action.record)
        elif isinstance(action, RequestValue):
            self._value_request = action
        elif isinstance(action, CommitDecision):
            self._decided = action  # committed by _step once this step's actions are done
        elif isinstance(action, ReportEquivocation):
            self._report_equivocation(action)
        elif isinstance(action, ReportConflictingProposal):
            self._log.warning(
                "conflicting_proposals",
                proposer=action.proposal_a.proposer,
                height=action.proposal_a.height,
                round=action.proposal_a.round,
            )
        return None

    def _send_signed(self, record: SigningRecord, message: peer_pb2.ConsensusMessage) -> bool:
        verdict = self._journal.authorise(record, message.SerializeToString(deterministic=True))
        if not verdict.allowed:
            self._log.warning(
                "signing_refused",
                height=record.height,
                round=record.round,
                step=record.step.name,
                verdict=verdict.name,
            )
            return False
        last = self._journal.last
        if last is not None and last.record == record:
            # SIGN_AGAIN sends the recorded bytes: what was signed once is what goes out.
            message = peer_pb2.ConsensusMessage.FromString(last.message)
        self._own_messages.append(message)
        self._peers.send_consensus(message)
        return True

    def _broadcast_proposal(self, action: BroadcastProposal) -> None:
        candidate = self._candidates.get(action.proposal.value)
        if candidate is None:
            # The core re-proposes validValue, which this node once judged valid: it has it.
            raise RuntimeError(f"no block {action.proposal.value.hex()} to propose")
        signed = sign_proposal(self._key, self._setup.chain_id, action.proposal, candidate.encoded)
        self._send_signed(action.record, peer_pb2.ConsensusMessage(proposal=signed))

    def _broadcast_vote(self, vote: Vote, record: SigningRecord) -> None:
        signed = sign_vote(self._key, self._setup.chain_id, vote)
        if self._send_signed(record, peer_pb2.ConsensusMessage(vote=signed)):
            last = self._journal.last
            if last is not None:
                self._signed_votes[vote] = peer_pb2.ConsensusMessage.FromString(last.message).vote

    def _report_equivocation(self, action: ReportEquivocation) -> None:
        vote_a = self._signed_votes.get(action.vote_a)
        vote_b = self._signed_votes.get(action.vote_b)
        self._log.warning(
            "equivocation_detected",
            validator=action.vote_a.validator,
            height=action.vote_a.height,
            round=action.vote_a.round,
            vote_type=action.vote_a.vote_type.value,
        )
        if vote_a is not None and vote_b is not None:
            self._evidence.add(make_evidence(vote_a, vote_b))

    # --- proposing -----------------------------------------------------------------------------

    def _value_due(self) -> float:
        """When the waiting proposer builds: soon with transactions, later without (empty)."""
        if len(self._mempool) > 0:
            return self._height_started + self._block_config.batch_delay_ms / 1000
        idle = min(self._block_config.empty_block_interval_ms, self._config.timeout_propose_ms // 2)
        return self._last_commit_at + idle / 1000

    def _maybe_build_value(self) -> None:
        request = self._value_request
        if request is None or time.monotonic() < self._value_due():
            return
        self._value_request = None
        state = self._core.state
        if (state.height, state.round) != (request.height, request.round):
            return
        limit = min(self._block_config.max_transactions, self._mempool.capacity)
        proposed = assemble_block(
            self._store,
            self._setup,
            self._id,
            self._clock_ms(),
            self._mempool.oldest(limit),
            evidence=self._evidence.take(),
        )
        block = proposed.executed.block
        self._candidates[block.block_hash] = _Candidate(
            proposed.executed, dict(proposed.rejections), block.encode()
        )
        self._step(ValueReady(request.height, request.round, BlockId(block.block_hash)))

    # --- committing ----------------------------------------------------------------------------

    def _try_commit(self) -> None:
        decision = self._decided
        if decision is None:
            return
        candidate = self._candidates.get(decision.value)
        if candidate is None or candidate.executed is None:
            # Decided a block this node never saw (or found invalid): fetch it with its
            # certificate from peers; the synced block ends this height.
            self._on_behind()
            return
        signatures = []
        for vote in decision.precommits:
            signed = self._signed_votes.get(vote)
            if signed is not None:
                signatures.append(CommitSignature(vote.validator, signed.signature))
        certificate = build_commit_certificate(
            self._setup.validators.validator_set,
            decision.height,
            decision.round,
            decision.value,
            signatures,
        )
        committed = persist_block(
            self._store, self._setup, candidate.executed, certificate, candidate.rejections
        )
        self._committed(committed, decision.round)

    def _committed(self, committed: CommittedBlock, round_number: Round | None) -> None:
        block = committed.executed.block
        self._metrics.commit_latency.observe(time.monotonic() - self._height_started)
        signers = {s.validator_id for s in committed.certificate.signatures}
        for validator_id in self._setup.validators.validator_set.validator_ids:
            if validator_id not in signers:
                self._metrics.missed_signatures.labels(validator=validator_id).inc()
        self._evidence.committed(block.evidence)
        self._log.info(
            "block_committed",
            height=block.height,
            round=round_number,
            block_hash=block.block_hash.hex(),
            proposer=block.header.proposer,
            signers=len(signers),
        )
        self._on_committed(committed)
        self._peers.announce(
            peer_pb2.CertifiedBlock(
                block=block.encode(), certificate=committed.certificate.encode()
            )
        )
        self._last_commit_at = time.monotonic()
        self._start_height()

    def _apply_synced(self, synced: _Synced) -> None:
        applied = 0
        for message in synced.blocks:
            committed = apply_certified_block(
                self._store,
                self._setup,
                message,
                log=self._log,
                metrics=self._metrics,
                source=synced.source,
            )
            if committed is None:
                continue
            applied += 1
            self._log.info("block_synced", height=committed.meta.height, source=synced.source)
            self._on_committed(committed)
            self._evidence.committed(committed.executed.block.evidence)
        if applied:
            self._last_commit_at = time.monotonic()
            self._start_height()
            self._on_behind()  # there may be more

    # --- timers and re-gossip ------------------------------------------------------------------

    def _fire_due_timers(self) -> None:
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, event = heapq.heappop(self._timers)
            if event.height == self._current_height():
                self._step(event)

    def _maybe_regossip(self) -> None:
        now = time.monotonic()
        if now < self._next_regossip:
            return
        self._next_regossip = now + self._config.regossip_interval_ms / 1000
        self._metrics.mempool_size.set(len(self._mempool))
        self._metrics.peers.set(self._peers.reachable_count())
        for message in self._own_messages:
            self._peers.send_consensus(message)
