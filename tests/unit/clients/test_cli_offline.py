"""`tirkeu` without a node: the offline flow build -> sign -> show, and bad input (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clients.cli.main import tirkeu
from clients.client import read_envelope, transaction_id
from clients.errors import EXIT_BAD_INPUT
from clients.pki.authority import IssuedCertificate
from ledger.hashing import sha256
from ledger.identity.certificates import load_certificate
from ledger.identity.signatures import verify_ecdsa_p256_signature
from tests.pki_fixtures import (
    KTK_BIN,
    KTK_OFFICER_IIN,
    RECIPIENT_IIN,
    SPOUSE_IIN,
    TestAuthority,
    with_wrong_check_digit,
)

OFFLINE = ["--chain-id", "tirkeu-test", "--expiry-height", "500"]


@pytest.fixture(scope="module")
def authority() -> TestAuthority:
    return TestAuthority()


def _credentials(directory: Path, name: str, issued: IssuedCertificate) -> tuple[Path, Path]:
    key, cert = directory / f"{name}.key.pem", directory / f"{name}.cert.pem"
    key.write_bytes(issued.key_pem)
    cert.write_bytes(issued.pem)
    return key, cert


def _run(*arguments: str | Path) -> Result:
    return CliRunner().invoke(tirkeu, [str(argument) for argument in arguments])


def _documents(directory: Path) -> list[str]:
    for name in ("contract.pdf", "consent.pdf"):
        (directory / name).write_bytes(f"{name} text".encode())
        (directory / f"{name}.cms").write_bytes(b"cms of " + name.encode())
    return [
        "--contract", str(directory / "contract.pdf"),
        "--consent", str(directory / "consent.pdf"),
    ]  # fmt: skip


def test_build_sign_show_gives_one_envelope_signed_by_every_party(
    authority: TestAuthority, tmp_path: Path
) -> None:
    ktk_key, ktk_cert = _credentials(tmp_path, "ktk", authority.issue_ktk_officer())
    recipient = authority.issue_individual("Recipient")
    recipient_key, recipient_cert = _credentials(tmp_path, "recipient", recipient)
    spouse_key, spouse_cert = _credentials(
        tmp_path, "spouse", authority.issue_individual("Spouse", SPOUSE_IIN)
    )
    envelope_file = tmp_path / "lease.env"
    built = _run(
        "tx", "build", "lease-application", *OFFLINE,
        "--cadastral-number", "21:318:023:1245:1/45", "--recipient", RECIPIENT_IIN,
        "--marital-status", "married", "--spouse", SPOUSE_IIN,
        *_documents(tmp_path), "--sign", f"{ktk_key}:{ktk_cert}", "-o", envelope_file, "--json",
    )  # fmt: skip
    assert built.exit_code == 0, built.output
    assert json.loads(built.output)["signatures"] == 1

    signed = _run("tx", "sign", envelope_file, "--key", recipient_key, "--cert", recipient_cert)
    assert signed.exit_code == 0, signed.output
    assert "2 signatures" in signed.output
    signed = _run("--key", spouse_key, "--cert", spouse_cert, "tx", "sign", envelope_file)
    assert signed.exit_code == 0, signed.output

    shown = _run("--json", "tx", "show", envelope_file)
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    envelope = read_envelope(envelope_file)
    assert document["transaction_id"] == transaction_id(envelope)
    assert document["body"]["kind"] == "lease_application"
    assert document["body"]["chain_id"] == "tirkeu-test"
    assert document["body"]["expiry_height"] == 500
    action = document["body"]["action"]
    assert action["recipient_marital_status"] == "MARRIED"
    assert action["contract"]["sha256"] == sha256(b"contract.pdf text").hex()
    assert action["contract"]["title"] == "contract.pdf"
    assert document["signers"] == [
        f"KTK Officer (IIN {KTK_OFFICER_IIN}, BIN {KTK_BIN})",
        f"Recipient (IIN {RECIPIENT_IIN})",
        f"Spouse (IIN {SPOUSE_IIN})",
    ]
    for signature in envelope.signatures:
        certificate = load_certificate(signature.certificate)
        assert verify_ecdsa_p256_signature(certificate, signature.signature, envelope.body)


def test_signing_twice_with_one_certificate_is_bad_input(
    authority: TestAuthority, tmp_path: Path
) -> None:
    key, cert = _credentials(tmp_path, "registrar", authority.issue_registrar())
    envelope_file = tmp_path / "decision.env"
    built = _run(
        "tx", "build", "decision", "suspend", "app-1", "--reason", "documents are being checked",
        *OFFLINE, "--sign", f"{key}:{cert}", "-o", envelope_file,
    )  # fmt: skip
    assert built.exit_code == 0, built.output
    again = _run("--json", "tx", "sign", envelope_file, "--key", key, "--cert", cert)
    assert again.exit_code == EXIT_BAD_INPUT
    assert json.loads(again.stdout)["error"] == "AlreadySigned"


def test_an_iin_with_a_wrong_check_digit_is_refused_before_anything_is_built(
    tmp_path: Path,
) -> None:
    result = _run(
        "tx", "build", "lease-application", *OFFLINE, "--cadastral-number", "c",
        "--recipient", with_wrong_check_digit(RECIPIENT_IIN), "--marital-status", "not-married",
        *_documents(tmp_path), "-o", tmp_path / "x.env",
    )  # fmt: skip
    assert result.exit_code == EXIT_BAD_INPUT
    assert "check digit" in result.output
    assert not (tmp_path / "x.env").exists()


def test_married_without_a_spouse_is_bad_input(tmp_path: Path) -> None:
    result = _run(
        "tx", "build", "lease-application", *OFFLINE, "--cadastral-number", "c",
        "--recipient", RECIPIENT_IIN, "--marital-status", "married",
        *_documents(tmp_path), "-o", tmp_path / "x.env",
    )  # fmt: skip
    assert result.exit_code == EXIT_BAD_INPUT
    assert "--spouse" in result.output


def test_a_document_without_its_cms_file_is_bad_input(tmp_path: Path) -> None:
    arguments = _documents(tmp_path)
    (tmp_path / "contract.pdf.cms").unlink()
    result = _run(
        "tx", "build", "lease-application", *OFFLINE, "--cadastral-number", "c",
        "--recipient", RECIPIENT_IIN, "--marital-status", "not-married", *arguments,
        "-o", tmp_path / "x.env",
    )  # fmt: skip
    assert result.exit_code == EXIT_BAD_INPUT
    assert "ezsigner" in result.output


def test_a_payment_needs_all_its_fields(tmp_path: Path) -> None:
    (tmp_path / "receipt.pdf").write_bytes(b"receipt")
    result = _run(
        "tx", "build", "send", "app-1", *OFFLINE,
        "--payment", tmp_path / "receipt.pdf", "--payment-amount-tiyn", "172500",
        "-o", tmp_path / "x.env",
    )  # fmt: skip
    assert result.exit_code == EXIT_BAD_INPUT
    assert "--payment-reference" in result.output


def test_a_property_import_with_a_wrong_bin_is_bad_input(tmp_path: Path) -> None:
    result = _run(
        "tx", "build", "property-import", *OFFLINE, "--cadastral-number", "c", "--address", "a",
        "--kind", "house", "--area", "120.00", "--holder-bin", with_wrong_check_digit(KTK_BIN),
        "-o", tmp_path / "x.env",
    )  # fmt: skip
    assert result.exit_code == EXIT_BAD_INPUT


def test_an_attestation_needs_checks_and_well_formed_participants(tmp_path: Path) -> None:
    common = [
        "tx", "build", "attestation", "app-1", *OFFLINE, "--civil-status", "not-married",
        "-o", str(tmp_path / "x.env"),
    ]  # fmt: skip
    no_checks = _run(*common, "--participant", f"{RECIPIENT_IIN}:recipient")
    assert no_checks.exit_code == EXIT_BAD_INPUT
    bad_role = _run(*common, "--participant", f"{RECIPIENT_IIN}:landlord", "--all-checks-passed")
    assert bad_role.exit_code == EXIT_BAD_INPUT
    assert "RECIPIENT" in bad_role.output
    built = _run(
        *common, "--participant", f"{RECIPIENT_IIN}:recipient", "--all-checks-passed",
        "--check", "fee-paid:payment-system:passed:receipt 17", "--held-at",
        "2026-05-04T10:00:00+05:00", "--signatures-authentic",
    )  # fmt: skip
    assert built.exit_code == 0, built.output
    shown = json.loads(_run("--json", "tx", "show", tmp_path / "x.env").output)
    attestation = shown["body"]["action"]
    assert attestation["videoconference"]["signatures_authentic"] is True
    assert attestation["videoconference"]["legal_capacity_confirmed"] is False
    assert attestation["checks"][0]["detail"] == "receipt 17"


def test_a_query_without_connection_options_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("TIRKEU_NODE", "TIRKEU_CERT", "TIRKEU_KEY", "TIRKEU_CA"):
        monkeypatch.delenv(name, raising=False)
    result = _run("chain-info")
    assert result.exit_code == EXIT_BAD_INPUT
    assert "--node" in result.output
    assert "--ca" in result.output


def test_order_para_3_2_legal_representation_is_built_as_such(tmp_path: Path) -> None:
    """Order para 3(2) «немесе оның заңды өкілінің келісімін» ("or of her legal
    representative's consent"): `--legal-representation` marks the representative as legal,
    `--representation` does not."""
    standing = tmp_path / "guardianship.pdf"
    standing.write_bytes(b"guardianship")
    (tmp_path / "guardianship.pdf.cms").write_bytes(b"cms of guardianship")
    envelope_file = tmp_path / "lease.env"
    built = _run(
        "tx", "build", "lease-application", *OFFLINE, "--cadastral-number", "c",
        "--recipient", RECIPIENT_IIN, "--marital-status", "not-married", *_documents(tmp_path),
        "--legal-representation", f"{RECIPIENT_IIN}:{KTK_OFFICER_IIN}:{standing}",
        "--representation", f"{RECIPIENT_IIN}:{KTK_OFFICER_IIN}:{standing}",
        "-o", envelope_file,
    )  # fmt: skip
    assert built.exit_code == 0, built.output
    shown = _run("--json", "tx", "show", envelope_file)
    action = json.loads(shown.output)["body"]["action"]
    legal = [r.get("legal_representative", False) for r in action["representations"]]
    assert sorted(legal) == [False, True]
