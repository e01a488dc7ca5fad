"""An in-process node for unit tests: a real LevelDB store in a temporary directory, the test
parties' genesis (tests/registry_fixtures.py), and a manual clock so block times are fixed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import structlog

from clients.transaction_builders import property_import
from consensus.types import ValidatorId
from ledger.chain.store import Store
from ledger.state.records import unix_ms
from node.chain.commit import CommittedBlock
from node.chain.events import CommitSignal
from node.chain.ledger_node import LedgerNode
from node.chain.mempool import Mempool
from node.chain.open import ChainSetup, chain_setup, open_chain
from node.engine.solo import SoloEngine
from node.operations.config import BlockConfig
from tests.pki_fixtures import KTK_BIN
from tests.registry_fixtures import (
    FIRST_BLOCK_TIME,
    EnvelopeBuilder,
    Parties,
    make_genesis_document,
)

VALIDATOR = ValidatorId("validator-1")


@pytest.fixture(scope="session")
def parties() -> Parties:
    return Parties.create()


@pytest.fixture(scope="session")
def genesis_bytes(parties: Parties) -> bytes:
    return json.dumps(make_genesis_document(parties)).encode()


@pytest.fixture(scope="session")
def setup(genesis_bytes: bytes) -> ChainSetup:
    return chain_setup(genesis_bytes)


class ManualClock:
    def __init__(self) -> None:
        self.now_ms = unix_ms(FIRST_BLOCK_TIME)

    def __call__(self) -> int:
        self.now_ms += 1000  # every reading is a second later: block times always increase
        return self.now_ms


@dataclass
class InProcessNode:
    store: Store
    setup: ChainSetup
    mempool: Mempool
    node: LedgerNode
    engine: SoloEngine
    parties: Parties
    builder: EnvelopeBuilder
    committed: list[CommittedBlock]

    def property_import(self, number: int) -> bytes:
        action = property_import(
            cadastral_number=f"21:318:023:{number}:1/45",
            address=f"Astana, apartment {number}",
            kind="APARTMENT",
            area_square_metres="54.30",
            holder_bin=KTK_BIN,
        )
        return self.builder.envelope(action, self.parties.registrar)


def make_node(
    path: Path, setup: ChainSetup, parties: Parties, *, max_transactions: int = 100
) -> InProcessNode:
    store = open_chain(path, setup)
    meta = store.load_meta()
    assert meta is not None
    clock = ManualClock()
    mempool = Mempool(capacity=10)
    log = structlog.get_logger()
    node = LedgerNode(
        store=store,
        setup=setup,
        mempool=mempool,
        signal=CommitSignal(meta.height),
        log=log,
        clock_ms=clock,
    )
    committed: list[CommittedBlock] = []

    def after_commit(block: CommittedBlock) -> None:
        committed.append(block)
        node.after_commit(block)

    engine = SoloEngine(
        store=store,
        setup=setup,
        mempool=mempool,
        validator_id=VALIDATOR,
        signing_key=parties.validator.key,
        block_config=BlockConfig(max_transactions=max_transactions),
        on_committed=after_commit,
        log=log,
        clock_ms=clock,
    )
    node.set_transaction_listener(engine.transaction_arrived)
    builder = EnvelopeBuilder(setup.chain_id)
    return InProcessNode(store, setup, mempool, node, engine, parties, builder, committed)


@pytest.fixture
def in_process(tmp_path: Path, setup: ChainSetup, parties: Parties) -> Iterator[InProcessNode]:
    made = make_node(tmp_path / "data", setup, parties)
    try:
        yield made
    finally:
        made.store.close()
