"""``tirkeu-node snapshot``: create, verify and restore state snapshots (ADR 0013).

    tirkeu-node snapshot create --config node.toml -o state.snapshot   (node stopped)
    tirkeu-node snapshot verify --genesis genesis.json state.snapshot
    tirkeu-node snapshot restore --config node.toml state.snapshot      (new, empty node)

Exit codes: 0 done; 1 the snapshot is refused (its named problem is printed) or the store is
in use; 2 unusable configuration or genesis file.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import click

from ledger.audit.anchor import trust_anchor
from ledger.audit.snapshots import InvalidSnapshot, decode_snapshot, encode_snapshot
from ledger.audit.snapshots import verify_snapshot as check_snapshot
from ledger.chain.genesis import InvalidGenesis
from ledger.chain.store import Store, StoreUnavailable
from node.chain.open import ChainSetup, chain_setup
from node.chain.snapshots import SnapshotUnavailable, create_snapshot, restore_snapshot
from node.operations.config import InvalidConfig, NodeConfig, load_config

EXIT_OK, EXIT_REFUSED, EXIT_BAD_SETUP = 0, 1, 2
_T = TypeVar("_T")
CONFIG = click.Path(path_type=Path, dir_okay=False, exists=True)


@click.group()
def snapshot() -> None:
    """State snapshots at a certified height: create, verify, restore."""


@snapshot.command()
@click.option("--config", "config_path", type=CONFIG, required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
def create(config_path: Path, output: Path) -> None:
    """Write the state at the node's latest committed height (stop the node first)."""
    config = _config(config_path)
    if output.exists():
        _fail(EXIT_BAD_SETUP, f"{output} exists")
    try:
        with Store(config.data_dir / "ledger") as store:
            made = create_snapshot(store)
    except StoreUnavailable as error:
        _fail(EXIT_REFUSED, f"{error} (stop the node first)")
    except SnapshotUnavailable as error:
        _fail(EXIT_REFUSED, str(error))
    output.write_bytes(encode_snapshot(made))
    header = made.block.header
    _report(
        {"height": made.height, "block_hash": header.block_hash.hex(),
         "state_root": header.state_root.hex(), "records": len(made.records),
         "file": str(output)},
    )  # fmt: skip


@snapshot.command()
@click.option("--genesis", type=CONFIG, required=True)
@click.argument("file", type=CONFIG)
def verify(genesis: Path, file: Path) -> None:
    """Check a snapshot against the genesis file alone; exit 1 with its named problem."""
    try:
        anchor = trust_anchor(genesis.read_bytes())
    except (OSError, InvalidGenesis) as error:
        _fail(EXIT_BAD_SETUP, str(error))
    verified = _verified(lambda: check_snapshot(decode_snapshot(file.read_bytes()), anchor))
    header = verified.snapshot.block.header
    _report({"ok": True, "height": header.height, "state_root": header.state_root.hex()})


@snapshot.command()
@click.option("--config", "config_path", type=CONFIG, required=True)
@click.argument("file", type=CONFIG)
def restore(config_path: Path, file: Path) -> None:
    """Verify the snapshot, then make it this (new) node's store; start the node after."""
    config = _config(config_path)
    setup = _setup(config)
    try:
        meta = _verified(lambda: restore_snapshot(config.data_dir, setup, file.read_bytes()))
    except (SnapshotUnavailable, StoreUnavailable) as error:
        _fail(EXIT_REFUSED, str(error))
    _report({"ok": True, "height": meta.height, "state_root": meta.state_root.hex()})


def _verified(action: Callable[[], _T]) -> _T:
    try:
        return action()
    except InvalidSnapshot as error:
        click.echo(
            json.dumps({"ok": False, "problem": error.problem.name, "detail": error.detail}),
        )
        _fail(EXIT_REFUSED, f"snapshot refused: {error.problem.name}: {error.detail}")


def _config(path: Path) -> NodeConfig:
    try:
        return load_config(path)
    except InvalidConfig as error:
        _fail(EXIT_BAD_SETUP, str(error))


def _setup(config: NodeConfig) -> ChainSetup:
    try:
        return chain_setup(config.genesis.read_bytes())
    except (OSError, InvalidGenesis) as error:
        _fail(EXIT_BAD_SETUP, str(error))


def _report(document: dict[str, object]) -> None:
    click.echo(json.dumps(document))


def _fail(code: int, message: str) -> NoReturn:
    click.echo(f"tirkeu-node snapshot: {message}", err=True)
    sys.exit(code)
