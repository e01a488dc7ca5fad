"""When a validator starts the next height (node/engine/idle.py): a pending transaction, a
heartbeat since the last block's time, or another validator's message of that height; never
just because a height was committed."""

from __future__ import annotations

import structlog
from hypothesis import given, settings
from hypothesis import strategies as st
from tirkeu_pb import peer_pb2

from consensus.types import Height, VoteType
from ledger.chain.store import ChainMeta
from node.chain.mempool import Mempool, PendingTransaction
from node.engine.idle import (
    HeightGate,
    StartReason,
    WaitingHeight,
    heartbeat_delay_ms,
    start_reason,
)
from node.engine.inbox import Admission, EngineInbox
from node.operations.config import BlockConfig
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators

HOUR_MS = 3_600_000
NOW_MS = 1_800_000_000_000


class FixedClock:
    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


def _meta(height: int, time_unix_ms: int) -> ChainMeta:
    return ChainMeta(
        chain_id="tirkeu-test",
        genesis_sha256=bytes(32),
        genesis_time_unix_ms=0,
        height=height,
        block_hash=bytes(32),
        state_root=bytes(32),
        time_unix_ms=time_unix_ms,
    )


def _gate(mempool: Mempool, inbox: EngineInbox, interval_ms: int = HOUR_MS) -> HeightGate:
    config = BlockConfig(empty_block_interval_ms=interval_ms)
    return HeightGate(mempool, inbox, config, FixedClock(NOW_MS), structlog.get_logger())


@settings(max_examples=60, deadline=None)
@given(
    last=st.integers(min_value=0, max_value=2 * NOW_MS),
    interval=st.integers(min_value=1, max_value=HOUR_MS),
)
def test_the_heartbeat_is_due_an_interval_after_the_last_block_never_later(
    last: int, interval: int
) -> None:
    delay = heartbeat_delay_ms(last, NOW_MS, interval)
    assert 0 <= delay <= interval
    if last <= NOW_MS:
        assert delay == max(0, last + interval - NOW_MS)


def test_a_block_time_long_ago_makes_the_heartbeat_due_at_once() -> None:
    assert heartbeat_delay_ms(NOW_MS - 2 * HOUR_MS, NOW_MS, HOUR_MS) == 0
    assert heartbeat_delay_ms(NOW_MS, NOW_MS, HOUR_MS) == HOUR_MS


def test_reasons_in_order_transaction_peer_heartbeat() -> None:
    waiting = WaitingHeight(height=Height(5), heartbeat_due=100.0)
    assert start_reason(waiting, pending=0, now=99.0, peer_started=False) is None
    assert start_reason(waiting, pending=0, now=100.0, peer_started=False) is StartReason.HEARTBEAT
    assert start_reason(waiting, pending=0, now=0.0, peer_started=True) is StartReason.PEER
    assert start_reason(waiting, pending=1, now=0.0, peer_started=True) is StartReason.TRANSACTION


def test_an_idle_validator_keeps_waiting() -> None:
    inbox = EngineInbox(4)
    inbox.enter_height(7)
    gate = _gate(Mempool(capacity=10), inbox)
    gate.wait_after(_meta(7, NOW_MS))
    assert not gate.open()
    assert gate.waiting is not None and gate.waiting.height == 8


def test_a_pending_transaction_starts_the_height() -> None:
    mempool = Mempool(capacity=10)
    inbox = EngineInbox(4)
    inbox.enter_height(7)
    gate = _gate(mempool, inbox)
    gate.wait_after(_meta(7, NOW_MS))
    assert mempool.add(PendingTransaction("tx-1", b"envelope")) is None
    assert gate.open()
    assert gate.waiting is None
    assert not gate.open()  # started once


def test_a_kept_message_of_the_waiting_height_starts_it_and_one_of_the_decided_one_does_not() -> (
    None
):
    chain = FourValidators.create()
    inbox = EngineInbox(4)
    inbox.enter_height(1)
    gate = _gate(Mempool(capacity=10), inbox)
    gate.wait_after(_meta(1, NOW_MS))
    stale = peer_pb2.ConsensusMessage(
        vote=chain.vote(VALIDATOR_IDS[2], VoteType.PRECOMMIT, height=1, round_number=0)
    )
    assert inbox.screen(stale, 0) is Admission.CURRENT  # the engine drops it while waiting
    assert not gate.open()
    started = peer_pb2.ConsensusMessage(
        vote=chain.vote(VALIDATOR_IDS[2], VoteType.PREVOTE, height=2, round_number=0)
    )
    assert inbox.screen(started, 0) is Admission.LATER
    inbox.accept(started)
    assert gate.open()
    assert inbox.enter_height(2) == [started]  # fed to the core after StartHeight


def test_the_heartbeat_starts_the_height_when_the_last_block_is_old() -> None:
    inbox = EngineInbox(4)
    inbox.enter_height(3)
    gate = _gate(Mempool(capacity=10), inbox, interval_ms=1000)
    gate.wait_after(_meta(3, NOW_MS - 5000))
    assert gate.open()
