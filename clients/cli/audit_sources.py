"""Where ``tirkeu-audit verify`` reads a chain: a stopped node's data directory, or a running
node over gRPC with the auditor's mTLS certificate. Both implement ledger.audit.ChainSource;
the data directory also gives the node's own state and indexes (ledger.audit.StoredLedger).

The data directory is read through ledger/chain/store.py (the one module that opens LevelDB), from
one snapshot, with LevelDB's paranoid checks and every read checksummed: a database LevelDB
refuses to open is ``SourceCorrupt`` (the audit reports it as a defect), a damaged record read
later an ``UnreadableRecord`` at its place. LevelDB lets one process open a database, so the node
must be stopped; a running node is audited over gRPC instead.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tirkeu_pb import api_pb2 as api

from clients.client import ClientError, Closeable, ConnectionSettings, LedgerClient, NotFound
from ledger.audit import (
    SourceUnusable,
    StoredChainMeta,
    TransactionPlace,
    UnreadableRecord,
)
from ledger.audit.source import SourceCorrupt
from ledger.chain.store import Store, StoreUnavailable, StoreView
from ledger.chain.store_checks import StoreCorrupt
from ledger.state.records import CorruptRecord

LEDGER_SUBDIRECTORY = "ledger"  # node.chain.open.open_chain keeps the database here


def ledger_directory(data_dir: Path) -> Path:
    """The LevelDB directory: ``DATA_DIR/ledger`` of a node, or the database itself."""
    nested = data_dir / LEDGER_SUBDIRECTORY
    return nested if (nested / "CURRENT").is_file() else data_dir


class DataDirectorySource(Closeable):
    """A stopped node's database, read from one snapshot. Use as a context manager."""

    def __init__(self, data_dir: Path) -> None:
        directory = ledger_directory(data_dir)
        if not (directory / "CURRENT").is_file():
            # Checked first: opening a LevelDB path that holds none would create one.
            raise SourceUnusable(f"{data_dir} holds no node database (no {directory}/CURRENT)")
        try:
            self._store = Store(directory)
        except StoreCorrupt as error:
            raise SourceCorrupt(str(error)) from None
        except StoreUnavailable as error:
            raise SourceUnusable(f"{error} (a running node holds its database: stop it)") from None
        self._view: StoreView = self._store.view()
        self._description = f"data directory {data_dir}"
        self._meta = self._read_meta()

    def _read_meta(self) -> StoredChainMeta:
        try:
            meta = self._view.load_meta()
        except StoreCorrupt as error:
            self.close()
            raise SourceCorrupt(f"the chain metadata cannot be read: {error}") from None
        except CorruptRecord as error:
            self.close()
            raise SourceUnusable(f"the chain metadata does not decode: {error}") from None
        if meta is None:
            self.close()
            raise SourceUnusable(f"{self._description} holds no chain")
        return StoredChainMeta(
            chain_id=meta.chain_id,
            genesis_sha256=meta.genesis_sha256,
            genesis_time_unix_ms=meta.genesis_time_unix_ms,
            height=meta.height,
            block_hash=meta.block_hash,
            state_root=meta.state_root,
            time_unix_ms=meta.time_unix_ms,
        )

    def close(self) -> None:
        self._view.close()
        self._store.close()

    # -- ChainSource ------------------------------------------------------------------------------

    @property
    def description(self) -> str:
        return self._description

    def chain_id(self) -> str:
        return self._meta.chain_id

    def tip_height(self) -> int:
        return self._meta.height

    def block_bytes(self, height: int) -> bytes | None:
        with _readable():
            return self._view.load_block_bytes(height)

    def commit_bytes(self, height: int) -> bytes | None:
        with _readable():
            return self._view.load_commit_bytes(height)

    # -- StoredLedger -----------------------------------------------------------------------------

    def meta(self) -> StoredChainMeta:
        return self._meta

    def state_items(self) -> Iterator[tuple[bytes, bytes]]:
        with _readable():
            yield from self._view.state_items()

    def state_tree_node(self, node_hash: bytes) -> bytes | None:
        with _readable():
            return self._view.smt_nodes.get_node(node_hash)

    def transaction_place(self, transaction_id: str) -> TransactionPlace | None:
        with _readable():
            location = self._view.load_transaction_location(transaction_id)
        return None if location is None else TransactionPlace(location.height, location.index)

    def indexed_transaction_ids(self) -> Iterator[str]:
        with _readable():
            yield from self._view.transaction_ids()

    def height_of_block(self, block_hash: bytes) -> int | None:
        with _readable():
            return self._view.load_height_of_block(block_hash)

    def notifications(self, height: int) -> list[bytes]:
        with _readable():
            return [stored.encoded for stored in self._view.load_notifications(height, height)]

    def application_ids_by_party(self, identifier: str) -> list[str]:
        with _readable():
            return self._view.application_ids_by_party(identifier)

    def application_ids_by_status(self, status: str) -> list[str]:
        with _readable():
            return self._view.application_ids_by_status(status)

    def records(self) -> Iterator[tuple[bytes, bytes]]:
        with _readable():
            yield from self._view.records()


@contextmanager
def _readable() -> Iterator[None]:
    """A damaged record (LevelDB's checksum, bytes that do not decode) is UnreadableRecord: a
    defect at its place, not the end of the audit."""
    try:
        yield
    except (StoreCorrupt, CorruptRecord, struct.error) as error:
        raise UnreadableRecord(str(error)) from None


class NodeSource(Closeable):
    """A running node's blocks over gRPC (GetBlock per height; the caller must be allowed to
    read blocks: an auditor, a registrar or a node certificate)."""

    def __init__(self, settings: ConnectionSettings, *, timeout_seconds: float) -> None:
        self._client = LedgerClient.connect(settings, timeout_seconds=timeout_seconds)
        self._description = f"node {settings.target}"
        try:
            self._info = self._client.chain_info()
        except ClientError as error:
            self._client.close()
            raise SourceUnusable(f"{self._description}: {error}") from None
        self._last: tuple[int, api.GetBlockResponse | None] | None = None

    def close(self) -> None:
        self._client.close()

    @property
    def description(self) -> str:
        return self._description

    def chain_id(self) -> str:
        return self._info.chain_id

    def tip_height(self) -> int:
        return self._info.height  # blocks committed while auditing are left for the next audit

    def _response(self, height: int) -> api.GetBlockResponse | None:
        if self._last is None or self._last[0] != height:
            try:
                response: api.GetBlockResponse | None = self._client.block(height)
            except NotFound:
                response = None
            except ClientError as error:
                raise SourceUnusable(f"{self._description}: block {height}: {error}") from None
            self._last = (height, response)
        return self._last[1]

    def block_bytes(self, height: int) -> bytes | None:
        if height < 1:
            return None  # GetBlock reads 0 as "the latest"
        response = self._response(height)
        if response is None or not response.HasField("block"):
            return None
        return response.block.SerializeToString(deterministic=True)

    def commit_bytes(self, height: int) -> bytes | None:
        response = self._response(height) if height >= 1 else None
        if response is None or not response.HasField("commit"):
            return None
        return response.commit.SerializeToString(deterministic=True)
