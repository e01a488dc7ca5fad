"""`tirkeu-cluster`: make and run a local Tirkeu cluster.

    tirkeu-cluster init DIR [--validators N] [--observer] [--participants FILE | --ktk-bin ...]
    tirkeu-cluster start DIR          # background processes; waits until each serves
    tirkeu-cluster status DIR [--json]
    tirkeu-cluster kill DIR NODE      # SIGKILL, as a crash
    tirkeu-cluster restart DIR NODE
    tirkeu-cluster stop DIR
    tirkeu-cluster add-validator DIR NAME --registrar-cert C --registrar-key K
    tirkeu-cluster remove-validator DIR NAME --registrar-cert C --registrar-key K
    tirkeu-cluster rotate-key DIR NAME --registrar-cert C --registrar-key K
    tirkeu-cluster add-observer DIR NAME [--from-snapshot]
    tirkeu-cluster upgrade DIR --rules-version V --at-height H --authority ACT --registrar-cert ...

add-validator, remove-validator and rotate-key change the validator set by transaction (ADR
0011), upgrade schedules a rules version (ADR 0012): approved by the validators in force,
submitted by a registrar, and waited for until in force.

`init DIR --validators 4 --observer` makes four registrar validators (Tendermint BFT) and the
KTK observer. Without participants it names the built-in demo ones (clients/cluster/participants.py
DEMO_PARTICIPANTS: the BINs and IINs of ./scripts/demo); each flag replaces one of them, and
--participants FILE replaces them all. Exit codes: 0 ok, 1 failure, 2 bad input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from clients.cli.state import json_option_for
from clients.client import ClientError
from clients.cluster.layout import (
    DEFAULT_BATCH_DELAY_MS,
    DEFAULT_CHAIN_ID,
    RETIRED,
    init_cluster,
    load_cluster,
    require_supported_topology,
)
from clients.cluster.membership import (
    DEFAULT_EFFECT_DEADLINE_SECONDS,
    ChangeOutcome,
    Registrar,
    add_validator,
    remove_validator,
    rotate_key,
    upgrade_rules,
)
from clients.cluster.observers import add_observer
from clients.cluster.participants import DEMO_PARTICIPANTS, ClusterError, Participants
from clients.cluster.ports import reclaim_ports
from clients.cluster.processes import (
    DEFAULT_START_DEADLINE_SECONDS,
    kill_node,
    node_status,
    restart_node,
    start_cluster,
    stop_cluster,
)
from clients.pki.authority import PkiInputError
from ledger.chain.genesis import InvalidGenesis

DIRECTORY = click.Path(path_type=Path, file_okay=False)


@dataclass(slots=True)
class Output:
    json: bool

    def emit(self, document: object, text: str) -> None:
        click.echo(json.dumps(document, indent=2, ensure_ascii=False) if self.json else text)


class ClusterGroup(click.Group):
    """Named errors become a message on stderr and the documented exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (ClusterError, ClientError) as error:
            self._fail(ctx, type(error).__name__, str(error), error.exit_code)
        except (PkiInputError, InvalidGenesis) as error:
            self._fail(ctx, type(error).__name__, str(error), 2)

    @staticmethod
    def _fail(ctx: click.Context, kind: str, message: str, code: int) -> NoReturn:
        output = ctx.find_object(Output)
        if output is not None and output.json:
            click.echo(json.dumps({"error": kind, "message": message}, ensure_ascii=False))
        click.echo(f"tirkeu-cluster: {kind}: {message}", err=True)
        raise click.exceptions.Exit(code)


json_option = json_option_for(Output)


def output() -> Output:
    found = click.get_current_context().find_object(Output)
    if found is None:
        raise RuntimeError("a tirkeu-cluster command ran outside its group")
    return found


