from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.ledger.audit.chain import StoryChain, build_story_chain
from tests.unit.ledger.audit.tamper import copy_data_dir


@pytest.fixture(scope="session")
def story_chain(tmp_path_factory: pytest.TempPathFactory) -> StoryChain:
    """The story sealed into ten blocks on disk, built once; tests copy it before damaging it."""
    return build_story_chain(tmp_path_factory.mktemp("story-chain") / "node")


@pytest.fixture(scope="session")
def leased_chain(tmp_path_factory: pytest.TempPathFactory) -> StoryChain:
    """The story up to height 6: the lease on CADASTRAL_NUMBER is registered and ACTIVE."""
    return build_story_chain(tmp_path_factory.mktemp("leased-chain") / "node", until_height=6)


@pytest.fixture
def chain_copy(story_chain: StoryChain, tmp_path: Path) -> Path:
    """A private copy of the story chain's data directory."""
    return copy_data_dir(story_chain.data_dir, tmp_path / "copy")
