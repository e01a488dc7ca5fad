"""The test-only clock offset (``[testing] clock_offset_ms``) with which scripts/chaos skews one
node's clock: absent means the wall clock itself; present moves it; a non-integer is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.chain.clock import offset_clock, wall_clock_ms
from node.operations.config import InvalidConfig, load_config
from tests.unit.node.chain.test_mempool_and_config import VALID_CONFIG


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(text)
    return path


def test_no_testing_table_means_no_offset_and_the_plain_wall_clock(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, VALID_CONFIG))
    assert config.clock_offset_ms == 0
    assert offset_clock(config.clock_offset_ms) is wall_clock_ms


@pytest.mark.parametrize("offset_ms", [-12_000, 2_500])
def test_the_offset_moves_the_clock_by_that_much(tmp_path: Path, offset_ms: int) -> None:
    text = f"{VALID_CONFIG}\n[testing]\nclock_offset_ms = {offset_ms}\n"
    config = load_config(_config(tmp_path, text))
    assert config.clock_offset_ms == offset_ms
    skewed = offset_clock(config.clock_offset_ms)
    before = wall_clock_ms()
    moved = skewed()
    after = wall_clock_ms()
    assert before + offset_ms <= moved <= after + offset_ms


def test_a_non_integer_offset_is_refused_by_name(tmp_path: Path) -> None:
    text = f'{VALID_CONFIG}\n[testing]\nclock_offset_ms = "5s"\n'
    with pytest.raises(InvalidConfig) as raised:
        load_config(_config(tmp_path, text))
    assert raised.value.field == "testing.clock_offset_ms"
