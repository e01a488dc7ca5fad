"""The mempool's bounds and order, the commit signal, and the node's TOML configuration."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ledger.rejections import RejectionReason
from node.chain.events import CommitSignal
from node.chain.mempool import Mempool, PendingTransaction
from node.operations.config import InvalidConfig, NodeRole, load_config


def _pending(number: int) -> PendingTransaction:
    return PendingTransaction(f"{number:064x}", f"envelope {number}".encode())


def test_mempool_keeps_order_of_arrival_and_refuses_duplicates_and_overflow() -> None:
    pool = Mempool(capacity=3)
    for number in (3, 1, 2):
        assert pool.add(_pending(number)) is None
    duplicate = pool.add(_pending(1))
    assert duplicate is not None and duplicate.reason is RejectionReason.REPLAYED_TRANSACTION
    full = pool.add(_pending(4))
    assert full is not None and full.reason is RejectionReason.MEMPOOL_FULL
    assert [p.transaction_id for p in pool.oldest(2)] == [
        _pending(3).transaction_id,
        _pending(1).transaction_id,
    ]
    pool.remove([_pending(3).transaction_id, "unknown"])
    assert len(pool) == 2 and _pending(3).transaction_id not in pool
    assert pool.add(_pending(4)) is None


def test_commit_signal_wakes_waiters_on_publish_and_on_close() -> None:
    signal = CommitSignal(height=5)
    heights: list[int] = []
    waiter = threading.Thread(target=lambda: heights.append(signal.wait_for_height_above(5, 30)))
    waiter.start()
    signal.publish(6)
    waiter.join()
    assert heights == [6]
    closed: list[bool] = []
    waiter = threading.Thread(target=lambda: closed.append(signal.wait_until(lambda: False, 30)))
    waiter.start()
    signal.close()
    waiter.join()
    assert closed == [False] and signal.closed


VALID_CONFIG = """
node_id = "registrar-1"
data_dir = "data"
genesis = "genesis.json"

[tls]
certificate = "node.cert.pem"
key = "node.key.pem"
trust = "ca.pem"

[api]
listen = "127.0.0.1:7070"

[block]
batch_delay_ms = 0
empty_block_interval_ms = 2000
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(text)
    return path


def test_valid_config_resolves_paths_next_to_the_file(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, VALID_CONFIG))
    assert config.node_id == "registrar-1"
    assert config.role is NodeRole.VALIDATOR
    assert config.data_dir == tmp_path.resolve() / "data"
    assert config.tls.trust == tmp_path.resolve() / "ca.pem"
    assert (config.listen.host, config.listen.port) == ("127.0.0.1", 7070)
    assert (config.block.batch_delay_ms, config.block.empty_block_interval_ms) == (0, 2000)
    assert config.block.max_transactions == 500  # default
    assert config.log_level == "info"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('node_id = "registrar-1"', ""), "node_id"),
        (('listen = "127.0.0.1:7070"', 'listen = "127.0.0.1"'), "api.listen"),
        (
            ("empty_block_interval_ms = 2000", "empty_block_interval_ms = 0"),
            "block.empty_block_interval_ms",
        ),
        (("[tls]", "[tls_misspelt]"), "tls"),
        (('node_id = "registrar-1"', 'node_id = "r"\nrole = "auditor"'), "role"),
        (('node_id = "registrar-1"', 'node_id = "r"\n[log]\nlevel = "loud"'), "log.level"),
    ],
)
def test_invalid_config_names_the_field(
    tmp_path: Path, change: tuple[str, str], field: str
) -> None:
    with pytest.raises(InvalidConfig) as raised:
        load_config(_write(tmp_path, VALID_CONFIG.replace(*change)))
    assert raised.value.field == field


def test_missing_or_unparsable_file_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfig):
        load_config(tmp_path / "absent.toml")
    with pytest.raises(InvalidConfig):
        load_config(_write(tmp_path, "node_id = "))
