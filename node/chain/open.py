"""Opening the node's chain: create the genesis state, or resume from disk after checking it.

Block 0 is the genesis state (the records of ``ledger.chain.genesis.genesis_records``), height 1 the
first block. On resume the node refuses to start when the database was made from another
genesis file (``GenesisMismatch``), when the stored state root is not the latest header's
(``StateRootMismatch``), when LevelDB finds damaged files (``StoreDamaged``) or when the stored
blocks are not one continuous, linked sequence up to the tip (``ChainNotContinuous``): serving or
extending a state the chain does not certify would spread the damage to every client and,
later, to every peer. Each refusal has an ``event`` name the node logs (docs/operations.md §7).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from ledger.audit.anchor import TrustAnchor, trust_anchor
from ledger.audit.anchor import genesis_state as anchor_genesis_state
from ledger.chain.blocks import GENESIS_PREVIOUS_BLOCK_HASH
from ledger.chain.store import ChainMeta, Store
from ledger.chain.store_checks import CONTINUITY_WINDOW, StoreCorrupt
from ledger.merkle.smt import EMPTY_ROOT


class ChainStartError(Exception):
    """The node cannot start on this data directory; the message says why."""

    event: ClassVar[str] = "chain_start_refused"  # what the node logs


class GenesisMismatch(ChainStartError):
    pass


class StateRootMismatch(ChainStartError):
    pass


class StoreDamaged(ChainStartError):
    """LevelDB reports a checksum failure (a damaged log or table file)."""

    event = "store_corrupt"


class ChainNotContinuous(ChainStartError):
    """A stored height is missing, a block lies above the tip, or the tip does not link."""

    event = "chain_not_continuous"


_RESYNC = (
    "the database is damaged: locate the damage with `tirkeu-audit verify --data-dir`, then "
    "restore a verified backup or move the data directory aside and resync from peers "
    "(docs/operations.md §7)"
)


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
    try:
        store = Store(data_dir / "ledger")
    except StoreCorrupt as error:
        raise StoreDamaged(f"{error}; {_RESYNC}") from error
    try:
        meta = store.load_meta()
        if meta is None:
            store.commit_genesis(*genesis_state(setup))
        else:
            check_resumable(store, meta, setup)
    except StoreCorrupt as error:
        store.close()
        raise StoreDamaged(f"{error}; {_RESYNC}") from error
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
    check_continuous(store, meta)
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


def check_continuous(store: Store, meta: ChainMeta) -> None:
    """No block above the tip; the first held height (1, or a restored snapshot's) has its
    block and none lies below it; every one of the last CONTINUITY_WINDOW heights has its block;
    the tip links to the block below it. Seeks and a key count only, no block decoded
    (ledger/chain/store_checks.py says why the window is enough, and what it costs)."""
    tip = meta.height
    above = store.lowest_block_height(tip + 1)
    if above is not None:
        raise ChainNotContinuous(f"block {above} is stored above the recorded tip {tip}; {_RESYNC}")
    if tip == 0:
        return
    lowest = store.lowest_block_height()
    recorded = store.load_first_height()
    # Stores made before the marker: the lowest block held is taken as the first (ADR 0019).
    first = recorded if recorded is not None else (lowest or 1)
    if lowest is None or lowest > first:
        raise ChainNotContinuous(f"block {first} is missing (tip {tip}); {_RESYNC}")
    if lowest < first:
        raise ChainNotContinuous(
            f"block {lowest} is stored below the first held height {first}; {_RESYNC}"
        )
    window = max(first, tip - CONTINUITY_WINDOW + 1)
    if store.count_blocks(window, tip) != tip - window + 1:
        missing = store.first_missing_height(window, tip)
        raise ChainNotContinuous(f"block {missing} is missing (tip {tip}); {_RESYNC}")
    if tip > first:
        top, below = store.load_block(tip), store.load_block(tip - 1)
        if top is None or below is None or top.header.previous_block_hash != below.block_hash:
            raise ChainNotContinuous(
                f"block {tip} does not link to the stored block {tip - 1}; {_RESYNC}"
            )
