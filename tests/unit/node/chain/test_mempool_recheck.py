"""The mempool recheck after a block (node/chain/ledger_node.py ``_recheck_pending``, issue 11):
only the pending transactions whose last check read a key the block wrote are checked again,
the others keep their verdict; a transaction the block invalidated is still dropped with its
reason, and what was left pending still commits."""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from structlog.testing import capture_logs

from ledger.rejections import RejectionReason
from node.chain.ledger_node import FULL_RECHECK_INTERVAL_MS, TransactionStatus
from node.chain.open import ChainSetup
from tests.registry_fixtures import Parties, envelope_transaction_id
from tests.unit.node.conftest import InProcessNode, make_node


def _seal_and_log(in_process: InProcessNode) -> MutableMapping[str, Any]:
    """Seal one block; its ``block_sealed`` event."""
    with capture_logs() as events:
        in_process.engine.seal_block()
    (sealed,) = [e for e in events if e["event"] == "block_sealed"]
    return sealed


def test_a_block_rechecks_only_the_pending_transactions_whose_reads_it_wrote(
    tmp_path: Path, setup: ChainSetup, parties: Parties
) -> None:
    in_process = make_node(tmp_path / "data", setup, parties, max_transactions=1)
    try:
        # A first block: the first recheck of a node checks everything (no earlier context).
        assert in_process.node.submit(in_process.property_import(1), wait_for_commit=False)
        _seal_and_log(in_process)
        first = in_process.property_import(3)
        twin = in_process.property_import(3)  # the same property: the first one's block ends it
        others = [in_process.property_import(4), in_process.property_import(5)]
        for envelope in (first, twin, *others):
            assert in_process.node.submit(envelope, wait_for_commit=False).rejection is None

        sealed = _seal_and_log(in_process)

        # Only the twin read the property the block wrote: one check, one drop; the two
        # imports of other properties kept their verdict unchecked.
        assert (sealed["transaction_count"], sealed["rechecked"], sealed["dropped"]) == (1, 1, 1)
        assert sealed["pending"] == 2
        dropped = in_process.node.transaction_state(envelope_transaction_id(twin))
        assert dropped.status is TransactionStatus.REJECTED
        assert dropped.rejection is not None
        assert dropped.rejection.reason is RejectionReason.PROPERTY_ALREADY_EXISTS
        # Kept unchecked, they are still checked against each later block and commit.
        for envelope in others:
            _seal_and_log(in_process)
            state = in_process.node.transaction_state(envelope_transaction_id(envelope))
            assert state.status is TransactionStatus.COMMITTED
        assert len(in_process.mempool) == 0
    finally:
        in_process.store.close()


def test_every_pending_transaction_is_rechecked_once_block_time_has_moved_on(
    tmp_path: Path, setup: ChainSetup, parties: Parties
) -> None:
    # Time is an input of a check (deadlines, certificate expiry) that no block writes: after
    # FULL_RECHECK_INTERVAL_MS of block time, everything pending is checked again.
    in_process = make_node(tmp_path / "data", setup, parties, max_transactions=1)
    try:
        assert in_process.node.submit(in_process.property_import(1), wait_for_commit=False)
        _seal_and_log(in_process)
        for number in (3, 4, 5):
            in_process.node.submit(in_process.property_import(number), wait_for_commit=False)
        assert _seal_and_log(in_process)["rechecked"] == 0
        clock = in_process.engine._clock_ms  # the test's ManualClock
        clock.now_ms += FULL_RECHECK_INTERVAL_MS  # type: ignore[attr-defined]
        sealed = _seal_and_log(in_process)
        assert (sealed["rechecked"], sealed["pending"]) == (1, 1)
    finally:
        in_process.store.close()
