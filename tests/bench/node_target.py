"""The nodes an end-to-end run talks to, behind one small protocol.

``LedgerTarget`` is all the load generator and the measurements need: start, one mTLS channel
per client, the processes to measure, their data directories, stop. ``SingleValidator`` is one
``tirkeu-node`` started the way the integration tests start it (tests/integration/harness.py:
test PKI, genesis, node.toml, free port on 127.0.0.1). ``tests.bench.cluster_target.ClusterTarget``
is four validators and the KTK observer behind the same protocol (``scripts/bench --cluster``).

``preload_properties`` fills a stopped validator's database through the node's own commit path
(node.engine.solo, in this process: verified execution, state tree, one synced LevelDB batch per
block), so that memory and disk can be measured at a realistic state size without pushing
100k records through gRPC first.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import grpc
import structlog
from tirkeu_pb import api_pb2, transaction_pb2

from consensus.types import ValidatorId
from ledger.chain.genesis import genesis_records
from ledger.chain.store import Store
from ledger.hashing import sha256_hex
from node.chain.commit import CommittedBlock
from node.chain.mempool import Mempool, PendingTransaction
from node.chain.open import chain_setup, open_chain
from node.engine.solo import SoloEngine
from node.operations.config import BlockConfig
from tests.bench.workloads import WorkloadFactory
from tests.integration.harness import CHAIN_ID, VALIDATOR_ID, NodeProcess, NodeSettings
from tests.registry_fixtures import Parties

PRELOAD_BLOCK_TRANSACTIONS = 500
LEDGER_DIRECTORY = "ledger"  # node.chain.open.open_chain keeps LevelDB in <data_dir>/ledger


class LedgerTarget(Protocol):
    @property
    def chain_id(self) -> str: ...

    @property
    def parties(self) -> Parties: ...

    @property
    def description(self) -> str:
        """What runs, for the report ("one validator", "4 validators + KTK observer...")."""
        ...

    def start(self) -> None: ...

    def client_channel(self, client: int) -> grpc.Channel:
        """The mTLS channel of client number ``client`` (a cluster may spread clients)."""
        ...

    def height(self) -> int: ...

    def process_ids(self) -> dict[str, int]: ...

    def data_dirs(self) -> dict[str, Path]: ...

    def commit_rounds(self, after_height: int) -> list[int]:
        """The consensus round of each block above ``after_height`` (its commit certificate);
        read once stopped."""
        ...

    def stop(self) -> None:
        """Graceful stop of every node (the databases can then be opened and measured)."""
        ...

    def close(self) -> None:
        """Kill whatever still runs and close channels; safe to call at any time, twice."""
        ...


class SingleValidator:
    """One validator node in ``workdir`` (the harness's NodeProcess)."""

    def __init__(
        self, workdir: Path, settings: NodeSettings | None = None, parties: Parties | None = None
    ) -> None:
        self._node = NodeProcess(workdir, parties=parties, settings=settings)

    @property
    def chain_id(self) -> str:
        return CHAIN_ID

    @property
    def parties(self) -> Parties:
        return self._node.parties

    @property
    def description(self) -> str:
        return "one validator"

    @property
    def log_path(self) -> Path:
        return self._node.log_path

    @property
    def genesis_path(self) -> Path:
        return self._node.workdir / "genesis.json"

    @property
    def address(self) -> str:
        """host:port of its API and Peer service (a fresh observer syncs from it)."""
        return self._node.address

    def start(self) -> None:
        self._node.start()

    def client_channel(self, client: int) -> grpc.Channel:
        # Submitting needs only an authenticated caller: every client presents the registrar.
        return self._node.channel(self._node.parties.tls_client)

    def height(self) -> int:
        info: api_pb2.ChainInfo = self._node.chain_info()
        return int(info.height)

    def process_ids(self) -> dict[str, int]:
        process = self._node.process
        if process is None or process.poll() is not None:
            raise RuntimeError("the node is not running")
        return {VALIDATOR_ID: process.pid}

    def data_dirs(self) -> dict[str, Path]:
        return {VALIDATOR_ID: self._node.data_dir}

    def commit_rounds(self, after_height: int) -> list[int]:
        return commit_rounds(self._node.data_dir, after_height)

    def stop(self) -> None:
        code = self._node.stop()
        if code != 0:
            raise RuntimeError(f"the node exited with {code}:\n{self._node.log_tail()}")

    def close(self) -> None:
        self._node.close()

    def preload_properties(
        self,
        records: int,
        factory: WorkloadFactory,
        first_number: int,
        progress: Callable[[int], None] = lambda _: None,
    ) -> int:
        """Import properties until the state holds at least ``records`` records; the count.
        The node must not be running (LevelDB admits one process)."""
        if self._node.running:
            raise RuntimeError("preload needs the node stopped")
        genesis_bytes = (self._node.workdir / "genesis.json").read_bytes()
        return preload_properties(
            self._node.data_dir,
            genesis_bytes,
            parties=self._node.parties,
            records=records,
            factory=factory,
            first_number=first_number,
            progress=progress,
        )


def preload_properties(
    data_dir: Path,
    genesis_bytes: bytes,
    *,
    parties: Parties,
    records: int,
    factory: WorkloadFactory,
    first_number: int,
    progress: Callable[[int], None] = lambda _: None,
) -> int:
    setup = chain_setup(genesis_bytes)
    store = open_chain(data_dir, setup)
    try:
        block_size = min(PRELOAD_BLOCK_TRANSACTIONS, setup.genesis.limits.max_block_transactions)
        mempool = Mempool(block_size)
        state = _PreloadCount(len(genesis_records(setup.genesis)))

        def committed(block: CommittedBlock) -> None:
            execution = block.executed.execution
            mempool.remove(execution.transaction_ids)
            state.records += len(execution.writes)

        engine = SoloEngine(
            store=store,
            setup=setup,
            mempool=mempool,
            validator_id=ValidatorId(VALIDATOR_ID),
            signing_key=parties.validator.key,
            block_config=BlockConfig(max_transactions=block_size),
            on_committed=committed,
            log=structlog.get_logger(),
        )
        number = first_number
        while state.records < records:
            # Each import writes at least one record: never far beyond what was asked.
            count = min(block_size, records - state.records)
            for _ in range(count):
                envelope = factory.property_import(number).envelope
                body = transaction_pb2.Envelope.FromString(envelope).body
                mempool.add(PendingTransaction(sha256_hex(body), envelope))
                number += 1
            sealed = engine.seal_block()
            if len(sealed.executed.block.transactions) != count:
                raise RuntimeError(f"preload block {sealed.meta.height} left transactions out")
            progress(state.records)
        return state.records
    finally:
        store.close()


@dataclass
class _PreloadCount:
    records: int


def peak_rss_bytes(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of a live process in bytes: its peak and current resident memory."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            amount, unit = value.split()
            if unit != "kB":
                raise RuntimeError(f"/proc/{pid}/status gives {name} in {unit}")
            fields[name] = int(amount) * 1024
    return fields["VmHWM"], fields["VmRSS"]


def directory_bytes(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        total += sum((Path(root) / name).stat().st_size for name in files)
    return total


def count_state_records(data_dir: Path) -> int:
    """State records in a stopped node's database."""
    with Store(data_dir / LEDGER_DIRECTORY) as store:
        return sum(1 for _ in store.state_items())


def commit_rounds(data_dir: Path, after_height: int) -> list[int]:
    """Rounds of the commit certificates of blocks above ``after_height`` in a stopped node."""
    with Store(data_dir / LEDGER_DIRECTORY) as store, store.view() as view:
        meta = view.load_meta()
        top = 0 if meta is None else meta.height
        rounds = []
        for height in range(after_height + 1, top + 1):
            certificate = view.load_commit(height)
            if certificate is None:
                raise RuntimeError(f"{data_dir}: block {height} has no commit certificate")
            rounds.append(int(certificate.round))
        return rounds
