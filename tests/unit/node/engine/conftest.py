"""Shared fixture of the engine's unit tests: an in-process validator past its first block."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.chain.open import ChainSetup
from tests.registry_fixtures import Parties
from tests.unit.node.conftest import InProcessNode, make_node


@pytest.fixture
def node(tmp_path: Path, setup: ChainSetup, parties: Parties) -> Iterator[InProcessNode]:
    made = make_node(tmp_path / "d", setup, parties)
    made.engine.seal_block()
    try:
        yield made
    finally:
        made.store.close()


def previous_block_time(node: InProcessNode) -> int:
    """The time of the node's newest block."""
    meta = node.store.load_meta()
    assert meta is not None
    return meta.time_unix_ms
