"""Client side of registry extracts: fetch one from a node, write extract.json, render a page.

The node's answer is written as it came (``ledger.extract.extract.extract_document``); whether it
holds
is for ``tirkeu-audit verify-extract`` to say, offline, against the genesis file. The page
(``render_extract_html``) shows the registration sheet, the holder, the encumbrances, the
verdict and the proof facts, every value HTML-escaped, with no external assets, so that it can
be archived or mailed as one file.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import grpc
from tirkeu_pb import api_pb2 as api
from tirkeu_pb import api_pb2_grpc as api_grpc

from clients.client import ConnectionSettings, open_channel
from clients.errors import NodeFailed, error_from_rpc
from ledger.extract.extract import (
    ExtractVerdict,
    InvalidExtract,
    extract_document,
    extract_from_message,
)

__all__ = ["fetch_extract", "render_extract_html", "write_extract"]


def fetch_extract(
    settings: ConnectionSettings, cadastral_number: str, *, timeout_seconds: float
) -> dict[str, object]:
    """The extract.json document for ``cadastral_number`` from the node; ClientError when the
    node refuses or cannot be reached."""
    channel = open_channel(settings)
    try:
        stub = api_grpc.LedgerStub(channel)  # type: ignore[no-untyped-call]
        request = api.GetPropertyExtractRequest(cadastral_number=cadastral_number)
        try:
            message = stub.GetPropertyExtract(request, timeout=timeout_seconds)
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
    finally:
        channel.close()
    try:
        return extract_document(extract_from_message(message))
    except InvalidExtract as error:
        # The node answered, but with bytes no verifier could read: a named failure of the
        # node, not a traceback in the client (found by tests/unit/fuzz/test_extract_fuzz.py).
        raise NodeFailed(f"the node's extract is unreadable: {error}") from None


def write_extract(document: Mapping[str, object], path: Path) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --- the page ------------------------------------------------------------------------------------

_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #bbb;
padding: .3em .5em; text-align: left; vertical-align: top; font-size: .9em; }
.ok { background: #e3f4e3; border: 2px solid #2a7a2a; padding: .8em; }
.failed { background: #fbe3e3; border: 2px solid #a82020; padding: .8em; }
code { word-break: break-all; font-size: .85em; }
"""


def render_extract_html(document: object, verdict: ExtractVerdict) -> str:
    view = _mapping(_mapping(document).get("view"))
    cadastral = _mapping(document).get("cadastral_number", "")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Registry extract {_e(cadastral)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Registry extract (үзінді көшірме): {_e(cadastral)}</h1>",
        _verdict_section(verdict),
    ]
    if not verdict.ok:
        parts.append(
            "<p><strong>The content below is as the file claims it; it is NOT proved.</strong></p>"
        )
    parts.append(f"<p>{_e(view.get('statement', ''))}</p>")
    parts.append(_property_section(_mapping(view.get("property"))))
    parts.append(_encumbrances_section(_mapping(view.get("property")), view))
    parts.append(_sheet_section(_mapping(view.get("property"))))
    parts.append(_facts_section(verdict, view))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _verdict_section(verdict: ExtractVerdict) -> str:
    if verdict.ok:
        return (
            '<div class="ok"><strong>VERIFIED</strong>: the records (or their absence) are '
            "proved against a block committed by more than 2/3 of the genesis validators.</div>"
        )
    problem = verdict.problem.name if verdict.problem is not None else "UNKNOWN"
    description = verdict.problem.value if verdict.problem is not None else ""
    return (
        f'<div class="failed"><strong>NOT VERIFIED: {_e(problem)}</strong> '
        f"({_e(description)}): {_e(verdict.detail)}</div>"
    )


def _property_section(record: Mapping[str, object]) -> str:
    if not record:
        return "<h2>Property</h2><p>No property record (its absence is what is proved).</p>"
    holder = _mapping(record.get("holder"))
    rows = [
        ("Cadastral number", record.get("cadastral_number")),
        ("Address", record.get("address")),
        ("Kind", record.get("kind")),
        ("Area, m²", record.get("area_square_metres")),
        ("Right holder", f"{holder.get('identifier_kind', '')} {holder.get('identifier', '')}"),
    ]
    return "<h2>Property</h2>" + _table(("Field", "Value"), rows)


def _encumbrances_section(record: Mapping[str, object], view: Mapping[str, object]) -> str:
    active = view.get("active_encumbrance")
    summary = (
        "<p>Active encumbrance: <strong>none</strong> (proof of absence).</p>"
        if active is None
        else "<p>Active encumbrance: <strong>present</strong> (proof of presence).</p>"
    )
    rows = [
        (
            item.get("kind"),
            item.get("status"),
            item.get("lessor_bin"),
            item.get("lessee_iin"),
            item.get("registered_height"),
            item.get("terminated_height"),
            item.get("application_id"),
        )
        for item in map(_mapping, _sequence(record.get("encumbrances")))
    ]
    headings = ("Kind", "Status", "Lessor BIN", "Lessee IIN", "Registered", "Terminated", "Case")
    return "<h2>Encumbrances</h2>" + summary + (_table(headings, rows) if rows else "")


def _sheet_section(record: Mapping[str, object]) -> str:
    rows = []
    for entry in map(_mapping, _sequence(record.get("registration_sheet"))):
        holder = _mapping(entry.get("right_holder"))
        rows.append(
            (
                entry.get("number"),
                entry.get("kind"),
                entry.get("registered_at"),
                entry.get("height"),
                f"{holder.get('identifier_kind', '')} {holder.get('identifier', '')}",
                entry.get("lessee_iin"),
                entry.get("registrar_iin"),
                entry.get("legal_basis"),
                entry.get("transaction_id"),
            )
        )
    headings = (
        "No.",
        "Entry",
        "Registered at (UTC)",
        "Height",
        "Right holder",
        "Lessee",
        "Registrar",
        "Basis",
        "Decision transaction",
    )
    body = _table(headings, rows) if rows else "<p>No entries.</p>"
    return "<h2>Registration sheet (тіркеу парағы)</h2>" + body


def _facts_section(verdict: ExtractVerdict, view: Mapping[str, object]) -> str:
    facts = dict(verdict.facts)
    rows = [
        ("Chain", facts.get("chain_id", view.get("chain_id"))),
        ("Height", facts.get("height", view.get("height"))),
        ("Block hash", facts.get("block_hash", view.get("block_hash"))),
        ("Block time (UTC)", view.get("block_time")),
        ("State root", facts.get("state_root", view.get("state_root"))),
        ("Certified by", ", ".join(map(str, _sequence(facts.get("certified_by"))))),
        (
            "Certified power",
            f"{facts.get('certified_power', '?')} of {facts.get('total_power', '?')}",
        ),
        ("Property record", facts.get("property_proved", "not proved")),
        ("Active-encumbrance record", facts.get("encumbrance_proved", "not proved")),
    ]
    return "<h2>Proof</h2>" + _table(("Fact", "Value"), rows)


def _table(headings: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headings)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: object) -> str:
    text = _e(value)
    return f"<code>{text}</code>" if len(text) >= 32 and " " not in text else text


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: object) -> Sequence[object]:
    return value if isinstance(value, list) else []
