"""`tirkeu-audit` in process (click's runner): exit codes 0/1/2, the JSON report and verdict,
and the extract page (escaped, self-contained)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from clients.cli.audit import audit
from tests.unit.ledger.audit.chain import CADASTRAL_NUMBER, StoryChain
from tests.unit.ledger.audit.extract_helpers import extract_of
from tests.unit.ledger.audit.tamper import Tamperer, block_key


def run(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(audit, list(arguments))
    return result.exit_code, result.stdout


def test_verify_passes_the_story_chain_and_prints_a_json_report(story_chain: StoryChain) -> None:
    code, output = run(
        "verify",
        "--genesis",
        str(story_chain.genesis_path),
        "--data-dir",
        str(story_chain.data_dir),
        "--json",
    )
    report = json.loads(output)
    assert (code, report["ok"], report["defects"], report["tip_height"]) == (0, True, [], 10)


def test_verify_exits_1_naming_the_defect_and_writes_the_report(
    chain_copy: Path, story_chain: StoryChain, tmp_path: Path
) -> None:
    with Tamperer(chain_copy / "ledger") as tamperer:
        tamperer.delete(block_key(7))
    report_path = tmp_path / "report.json"
    code, output = run(
        "verify",
        "--genesis",
        str(story_chain.genesis_path),
        "--data-dir",
        str(chain_copy),
        "--report",
        str(report_path),
    )
    assert code == 1
    assert "DEFECT BLOCK_MISSING at height 7" in output
    assert "FAILED: 1 defect(s)" in output
    written = json.loads(report_path.read_text())
    assert [(d["kind"], d["location"]) for d in written["defects"]] == [
        ("BLOCK_MISSING", {"height": 7, "field": "block"})
    ]


def test_verify_exits_2_on_a_bad_genesis_file(story_chain: StoryChain, tmp_path: Path) -> None:
    bad = tmp_path / "genesis.json"
    bad.write_text("{}")
    code, output = run(
        "verify", "--genesis", str(bad), "--data-dir", str(story_chain.data_dir), "--json"
    )
    assert code == 2
    assert json.loads(output)["error"] == "unusable input"


def test_verify_exits_2_without_a_database(story_chain: StoryChain, tmp_path: Path) -> None:
    code, _ = run("verify", "--genesis", str(story_chain.genesis_path), "--data-dir", str(tmp_path))
    assert code == 2


def test_verify_extract_writes_a_page_with_the_verdict(
    story_chain: StoryChain, tmp_path: Path
) -> None:
    extract_path, page = tmp_path / "extract.json", tmp_path / "extract.html"
    extract_path.write_text(json.dumps(extract_of(story_chain, CADASTRAL_NUMBER)))
    code, output = run(
        "verify-extract",
        str(extract_path),
        "--genesis",
        str(story_chain.genesis_path),
        "--html",
        str(page),
        "--json",
    )
    verdict = json.loads(output)
    assert (code, verdict["ok"], verdict["facts"]["encumbrance_proved"]) == (0, True, "absent")
    text = page.read_text()
    assert "<strong>VERIFIED</strong>" in text
    assert "OWNERSHIP_REGISTERED" in text and "Algorithm para 34(2)" in text
    assert "http" not in text  # no external assets


def test_an_altered_extract_exits_1_and_its_page_escapes_what_it_claims(
    story_chain: StoryChain, tmp_path: Path
) -> None:
    document = extract_of(story_chain, CADASTRAL_NUMBER)
    document["view"]["property"]["address"] = "<script>alert(1)</script>"
    extract_path, page = tmp_path / "extract.json", tmp_path / "extract.html"
    extract_path.write_text(json.dumps(document))
    code, output = run(
        "verify-extract", str(extract_path), "--genesis", str(story_chain.genesis_path),
        "--html", str(page),
    )  # fmt: skip
    assert code == 1
    assert output.startswith("NOT VERIFIED: VIEW_MISMATCH: view.property.address")
    text = page.read_text()
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "NOT VERIFIED: VIEW_MISMATCH" in text
    assert "it is NOT proved" in text


def test_an_unreadable_extract_file_exits_2(story_chain: StoryChain, tmp_path: Path) -> None:
    path = tmp_path / "extract.json"
    path.write_text("not json")
    code, _ = run("verify-extract", str(path), "--genesis", str(story_chain.genesis_path))
    assert code == 2
