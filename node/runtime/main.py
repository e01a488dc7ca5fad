"""``tirkeu-node``: run a node from its TOML config, or replay its stored chain.

    tirkeu-node --config node.toml                  run until SIGTERM/SIGINT
    tirkeu-node replay --config node.toml [--json]  re-execute the stored blocks (node stopped)
    tirkeu-node snapshot create|verify|restore ...  state snapshots (node/runtime/snapshot_cli.py)

Exit codes: 0 stopped cleanly / replay matches; 1 the chain cannot be resumed, the engine
failed, or replay found a mismatch; 2 the configuration, genesis file or keys are unusable;
3 the chain reached a rules version this node does not have (event ``rules_version_unsupported``,
docs/adr/0012-rules-versions-and-the-pilot-window.md): upgrade the software and start it again;
4 the data directory is damaged and 5 the disk is full, each under its own event with its remedy
(node/runtime/failures.py, docs/operations.md §7).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click
from structlog.typing import FilteringBoundLogger

from ledger.chain.genesis import InvalidGenesis
from ledger.chain.store import Store, StoreCorrupt, StoreUnavailable
from node.chain.open import ChainStartError, chain_setup
from node.chain.replay import replay_chain
from node.operations.config import InvalidConfig, NodeConfig, load_config
from node.operations.log import configure_logging, node_logger
from node.runtime.failures import (
    EXIT_BAD_SETUP,
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_RULES_UNSUPPORTED,
    STORE_CORRUPT,
    NamedFailure,
    named_failure,
)
from node.runtime.runner import NodeRuntime, NodeSetupError
from node.runtime.server import ServerSetupError
from node.runtime.snapshot_cli import snapshot

# How often the main thread looks at the engine while waiting for a signal.
_SUPERVISE_SECONDS = 0.2


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The node's TOML configuration file.",
)
@click.pass_context
def main(context: click.Context, config_path: Path | None) -> None:
    """Run a Tirkeu ledger node (a registrar validator or the KTK observer) from its TOML config."""
    if context.invoked_subcommand is not None:
        return
    if config_path is None:
        raise click.UsageError("--config is required")
    context.exit(run_node(config_path))


@main.command()
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The node's TOML configuration file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def replay(config_path: Path, as_json: bool) -> None:
    """Re-execute every stored block from genesis and compare state roots per height."""
    config = _config_or_exit(config_path)
    try:
        setup = chain_setup(config.genesis.read_bytes())
    except (OSError, InvalidGenesis) as error:
        click.echo(f"tirkeu-node: {error}", err=True)
        sys.exit(EXIT_BAD_SETUP)
    try:
        with Store(config.data_dir / "ledger") as source:
            report = replay_chain(source, setup)
    except StoreCorrupt as error:
        click.echo(f"tirkeu-node: {error} ({STORE_CORRUPT.remedy})", err=True)
        sys.exit(STORE_CORRUPT.exit_code)
    except StoreUnavailable as error:
        click.echo(f"tirkeu-node: {error} (stop the node first)", err=True)
        sys.exit(EXIT_FAILURE)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        verdict = "matches" if report.ok else "MISMATCH"
        click.echo(
            f"replayed {len(report.heights)} of {report.stored_height} blocks: {verdict}; "
            f"stored state root {report.stored_state_root.hex()}, "
            f"replayed {report.replayed_state_root.hex()}"
        )
        for height in report.heights:
            if not height.matches:
                click.echo(
                    f"  height {height.height}: header {height.state_root.hex()}, "
                    f"replayed {height.replayed_state_root.hex()}"
                )
        if report.error:
            click.echo(f"  error: {report.error}")
    sys.exit(EXIT_OK if report.ok else EXIT_FAILURE)


main.add_command(snapshot)


def _config_or_exit(path: Path) -> NodeConfig:
    try:
        return load_config(path)
    except InvalidConfig as error:
        click.echo(f"tirkeu-node: {error}", err=True)
        sys.exit(EXIT_BAD_SETUP)


def run_node(config_path: Path) -> int:
    config = _config_or_exit(config_path)
    configure_logging(config.log_level)
    log = node_logger(config.node_id)
    runtime = NodeRuntime(config, log)
    shutdown = threading.Event()

    def request_shutdown(signal_number: int, frame: FrameType | None) -> None:
        log.info("shutdown_requested", signal=signal.Signals(signal_number).name)
        shutdown.set()

    signal.signal(signal.SIGTERM, request_shutdown)
    signal.signal(signal.SIGINT, request_shutdown)
    try:
        runtime.start()
    except (InvalidGenesis, NodeSetupError, ServerSetupError) as error:
        log.error("node_setup_failed", error=type(error).__name__, detail=str(error))
        runtime.stop()
        return EXIT_BAD_SETUP
    except Exception as error:
        # A damaged store or signing record found while opening: a named stop, no traceback.
        failure = named_failure(error)
        if failure is None and not isinstance(error, ChainStartError):
            runtime.stop()
            raise
        _log_refusal(log, error, failure)
        runtime.stop()
        return EXIT_FAILURE if failure is None else failure.exit_code
    while not shutdown.wait(_SUPERVISE_SECONDS):
        if runtime.failed.is_set():
            break
    runtime.stop()
    if runtime.rules_unsupported.is_set():
        return EXIT_RULES_UNSUPPORTED
    if runtime.failure is not None:
        return runtime.failure.exit_code
    return EXIT_FAILURE if runtime.failed.is_set() else EXIT_OK


def _log_refusal(log: FilteringBoundLogger, error: Exception, failure: NamedFailure | None) -> None:
    if failure is None:
        log.error("chain_start_refused", error=type(error).__name__, detail=str(error))
    else:
        log.error(
            failure.event,
            error=type(error).__name__,
            detail=str(error),
            remedy=failure.remedy,
            exit_code=failure.exit_code,
        )
