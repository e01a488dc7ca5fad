"""Fuzzing the blocks a peer serves to a node catching up (node/peers/sync.py
``apply_certified_block``): CertifiedBlock messages, starting from real certified blocks of a
real chain, applied to a real LevelDB store of a node at height 0.

Named outcome: the committed block, or None with a ``block_refused`` event naming a BlockFault
(node/chain/commit.py); nothing else may escape, and a refused block leaves the store as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tirkeu_pb import peer_pb2

from node.chain.commit import CommittedBlock
from node.chain.open import chain_setup
from node.operations.metrics import NodeMetrics
from node.peers.sync import apply_certified_block, certified_blocks
from tests.registry_fixtures import Parties, make_genesis_document
from tests.unit.fuzz.support import FUZZ, bytes_of, only_named, with_extreme_fields
from tests.unit.node.conftest import InProcessNode, make_node


@dataclass(repr=False)
class Sync:
    seeds: tuple[peer_pb2.CertifiedBlock, ...]  # heights 1..3 of the leader's chain
    follower: InProcessNode  # at height 0 with the same genesis

    def __repr__(self) -> str:
        return "Sync(leader at height 3, follower at height 0)"


@pytest.fixture(scope="module")
def sync(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sync]:
    parties = Parties.create()
    setup = chain_setup(json.dumps(make_genesis_document(parties)).encode())
    base = Path(tmp_path_factory.mktemp("sync"))
    leader = make_node(base / "leader", setup, parties)
    for number in (1, 2, 3):
        state = leader.node.submit(leader.property_import(number), wait_for_commit=False)
        assert state.rejection is None, state.rejection
        leader.engine.seal_block()
    seeds = tuple(certified_blocks(leader.store, 1, 3))
    leader.store.close()
    follower = make_node(base / "follower", setup, parties)
    try:
        yield Sync(seeds, follower)
    finally:
        follower.store.close()


def _messages(
    seeds: tuple[peer_pb2.CertifiedBlock, ...],
) -> st.SearchStrategy[peer_pb2.CertifiedBlock]:
    blocks = [s.block for s in seeds]
    certificates = [s.certificate for s in seeds]
    return st.one_of(
        with_extreme_fields(list(seeds)),
        st.builds(
            lambda block, certificate: peer_pb2.CertifiedBlock(
                block=block, certificate=certificate
            ),
            bytes_of(blocks),
            bytes_of(certificates),
        ),
    )


@settings(
    FUZZ, suppress_health_check=[*FUZZ.suppress_health_check, HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_certified_blocks_from_a_peer_commit_or_are_refused_by_name(
    sync: Sync, data: st.DataObject
) -> None:
    message = data.draw(_messages(sync.seeds), label="certified block")
    store = sync.follower.store
    before = store.load_meta()
    outcome = only_named(
        lambda: apply_certified_block(
            store,
            sync.follower.setup,
            message,
            log=structlog.get_logger(),
            metrics=NodeMetrics(),
            source="fuzz",
        ),
        (),
    )
    after = store.load_meta()
    assert before is not None and after is not None
    if outcome is None:
        assert after == before  # a refused block changes nothing
    else:
        assert isinstance(outcome, CommittedBlock)
        assert after.height == before.height + 1
        # Only the leader's own block can commit: a certificate covers exactly its bytes.
        assert message.block == sync.seeds[before.height].block


def test_after_the_fuzzing_the_leader_blocks_still_commit_in_order(sync: Sync) -> None:
    store = sync.follower.store
    for message in sync.seeds:
        apply_certified_block(
            store,
            sync.follower.setup,
            message,
            log=structlog.get_logger(),
            metrics=NodeMetrics(),
            source="leader",
        )
    meta = store.load_meta()
    assert meta is not None and meta.height == len(sync.seeds)
