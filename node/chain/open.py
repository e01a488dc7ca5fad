"""Opening the node's chain: create the genesis state, or resume from disk after checking it.

Block 0 is the genesis state (the records of ``ledger.chain.genesis.genesis_records``), height 1 the
first block. On resume the node refuses to start when the database was made from another
genesis file (``GenesisMismatch``) or when the stored state root is not the latest header's
(``StateRootMismatch``): serving or extending a state the chain does not certify would spread
the damage to every client and, later, to every peer.
"""

from __future__ import annotations

from pathlib import Path

from ledger.audit.anchor import TrustAnchor, trust_anchor
from ledger.audit.anchor import genesis_state as anchor_genesis_state
from ledger.chain.blocks import GENESIS_PREVIOUS_BLOCK_HASH
from ledger.chain.store import ChainMeta, Store
from ledger.merkle.smt import EMPTY_ROOT


class ChainStartError(Exception):
    """The node cannot start on this data directory; the message says why."""


class GenesisMismatch(ChainStartError):
    pass


class StateRootMismatch(ChainStartError):
    pass


# What never changes while the node runs: the genesis and the validators' keys. It is exactly
# what the auditor trusts (ADR 0003), so node and auditor derive it with one pure function.
ChainSetup = TrustAnchor
chain_setup = trust_anchor  # raises ledger.chain.genesis.InvalidGenesis for a bad file


def genesis_state(setup: ChainSetup) -> tuple[ChainMeta, dict[bytes, bytes], dict[bytes, bytes]]:
    """The height-0 metadata, state records and state-tree nodes of ``setup``'s genesis."""
    state = anchor_genesis_state(setup)
    meta = ChainMeta(
        chain_id=setup.chain_id,
        genesis_sha256=setup.genesis_sha256,
        genesis_time_unix_ms=setup.genesis_time_unix_ms,
        height=0,
        block_hash=GENESIS_PREVIOUS_BLOCK_HASH,
        state_root=state.state_root,
        time_unix_ms=setup.genesis_time_unix_ms,
    )
    return meta, state.records, state.tree.nodes


def open_chain(data_dir: Path, setup: ChainSetup) -> Store:
    """The node's store: a new one holding the genesis state, or the existing one, checked."""
    store = Store(data_dir / "ledger")
    try:
        meta = store.load_meta()
        if meta is None:
            store.commit_genesis(*genesis_state(setup))
        else:
            check_resumable(store, meta, setup)
    except BaseException:
        store.close()
        raise
    return store


def check_resumable(store: Store, meta: ChainMeta, setup: ChainSetup) -> None:
    if meta.genesis_sha256 != setup.genesis_sha256 or meta.chain_id != setup.chain_id:
        raise GenesisMismatch(
            f"{store.path} holds chain {meta.chain_id!r} made from another genesis file "
            f"(sha256 {meta.genesis_sha256.hex()}, this one {setup.genesis_sha256.hex()})"
        )
    if meta.height == 0:
        expected_root = genesis_state(setup)[0].state_root
    else:
        block = store.load_block(meta.height)
        if block is None or block.block_hash != meta.block_hash:
            raise StateRootMismatch(f"block {meta.height} is missing or is not the recorded one")
        expected_root = block.header.state_root
    if meta.state_root != expected_root:
        raise StateRootMismatch(
            f"stored state root {meta.state_root.hex()} is not the root "
            f"{expected_root.hex()} certified at height {meta.height}"
        )
    if meta.state_root != EMPTY_ROOT and store.smt_nodes.get_node(meta.state_root) is None:
        raise StateRootMismatch(f"the state tree's root node {meta.state_root.hex()} is missing")
