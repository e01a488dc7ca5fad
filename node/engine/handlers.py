"""The validator's side of the Peer service: what peer.proto calls do to this node."""

from __future__ import annotations

from collections.abc import Sequence

from tirkeu_pb import peer_pb2

from ledger.chain.store import Store
from node.chain.ledger_node import LedgerNode
from node.engine.observer import peer_status
from node.engine.tendermint import TendermintEngine
from node.peers.sync import certified_blocks


class ValidatorPeerHandler:
    def __init__(self, engine: TendermintEngine, node: LedgerNode, store: Store, node_id: str):
        self._engine = engine
        self._node = node
        self._store = store
        self._node_id = node_id

    def consensus_message(self, message: peer_pb2.ConsensusMessage) -> None:
        self._engine.consensus_message(message)

    def transactions_gossiped(self, envelopes: Sequence[bytes]) -> int:
        return sum(1 for envelope in envelopes if self._node.admit_gossiped(envelope))

    def block_announced(self, block: bytes, certificate: bytes) -> None:
        self._engine.synced_blocks(
            "announcement", (peer_pb2.CertifiedBlock(block=block, certificate=certificate),)
        )

    def peer_status(self) -> peer_pb2.GetPeerStatusResponse:
        return peer_status(self._store, self._node_id, "validator")

    def certified_blocks(self, from_height: int, count: int) -> list[peer_pb2.CertifiedBlock]:
        return certified_blocks(self._store, from_height, count)
