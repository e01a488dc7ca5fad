"""Admission and status of transactions (node/chain/ledger_node.py, api.proto SubmitTransaction and
GetTransaction): named rejections that change nothing, the pending and committed states, and
pending transactions dropped when a commit makes them invalid."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from clients.transaction_builders import property_import
from ledger.rejections import RejectionReason
from node.chain.ledger_node import TransactionState, TransactionStatus
from node.chain.open import ChainSetup
from tests.pki_fixtures import KTK_BIN
from tests.registry_fixtures import Parties, envelope_transaction_id
from tests.unit.node.conftest import InProcessNode, make_node


def _state_root(in_process: InProcessNode) -> bytes:
    meta = in_process.store.load_meta()
    assert meta is not None
    return meta.state_root


def test_oversized_envelope_is_rejected_before_decoding(in_process: InProcessNode) -> None:
    limit = in_process.setup.genesis.limits.max_transaction_bytes
    state = in_process.node.submit(b"\xff" * (limit + 1), wait_for_commit=False)
    assert state.rejection is not None
    assert state.rejection.reason is RejectionReason.OVERSIZED_TRANSACTION
    assert len(in_process.mempool) == 0


def test_malformed_envelope_is_rejected(in_process: InProcessNode) -> None:
    before = _state_root(in_process)
    state = in_process.node.submit(b"\xff\xff garbage", wait_for_commit=False)
    assert state.status is TransactionStatus.REJECTED
    assert state.rejection is not None
    assert state.rejection.reason is RejectionReason.MALFORMED_ENVELOPE
    assert (state.transaction_id, len(in_process.mempool)) == ("", 0)
    assert _state_root(in_process) == before


def test_accepted_transaction_is_pending_then_committed(in_process: InProcessNode) -> None:
    envelope = in_process.property_import(1)
    accepted = in_process.node.submit(envelope, wait_for_commit=False)
    assert accepted.status is TransactionStatus.PENDING
    assert accepted.kind == "property_import"
    assert accepted.transaction_id == envelope_transaction_id(envelope)
    in_process.engine.seal_block()
    committed = in_process.node.transaction_state(accepted.transaction_id)
    assert (committed.status, committed.height) == (TransactionStatus.COMMITTED, 1)
    assert committed.envelope == envelope
    assert in_process.node.transaction_state("0" * 64).status is TransactionStatus.UNKNOWN


def test_resubmitting_a_pending_transaction_answers_pending(in_process: InProcessNode) -> None:
    """Issue 13: the same bytes again are the same transaction (a retry), not a replay."""
    envelope = in_process.property_import(2)
    first = in_process.node.submit(envelope, wait_for_commit=False)
    again = in_process.node.submit(envelope, wait_for_commit=False)
    assert (again.status, again.rejection) == (TransactionStatus.PENDING, None)
    assert again.transaction_id == first.transaction_id
    assert len(in_process.mempool) == 1
    in_process.engine.seal_block()
    assert in_process.node.transaction_state(first.transaction_id).height == 1


def test_resubmitting_a_committed_transaction_answers_committed_at_its_height(
    in_process: InProcessNode,
) -> None:
    envelope = in_process.property_import(3)
    in_process.node.submit(envelope, wait_for_commit=False)
    in_process.engine.seal_block()
    in_process.node.submit(in_process.property_import(4), wait_for_commit=False)
    in_process.engine.seal_block()  # the chain moved on: the answer names height 1, not 2
    for wait in (False, True):
        again = in_process.node.submit(envelope, wait_for_commit=wait)
        assert (again.status, again.height, again.rejection) == (
            TransactionStatus.COMMITTED,
            1,
            None,
        )
    batch = in_process.node.submit_batch([envelope, envelope], wait_for_commit=False)
    assert [(s.status, s.height) for s in batch] == [(TransactionStatus.COMMITTED, 1)] * 2
    assert len(in_process.mempool) == 0


def test_full_mempool_refuses_more(in_process: InProcessNode) -> None:
    for number in range(in_process.mempool.capacity):
        envelope = in_process.property_import(100 + number)
        assert in_process.node.submit(envelope, wait_for_commit=False).rejection is None
    refused = in_process.node.submit(in_process.property_import(999), wait_for_commit=False)
    assert refused.rejection is not None
    assert refused.rejection.reason is RejectionReason.MEMPOOL_FULL


def test_rejection_by_the_rules_changes_nothing(in_process: InProcessNode) -> None:
    before = _state_root(in_process)
    action = property_import(
        cadastral_number="21:318:023:1:1/45",
        address="Astana",
        kind="APARTMENT",
        area_square_metres="54.30",
        holder_bin=KTK_BIN,
    )
    envelope = in_process.builder.envelope(action, in_process.parties.recipient)  # not a registrar
    state = in_process.node.submit(envelope, wait_for_commit=False)
    assert state.rejection is not None
    assert state.rejection.reason is RejectionReason.NOT_REGISTRAR
    assert len(in_process.mempool) == 0
    assert _state_root(in_process) == before


def test_pending_transaction_invalidated_by_a_commit_is_dropped_with_its_reason(
    tmp_path: Path, setup: ChainSetup, parties: Parties
) -> None:
    # One transaction per block: the second import of the same property waits, then the first
    # one's block makes it invalid, and the re-check after the commit drops it.
    in_process = make_node(tmp_path / "data", setup, parties, max_transactions=1)
    try:
        first = in_process.property_import(3)
        second = in_process.property_import(3)
        assert in_process.node.submit(first, wait_for_commit=False).rejection is None
        assert in_process.node.submit(second, wait_for_commit=False).rejection is None
        in_process.engine.seal_block()
        assert len(in_process.mempool) == 0
        dropped = in_process.node.transaction_state(envelope_transaction_id(second))
        assert dropped.status is TransactionStatus.REJECTED
        assert dropped.rejection is not None
        assert dropped.rejection.reason is RejectionReason.PROPERTY_ALREADY_EXISTS
    finally:
        in_process.store.close()


def test_a_forwarded_batch_is_admitted_one_by_one_and_answered_in_order(
    in_process: InProcessNode,
) -> None:
    first, second = in_process.property_import(1), in_process.property_import(2)
    states = in_process.node.submit_batch([first, b"\xff garbage", second], wait_for_commit=False)
    assert [s.status for s in states] == [
        TransactionStatus.PENDING,
        TransactionStatus.REJECTED,
        TransactionStatus.PENDING,
    ]
    assert states[1].rejection is not None
    assert states[1].rejection.reason is RejectionReason.MALFORMED_ENVELOPE
    assert len(in_process.mempool) == 2
    in_process.engine.seal_block()
    third = in_process.property_import(3)
    answered: list[TransactionState] = []
    waiting = threading.Thread(
        target=lambda: answered.extend(in_process.node.submit_batch([third], wait_for_commit=True))
    )
    waiting.start()
    deadline = time.monotonic() + 10
    while len(in_process.mempool) == 0 and time.monotonic() < deadline:
        threading.Event().wait(0.01)
    in_process.engine.seal_block()  # the batch's answer waits for this block
    waiting.join(10)
    assert [(s.status, s.height) for s in answered] == [(TransactionStatus.COMMITTED, 2)]
