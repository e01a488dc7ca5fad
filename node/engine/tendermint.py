"""The Tendermint engine: drives consensus/ (the pure core) from one thread, with I/O around it.

Everything that touches the core or the store's write path happens on the engine thread, fed
by one queue (node/engine/inbox.py: verified consensus messages, certified blocks from block
sync and announcements) and the timers the core schedules (node/engine/timers.py).

Signing (DESIGN §4, crash safety) is the outbox's (node/engine/outbox.py): signed in memory,
recorded durably by the double-sign guard, only then sent. Every consensus message of this
height and the next, own or received (verified by the peer service), goes to the write-ahead log
(node/engine/wal.py) before the core sees it; after a restart the core resumes from the last
signing record, the log is fed back in order and own messages are re-sent, never re-signed.
Commits: node/engine/commit.py; candidate blocks and valid(v): node/engine/candidates.py; when
the next height starts after a commit (no empty blocks while the registry is idle):
node/engine/idle.py.

Proposal validity, valid(v) of Algorithm 1 (node/engine/proposal_check.py): the block is executed on
an overlay of this node's state and its header checked before the core hears it is valid.
Peer messages are screened (bounds, the proposal's block) before they are logged, kept or judged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Unpack

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
    RejectedMessage,
    ReportConflictingProposal,
    ReportEquivocation,
    RequestValue,
    ScheduleTimeout,
    StartHeight,
    ValueReady,
    resume_point,
)
from ledger.chain.store import ChainMeta
from ledger.governance.rules import RulesVersionUnsupported, rules_version_at
from ledger.governance.schedule import validators_at
from node.chain.commit import CommittedBlock, node_rules_versions
from node.chain.evidence import EvidencePool, report_misbehaviour
from node.engine.candidates import CandidateBlocks
from node.engine.commit import apply_synced, commit_decision, note_commit
from node.engine.idle import HeightGate, StartReason, resumes_at_once
from node.engine.inbox import Admission, EngineInbox, InboxItem, Synced
from node.engine.outbox import SignedOutbox
from node.engine.signing_records import SigningJournal
from node.engine.timers import Timers
from node.engine.wal import ConsensusWal, message_height, message_sender
from node.engine.wiring import ValidatorWiring, clock_of
from node.operations.config import ConsensusConfig
from node.operations.metrics import NodeMetrics
from node.peers.client import PeerClients


class TendermintEngine:
    def __init__(
        self,
        *,
        consensus_config: ConsensusConfig,
        peers: PeerClients,
        evidence: EvidencePool,
        metrics: NodeMetrics,
        on_behind: Callable[[], None],
        **wiring: Unpack[ValidatorWiring],
    ) -> None:
        store, setup, mempool = wiring["store"], wiring["setup"], wiring["mempool"]
        validator_id, block_config, log = (
            wiring["validator_id"],
            wiring["block_config"],
            wiring["log"],
        )
        signing_key, clock_ms = wiring["signing_key"], clock_of(wiring)
        self._store = store
        self._setup = setup
        self._mempool = mempool
        self._id = validator_id
        self._block_config = block_config
        self._config = consensus_config
        self._peers = peers
        self._evidence = evidence
        self._metrics = metrics
        self._on_committed = wiring["on_committed"]
        self._on_behind = on_behind
        self._log = log
        self._clock_ms = clock_ms
        self._core = ConsensusCore(validator_id, consensus_config)
        self._wal = ConsensusWal(store)
        self._outbox = SignedOutbox(
            journal=SigningJournal(store),
            wal=self._wal,
            signing_key=signing_key,
            chain_id=setup.chain_id,
            peers=peers,
            log=log,
        )
        self._inbox = EngineInbox(len(setup.validators.validator_set))
        self._timers = Timers()
        self._stop = threading.Event()
        self._blocks = CandidateBlocks(
            store=store,
            setup=setup,
            validator_id=validator_id,
            mempool=mempool,
            evidence=evidence,
            block_config=block_config,
            max_clock_skew_ms=consensus_config.max_clock_skew_ms,
            clock_ms=clock_ms,
            metrics=metrics,
            log=log,
        )
        metrics.track_validators(setup.validators.validator_set.validator_ids)
        self._value_request: RequestValue | None = None
        self._decided: CommitDecision | None = None
        self._height_started = time.monotonic()
        self._next_regossip = time.monotonic()
        self._round_seen: tuple[int, int] = (0, -1)
        self._gate = HeightGate(mempool, self._inbox, block_config, clock_ms, log)

    # --- inputs from other threads -------------------------------------------------------------

    def consensus_message(self, message: peer_pb2.ConsensusMessage) -> None:
        if not self._inbox.put_message(message):
            self._metrics.consensus_dropped.labels(reason="queue_full").inc()

    def synced_blocks(self, source: str, blocks: Sequence[peer_pb2.CertifiedBlock]) -> None:
        self._inbox.put_synced(source, blocks)

    def transaction_arrived(self) -> None:
        self._inbox.wake()  # a waiting height may start, a waiting proposer build its block

    def stop(self) -> None:
        self._stop.set()
        self._inbox.wake()

    # --- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        self._boot()
        while not self._stop.is_set():
            item = self._inbox.take(self._wait_seconds())
            if item is not None:
                self._handle(item)
            self._maybe_start_waiting()
            self._fire_due_timers()
            self._maybe_build_value()
            self._maybe_regossip()

    def _wait_seconds(self) -> float:
        value = self._value_due() if self._value_request is not None else None
        heartbeat, timer = self._gate.heartbeat_due(), self._timers.next_deadline()
        deadlines = [d for d in (self._next_regossip, timer, value, heartbeat) if d is not None]
        return max(0.0, min(deadlines) - time.monotonic())

    def _handle(self, item: InboxItem) -> None:
        if isinstance(item, Synced):
            self._apply_synced(item)
            return
        # Waiting to start a height (node/engine/idle.py): the decided height's messages are
        # stale (CURRENT to the inbox, dropped here) and the waiting height's are kept and
        # logged; holding one starts the height (rule (c)).
        waiting = self._gate.waiting
        current = self._current_height() if waiting is None else waiting.height
        admission = self._inbox.screen(item, 0 if waiting else self._core.state.round)
        height = message_height(item)
        if height > current + 1 or (height > current and item.HasField("proposal")):
            self._on_behind()  # peers are ahead: block sync catches up
        if admission is Admission.CURRENT and waiting is None:
            self._dispatch(item, log=True)
        elif admission is Admission.LATER and self._blocks.admissible(item, check_block=True):
            self._inbox.accept(item)
            if height == (current if waiting else current + 1):
                self._wal.append(item)
        elif admission.counted:
            self._metrics.consensus_dropped.labels(reason=admission.value).inc()

    def _dispatch(self, message: peer_pb2.ConsensusMessage, *, log: bool = False) -> None:
        """Hand a current-height message to the core, logged first (node/engine/wal.py)."""
        event = self._blocks.event_of(message, self._outbox.vote_seen)
        if event is None:
            return
        self._inbox.accept(message)
        if log:
            self._wal.append(message)
        self._step(event)

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

    def _meta(self) -> ChainMeta:
        meta = self._store.load_meta()
        if meta is None:
            raise RuntimeError("the store holds no chain")
        return meta

    def _boot(self) -> None:
        """Resume at once where this validator signed or logged messages; else wait."""
        height = Height(self._meta().height + 1)
        if resumes_at_once(self._outbox.last_signed, self._wal, height):
            self._log.debug("height_started", height=height, reason=StartReason.RESUMING.value)
            self._start_height(resuming=True)
        else:
            self._leave_height()

    def _leave_height(self) -> None:
        """The stored chain's tip is decided: wait for a reason to start the next height."""
        meta = self._meta()
        self._decided = None
        self._value_request = None
        self._outbox.new_height()  # nothing of the decided height to re-gossip
        self._inbox.enter_height(meta.height)  # kept messages of the decided height are stale
        self._metrics.height.set(meta.height)
        self._gate.wait_after(meta)
        self._maybe_start_waiting()

    def _maybe_start_waiting(self) -> None:
        if self._gate.open():
            self._start_height()

    def _start_height(self, *, resuming: bool = False) -> None:
        meta = self._meta()
        height = Height(meta.height + 1)
        kept = self._inbox.enter_height(height)
        self._wal.forget_below(height)
        self._blocks.new_height()
        self._outbox.new_height()
        self._value_request = None
        self._decided = None
        self._height_started = time.monotonic()
        self._metrics.height.set(meta.height)
        last = self._outbox.last_signed
        record = last.record if last is not None else None
        resume = resume_point(record, height)
        # Never vote on a height whose rules this node lacks (ADR 0012): stop here instead.
        version = rules_version_at(self._store.state, height)
        if version not in node_rules_versions():
            raise RulesVersionUnsupported(height, version, node_rules_versions())
        in_force = validators_at(self._store.state, height).validator_set
        self._step(StartHeight(height, in_force, resume))
        if resuming:
            self._replay_logged(height, last.message if last is not None else None)
        for message in kept:
            self._handle(message)

    def _replay_logged(self, height: Height, last_signed: bytes | None) -> None:
        """After a restart: feed the write-ahead log back as received, re-sending our own."""
        for later in self._wal.messages_of(height + 1):
            self._inbox.keep_for_later(height + 1, later)  # before a replayed commit needs them
        logged = self._wal.to_replay(height, last_signed)
        if logged:
            own = sum(1 for message in logged if message_sender(message) == self._id)
            state = self._core.state
            self._log.info(
                "consensus_resumed", height=height, round=state.round, logged=len(logged), own=own
            )
        for message in logged:
            if self._current_height() != height:
                break  # the replay decided the height and committed
            if message_sender(message) == self._id:
                self._outbox.resend(message)  # it may never have left before the crash
            self._dispatch(message)

    # --- messages ------------------------------------------------------------------------------

    def _current_height(self) -> int:
        return self._core.state.height

    # --- actions -------------------------------------------------------------------------------

    def _carry_out(self, action: Action) -> Event | None:
        if isinstance(action, ScheduleTimeout):
            self._timers.schedule(action)
        elif isinstance(action, BroadcastProposal):
            self._broadcast_proposal(action)
        elif isinstance(action, BroadcastPrevote | BroadcastPrecommit):
            self._outbox.vote(action.vote, action.record)
        elif isinstance(action, RequestValue):
            self._value_request = action
        elif isinstance(action, CommitDecision):
            self._decided = action  # committed by _step once this step's actions are done
        elif isinstance(action, ReportEquivocation | ReportConflictingProposal):
            report_misbehaviour(action, self._outbox.signed_votes, self._evidence, self._log)
        return None

    def _broadcast_proposal(self, action: BroadcastProposal) -> None:
        candidate = self._blocks.get(action.proposal.value)
        if candidate is None:
            # The core re-proposes validValue, which this node once judged valid: it has it.
            raise RuntimeError(f"no block {action.proposal.value.hex()} to propose")
        self._outbox.proposal(action.proposal, action.record, candidate.encoded)

    # --- proposing -----------------------------------------------------------------------------

    def _value_due(self) -> float:
        """When the waiting proposer builds: after the batching delay, with or without
        transactions (when the registry is idle the height itself waits: _leave_height)."""
        return self._height_started + self._block_config.batch_delay_ms / 1000

    def _maybe_build_value(self) -> None:
        request = self._value_request
        if request is None or time.monotonic() < self._value_due():
            return
        self._value_request = None
        state = self._core.state
        if (state.height, state.round) != (request.height, request.round):
            return
        value = self._blocks.assemble()
        self._step(ValueReady(request.height, request.round, value))

    # --- committing ----------------------------------------------------------------------------

    def _try_commit(self) -> None:
        decision = self._decided
        if decision is None:
            return
        signed_votes = self._outbox.signed_votes
        committed = commit_decision(
            self._store, self._setup, decision, self._blocks, signed_votes, log=self._log
        )
        if committed is None:
            # A block this node does not hold: block sync fetches it; that ends this height.
            self._on_behind()
            return
        self._committed(committed)

    def _committed(self, committed: CommittedBlock) -> None:
        block = committed.executed.block
        latency = time.monotonic() - self._height_started
        note_commit(self._metrics, self._setup, committed, latency, self._log)
        self._evidence.committed(block.evidence)
        self._on_committed(committed)
        self._peers.announce(
            peer_pb2.CertifiedBlock(
                block=block.encode(), certificate=committed.certificate.encode()
            )
        )
        self._leave_height()

    def _apply_synced(self, synced: Synced) -> None:
        applied = apply_synced(
            self._store,
            self._setup,
            synced,
            evidence=self._evidence,
            metrics=self._metrics,
            on_committed=self._on_committed,
            log=self._log,
        )
        if applied:
            self._leave_height()
            self._on_behind()  # there may be more

    # --- timers and re-gossip ------------------------------------------------------------------

    def _fire_due_timers(self) -> None:
        while (event := self._timers.pop_due()) is not None:
            if self._gate.waiting is None and event.height == self._current_height():
                self._step(event)

    def _maybe_regossip(self) -> None:
        now = time.monotonic()
        if now < self._next_regossip:
            return
        self._next_regossip = now + self._config.regossip_interval_ms / 1000
        self._metrics.mempool_size.set(len(self._mempool))
        self._metrics.peers.set(self._peers.reachable_count())
        self._outbox.regossip()
