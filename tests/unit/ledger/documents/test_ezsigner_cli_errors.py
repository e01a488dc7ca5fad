"""`ezsigner` error paths and reports, run in-process through `main()` (fast; the console
script itself is exercised as a subprocess in test_ezsigner_cli.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from clients.cli.ezsigner import main
from clients.pki.authority import IssuedCertificate
from tests.pki_fixtures import (
    DEFAULT_NOT_BEFORE,
    KTK_BIN,
    KTK_OFFICER_IIN,
    RECIPIENT_IIN,
    SPOUSE_IIN,
    TestAuthority,
)
from tests.unit.ledger.documents.support import Files, Parties

LONG_AGO = DEFAULT_NOT_BEFORE + timedelta(days=30)


def _run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _sign_in_process(
    files: Files, signer: IssuedCertificate, capsys: pytest.CaptureFixture[str]
) -> Path:
    key, certificate = files.write_signer("recipient", signer)
    output = files.directory / "in-process.cms"
    code, _, err = _run(
        capsys, "sign", "--key", key, "--cert", certificate, "--chain", files.issuing_ca,
        files.document, "-o", output,
    )  # fmt: skip
    assert code == 0, err
    return output


def test_detached_signature_without_content_is_exit_2(
    files: Files, parties: Parties, capsys: pytest.CaptureFixture[str]
) -> None:
    signature = _sign_in_process(files, parties.recipient, capsys)

    code, _, err = _run(capsys, "verify", "--trust", files.root, signature)

    assert code == 2
    assert "detached" in err


def test_unreadable_files_are_exit_2(files: Files, capsys: pytest.CaptureFixture[str]) -> None:
    missing = files.directory / "missing.cms"

    code, _, err = _run(capsys, "verify", "--trust", files.root, missing)

    assert code == 2
    assert "missing.cms" in err


def test_crl_from_an_untrusted_authority_is_exit_2(
    files: Files, parties: Parties, capsys: pytest.CaptureFixture[str]
) -> None:
    signature = _sign_in_process(files, parties.recipient, capsys)
    stranger = TestAuthority("Somebody Else's CA")
    stranger.revoke(parties.recipient.serial_number, LONG_AGO)
    crl = files.directory / "stranger.crl"
    crl.write_bytes(stranger.crl())

    code, _, err = _run(
        capsys,
        "verify",
        "--trust",
        files.root,
        "--content",
        files.document,
        "--crl",
        crl,
        signature,
    )

    assert code == 2
    assert "not from a trusted authority" in err


def test_expected_iin_that_did_not_sign_is_exit_1(
    files: Files, parties: Parties, capsys: pytest.CaptureFixture[str]
) -> None:
    """Seed 003 para 18 condition 2: the request's IIN must be the certificate's IIN."""
    signature = _sign_in_process(files, parties.recipient, capsys)
    verify = ("verify", "--trust", files.root, "--content", files.document, signature)

    code, out, _ = _run(capsys, *verify, "--expect-iin", SPOUSE_IIN)

    assert code == 1
    assert f"MISSING: no valid signer with IIN/BIN {SPOUSE_IIN}" in out
    assert _run(capsys, *verify, "--expect-iin", RECIPIENT_IIN)[0] == 0


def test_expected_iin_with_a_wrong_check_digit_is_exit_2(
    files: Files, parties: Parties, capsys: pytest.CaptureFixture[str]
) -> None:
    signature = _sign_in_process(files, parties.recipient, capsys)
    wrong = RECIPIENT_IIN[:11] + str((int(RECIPIENT_IIN[11]) + 1) % 10)

    code, _, err = _run(
        capsys, "verify", "--trust", files.root, "--content", files.document,
        "--expect-iin", wrong, signature,
    )  # fmt: skip

    assert code == 2
    assert "check digit" in err


def test_signing_with_another_persons_key_is_exit_2(
    files: Files, parties: Parties, capsys: pytest.CaptureFixture[str]
) -> None:
    key, _ = files.write_signer("guarantor", parties.guarantor)
    _, certificate = files.write_signer("recipient", parties.recipient)

    code, _, err = _run(
        capsys, "sign", "--key", key, "--cert", certificate, files.document,
        "-o", files.directory / "never.cms",
    )  # fmt: skip

    assert code == 2
    assert "does not belong to the certificate" in err
    assert not (files.directory / "never.cms").exists()


def test_human_report_names_the_signer(
    files: Files, parties: Parties, capsys: pytest.CaptureFixture[str]
) -> None:
    signature = _sign_in_process(files, parties.ktk_officer, capsys)

    code, out, _ = _run(
        capsys, "verify", "--trust", files.root, "--content", files.document, signature
    )

    assert code == 0
    assert f"IIN: {KTK_OFFICER_IIN}   BIN: {KTK_BIN}" in out
    assert "issuer: Test Issuing CA" in out
    assert "verdict: VALID" in out
    assert "Overall: VALID (1 of 1 signer(s) valid)" in out


def test_trust_file_may_hold_the_intermediates_the_signature_lacks(
    files: Files, parties: Parties, capsys: pytest.CaptureFixture[str]
) -> None:
    key, certificate = files.write_signer("recipient", parties.recipient)
    signature = files.directory / "no-chain.cms"
    sign = ("sign", "--key", key, "--cert", certificate, files.document, "-o", signature)
    assert _run(capsys, *sign)[0] == 0
    bundle = files.directory / "bundle.pem"
    bundle.write_bytes(files.root.read_bytes() + files.issuing_ca.read_bytes())

    code_root_only, out_root_only, _ = _run(
        capsys, "verify", "--trust", files.root, "--content", files.document, signature
    )
    code_bundle, _, _ = _run(
        capsys, "verify", "--trust", bundle, "--content", files.document, signature
    )

    assert (code_root_only, code_bundle) == (1, 0)
    assert "UNTRUSTED_ROOT" in out_root_only
