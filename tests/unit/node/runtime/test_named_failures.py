"""Which failures stop the node under their own event and exit code (node/runtime/failures.py,
ADR 0019), also when the store's error arrives wrapped in another exception."""

from __future__ import annotations

import pytest

from ledger.chain.store_checks import StoreCorrupt, StoreWriteFailed
from node.chain.open import ChainNotContinuous, StoreDamaged
from node.engine.signing_records import CorruptSigningRecord
from node.engine.wal import CorruptWalEntry
from node.runtime.failures import (
    EXIT_DATA_DAMAGED,
    EXIT_DISK_FULL,
    named_failure,
)


def _wrapped(error: Exception) -> Exception:
    try:
        try:
            raise error
        except Exception as inner:
            raise RuntimeError("the commit path failed") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    ("error", "event", "exit_code"),
    [
        (StoreWriteFailed("IO error: 000006.log: No space left on device"), "disk_full", 5),
        (StoreWriteFailed("IO error: 000006.log: File too large"), "disk_full", 5),
        (StoreWriteFailed("IO error: 000006.log: Disk quota exceeded"), "disk_full", 5),
        (StoreCorrupt("Corruption: block checksum mismatch"), "store_corrupt", 4),
        (StoreDamaged("LevelDB reports damage"), "store_corrupt", 4),
        (ChainNotContinuous("block 4 is missing"), "chain_not_continuous", 4),
        (CorruptSigningRecord("a signing record does not decode"), "signing_record_corrupt", 4),
        (CorruptWalEntry("a logged message does not decode"), "wal_entry_corrupt", 4),
    ],
)
def test_each_named_failure_has_its_event_and_exit_code(
    error: Exception, event: str, exit_code: int
) -> None:
    for raised in (error, _wrapped(error)):
        failure = named_failure(raised)
        assert failure is not None
        assert (failure.event, failure.exit_code) == (event, exit_code)
        assert failure.remedy
    assert (EXIT_DATA_DAMAGED, EXIT_DISK_FULL) == (4, 5)


def test_a_write_error_that_is_not_a_full_disk_stays_an_engine_failure() -> None:
    assert named_failure(StoreWriteFailed("IO error: 000006.log: Input/output error")) is None
    assert named_failure(RuntimeError("a broken invariant")) is None
