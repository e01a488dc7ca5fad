"""Certificates and CRLs from `tirkeu-pki` are ordinary X.509: `openssl verify` accepts the chain,
the profiles' purposes (TLS server/client, S/MIME signing for CMS documents) and the CRL. One test
runs the installed console script itself, as a user would."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clients.cli.pki import main
from tests.pki_fixtures import (
    KTK_BIN,
    KTK_OFFICER_IIN,
    RECIPIENT_IIN,
    with_wrong_check_digit,
)

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")


def console_script() -> str:
    beside_python = Path(sys.executable).with_name("tirkeu-pki")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("tirkeu-pki")
    if found is None:
        pytest.fail("the tirkeu-pki console script is not installed (pip install -e .)")
    return found


def script(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    command = [console_script(), *map(str, arguments)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def openssl_verify(ca: Path, leaf: str, *options: str | Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(OPENSSL),
        "verify",
        *map(str, options),
        "-CAfile",
        str(ca / "root.cert.pem"),
        "-untrusted",
        str(ca / "intermediate.cert.pem"),
        leaf,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def cli_json(*arguments: str | Path) -> Any:
    result = CliRunner().invoke(main, [*map(str, arguments), "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@needs_openssl
def test_installed_console_script_issues_and_revokes_what_openssl_verifies(tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    assert script("init", ca).returncode == 0
    recipient = script(
        "issue",
        ca,
        "--kind",
        "individual",
        "--name",
        "Recipient",
        "--iin",
        RECIPIENT_IIN,
        "-o",
        tmp_path / "recipient",
        "--json",
    )
    officer = script(
        "issue",
        ca,
        "--kind",
        "employee",
        "--name",
        "Officer",
        "--iin",
        KTK_OFFICER_IIN,
        "--bin",
        KTK_BIN,
        "--organisation",
        "KTK",
        "-o",
        tmp_path / "officer",
        "--json",
    )
    assert (recipient.returncode, officer.returncode) == (0, 0), recipient.stderr + officer.stderr
    recipient_cert = json.loads(recipient.stdout)["certificate"]
    officer_output = json.loads(officer.stdout)
    assert script("revoke", ca, officer_output["serial_number"]).returncode == 0
    assert script("crl", ca, "-o", tmp_path / "ca.crl.pem", "--pem").returncode == 0

    assert openssl_verify(ca, recipient_cert).returncode == 0
    assert openssl_verify(ca, officer_output["certificate"]).returncode == 0  # no CRL consulted
    crl = ("-crl_check", "-CRLfile", tmp_path / "ca.crl.pem")
    checked = openssl_verify(ca, recipient_cert, *crl)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    revoked = openssl_verify(ca, officer_output["certificate"], *crl)
    assert revoked.returncode != 0
    assert "certificate revoked" in revoked.stdout + revoked.stderr

    bad = script(
        "issue",
        ca,
        "--kind",
        "individual",
        "--name",
        "X",
        "--iin",
        with_wrong_check_digit(RECIPIENT_IIN),
        "-o",
        tmp_path / "bad",
    )
    assert bad.returncode == 2
    assert "IIN" in bad.stderr
    assert script("--help").returncode == 0


@needs_openssl
def test_profiles_serve_their_purposes(tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    cli_json("init", ca)
    node = cli_json("issue", ca, "--kind", "node", "--node-id", "registrar-1", "-o", tmp_path / "n")
    person = cli_json(
        "issue",
        ca,
        "--kind",
        "individual",
        "--name",
        "Recipient",
        "--iin",
        RECIPIENT_IIN,
        "-o",
        tmp_path / "p",
    )
    for purpose in ("sslserver", "sslclient"):
        result = openssl_verify(ca, node["certificate"], "-purpose", purpose)
        assert result.returncode == 0, result.stdout + result.stderr
    # One personal certificate serves mTLS identity and CMS document signing in this pilot.
    for purpose in ("sslclient", "smimesign"):
        result = openssl_verify(ca, person["certificate"], "-purpose", purpose)
        assert result.returncode == 0, result.stdout + result.stderr
    assert openssl_verify(ca, person["certificate"], "-purpose", "sslserver").returncode != 0


@needs_openssl
def test_crl_in_der_is_read_by_openssl_with_its_number(tmp_path: Path) -> None:
    ca = tmp_path / "ca"
    cli_json("init", ca)
    issued = cli_json("issue", ca, "--kind", "node", "--node-id", "n1", "-o", tmp_path / "n1")
    cli_json("revoke", ca, issued["serial_number"], "--reason", "superseded")
    cli_json("crl", ca, "-o", tmp_path / "one.crl")
    cli_json("crl", ca, "-o", tmp_path / "two.crl")
    crl_number = [
        str(OPENSSL),
        "crl",
        "-inform",
        "DER",
        "-in",
        str(tmp_path / "two.crl"),
        "-noout",
        "-crlnumber",
    ]
    number = subprocess.run(crl_number, capture_output=True, text=True, timeout=60, check=True)
    assert int(number.stdout.strip().removeprefix("crlNumber="), 16) == 2
    text_command = [*crl_number[:-1], "-text"]
    text = subprocess.run(text_command, capture_output=True, text=True, timeout=60, check=True)
    assert issued["serial_hex"].upper() in text.stdout
    assert "Superseded" in text.stdout
