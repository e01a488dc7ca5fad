"""Start-up refuses a damaged database with a named error (issue 13, build point 6; ADR 0019).

On a real LevelDB copy of the story chain (tests/unit/ledger/audit/chain.py), damaged as a
failing disk or a careless copy would: a checksum error in the middle of LevelDB's log (before,
LevelDB dropped the records silently and the node served a chain with missing heights), a
damaged table file, a hole in the block sequence, a block above the tip, a tip that does not
link to the block below it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import plyvel
import pytest

from ledger.chain.blocks import Block
from ledger.chain.store import Store
from node.chain.open import (
    ChainNotContinuous,
    ChainStartError,
    StoreDamaged,
    chain_setup,
    open_chain,
)
from tests.unit.ledger.audit.chain import StoryChain, build_story_chain
from tests.unit.ledger.audit.tamper import Tamperer, block_key, damage_leveldb_log


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> StoryChain:
    return build_story_chain(tmp_path_factory.mktemp("open-integrity") / "node")


@pytest.fixture
def copy(story: StoryChain, tmp_path: Path) -> Path:
    return Path(shutil.copytree(story.data_dir, tmp_path / "node"))


def _open(data_dir: Path, story: StoryChain) -> Store:
    return open_chain(data_dir, chain_setup(story.genesis_bytes))


def _refusal(data_dir: Path, story: StoryChain) -> ChainStartError:
    with pytest.raises(ChainStartError) as refused:
        _open(data_dir, story).close()
    return refused.value


def test_the_undamaged_chain_opens_at_its_tip(copy: Path, story: StoryChain) -> None:
    with _open(copy, story) as store:
        meta = store.load_meta()
        assert meta is not None and meta.height == story.tip
        assert store.count_blocks(1, story.tip) == story.tip
        assert store.lowest_block_height() == 1 and store.lowest_block_height(story.tip + 1) is None


def test_a_checksum_error_in_the_middle_of_the_log_is_refused_not_dropped(
    copy: Path, story: StoryChain
) -> None:
    damage_leveldb_log(copy / "ledger")
    refusal = _refusal(copy, story)
    assert isinstance(refusal, StoreDamaged)
    assert refusal.event == "store_corrupt"
    assert "checksum" in str(refusal) and "resync from peers" in str(refusal)


def test_a_damaged_table_file_is_refused(copy: Path, story: StoryChain) -> None:
    """A checksum error in the table block holding the tip block, which start-up reads."""
    with Tamperer(copy / "ledger") as tamperer:
        tip = Block.decode(tamperer.get(block_key(story.tip)))
    assert tip.last_commit is not None
    # A precommit signature: random bytes, stored as they are, first in block/<tip> (its last
    # commit) and again in commit/<tip - 1>, which sorts after it.
    needle = tip.last_commit.signatures[0].signature
    database = plyvel.DB(str(copy / "ledger"))
    database.compact_range()  # everything into table files
    database.close()
    (table,) = [path for path in (copy / "ledger").glob("*.ldb") if needle in path.read_bytes()]
    data = bytearray(table.read_bytes())
    data[data.index(needle) + 10] ^= 0xFF
    table.write_bytes(bytes(data))
    refusal = _refusal(copy, story)
    assert isinstance(refusal, StoreDamaged), refusal
    assert "checksum mismatch" in str(refusal) and "resync from peers" in str(refusal)


def test_a_missing_height_is_refused_with_its_number(copy: Path, story: StoryChain) -> None:
    with Tamperer(copy / "ledger") as tamperer:
        tamperer.delete(block_key(4))
    refusal = _refusal(copy, story)
    assert isinstance(refusal, ChainNotContinuous)
    assert refusal.event == "chain_not_continuous"
    assert "block 4 is missing" in str(refusal)


def test_a_missing_first_block_is_refused(copy: Path, story: StoryChain) -> None:
    with Tamperer(copy / "ledger") as tamperer:
        tamperer.delete(block_key(1))
    refusal = _refusal(copy, story)
    assert isinstance(refusal, ChainNotContinuous)
    assert "block 1 is missing" in str(refusal)


def test_a_block_above_the_tip_is_refused(copy: Path, story: StoryChain) -> None:
    with Tamperer(copy / "ledger") as tamperer:
        tamperer.put(block_key(story.tip + 3), tamperer.get(block_key(story.tip)))
    refusal = _refusal(copy, story)
    assert isinstance(refusal, ChainNotContinuous)
    assert f"block {story.tip + 3} is stored above the recorded tip {story.tip}" in str(refusal)


def test_a_tip_that_does_not_link_to_the_block_below_is_refused(
    copy: Path, story: StoryChain
) -> None:
    below = story.tip - 1
    with Tamperer(copy / "ledger") as tamperer:
        tamperer.put(block_key(below), tamperer.get(block_key(below - 1)))
    refusal = _refusal(copy, story)
    assert isinstance(refusal, ChainNotContinuous)
    assert f"block {story.tip} does not link to the stored block {below}" in str(refusal)
