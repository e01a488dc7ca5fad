"""`tirkeu-audit`: the auditor's verification of a Tirkeu chain and of registry extracts.

    tirkeu-audit verify --genesis genesis.json --data-dir /var/lib/tirkeu/node-1   # node stopped
    tirkeu-audit verify --genesis genesis.json --node 127.0.0.1:7050 \\
        --cert auditor.cert.pem --key auditor.key.pem --ca ca.pem
    tirkeu-audit verify-extract extract.json --genesis genesis.json --html extract.html

Nothing the audited node says is trusted: the genesis file is the trust anchor (the chain id,
the validators whose signatures commit blocks, the CAs). See docs/adr/0003-audit-replay.md.
Exit codes: 0 verified, no defect; 1 defects found (the extract does not verify; also a
database LevelDB refuses to open as damaged, reported as STORE_CORRUPT); 2 unusable input (bad
genesis file, no chain at the path, node unreachable or locked database).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from clients.cli.audit_pool import VerdictPool
from clients.cli.audit_sources import DataDirectorySource, NodeSource
from clients.client import ClientError, ConnectionSettings
from clients.extract import render_extract_html
from ledger.audit import (
    AuditReport,
    SourceUnusable,
    StoredLedger,
    TrustAnchor,
    audit_chain,
    trust_anchor,
)
from ledger.audit.records import unopenable
from ledger.audit.source import ChainSource, SourceCorrupt
from ledger.chain.genesis import InvalidGenesis
from ledger.extract.extract import verify_extract

EXIT_OK, EXIT_DEFECTS, EXIT_UNUSABLE = 0, 1, 2
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
DEFAULT_PROGRESS_EVERY = 1000


def _unusable(message: str, as_json: bool) -> NoReturn:
    if as_json:
        click.echo(json.dumps({"error": "unusable input", "message": message}))
    click.echo(f"tirkeu-audit: unusable input: {message}", err=True)
    raise click.exceptions.Exit(EXIT_UNUSABLE)


def _anchor(genesis: Path, as_json: bool) -> TrustAnchor:
    try:
        return trust_anchor(genesis.read_bytes())
    except (OSError, InvalidGenesis) as error:
        _unusable(f"genesis file {genesis}: {error}", as_json)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def audit() -> None:
    """Verify a Tirkeu chain from genesis to tip, or a registry extract, offline."""


@audit.command("verify")
@click.option("--genesis", type=EXISTING_FILE, required=True, help="The trust anchor.")
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A STOPPED node's data directory (or its ledger/ database).",
)
@click.option("--node", envvar="TIRKEU_NODE", metavar="HOST:PORT", help="A running node.")
@click.option("--cert", envvar="TIRKEU_CERT", type=EXISTING_FILE, help="Your certificate.")
@click.option("--key", envvar="TIRKEU_KEY", type=EXISTING_FILE, help="Your private key.")
@click.option("--ca", envvar="TIRKEU_CA", type=EXISTING_FILE, help="CA certificates (PEM).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True)
@click.option(
    "--progress-every",
    type=click.IntRange(min=0),
    default=DEFAULT_PROGRESS_EVERY,
    show_default=True,
    help="Report progress on stderr every N blocks (0: never).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="the cores",
    help="Processes verifying signatures and decoding documents ahead of the replay (1: none).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option(
    "--report", type=click.Path(dir_okay=False, path_type=Path), help="Also write JSON here."
)
def verify(
    *,
    genesis: Path,
    data_dir: Path | None,
    node: str | None,
    cert: Path | None,
    key: Path | None,
    ca: Path | None,
    timeout: float,
    progress_every: int,
    jobs: int,
    as_json: bool,
    report: Path | None,
) -> None:
    """Hash links, Merkle roots, commit certificates, transaction signatures and roles, and a
    full replay of the registry rules; offline also the node's stored state and indexes."""
    anchor = _anchor(genesis, as_json)
    if (data_dir is None) == (node is None):
        raise click.UsageError("give exactly one of --data-dir (node stopped) or --node")
    try:
        if data_dir is not None:
            with DataDirectorySource(data_dir) as stored_source:
                result = _run(stored_source, anchor, stored_source, progress_every, jobs)
        else:
            settings = _settings(node, cert, key, ca)
            with NodeSource(settings, timeout_seconds=timeout) as node_source:
                result = _run(node_source, anchor, None, progress_every, jobs)
    except SourceCorrupt as error:
        # A damaged backup is a finding, not an input error: the node refuses it too.
        result = unopenable(f"data directory {data_dir}", anchor, str(error))
    except (SourceUnusable, ClientError) as error:
        _unusable(str(error), as_json)
    document = result.to_dict()
    if report is not None:
        report.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    click.echo(json.dumps(document, indent=2, ensure_ascii=False) if as_json else _text(result))
    raise click.exceptions.Exit(EXIT_OK if result.ok else EXIT_DEFECTS)


