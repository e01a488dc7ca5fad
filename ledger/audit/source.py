"""Where the audited chain comes from: one interface for a stopped node's data directory and a
running node over gRPC (clients/cli/audit_sources.py implements both).

``ChainSource`` gives what every node serves: blocks and the commit certificates that commit
them, as bytes exactly as stored or sent. ``StoredLedger`` is what only the data directory
holds: the state records, the state tree, the indexes and the chain metadata, which the auditor
compares with its own replay. Nothing here is trusted: every byte is checked against the
genesis file (ledger/audit/anchor.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol


class SourceUnusable(Exception):
    """The source cannot be read at all (no chain there, unreachable node, locked database)."""


class SourceCorrupt(SourceUnusable):
    """LevelDB refuses to open the database: a checksum fails in its log or tables. A defect of
    the data directory as a whole (``STORE_CORRUPT``), not an input error."""


class UnreadableRecord(Exception):
    """One stored item exists but cannot be read back (its bytes do not decode): a defect at
    that place, not a reason to give up on the source."""


class ChainSource(Protocol):
    @property
    def description(self) -> str:
        """Where the chain was read from, for the report: "data directory /x", "node h:p"."""
        ...

    def chain_id(self) -> str:
        """The chain the source says it holds."""
        ...

    def tip_height(self) -> int:
        """The latest height the source says it holds (0: genesis only)."""
        ...

    def block_bytes(self, height: int) -> bytes | None:
        """The serialized Block stored at ``height``, or None when there is none."""
        ...

    def commit_bytes(self, height: int) -> bytes | None:
        """The serialized CommitCertificate stored for the block at ``height``, or None.
        May raise UnreadableRecord (as may every read of ``StoredLedger``)."""
        ...


@dataclass(frozen=True, slots=True)
class StoredChainMeta:
    """The node's record of where its chain stands (ledger/chain/store.py ChainMeta)."""

    chain_id: str
    genesis_sha256: bytes
    genesis_time_unix_ms: int
    height: int
    block_hash: bytes
    state_root: bytes
    time_unix_ms: int


@dataclass(frozen=True, slots=True)
class TransactionPlace:
    height: int
    index: int


class StoredLedger(Protocol):
    def meta(self) -> StoredChainMeta | None: ...

    def state_items(self) -> Iterator[tuple[bytes, bytes]]:
        """Every stored state record, in key order."""
        ...

    def state_tree_node(self, node_hash: bytes) -> bytes | None: ...

    def transaction_place(self, transaction_id: str) -> TransactionPlace | None: ...

    def indexed_transaction_ids(self) -> Iterable[str] | None:
        """Every transaction id in the transaction index, or None when the store cannot list
        them (then only the index entries of the blocks' transactions are checked)."""
        ...

    def height_of_block(self, block_hash: bytes) -> int | None: ...

    def notifications(self, height: int) -> list[bytes]:
        """The stored notifications of the block at ``height``, in index order."""
        ...

    def application_ids_by_party(self, identifier: str) -> list[str]: ...

    def application_ids_by_status(self, status: str) -> list[str]: ...

    def records(self) -> Iterator[tuple[bytes, bytes]]:
        """Every key and value of the database in key order; UnreadableRecord where LevelDB
        finds damage (ledger/audit/records.py reads them all)."""
        ...
