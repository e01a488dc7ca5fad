"""A fresh node's block-sync rate against its verification bound (issue 11), measured by
``scripts/bench --long-chain`` at each chain size.

- **the rate**: a fresh KTK observer (tests/integration/cluster_harness.py ``ClusterNode``, the
  long chain's validator its one peer) launched beside the running validator and timed from its
  launch to holding the validator's height: block sync over mutual TLS (node/peers/sync.py),
  each block's commit certificate verified, its transactions executed, the state root compared,
  the block persisted. The observer's own start-up is inside the rate (it is what a fresh node
  costs); a second or two against the minutes a long chain takes.
- **the bound**: the same blocks of the same run, read from the validator's store and applied
  in this process on one core by the function the observer's engine applies them with
  (``node.peers.sync.apply_certified_blocks`` into a fresh store): decoding, verification,
  execution and persistence without processes, network or logging. Only the applying is timed,
  not the reading of the source store (the validator's work in the measured rate).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import structlog

from node.chain.open import chain_setup, open_chain
from node.operations.metrics import NodeMetrics
from node.peers.sync import FETCH_BATCH, apply_certified_blocks, certified_blocks
from tests.bench.node_target import SingleValidator
from tests.integration.cluster_harness import ClusterNode
from tests.integration.harness import VALIDATOR_ID

SYNC_TIMEOUT_SECONDS = 3600.0
POLL_SECONDS = 0.5  # between height reads of the syncing observer, bounded by the deadline


def observer_sync_seconds(target: SingleValidator, workdir: Path, height: int) -> float:
    """Seconds from launching a fresh observer beside the running ``target`` until it holds
    ``height``; raises RuntimeError past SYNC_TIMEOUT_SECONDS."""
    observer = ClusterNode(workdir, target.parties, "ktk-observer", "observer")
    genesis = json.loads(target.genesis_path.read_text())
    observer.configure(genesis, [(VALIDATOR_ID, target.address, "validator")])
    try:
        started = time.perf_counter()
        observer.start()
        deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
        while observer.height() < height:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the observer reached {observer.height()} of {height} within "
                    f"{SYNC_TIMEOUT_SECONDS:.0f} s:\n{observer.log_tail()}"
                )
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - started
        observer.stop()
        return seconds
    finally:
        observer.close()


def in_process_sync_seconds(genesis_bytes: bytes, source_data_dir: Path, workdir: Path) -> float:
    """Seconds this process, one core, takes to apply every block of the (stopped) node's
    store at ``source_data_dir`` to a fresh store in ``workdir``, as block sync applies them."""
    setup = chain_setup(genesis_bytes)
    source = open_chain(source_data_dir, setup)
    fresh = open_chain(workdir, setup)
    quiet = structlog.wrap_logger(
        structlog.PrintLogger(), wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR)
    )
    metrics = NodeMetrics()
    seconds = 0.0
    try:
        source_meta = source.load_meta()
        fresh_meta = fresh.load_meta()
        if source_meta is None or fresh_meta is None:
            raise RuntimeError("a store holds no chain")
        next_height = fresh_meta.height + 1
        while next_height <= source_meta.height:
            batch = certified_blocks(source, next_height, FETCH_BATCH)
            started = time.perf_counter()
            applied = apply_certified_blocks(
                fresh,
                setup,
                batch,
                source="bench",
                log=quiet,
                metrics=metrics,
                on_committed=lambda _: None,
            )
            seconds += time.perf_counter() - started
            if applied != len(batch):
                raise RuntimeError(f"block {next_height + applied} did not apply in process")
            next_height += applied
        return seconds
    finally:
        fresh.close()
        source.close()