def _settings(
    node: str | None, cert: Path | None, key: Path | None, ca: Path | None
) -> ConnectionSettings:
    if node is None or cert is None or key is None or ca is None:
        raise click.UsageError("--node needs --cert, --key and --ca (mutual TLS)")
    return ConnectionSettings.from_files(node, cert=cert, key=key, ca=ca)


def _run(
    source: ChainSource, anchor: TrustAnchor, stored: StoredLedger | None, every: int, jobs: int
) -> AuditReport:
    def progress(height: int, tip: int) -> None:
        if every and (height % every == 0 or height == tip):
            click.echo(f"tirkeu-audit: verified {height}/{tip} blocks", err=True)
            sys.stderr.flush()

    if jobs == 1:
        return audit_chain(source, anchor, stored=stored, progress=progress)
    with VerdictPool(source, jobs) as pool:
        return audit_chain(
            source, anchor, stored=stored, progress=progress, prefetched=pool.verdicts
        )


def _text(report: AuditReport) -> str:
    lines = [
        f"chain {report.chain_id} from {report.source}: {report.tip_height} blocks, "
        f"{report.counts.transactions_replayed} transactions replayed, "
        f"{report.counts.commit_certificates} commit certificates checked",
        f"state replayed to height {report.replayed_to_height}, root {report.state_root}",
    ]
    lines += [f"DEFECT {defect.describe()}" for defect in report.defects]
    lines += [f"NOT VERIFIED: {note}" for note in report.not_verified]
    lines.append("OK: no defect found" if report.ok else f"FAILED: {len(report.defects)} defect(s)")
    return "\n".join(lines)


@audit.command("verify-extract")
@click.argument("extract_file", type=EXISTING_FILE)
@click.option("--genesis", type=EXISTING_FILE, required=True, help="The trust anchor.")
@click.option(
    "--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Write a page."
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON on stdout.")
def verify_extract_command(
    *, extract_file: Path, genesis: Path, html_file: Path | None, as_json: bool
) -> None:
    """Verify a registry extract offline, trusting only the genesis validators and CAs."""
    anchor = _anchor(genesis, as_json)
    try:
        document = json.loads(extract_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        # RecursionError: json's parser recurses once per nesting level ("[[[[...").
        _unusable(f"extract file {extract_file}: {error}", as_json)
    verdict = verify_extract(document, anchor)
    if html_file is not None:
        html_file.write_text(render_extract_html(document, verdict), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False))
    elif verdict.ok:
        facts = verdict.facts
        signers = facts.get("certified_by")
        click.echo(f"VERIFIED: {facts.get('statement', verdict.detail)}")
        click.echo(
            f"height {facts.get('height')}, block {facts.get('block_hash')}, certified by "
            + (", ".join(str(s) for s in signers) if isinstance(signers, list) else "?")
        )
    else:
        problem = verdict.problem.name if verdict.problem else "UNKNOWN"
        click.echo(f"NOT VERIFIED: {problem}: {verdict.detail}")
    raise click.exceptions.Exit(EXIT_OK if verdict.ok else EXIT_DEFECTS)


def main() -> None:
    audit(prog_name="tirkeu-audit")