@click.group(cls=ClusterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_context
def main(ctx: click.Context, json_output: bool) -> None:
    """Make and run a local Tirkeu cluster (test CA, genesis, node configs, processes)."""
    ctx.obj = Output(json_output)


@main.command()
@click.argument("directory", type=DIRECTORY)
@click.option("--validators", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--observer", is_flag=True, help="Add the KTK observer node (ktk-observer).")
@click.option(
    "--participants",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON/TOML with ktk_bin, state_corporation_bin, first_credit_bureau_bin, "
    "registrar_iins, ktk_head_iins, auditor_iins (instead of the options below).",
)
@click.option(
    "--ktk-bin",
    help=f"BIN of Kazakhstan Housing Company (KTK). Default: {DEMO_PARTICIPANTS.ktk_bin} (demo).",
)
@click.option(
    "--state-corporation-bin",
    help="BIN of the State Corporation. "
    f"Default: {DEMO_PARTICIPANTS.state_corporation_bin} (demo).",
)
@click.option(
    "--first-credit-bureau-bin",
    help="BIN of First Credit Bureau LLP (para 37). "
    f"Default: {DEMO_PARTICIPANTS.first_credit_bureau_bin} (demo).",
)
@click.option(
    "--registrar-iin",
    multiple=True,
    help=f"A registrar's IIN; repeatable. Default: {DEMO_PARTICIPANTS.registrar_iins[0]} (demo).",
)
@click.option(
    "--ktk-head-iin",
    multiple=True,
    help=f"IIN of KTK's head (para 19); repeatable. Default: {DEMO_PARTICIPANTS.ktk_head_iins[0]}.",
)
@click.option("--auditor-iin", multiple=True, help="An auditor's IIN; repeatable.")
@click.option("--chain-id", default=DEFAULT_CHAIN_ID, show_default=True)
@click.option("--ca-dir", type=DIRECTORY, help="Use this `tirkeu-pki` CA instead of a new DIR/ca.")
@click.option(
    "--batch-delay-ms",
    type=click.IntRange(min=0),
    default=DEFAULT_BATCH_DELAY_MS,
    show_default=True,
    help="How long a node waits for more transactions per block.",
)
@json_option
def init(directory: Path, **options: Any) -> None:
    """Create DIR: test CA (or --ca-dir), node certificates, genesis and node configs on free
    ports of 127.0.0.1. Participants' own certificates are issued with `tirkeu-pki issue`."""
    require_supported_topology(options["validators"], observer=options["observer"])
    participants = _participants(options)
    cluster = init_cluster(
        directory,
        participants,
        validators=options["validators"],
        observer=options["observer"],
        chain_id=options["chain_id"],
        ca_directory=options["ca_dir"],
        batch_delay_ms=options["batch_delay_ms"],
    )
    nodes = ", ".join(f"{node.node_id} on {node.api}" for node in cluster.nodes)
    demo = " (the built-in demo participants)" if participants == DEMO_PARTICIPANTS else ""
    output().emit(
        cluster.describe(),
        f"Initialised cluster {cluster.chain_id} in {directory}: {nodes}\n"
        f"Genesis names KTK {participants.ktk_bin}, registrars "
        f"{', '.join(participants.registrar_iins)}, KTK's head "
        f"{', '.join(participants.ktk_head_iins)}{demo}.\n"
        f"Clients trust {cluster.ca_chain}; start it with `tirkeu-cluster start {directory}`.",
    )


def _participants(options: dict[str, Any]) -> Participants:
    listed = ("ktk_bin", "state_corporation_bin", "first_credit_bureau_bin")
    if options["participants"] is not None:
        given = [
            name
            for name in (*listed, "registrar_iin", "ktk_head_iin", "auditor_iin")
            if options[name]
        ]
        if given:
            raise click.UsageError(f"--participants replaces --{given[0].replace('_', '-')}")
        return Participants.from_file(options["participants"])
    # Built-in demo participants for a local test cluster (issue 13); each flag replaces one.
    demo = DEMO_PARTICIPANTS
    return Participants(
        ktk_bin=options["ktk_bin"] or demo.ktk_bin,
        state_corporation_bin=options["state_corporation_bin"] or demo.state_corporation_bin,
        first_credit_bureau_bin=options["first_credit_bureau_bin"] or demo.first_credit_bureau_bin,
        registrar_iins=tuple(options["registrar_iin"]) or demo.registrar_iins,
        ktk_head_iins=tuple(options["ktk_head_iin"]) or demo.ktk_head_iins,
        auditor_iins=tuple(options["auditor_iin"]) or demo.auditor_iins,
    )


@main.command()
@click.argument("directory", type=DIRECTORY)
@click.option(
    "--deadline-seconds",
    type=click.FloatRange(min=1),
    default=DEFAULT_START_DEADLINE_SECONDS,
    show_default=True,
)
@json_option
def start(directory: Path, deadline_seconds: float) -> None:
    """Start every node in the background and wait until each serves."""
    # Ports taken since `init` move to free ones first (clients/cluster/ports.py, issue 13).
    cluster, moved = reclaim_ports(load_cluster(directory))
    pids = start_cluster(cluster, deadline_seconds=deadline_seconds)
    notes = [f"{m.node_id}'s {m.purpose} port {m.old} was taken: moved to {m.new}" for m in moved]
    output().emit(
        {
            "nodes": [{"node_id": node_id, "pid": pid} for node_id, pid in pids.items()],
            "moved_ports": [
                {"node_id": m.node_id, "purpose": m.purpose, "old": m.old, "new": m.new}
                for m in moved
            ],
        },
        "\n".join(
            [
                *notes,
                *(
                    f"{node.node_id} serving on {node.api} (pid {pids[node.node_id]}, "
                    f"log {node.log})"
                    for node in cluster.nodes
                    if node.node_id in pids
                ),
            ]
        ),
    )


@main.command()
@click.argument("directory", type=DIRECTORY)
@json_option
def status(directory: Path) -> None:
    """Per node: role, height, latest block hash, state root, peers (configured, and how many
    the node reaches, from its metrics endpoint), and whether its process lives."""
    cluster = load_cluster(directory)
    statuses = [node_status(node) for node in cluster.nodes]
    lines = []
    for item in statuses:
        if item.height is None:
            lines.append(f"{item.node_id} ({item.role}) {item.api}: {item.error}")
        else:
            peers = "" if item.peers is None else f", {item.peers.text()}"
            lines.append(
                f"{item.node_id} ({item.role}) {item.api} pid {item.pid}: height {item.height}, "
                f"block {item.latest_block_hash or '(none yet)'}, state root {item.state_root}"
                f"{peers}"
            )
    output().emit({"nodes": [item.describe() for item in statuses]}, "\n".join(lines))
    serving = [
        item.alive and item.height is not None
        for item, node in zip(statuses, cluster.nodes, strict=True)
        if node.role != RETIRED
    ]
    if not all(serving):
        raise click.exceptions.Exit(1)


@main.command()
@click.argument("directory", type=DIRECTORY)
@click.argument("node_id")
@json_option
def kill(directory: Path, node_id: str) -> None:
    """SIGKILL one node, as a crash."""
    node = load_cluster(directory).node(node_id)
    pid = kill_node(node)
    text = f"killed {node_id} (pid {pid})" if pid else f"{node_id} was not running"
    output().emit({"node_id": node_id, "killed_pid": pid}, text)


@main.command()
@click.argument("directory", type=DIRECTORY)
@click.argument("node_id")
@click.option(
    "--deadline-seconds",
    type=click.FloatRange(min=1),
    default=DEFAULT_START_DEADLINE_SECONDS,
    show_default=True,
)
@json_option
def restart(directory: Path, node_id: str, deadline_seconds: float) -> None:
    """Stop one node (if it runs) and start it again; waits until it serves."""
    node = load_cluster(directory).node(node_id)
    pid = restart_node(node, deadline_seconds=deadline_seconds)
    output().emit({"node_id": node_id, "pid": pid}, f"{node_id} serving again (pid {pid})")


@main.command()
@click.argument("directory", type=DIRECTORY)
@json_option
def stop(directory: Path) -> None:
    """Stop every node (SIGTERM, then SIGKILL after a grace period)."""
    stopped = stop_cluster(load_cluster(directory))
    output().emit(
        {"nodes": [{"node_id": key, "stopped_pid": pid} for key, pid in stopped.items()]},
        "\n".join(
            f"stopped {key} (pid {pid})" if pid else f"{key} was not running"
            for key, pid in stopped.items()
        ),
    )


# --- validator-set changes (issue 12) -----------------------------------------------------------

PEM_FILE = click.Path(path_type=Path, exists=True, dir_okay=False)
MEMBERSHIP = {
    "add-validator": (add_validator, "a new registrar validator node, in the set from H + 2"),
    "remove-validator": (remove_validator, "a validator out of the set from H + 2, then stopped"),
    "rotate-key": (rotate_key, "a new node certificate and key for a validator, from H + 2"),
}


def _membership_command(name: str) -> None:
    change, summary = MEMBERSHIP[name]

    @main.command(name=name, help=f"Change the validator set by transaction: {summary}.")
    @click.argument("directory", type=DIRECTORY)
    @click.argument("node_id")
    @click.option("--registrar-cert", type=PEM_FILE, required=True, help="Submitting registrar.")
    @click.option("--registrar-key", type=PEM_FILE, required=True)
    @click.option(
        "--deadline-seconds",
        type=click.FloatRange(min=1),
        default=DEFAULT_EFFECT_DEADLINE_SECONDS,
        show_default=True,
        help="How long to wait for the change to be in force on every running node.",
    )
    @json_option
    def command(
        directory: Path,
        node_id: str,
        registrar_cert: Path,
        registrar_key: Path,
        deadline_seconds: float,
    ) -> None:
        cluster = load_cluster(directory)
        registrar = Registrar(registrar_cert, registrar_key)
        outcome: ChangeOutcome = change(
            cluster, node_id, registrar, deadline_seconds=deadline_seconds
        )
        output().emit(
            outcome.describe(),
            f"{outcome.kind} {node_id}: committed at height {outcome.committed_height}, in force "
            f"from {outcome.in_force_from}; validators {', '.join(outcome.validators)}",
        )


for _name in MEMBERSHIP:
    _membership_command(_name)


@main.command()
@click.argument("directory", type=DIRECTORY)
@click.option("--rules-version", type=click.IntRange(min=2), required=True)
@click.option("--at-height", type=click.IntRange(min=1), required=True, help="Activation height.")
@click.option("--authority", required=True, help="The State Corporation's act ordering it.")
@click.option("--pilot-in-force-until", default="", help="From version 2: the pilot's new end.")
@click.option("--registrar-cert", type=PEM_FILE, required=True, help="Submitting registrar.")
@click.option("--registrar-key", type=PEM_FILE, required=True)
@click.option(
    "--deadline-seconds",
    type=click.FloatRange(min=1),
    default=DEFAULT_EFFECT_DEADLINE_SECONDS,
    show_default=True,
)
@json_option
def upgrade(directory: Path, **options: Any) -> None:
    """Schedule a rules version from a height (ADR 0012) and wait until the running nodes pass
    it; a node without the version stops there (event rules_version_unsupported)."""
    outcome = upgrade_rules(
        load_cluster(directory),
        Registrar(options["registrar_cert"], options["registrar_key"]),
        rules_version=options["rules_version"],
        activation_height=options["at_height"],
        authority=options["authority"],
        pilot_in_force_until=options["pilot_in_force_until"],
        deadline_seconds=options["deadline_seconds"],
    )
    stopped = ", ".join(outcome.stopped) or "none"
    output().emit(
        outcome.describe(),
        f"rules version {outcome.rules_version} in force from height "
        f"{outcome.activation_height} (committed at {outcome.committed_height}); "
        f"stopped without it: {stopped}",
    )


@main.command(name="add-observer")
@click.argument("directory", type=DIRECTORY)
@click.argument("node_id")
@click.option(
    "--from-snapshot",
    is_flag=True,
    help="Start from a state snapshot of a validator (state sync) instead of block 1.",
)
@click.option("--deadline-seconds", type=click.FloatRange(min=1), default=120.0)
@json_option
def add_observer_command(
    directory: Path, node_id: str, from_snapshot: bool, deadline_seconds: float
) -> None:
    """Add a KTK observer node and wait until it has caught up with the validators."""
    added = add_observer(
        load_cluster(directory),
        node_id,
        from_snapshot=from_snapshot,
        deadline_seconds=deadline_seconds,
    )
    start = "block 1" if added.snapshot_height is None else f"snapshot {added.snapshot_height}"
    output().emit(
        added.describe(), f"{node_id} serving on {added.api} from {start}, at {added.height}"
    )
