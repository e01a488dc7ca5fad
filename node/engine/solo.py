"""The single-validator engine: decides WHEN to seal a block, signs its own precommit, commits.

With one validator holding all the voting power, a precommit by that validator is a commit
certificate (more than 2/3 of the power). With validator peers the node runs the Tendermint
engine (node/engine/tendermint.py) instead: it makes and commits blocks with the same
node/chain/sealing.py, checks a peer's proposal with ``execute_block``, and commits with the
2f + 1 precommits that decided the block instead of one.

Timing (node.toml [block]): when transactions wait, seal after ``batch_delay_ms`` (or at once
when a block's worth is waiting); when none wait, seal an empty block every
``empty_block_interval_ms``, so that block time keeps moving for certificate validity and
para 38 deadlines.

A solo validator still serves the Peer service an observer needs (``SoloPeerHandler``): its
status and certified blocks for block sync, and forwarded submissions; it announces each
committed block to the observers it lists as [[peers]] (node/runtime/runner.py). Without this a
KTK observer beside a single validator stayed at height 0 (issue 13).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Unpack

from tirkeu_pb import peer_pb2

from consensus.types import Round
from ledger.chain.blocks import CommitSignature, sign_precommit
from ledger.chain.store import Store
from node.chain.commit import CommittedBlock
from node.chain.sealing import commit_with_precommits, propose_from_mempool
from node.engine.observer import peer_status
from node.engine.wiring import ValidatorWiring, clock_of
from node.peers.sync import certified_blocks

COMMIT_ROUND = Round(0)  # one validator never needs a second round


class SoloEngineUnfit(Exception):
    """This validator alone cannot commit (it holds no more than 2/3 of the power)."""


class SoloEngine:
    def __init__(self, **wiring: Unpack[ValidatorWiring]) -> None:
        setup, validator_id = wiring["setup"], wiring["validator_id"]
        validator_set = setup.validators.validator_set
        if not validator_set.is_quorum(validator_set.power_of(validator_id)):
            raise SoloEngineUnfit(
                f"{validator_id!r} holds {validator_set.power_of(validator_id)} of "
                f"{validator_set.total_power} voting power; a solo validator needs more than 2/3"
            )
        self._store = wiring["store"]
        self._setup = setup
        self._mempool = wiring["mempool"]
        self._validator_id = validator_id
        self._signing_key = wiring["signing_key"]
        self._block_config = wiring["block_config"]
        self._on_committed = wiring["on_committed"]
        self._log = wiring["log"]
        self._clock_ms = clock_of(wiring)
        self._wake = threading.Event()
        self._stop = threading.Event()

    def transaction_arrived(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def seal_block(self) -> CommittedBlock:
        """Propose, precommit and commit one block with what is pending now."""
        proposed = propose_from_mempool(
            self._store,
            self._setup,
            proposer=self._validator_id,
            now_unix_ms=self._clock_ms(),
            mempool=self._mempool,
            block_config=self._block_config,
        )
        block = proposed.executed.block
        signature = sign_precommit(
            self._signing_key, self._setup.chain_id, block.height, COMMIT_ROUND, block.block_hash
        )
        committed = commit_with_precommits(
            self._store,
            self._setup,
            proposed.executed,
            round_number=COMMIT_ROUND,
            precommits=[CommitSignature(self._validator_id, signature)],
            rejections=proposed.rejections,
        )
        self._on_committed(committed)
        return committed

    def run(self) -> None:
        """Seal blocks until ``stop``; returns after the block in progress is committed."""
        batch_delay = self._block_config.batch_delay_ms / 1000
        empty_interval = self._block_config.empty_block_interval_ms / 1000
        last_sealed_at = time.monotonic()
        first_pending_at: float | None = None
        while not self._stop.is_set():
            now = time.monotonic()
            pending = len(self._mempool)
            if pending == 0:
                first_pending_at = None
                due = last_sealed_at + empty_interval
            else:
                first_pending_at = first_pending_at if first_pending_at is not None else now
                full = pending >= self._block_config.max_transactions
                due = now if full else first_pending_at + batch_delay
            if now < due:
                self._wake.wait(due - now)
                self._wake.clear()
                continue
            self.seal_block()
            last_sealed_at = time.monotonic()
            first_pending_at = None


class SoloPeerHandler:
    """The Peer service of a solo validator: block sync for observers. It has no validator
    peers, so consensus messages, gossip and announcements have nobody to come from; the peer
    service refuses them from non-validators anyway, and here they are ignored."""

    def __init__(self, store: Store, node_id: str) -> None:
        self._store = store
        self._node_id = node_id

    def consensus_message(self, message: peer_pb2.ConsensusMessage) -> None:
        return None  # the solo engine decides alone

    def transactions_gossiped(self, envelopes: Sequence[bytes]) -> int:
        return 0

    def block_announced(self, block: bytes, certificate: bytes) -> None:
        return None  # only this validator commits blocks

    def peer_status(self) -> peer_pb2.GetPeerStatusResponse:
        return peer_status(self._store, self._node_id, "validator")

    def certified_blocks(self, from_height: int, count: int) -> list[peer_pb2.CertifiedBlock]:
        return certified_blocks(self._store, from_height, count)
