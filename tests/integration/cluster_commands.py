"""Running the installed console scripts against a `tirkeu-cluster` directory, as an operator
would, for the lifecycle tests (membership, upgrades, snapshots): one command runner, the
connection settings of a cluster node (or of a person's certificate), and its height."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from clients.client import ClientError, ConnectionSettings, LedgerClient
from tests.pki_fixtures import (
    KTK_BIN,
    KTK_HEAD_IIN,
    OTHER_BIN,
    REGISTRAR_IIN,
    STATE_CORPORATION_BIN,
    STATE_CORPORATION_NAME,
)

BIN = Path(sys.executable).parent  # the virtual environment's console scripts
COMMAND_SECONDS = 240
PROGRESS_SECONDS = 90


def run(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`arguments[0]` (a console script of this environment) with the rest, bounded in time."""
    return subprocess.run(
        [str(BIN / arguments[0]), *arguments[1:]],
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
        env=env,
    )


def ok(*arguments: str, env: dict[str, str] | None = None) -> Any:
    """`run`, which must exit 0; its JSON document with --json, else its text."""
    completed = run(*arguments, env=env)
    assert completed.returncode == 0, completed.stderr + completed.stdout
    return json.loads(completed.stdout) if "--json" in arguments else completed.stdout


def init_cluster_with_registrar(
    base: Path, *, validators: int, observer: bool = False
) -> tuple[Path, Path]:
    """`tirkeu-cluster init BASE/cluster` on the fixtures' participants, and a registrar employee
    certificate from its CA as BASE/registrar.*.pem: (the cluster directory, the registrar)."""
    directory = base / "cluster"
    ok(
        "tirkeu-cluster", "init", str(directory), "--validators", str(validators),
        *(["--observer"] if observer else []),
        "--ktk-bin", KTK_BIN, "--state-corporation-bin", STATE_CORPORATION_BIN,
        "--first-credit-bureau-bin", OTHER_BIN, "--registrar-iin", REGISTRAR_IIN,
        "--ktk-head-iin", KTK_HEAD_IIN,
    )  # fmt: skip
    registrar = base / "registrar"
    ok(
        "tirkeu-pki", "issue", str(directory / "ca"), "--kind", "employee",
        "--name", "Registrar", "--iin", REGISTRAR_IIN, "--bin", STATE_CORPORATION_BIN,
        "--organisation", STATE_CORPORATION_NAME, "-o", str(registrar),
    )  # fmt: skip
    return directory, registrar


def node_settings(
    directory: Path, node_id: str, *, person: Path | None = None
) -> ConnectionSettings:
    """Connecting to `node_id` of the cluster in `directory` with the node's own certificate,
    or with `person`'s (PERSON.cert.pem, PERSON.key.pem as `tirkeu-pki issue -o` writes)."""
    document = json.loads((directory / "cluster.json").read_text())
    address = next(n["api"] for n in document["nodes"] if n["node_id"] == node_id)
    node = directory / node_id
    cert = node / "node.cert.pem" if person is None else Path(f"{person}.cert.pem")
    key = node / "node.key.pem" if person is None else Path(f"{person}.key.pem")
    return ConnectionSettings.from_files(address, cert=cert, key=key, ca=node / "ca.chain.pem")


def node_height(directory: Path, node_id: str) -> int:
    """The node's height; -1 while it cannot be reached."""
    try:
        with LedgerClient.connect(node_settings(directory, node_id), timeout_seconds=5) as client:
            return client.chain_info().height
    except ClientError:
        return -1
