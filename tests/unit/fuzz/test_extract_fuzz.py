"""Fuzzing registry extracts, both ways they reach a reader: the JSON file an auditor or a bank
verifies offline (``verify_extract``, its HTML page, ``tirkeu-audit verify-extract``), and the
PropertyExtract message a node answers (``extract_document(extract_from_message(...))``, what
``tirkeu extract`` writes).

Named outcomes:
- ``verify_extract``: never raises; a verdict naming an ExtractProblem.
- ``render_extract_html``: never raises, whatever the document holds.
- ``tirkeu-audit verify-extract FILE``: exit 0 (verified), 1 (not verified) or 2 (unusable
  input), never a traceback.
- a node's answer: ``extract_document`` raises InvalidExtract (MALFORMED, HEADER_MALFORMED,
  COMMIT_MALFORMED, RECORD_MALFORMED) for what it cannot read.
"""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st
from tirkeu_pb import api_pb2, block_pb2

from clients.cli.audit import EXIT_DEFECTS, EXIT_OK, EXIT_UNUSABLE, audit
from clients.extract import render_extract_html
from ledger.audit.anchor import TrustAnchor, trust_anchor
from ledger.extract.extract import (
    ExtractVerdict,
    InvalidExtract,
    extract_document,
    extract_from_document,
    extract_from_message,
    verify_extract,
)
from tests.unit.fuzz.support import (
    FUZZ,
    json_bytes_of,
    mutated_json,
    only_named,
    vectors,
    with_extreme_fields,
)

DOCUMENTS = [case["document"] for case in vectors("extracts")["extracts"]]
GENESIS_BYTES = json.dumps(vectors("genesis")).encode()
DEEP = b"[" * 100_000 + b"]" * 100_000


@cache
def anchor() -> TrustAnchor:
    return trust_anchor(GENESIS_BYTES)


def _message(document: object) -> api_pb2.PropertyExtract:
    """The node's answer that the extract document was written from."""
    extract, _, _ = extract_from_document(document)

    def proof(record: object) -> api_pb2.StateProof:
        key, value, proof_bytes = record.key, record.value, record.proof  # type: ignore[attr-defined]
        return api_pb2.StateProof(
            key=key, present=value is not None, value=value or b"", proof=proof_bytes
        )

    return api_pb2.PropertyExtract(
        cadastral_number=extract.cadastral_number,
        height=extract.height,
        header=extract.header,
        commit=block_pb2.CommitCertificate.FromString(extract.commit),
        property=proof(extract.property_record),
        active_encumbrance=proof(extract.active_encumbrance),
        validator_changes=[
            api_pb2.CommittedValidatorChange(height=height, change=change)
            for height, change in extract.validator_changes
        ],
    )


_EMPTY_NUMBER = _message(DOCUMENTS[0])
_EMPTY_NUMBER.cadastral_number = ""
_BAD_HEADER = _message(DOCUMENTS[0])
_BAD_HEADER.header = b"\xff"


@FUZZ
@given(mutated_json(DOCUMENTS))
def test_extract_documents_get_a_verdict_and_a_page(document: object) -> None:
    verdict = verify_extract(document, anchor())
    assert isinstance(verdict, ExtractVerdict)
    assert verdict.ok == (verdict.problem is None)
    assert json.dumps(verdict.to_dict(), default=str)
    assert render_extract_html(document, verdict).startswith("<!DOCTYPE html>")


@FUZZ
@given(json_bytes_of(DOCUMENTS))
@example(DEEP)  # found: RecursionError from json.loads, a traceback instead of exit 2
def test_verify_extract_files_exit_with_a_named_code(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        extract_file = Path(directory) / "extract.json"
        genesis_file = Path(directory) / "genesis.json"
        extract_file.write_bytes(raw)
        genesis_file.write_bytes(GENESIS_BYTES)
        result = CliRunner().invoke(
            audit,
            ["verify-extract", str(extract_file), "--genesis", str(genesis_file), "--json"],
        )
    assert result.exit_code in (EXIT_OK, EXIT_DEFECTS, EXIT_UNUSABLE), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


@FUZZ
@given(st.deferred(lambda: with_extreme_fields([_message(d) for d in DOCUMENTS])))
@example(_EMPTY_NUMBER)  # found: written with an empty cadastral number the verifier refuses
@example(_BAD_HEADER)  # found: InvalidBlock escaped instead of InvalidExtract
def test_a_node_answer_becomes_a_document_or_a_named_invalid_extract(
    message: api_pb2.PropertyExtract,
) -> None:
    document = only_named(
        lambda: extract_document(extract_from_message(message)), (InvalidExtract,)
    )
    if isinstance(document, dict):
        # What the client writes is what the offline verifier reads back.
        extract, _, _ = extract_from_document(document)
        assert extract == extract_from_message(message)


def test_the_extract_vectors_verify_and_survive_the_round_trip() -> None:
    for document in DOCUMENTS:
        assert verify_extract(document, anchor()).ok
        assert extract_document(extract_from_message(_message(document))) == document
