"""The node's database: blocks, commits, state, state-tree nodes and indexes in LevelDB.

DESIGN.md §5. This module and its helpers store_checks.py and store_indexes.py alone import
plyvel. Everything a committed block changes goes to disk in ONE synced write batch
(``commit_block``): the block, its commit certificate, the state records it wrote, the new
sparse-Merkle-tree nodes, the transaction index, its notifications, the application indexes and
the chain metadata. A crash therefore leaves the block either fully applied or absent, never
half.

Key layout (ASCII prefixes, disjoint; heights and indexes big-endian so byte order is numeric):
    meta/chain                              ChainMeta (latest height, hash, state root, ...)
    block/<u64 height>                      serialized Block
    block-hash/<32-byte hash>               <u64 height>
    commit/<u64 height>                     serialized CommitCertificate committing that block
    tx/<hex transaction id>                 TransactionLocation (height, index in block)
    rejected/<hex transaction id>           Rejection recorded by this node (not consensus state)
    state/<state key>                       state record (ledger/state/access.py keys, records.py
    values)
    smt/<32-byte node hash>                 sparse Merkle tree node (ledger/merkle/smt.py)
    notification/<u64 height><u32 index>    serialized Notification
    index/party/<IIN or BIN>/<application>  empty: applications by party (ledger/state/records.py)
    index/status/<STATUS>/<application>     empty: applications by status
    signed/<u64 height><u32 round><u8 step> what this validator signed there (node/signing_records)
    signed-last                             the latest of those (the double-sign guard's input)
    wal/<u64 height><u64 sequence>          consensus message logged at that height (consensus_wal)
    meta/first-height                       <u64>: the lowest height whose block is held (1, or a
                                            snapshot's height); absent in stores made before it

Damaged disks (ledger/chain/store_checks.py, ADR 0019): LevelDB opens with paranoid checks,
every read verifies checksums, corruption is ``StoreCorrupt`` and a failed write
``StoreWriteFailed`` (``disk_full`` when out of space).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import plyvel

from consensus.types import Height
from ledger.chain.blocks import Block, ChainTip, CommitCertificate
from ledger.chain.store_checks import (
    CheckedSource,
    StoreCorrupt,
    StoreInvariantError,
    StoreUnavailable,
    count_blocks,
    first_missing_height,
    lowest_block_at_or_above,
    open_database,
    write_errors_named,
)
from ledger.chain.store_indexes import reindex_application
from ledger.chain.store_keys import (
    BLOCK_HASH_PREFIX,
    BLOCK_PREFIX,
    COMMIT_PREFIX,
    FIRST_HEIGHT_KEY,
    META_KEY,
    NOTIFICATION_PREFIX,
    PARTY_INDEX_PREFIX,
    REJECTION_PREFIX,
    SIGNED_LAST_KEY,
    SIGNED_PREFIX,
    SMT_PREFIX,
    STATE_PREFIX,
    STATUS_INDEX_PREFIX,
    TRANSACTION_PREFIX,
    WAL_PREFIX,
)
from ledger.rejections import Rejection
from ledger.state.access import APPLICATION_PREFIX
from ledger.state.records import load_record, save_record

WAL_END = b"wal0"  # the first key after every wal/ key
# Re-exported: callers name the store's errors through this module.
__all__ = ["StoreCorrupt", "StoreInvariantError", "StoreUnavailable"]


@dataclass(frozen=True, slots=True)
class ChainMeta:
    """Where the stored chain stands. Height 0 is the genesis state, before any block."""

    chain_id: str
    genesis_sha256: bytes  # of the genesis file, so a node never resumes on another genesis
    genesis_time_unix_ms: int
    height: int
    block_hash: bytes  # 32 zero bytes at height 0
    state_root: bytes
    time_unix_ms: int  # block time of the latest block (genesis time at height 0)

    def tip(self) -> ChainTip:
        """What the next block links to."""
        return ChainTip(self.chain_id, Height(self.height), self.block_hash, self.time_unix_ms)


@dataclass(frozen=True, slots=True)
class TransactionLocation:
    height: int
    index: int


@dataclass(frozen=True, slots=True)
class StoredNotification:
    height: int
    index: int
    encoded: bytes


@dataclass(frozen=True, slots=True)
class BlockCommit:
    """Everything one committed block writes; ``commit_block`` stores it atomically."""

    block: Block
    certificate: CommitCertificate  # commits ``block`` (the next block carries it too)
    state_writes: Mapping[bytes, bytes | None]  # state key -> record, None = deleted
    smt_nodes: Mapping[bytes, bytes]  # new tree nodes reaching block.header.state_root
    transaction_ids: tuple[str, ...]  # hex, in block order
    notifications: tuple[bytes, ...] = ()
    # Transactions this node dropped while building the block (GetTransaction says REJECTED).
    rejections: Mapping[str, Rejection] = field(default_factory=lambda: MappingProxyType({}))


class _Getter(Protocol):
    def get(self, key: bytes) -> bytes | None: ...

    # plyvel yields (key, value) pairs, or bare keys with include_value=False.
    def iterator(self, **options: object) -> Iterator[Any]: ...


def _height_bytes(height: int) -> bytes:
    return struct.pack(">Q", height)


class StoreReader:
    """Typed reads over the database or over one consistent snapshot of it (``Store.view``)."""

    def __init__(self, source: _Getter) -> None:
        checked = CheckedSource(source)  # checksummed reads; damage raises StoreCorrupt
        self._source: _Getter = checked
        self.state = _StateRecords(checked)
        self.smt_nodes = _SmtNodes(checked)

    def load_first_height(self) -> int | None:
        """The lowest height whose block this store holds by design (None: not recorded)."""
        data = self._source.get(FIRST_HEIGHT_KEY)
        return None if data is None else int(struct.unpack(">Q", data)[0])

    def lowest_block_height(self, at_or_above: int = 0) -> int | None:
        """The lowest height >= ``at_or_above`` with a stored block (one seek)."""
        return lowest_block_at_or_above(self._source, at_or_above)

    def count_blocks(self, first: int, last: int) -> int:
        """How many of first..last have a block, from the keys alone (start-up's hole check)."""
        return count_blocks(self._source, first, last)

    def first_missing_height(self, first: int, last: int) -> int | None:
        return first_missing_height(self._source, first, last)

    def records(self) -> Iterator[tuple[bytes, bytes]]:
        """Every key and value in the database, in key order (the auditor reads them all)."""
        yield from self._source.iterator()

    def load_meta(self) -> ChainMeta | None:
        data = self._source.get(META_KEY)
        return None if data is None else load_record(ChainMeta, data)

    def load_block(self, height: int) -> Block | None:
        data = self._source.get(BLOCK_PREFIX + _height_bytes(height))
        return None if data is None else Block.decode(data)

    def load_block_bytes(self, height: int) -> bytes | None:
        return self._source.get(BLOCK_PREFIX + _height_bytes(height))

    def load_height_of_block(self, block_hash: bytes) -> int | None:
        data = self._source.get(BLOCK_HASH_PREFIX + block_hash)
        return None if data is None else int(struct.unpack(">Q", data)[0])

    def load_commit(self, height: int) -> CommitCertificate | None:
        data = self._source.get(COMMIT_PREFIX + _height_bytes(height))
        return None if data is None else CommitCertificate.decode(data)

    def load_commit_bytes(self, height: int) -> bytes | None:
        """The stored certificate exactly as written (auditors judge bytes that may not decode)."""
        return self._source.get(COMMIT_PREFIX + _height_bytes(height))

    def transaction_ids(self) -> Iterator[str]:
        """Every id in the committed-transaction index, in key order (for audits)."""
        keys: Iterator[bytes] = self._source.iterator(
            prefix=TRANSACTION_PREFIX, include_value=False
        )
        for key in keys:
            yield key[len(TRANSACTION_PREFIX) :].decode(errors="replace")

    def load_transaction_location(self, transaction_id: str) -> TransactionLocation | None:
        data = self._source.get(TRANSACTION_PREFIX + transaction_id.encode())
        return None if data is None else load_record(TransactionLocation, data)

    def load_rejection(self, transaction_id: str) -> Rejection | None:
        data = self._source.get(REJECTION_PREFIX + transaction_id.encode())
        return None if data is None else load_record(Rejection, data)

    def load_notifications(self, from_height: int, to_height: int) -> list[StoredNotification]:
        """Notifications of blocks from_height..to_height inclusive, in (height, index) order."""
        start = NOTIFICATION_PREFIX + _height_bytes(from_height)
        stop = NOTIFICATION_PREFIX + _height_bytes(to_height + 1)
        found = []
        for key, value in self._source.iterator(start=start, stop=stop):
            height, index = struct.unpack(">QI", key[len(NOTIFICATION_PREFIX) :])
            found.append(StoredNotification(height, index, value))
        return found

    def application_ids_by_party(self, identifier: str) -> list[str]:
        return self._index_members(PARTY_INDEX_PREFIX + identifier.encode() + b"/")

    def application_ids_by_status(self, status: str) -> list[str]:
        return self._index_members(STATUS_INDEX_PREFIX + status.encode() + b"/")

    def application_ids(self) -> list[str]:
        return self._index_members(STATE_PREFIX + APPLICATION_PREFIX)

    def _index_members(self, prefix: bytes) -> list[str]:
        keys: Iterator[bytes] = self._source.iterator(prefix=prefix, include_value=False)
        return [key[len(prefix) :].decode() for key in keys]

    def load_last_signing_record(self) -> bytes | None:
        return self._source.get(SIGNED_LAST_KEY)

    def signing_records(self, from_height: int = 0) -> Iterator[bytes]:
        """Every signing record from ``from_height`` on, in (height, round, step) order."""
        start = SIGNED_PREFIX + struct.pack(">Q", from_height)
        for key, value in self._source.iterator(start=start):
            if not key.startswith(SIGNED_PREFIX):
                return
            yield value

    def wal_entries(self, from_height: int) -> Iterator[tuple[int, int, bytes]]:
        """The consensus write-ahead log from ``from_height`` on, in (height, sequence) order."""
        start = WAL_PREFIX + _height_bytes(from_height)
        for key, value in self._source.iterator(start=start, stop=WAL_END):
            height, sequence = struct.unpack(">QQ", key[len(WAL_PREFIX) :])
            yield height, sequence, value

    def state_items(self) -> Iterator[tuple[bytes, bytes]]:
        """Every state record in key order (for audits and full-state root checks)."""
        for key, value in self._source.iterator(prefix=STATE_PREFIX):
            yield key[len(STATE_PREFIX) :], value


class _StateRecords:
    """A ledger.state.access.StateReader over the stored records."""

    __slots__ = ("_source",)

    def __init__(self, source: _Getter) -> None:
        self._source = source

    def get(self, key: bytes) -> bytes | None:
        return self._source.get(STATE_PREFIX + key)


class _SmtNodes:
    """A ledger.merkle.smt.SmtNodeReader over the stored tree nodes."""

    __slots__ = ("_source",)

    def __init__(self, source: _Getter) -> None:
        self._source = source

    def get_node(self, node_hash: bytes) -> bytes | None:
        return self._source.get(SMT_PREFIX + node_hash)


class StoreView(StoreReader):
    """Reads from one LevelDB snapshot: a block committed meanwhile is either wholly visible or
    not at all. Use as a context manager, or call ``close``."""

    def __init__(self, snapshot: plyvel.Snapshot) -> None:
        super().__init__(snapshot)
        self._snapshot = snapshot

    def close(self) -> None:
        self._snapshot.close()

    def __enter__(self) -> StoreView:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Store(StoreReader):
    """The LevelDB database of one node. Reads are thread-safe; writes must come from one
    thread at a time (the node's commit path)."""

    def __init__(self, path: Path) -> None:
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._db = open_database(str(path))
        except StoreCorrupt:
            raise
        except (OSError, plyvel.Error) as error:
            # LevelDB allows one process per database: a running node holds its lock.
            raise StoreUnavailable(f"cannot open the database at {path}: {error}") from error
        super().__init__(self._db)
        self.path = path

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def view(self) -> StoreView:
        return StoreView(self._db.snapshot())

    @write_errors_named
    def commit_genesis(
        self,
        meta: ChainMeta,
        state_writes: Mapping[bytes, bytes],
        smt_nodes: Mapping[bytes, bytes],
    ) -> None:
        """The genesis state (height 0), in one synced batch, into an empty database."""
        if self.load_meta() is not None:
            raise StoreInvariantError(f"{self.path} already holds a chain")
        if meta.height != 0:
            raise StoreInvariantError("the genesis state is height 0")
        with self._db.write_batch(sync=True, transaction=True) as batch:
            for key, value in state_writes.items():
                batch.put(STATE_PREFIX + key, value)
            for node_hash, node in smt_nodes.items():
                batch.put(SMT_PREFIX + node_hash, node)
            batch.put(FIRST_HEIGHT_KEY, _height_bytes(1))
            batch.put(META_KEY, save_record(meta))

    @write_errors_named
    def commit_snapshot(
        self, meta: ChainMeta, records: Mapping[bytes, bytes], smt_nodes: Mapping[bytes, bytes],
        block: Block, certificate: CommitCertificate,
    ) -> None:  # fmt: skip
        """A verified state snapshot (ADR 0013) at ``meta.height`` into an empty database, in
        one synced batch: state, tree, application indexes, and that height's block and
        certificate. Blocks below it are not held (they are served by the nodes that have them)."""
        if self.load_meta() is not None:
            raise StoreInvariantError(f"{self.path} already holds a chain")
        height = _height_bytes(meta.height)
        with self._db.write_batch(sync=True, transaction=True) as batch:
            batch.put(BLOCK_PREFIX + height, block.encode())
            batch.put(BLOCK_HASH_PREFIX + block.block_hash, height)
            batch.put(COMMIT_PREFIX + height, certificate.encode())
            self._write_state(batch, dict(records))
            for node_hash, node in smt_nodes.items():
                batch.put(SMT_PREFIX + node_hash, node)
            batch.put(FIRST_HEIGHT_KEY, height)  # blocks below are not held, by design
            batch.put(META_KEY, save_record(meta))

    @write_errors_named
    def commit_block(self, commit: BlockCommit) -> ChainMeta:
        """Append one committed block and everything it changes, atomically and synced."""
        meta = self.load_meta()
        header = commit.block.header
        if meta is None:
            raise StoreInvariantError("no genesis state: commit_genesis first")
        if header.height != meta.height + 1 or header.previous_block_hash != meta.block_hash:
            raise StoreInvariantError(
                f"block {header.height} does not follow stored height {meta.height}"
            )
        if commit.certificate.height != header.height or (
            commit.certificate.block_hash != header.block_hash
        ):
            raise StoreInvariantError(f"the certificate is not for block {header.height}")
        if len(commit.transaction_ids) != len(commit.block.transactions):
            raise StoreInvariantError("one transaction id per transaction of the block")
        new_meta = ChainMeta(
            chain_id=meta.chain_id,
            genesis_sha256=meta.genesis_sha256,
            genesis_time_unix_ms=meta.genesis_time_unix_ms,
            height=header.height,
            block_hash=header.block_hash,
            state_root=header.state_root,
            time_unix_ms=header.time_unix_ms,
        )
        height = _height_bytes(header.height)
        with self._db.write_batch(sync=True, transaction=True) as batch:
            batch.put(BLOCK_PREFIX + height, commit.block.encode())
            batch.put(BLOCK_HASH_PREFIX + header.block_hash, height)
            batch.put(COMMIT_PREFIX + height, commit.certificate.encode())
            for index, transaction_id in enumerate(commit.transaction_ids):
                location = TransactionLocation(header.height, index)
                batch.put(TRANSACTION_PREFIX + transaction_id.encode(), save_record(location))
                batch.delete(REJECTION_PREFIX + transaction_id.encode())
            for transaction_id, rejection in commit.rejections.items():
                batch.put(REJECTION_PREFIX + transaction_id.encode(), save_record(rejection))
            for index, notification in enumerate(commit.notifications):
                key = NOTIFICATION_PREFIX + height + struct.pack(">I", index)
                batch.put(key, notification)
            self._write_state(batch, commit.state_writes)
            for node_hash, node in commit.smt_nodes.items():
                batch.put(SMT_PREFIX + node_hash, node)
            batch.put(META_KEY, save_record(new_meta))
        return new_meta

    def _write_state(self, batch: plyvel.WriteBatch, writes: Mapping[bytes, bytes | None]) -> None:
        for key, value in writes.items():
            if key.startswith(APPLICATION_PREFIX):
                # The database still holds the record as it was before this block.
                reindex_application(batch, self.state.get(key), value)
            if value is None:
                batch.delete(STATE_PREFIX + key)
            else:
                batch.put(STATE_PREFIX + key, value)

    @write_errors_named
    def save_signing_record(self, position: tuple[int, int, int], encoded: bytes) -> None:
        """Durably record what this validator is about to sign (synced before it leaves the
        process: the double-sign guard reads it back after a crash)."""
        height, round_number, step = position
        key = SIGNED_PREFIX + struct.pack(">QIB", height, round_number, step)
        with self._db.write_batch(sync=True, transaction=True) as batch:
            batch.put(key, encoded)
            batch.put(SIGNED_LAST_KEY, encoded)

    @write_errors_named
    def save_wal_entry(self, height: int, sequence: int, message: bytes, *, sync: bool) -> None:
        """Append one consensus message to the write-ahead log (node/engine/wal.py)."""
        self._db.put(WAL_PREFIX + struct.pack(">QQ", height, sequence), message, sync=sync)

    @write_errors_named
    def prune_wal_below(self, height: int) -> None:
        """Drop the write-ahead log of heights below ``height`` (decided: never replayed)."""
        stop = WAL_PREFIX + _height_bytes(height)
        with self._db.write_batch() as batch:
            for key in self._source.iterator(start=WAL_PREFIX, stop=stop, include_value=False):
                batch.delete(key)

    @write_errors_named
    def save_rejection(self, transaction_id: str, rejection: Rejection) -> None:
        """Record that this node refused a pending transaction (not consensus state)."""
        if self.load_transaction_location(transaction_id) is not None:
            raise StoreInvariantError(f"{transaction_id} is committed; it cannot be rejected")
        self._db.put(REJECTION_PREFIX + transaction_id.encode(), save_record(rejection), sync=True)
