"""Block sync: a lagging, restarted or observing node fetches certified blocks from its peers.

``BlockSync`` (its own thread) asks every peer for its height every ``sync_interval_ms`` (or at
once when woken, e.g. when votes of a later height arrive); when a peer is ahead it fetches the
missing blocks with their commit certificates and hands them to the engine's queue. Blocks are
verified and applied on the engine thread only (``apply_certified_block``): the store has one
writer. Every certificate is verified against the genesis validator set before the block is
executed (n signatures, so a forged block never costs the execution of its transactions), and
a refused block is logged as ``block_refused`` with the fault. A peer's reply is cut to the
number of blocks asked for (review finding #9); a peer is not asked again for the same blocks
within ``REFETCH_SECONDS`` (node/peers/client.py), so one delivery is not queued again and again
while the engine applies it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import grpc
from structlog.typing import FilteringBoundLogger
from tirkeu_pb import peer_pb2

from ledger.chain.blocks import (
    Block,
    CommitCertificate,
    InvalidBlock,
    InvalidCommitCertificate,
    verify_commit_certificate,
)
from ledger.chain.store import Store
from ledger.governance.schedule import validators_at
from ledger.rejections import Rejection
from node.chain.commit import (
    BlockFault,
    BlockRejected,
    CommittedBlock,
    execute_block,
    persist_block,
)
from node.chain.open import ChainSetup
from node.operations.metrics import NodeMetrics
from node.peers.client import PeerClients

FETCH_BATCH = 20
# A node that has reached no validator for this long says so (``no_validator_reachable``), and
# again every as long while it lasts: an observer that cannot follow must not be silent.
UNREACHABLE_WARNING_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class CertifiedBlock:
    block: Block
    certificate: CommitCertificate


def decode_certified(message: peer_pb2.CertifiedBlock) -> CertifiedBlock:
    """Raises BlockRejected(INVALID_BLOCK / INVALID_COMMIT) for bytes that do not decode."""
    try:
        block = Block.decode(message.block)
    except InvalidBlock as error:
        raise BlockRejected(BlockFault.INVALID_BLOCK, str(error)) from error
    try:
        certificate = CommitCertificate.decode(message.certificate)
    except InvalidCommitCertificate as error:
        raise BlockRejected(BlockFault.INVALID_COMMIT, str(error)) from error
    return CertifiedBlock(block, certificate)


def certified_blocks(store: Store, from_height: int, count: int) -> list[peer_pb2.CertifiedBlock]:
    """Stored blocks from ``from_height`` with the certificates this node stored for them."""
    found = []
    with store.view() as view:
        for height in range(from_height, from_height + count):
            block = view.load_block_bytes(height)
            certificate = view.load_commit(height)
            if block is None or certificate is None:
                break
            found.append(peer_pb2.CertifiedBlock(block=block, certificate=certificate.encode()))
    return found


def apply_certified_block(
    store: Store,
    setup: ChainSetup,
    message: peer_pb2.CertifiedBlock,
    *,
    log: FilteringBoundLogger,
    metrics: NodeMetrics,
    source: str,
) -> CommittedBlock | None:
    """Verify, execute and persist the next block; None when it is not the next one or refused."""
    meta = store.load_meta()
    if meta is None:
        raise RuntimeError("the store holds no chain")
    try:
        certified = decode_certified(message)
        if certified.block.height != meta.height + 1:
            return None  # already have it, or a gap: block sync fetches in order
        _verify_certificate(store, setup, certified)  # cheap first: n signatures, no execution
        executed = execute_block(store, setup, certified.block)
        return persist_block(store, setup, executed, certified.certificate, _no_rejections())
    except BlockRejected as error:
        metrics.blocks_refused.labels(fault=error.fault.name).inc()
        log.warning(
            "block_refused",
            height=meta.height + 1,
            source=source,
            fault=error.fault.name,
            detail=error.detail,
        )
        return None


def apply_certified_blocks(
    store: Store,
    setup: ChainSetup,
    blocks: Sequence[peer_pb2.CertifiedBlock],
    *,
    source: str,
    log: FilteringBoundLogger,
    metrics: NodeMetrics,
    on_committed: Callable[[CommittedBlock], None],
) -> int:
    """Apply those of ``blocks`` that are next in turn (each verified); how many were applied."""
    applied = 0
    for message in blocks:
        committed = apply_certified_block(
            store, setup, message, log=log, metrics=metrics, source=source
        )
        if committed is None:
            continue
        applied += 1
        log.info("block_synced", height=committed.meta.height, source=source)
        on_committed(committed)
    return applied


def _verify_certificate(store: Store, setup: ChainSetup, certified: CertifiedBlock) -> None:
    # The set in force at the block's height, from the state it follows (ADR 0011): a set
    # change committed at H certifies from H + 2, and the store's state already says so.
    try:
        verify_commit_certificate(
            certified.certificate,
            chain_id=setup.chain_id,
            validators=validators_at(store.state, certified.block.height),
            height=certified.block.height,
            block_hash=certified.block.block_hash,
        )
    except InvalidCommitCertificate as error:
        raise BlockRejected(BlockFault.INVALID_COMMIT, str(error)) from error


def _no_rejections() -> dict[str, Rejection]:
    return {}


class BlockSync:
    """Polls peers and feeds blocks they have and this node lacks to ``deliver``."""

    def __init__(
        self,
        *,
        peers: PeerClients,
        local_height: Callable[[], int],
        deliver: Callable[[str, list[peer_pb2.CertifiedBlock]], None],
        interval_ms: int,
        log: FilteringBoundLogger,
    ) -> None:
        self._peers = peers
        self._local_height = local_height
        self._deliver = deliver
        self._interval = interval_ms / 1000
        self._log = log
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="block-sync", daemon=True)
        self._unreachable_since = time.monotonic()  # until a validator first answers
        self._warned_at: float | None = None

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.sync_once()
            except Exception:  # a peer's failure must not end syncing with the others
                self._log.exception("block_sync_failed")

    def sync_once(self) -> None:
        try:
            self._fetch_once()
        finally:
            self._note_reachability()

    def _note_reachability(self) -> None:
        """Warn (``no_validator_reachable``) while no validator has answered for
        UNREACHABLE_WARNING_SECONDS, once per that period."""
        now = time.monotonic()
        if any(c.reachable for c in self._peers.validators) or not self._peers.validators:
            self._unreachable_since = now
            self._warned_at = None
            return
        silent = now - self._unreachable_since
        due = self._warned_at is None or now - self._warned_at >= UNREACHABLE_WARNING_SECONDS
        if silent >= UNREACHABLE_WARNING_SECONDS and due:
            self._warned_at = now
            self._log.warning(
                "no_validator_reachable",
                seconds=round(silent, 1),
                validators=[c.peer.node_id for c in self._peers.validators],
                local_height=self._local_height(),
            )

    def _fetch_once(self) -> None:
        for connection in self._peers.connections:
            try:
                status = connection.status()
            except grpc.RpcError:
                connection.reachable = False
                continue
            local = self._local_height()
            if status.height <= local:
                continue
            count = min(FETCH_BATCH, status.height - local)
            try:
                fetched = connection.blocks(local + 1, count)
            except grpc.RpcError:
                continue
            blocks = fetched[:count]  # a peer may send more than it was asked for
            if blocks:
                self._log.info(
                    "block_sync_fetched",
                    peer=connection.peer.node_id,
                    from_height=local + 1,
                    count=len(blocks),
                    peer_height=status.height,
                )
                self._deliver(connection.peer.node_id, blocks)
                return  # the engine applies them; the next round asks again
