"""An honest simulated node: drives a ConsensusCore the way the real node will.

It is the reference wiring: check the double-sign guard, persist the signing record, then
send; schedule timers; answer RequestValue; store commits; catch up by block sync; re-gossip
its log while its height is stuck; rebuild itself from persisted state after a crash.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from consensus import (
    Action,
    BroadcastPrecommit,
    BroadcastPrevote,
    BroadcastProposal,
    CommitDecision,
    ConsensusCore,
    Event,
    Height,
    Proposal,
    ProposalReceived,
    RejectedMessage,
    ReportEquivocation,
    RequestValue,
    ResumePoint,
    ScheduleTimeout,
    SigningRecord,
    StartHeight,
    TimeoutConfig,
    TimeoutFired,
    ValidatorId,
    ValidatorSet,
    ValueReady,
    VoteReceived,
    decide_signing,
    resume_point,
)
from consensus.types import BlockId, ConsensusMessage, short_id
from tests.sim.checker import Checker, ViolationKind, certificate_problem
from tests.sim.describe import describe
from tests.sim.network import (
    CommittedBlock,
    EventQueue,
    GossipTick,
    Network,
    NextHeight,
    NodeTimer,
    Payload,
    SyncRequest,
    SyncResponse,
)

CoreFactory = Callable[[ValidatorId, TimeoutConfig], ConsensusCore]
SYNC_BATCH_BLOCKS = 8


@dataclass(frozen=True, slots=True)
class NodeTiming:
    timeouts: TimeoutConfig
    next_height_delay_ms: int = 1000  # the pause after a commit (CometBFT's timeout_commit)
    gossip_interval_ms: int = 1500  # re-gossip the height's log if the height did not move
    sync_interval_ms: int = 300  # at most one catch-up request per peer per interval


class Environment(Protocol):
    """What a node sees of the simulation."""

    queue: EventQueue
    network: Network
    checker: Checker
    validator_set: ValidatorSet
    timing: NodeTiming

    def new_value(self, valid_probability: float) -> BlockId: ...

    def count(self, what: str) -> None: ...

    @property
    def tracing(self) -> bool: ...

    def trace(self, text: str) -> None: ...


@dataclass
class PersistentStore:
    """What survives a crash: the committed chain and the double-sign guard's record."""

    chain: list[CommittedBlock] = field(default_factory=list)
    signing_record: SigningRecord | None = None
    # Write-ahead log: every message of the current (and next) height, signed or received,
    # persisted before the core sees it, replayed into the core after a restart. The
    # paper's gossip property says a message a correct process sent *or received* reaches
    # every correct process; a node that forgot what it received breaks it, and the chain
    # can stall on a lock whose polka nobody else can show any more (the simulator finds
    # this). Values are None: a dict is an insertion-ordered set.
    wal: dict[Height, dict[ConsensusMessage, None]] = field(default_factory=dict)

    def write_ahead(self, message: ConsensusMessage) -> None:
        self.wal.setdefault(message.height, {})[message] = None

    def forget_below(self, height: Height) -> None:
        for old in [h for h in self.wal if h < height]:
            del self.wal[old]


