"""Named stops: the failures a node reports under their own event and exit code, with the
operator's remedy, instead of a traceback under ``engine_failed`` (issue 13, ADR 0019).

Exit codes of ``tirkeu-node`` (docs/operations.md §4 and §7): 0 stopped cleanly; 1 the chain
cannot be resumed or the engine failed otherwise; 2 unusable configuration, genesis or keys;
3 the chain reached a rules version this node lacks (ADR 0012); 4 the data directory is
damaged (``store_corrupt``, ``chain_not_continuous``, ``signing_record_corrupt``,
``wal_entry_corrupt``); 5 the disk is full (``disk_full``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ledger.chain.store_checks import StoreCorrupt, StoreWriteFailed
from node.chain.open import ChainNotContinuous, StoreDamaged
from node.engine.signing_records import CorruptSigningRecord
from node.engine.wal import CorruptWalEntry

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_SETUP = 2
EXIT_RULES_UNSUPPORTED = 3
EXIT_DATA_DAMAGED = 4
EXIT_DISK_FULL = 5

_AUDIT = "locate it with `tirkeu-audit verify --genesis genesis.json --data-dir DATA_DIR`"
_RESYNC = f"the database is damaged: {_AUDIT}, then restore a verified backup or resync from peers"


@dataclass(frozen=True, slots=True)
class NamedFailure:
    event: str
    exit_code: int
    remedy: str


DISK_FULL = NamedFailure(
    "disk_full",
    EXIT_DISK_FULL,
    "the block in progress was not written; free space on the data directory's filesystem "
    "(or raise its quota) and start the node again: it resumes from its last committed block",
)
STORE_CORRUPT = NamedFailure("store_corrupt", EXIT_DATA_DAMAGED, _RESYNC)
CHAIN_NOT_CONTINUOUS = NamedFailure("chain_not_continuous", EXIT_DATA_DAMAGED, _RESYNC)
SIGNING_RECORD_CORRUPT = NamedFailure(
    "signing_record_corrupt",
    EXIT_DATA_DAMAGED,
    "the double-sign guard cannot read what this validator signed, so it signs nothing: "
    f"{_AUDIT}; keep the validator stopped until the network has committed past the last "
    "height it may have signed, then restore this node's own latest backup (docs/operations.md "
    "§9); never delete the records to get it running",
)
WAL_ENTRY_CORRUPT = NamedFailure(
    "wal_entry_corrupt", EXIT_DATA_DAMAGED, f"a consensus log entry does not decode: {_RESYNC}"
)


def named_failure(error: BaseException) -> NamedFailure | None:
    """The named failure ``error`` is, or was caused by; None for any other failure."""
    for cause in _causes(error):
        if isinstance(cause, StoreWriteFailed) and cause.disk_full:
            return DISK_FULL
        if isinstance(cause, StoreCorrupt | StoreDamaged):
            return STORE_CORRUPT
        if isinstance(cause, ChainNotContinuous):
            return CHAIN_NOT_CONTINUOUS
        if isinstance(cause, CorruptSigningRecord):
            return SIGNING_RECORD_CORRUPT
        if isinstance(cause, CorruptWalEntry):
            return WAL_ENTRY_CORRUPT
    return None


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
