"""`tirkeu extract CADASTRAL_NUMBER -o extract.json`: a proof-carrying registry extract.

Added to the `tirkeu` group in clients/cli/main.py (``tirkeu.add_command(extract)``), so it takes
the
group's connection options (--node, --cert, --key, --ca or TIRKEU_*). The file holds the header,
its commit certificate, the property record and the active-encumbrance record (or the proof of
its absence) with their proofs, and a decoded view; anyone verifies it offline with
`tirkeu-audit verify-extract extract.json --genesis genesis.json`.
"""

from __future__ import annotations

from pathlib import Path

import click

from clients.cli.state import current_state, json_option
from clients.client import ConnectionSettings
from clients.extract import fetch_extract, write_extract


@click.command("extract")
@click.argument("cadastral_number")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write extract.json.",
)
@json_option
def extract(cadastral_number: str, output: Path) -> None:
    """A registry extract of a property, provable offline against the genesis validators."""
    state = current_state()
    if state.node is None or state.cert is None or state.key is None or state.ca is None:
        raise click.UsageError("an extract needs --node, --cert, --key and --ca")
    settings = ConnectionSettings.from_files(
        state.node, cert=state.cert, key=state.key, ca=state.ca
    )
    document = fetch_extract(settings, cadastral_number, timeout_seconds=state.timeout_seconds)
    write_extract(document, output)
    view = document["view"]
    statement = view.get("statement", "") if isinstance(view, dict) else ""
    summary = {"file": str(output), "height": document["height"], "statement": statement}
    state.emit(summary, f"{output}: {statement} (height {document['height']}, not yet verified)")