class SimNode:
    byzantine = False
    # getValue() returns a valid value (the paper's contract, line 18); invalid proposals
    # come from Byzantine proposers.
    proposed_value_valid_probability = 1.0

    def __init__(self, validator_id: ValidatorId, env: Environment, factory: CoreFactory) -> None:
        self.validator_id = validator_id
        self.env = env
        self.core_factory = factory
        self.store = PersistentStore()
        self.core: ConsensusCore | None = None
        self.incarnation = 0
        self.crash_after_next_persist = False
        self._gossip_height: Height | None = None
        # Per peer, so an unhelpful (Byzantine) peer cannot use up the catch-up requests.
        self._last_sync_request_ms: dict[ValidatorId, int] = {}
        self.peers = tuple(v for v in env.validator_set.validator_ids if v != validator_id)

    # ------------------------------------------------------------------ lifecycle

    @property
    def up(self) -> bool:
        return self.core is not None

    @property
    def next_height(self) -> Height:
        return Height(len(self.store.chain) + 1)

    def boot(self) -> None:
        """Start, or restart from what was persisted: chain, signing record, write-ahead log."""
        self.incarnation += 1
        self.crash_after_next_persist = False
        self.core = self.core_factory(self.validator_id, self.env.timing.timeouts)
        height = self.next_height
        resume = resume_point(self.store.signing_record, height)
        self.env.trace(f"{self.validator_id} boots at h{height} resume={resume}")
        self.start_height(height, resume)
        if resume is not None:
            self.env.count("restarts_resuming_a_signed_height")
        logged = [m for h in (height, height + 1) for m in self.store.wal.get(Height(h), {})]
        for message in logged:
            if self._sender(message) == self.validator_id:
                self.broadcast(message)  # it may never have left before the crash
            self.process(self._received(message))
        self.env.queue.push_after(
            self.env.timing.gossip_interval_ms, GossipTick(self.validator_id, self.incarnation)
        )

    def crash(self) -> None:
        if self.core is not None:
            self.env.trace(f"{self.validator_id} crashes")
            self.env.count("crashes")
        self.core = None

    def arm_crash(self) -> None:
        """Crash at the next signature: after persisting it, before sending it."""
        if self.core is not None:
            self.crash_after_next_persist = True

    def restart(self) -> None:
        if self.core is None:
            self.boot()
        else:
            self.crash_after_next_persist = False

    # ------------------------------------------------------------------ inputs

    def on_payload(self, sender: ValidatorId, payload: Payload) -> None:
        if self.core is None:
            return
        if isinstance(payload, SyncRequest):
            self.serve_sync(sender, payload)
        elif isinstance(payload, SyncResponse):
            self.apply_sync(payload)
        else:
            if payload.height > self.next_height:
                self.request_sync(sender)
            if 0 <= payload.height - self.core.state.height <= 1:
                self.store.write_ahead(payload)
            self.process(self._received(payload))

    def start_height(self, height: Height, resume: ResumePoint | None = None) -> None:
        self.store.forget_below(height)
        self.process(StartHeight(height, self.env.validator_set, resume))

    @staticmethod
    def _sender(message: ConsensusMessage) -> ValidatorId:
        return message.proposer if isinstance(message, Proposal) else message.validator

    def _received(self, message: ConsensusMessage) -> Event:
        if isinstance(message, Proposal):
            valid = self.env.checker.value_validity.get(message.value, False)
            if not valid:
                self.env.count("invalid_proposals_received")
            return ProposalReceived(message, value_valid=valid)
        return VoteReceived(message)

    def on_timer(self, timer: NodeTimer) -> None:
        if self.core is not None and timer.incarnation == self.incarnation:
            self.process(timer.event)

    def on_next_height(self, item: NextHeight) -> None:
        if self.core is None or item.incarnation != self.incarnation:
            return
        if self.core.state.height < self.next_height:
            self.start_height(self.next_height)

    def on_gossip_tick(self, tick: GossipTick) -> None:
        if self.core is None or tick.incarnation != self.incarnation:
            return
        height = self.core.state.height
        if height == self._gossip_height and self.core.state.decision is None:
            for message in self.gossip_messages():
                self.broadcast(message)
        self._gossip_height = height
        self.env.queue.push_after(self.env.timing.gossip_interval_ms, tick)

    def gossip_messages(self) -> list[ConsensusMessage]:
        """The height's log, less the rounds no rule can use any more.

        Like CometBFT's gossip (votes of the peer's round, of its proof-of-lock round), only
        the rounds a rule can still fire on go out again: the current and previous round
        (a peer one round behind; the f + 1 of line 55), the locked and valid rounds, and the
        valid round every logged proposal claims (the 2f + 1 prevotes of line 28). Sending
        every round again made each tick cost rounds x n messages per peer: long partitions
        at n = 10 spent a second of CPU per seed on duplicates.
        """
        assert self.core is not None
        state = self.core.state
        messages = self.core.current_height_messages()
        if state.round <= 1:
            return list(messages)
        wanted = {state.round, state.round - 1, state.locked_round, state.valid_round}
        wanted.update(m.valid_round for m in messages if isinstance(m, Proposal))
        return [m for m in messages if m.round in wanted]

    # ------------------------------------------------------------------ core driving

    def process(self, first: Event) -> None:
        pending: deque[Event] = deque([first])
        while pending and self.core is not None:
            event = pending.popleft()
            try:
                actions = self.core.step(event)
            except RejectedMessage as rejected:
                self.env.trace(f"{self.validator_id} rejects {rejected}")
                self.env.count("rejected_messages")
                continue
            if self.env.tracing:
                self._trace_step(event, actions)
            for action in actions:
                if self.core is None:
                    return  # crashed in the middle of carrying out the actions
                self.execute(action, pending)

    def _trace_step(self, event: Event, actions: tuple[Action, ...]) -> None:
        if self.core is None:
            return
        state = self.core.state
        where = f"h{state.height} r{state.round} {state.step.name.lower()}"
        lock = f"lock={state.locked_round}/{short_id(state.locked_value)}"
        self.env.trace(f"{self.validator_id} [{where} {lock}] <- {describe(event)}")
        for action in actions:
            self.env.trace(f"{self.validator_id}    -> {describe(action)}")

    def execute(self, action: Action, pending: deque[Event]) -> None:
        env = self.env
        if isinstance(action, BroadcastProposal):
            self.sign_and_send(action.proposal, action.record)
        elif isinstance(action, BroadcastPrevote | BroadcastPrecommit):
            self.sign_and_send(action.vote, action.record)
        elif isinstance(action, ScheduleTimeout):
            fired = TimeoutFired(action.kind, action.height, action.round)
            env.queue.push_after(
                action.duration_ms, NodeTimer(self.validator_id, self.incarnation, fired)
            )
        elif isinstance(action, RequestValue):
            value = env.new_value(self.proposed_value_valid_probability)
            pending.append(ValueReady(action.height, action.round, value))
        elif isinstance(action, CommitDecision):
            block = CommittedBlock(action.height, action.round, action.value, action.precommits)
            self.store_block(block)
            env.queue.push_after(
                env.timing.next_height_delay_ms, NextHeight(self.validator_id, self.incarnation)
            )
        elif isinstance(action, ReportEquivocation):
            self.report_evidence(action.vote_a.validator)
        else:
            self.report_evidence(action.proposal_a.proposer)

    def report_evidence(self, accused: ValidatorId) -> None:
        self.env.count("evidence_reports")
        self.env.checker.on_evidence(self.env.queue.now_ms, self.validator_id, accused)

    def sign_and_send(self, message: ConsensusMessage, record: SigningRecord) -> None:
        """Guard, persist, then send: the order that makes a crash unable to double-sign."""
        env = self.env
        verdict = decide_signing(self.store.signing_record, record)
        if not verdict.allowed:
            env.checker.fail(
                ViolationKind.GUARD_REFUSAL,
                env.queue.now_ms,
                f"{self.validator_id}: {verdict.value} for {record} "
                f"after {self.store.signing_record}",
            )
            return
        self.store.signing_record = record
        self.store.write_ahead(message)
        env.checker.on_signed(env.queue.now_ms, self.validator_id, message)
        if self.crash_after_next_persist:
            self.env.trace(f"{self.validator_id} persisted {record} and crashes before sending")
            self.env.count("crashes_between_persist_and_send")
            self.crash()
            return
        self.broadcast(message)

    def broadcast(self, payload: Payload) -> None:
        for peer in self.peers:
            self.env.network.send(self.validator_id, peer, payload)

    # ------------------------------------------------------------------ chain and sync

    def store_block(self, block: CommittedBlock) -> bool:
        if block.height != self.next_height:
            return False
        self.store.chain.append(block)
        self.env.trace(f"{self.validator_id} commits h{block.height} {block.value[:4].hex()}")
        self.env.checker.on_commit(self.env.queue.now_ms, self.validator_id, block)
        return True

    def request_sync(self, peer: ValidatorId) -> None:
        now_ms = self.env.queue.now_ms
        last_ms = self._last_sync_request_ms.get(peer)
        if last_ms is None or now_ms - last_ms >= self.env.timing.sync_interval_ms:
            self._last_sync_request_ms[peer] = now_ms
            self.env.network.send(self.validator_id, peer, SyncRequest(self.next_height))

    def serve_sync(self, peer: ValidatorId, request: SyncRequest) -> None:
        start = request.from_height - 1
        blocks = tuple(self.store.chain[start : start + SYNC_BATCH_BLOCKS])
        if blocks:
            self.env.network.send(self.validator_id, peer, SyncResponse(blocks))

    def apply_sync(self, response: SyncResponse) -> None:
        """Verify each block's certificate and validity (the node executes it), then store."""
        for block in response.blocks:
            if block.height != self.next_height:
                continue
            if certificate_problem(block, self.env.validator_set) is not None:
                return
            if not self.env.checker.value_validity.get(block.value, False):
                return
            if self.store_block(block):
                self.env.count("blocks_caught_up_by_sync")
        if self.core is not None and self.core.state.height < self.next_height:
            self.start_height(self.next_height)
