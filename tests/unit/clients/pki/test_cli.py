"""`tirkeu-pki` through click's CliRunner: every command, its JSON output and its exit codes
(0 ok, 2 bad input and nothing changed, 1 other failure)."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from cryptography import x509

from clients.cli.pki import main
from ledger.identity.certificates import CertificateKind, load_certificate, load_certificates_pem
from ledger.identity.chains import verify_chain
from ledger.identity.revocation import (
    CertificateProblem,
    CertificateRejected,
    TrustStore,
    load_revocation_list,
    verify_revocation_list,
)
from tests.pki_fixtures import KTK_BIN, KTK_OFFICER_IIN, RECIPIENT_IIN, with_wrong_check_digit


def run(*arguments: str | Path, code: int = 0) -> Result:
    result = CliRunner().invoke(main, [str(argument) for argument in arguments])
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def run_json(*arguments: str | Path) -> Any:
    return json.loads(run(*arguments, "--json").stdout)


@pytest.fixture
def ca(tmp_path: Path) -> Path:
    run("init", tmp_path / "ca")
    return tmp_path / "ca"


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


def issue_individual(ca: Path, prefix: Path, *extra: str) -> Any:
    return run_json(
        "issue",
        ca,
        "--kind",
        "individual",
        "--name",
        "Recipient",
        "--iin",
        RECIPIENT_IIN,
        "-o",
        prefix,
        *extra,
    )


def trust_of(chain_pem: Path) -> TrustStore:
    return TrustStore(authorities=load_certificates_pem(chain_pem.read_bytes()))


def test_init_makes_a_root_and_an_issuing_ca_with_private_keys(tmp_path: Path) -> None:
    output = run_json("init", tmp_path / "ca", "--name", "Сынақ ұлттық КО")
    ca = tmp_path / "ca"
    for name in ("root.key.pem", "intermediate.key.pem"):
        assert stat.S_IMODE((ca / name).stat().st_mode) == 0o600
    root = load_certificate((ca / "root.cert.pem").read_bytes())
    intermediate = load_certificate((ca / "intermediate.cert.pem").read_bytes())
    assert root.subject_common_name == "Сынақ ұлттық КО"
    assert output["root"]["fingerprint"] == root.fingerprint
    assert output["intermediate"]["fingerprint"] == intermediate.fingerprint
    assert intermediate.issuer_common_name == root.subject_common_name
    assert json.loads((ca / "index.json").read_text())["certificates"] == []
    chain = load_certificates_pem((ca / "chain.pem").read_bytes())
    assert [c.fingerprint for c in chain] == [intermediate.fingerprint, root.fingerprint]


def test_init_refuses_a_directory_that_is_not_empty(ca: Path) -> None:
    before = snapshot(ca)
    assert "not an empty directory" in run("init", ca, code=2).stderr
    assert snapshot(ca) == before


def test_issue_individual_writes_key_certificate_and_chain(ca: Path, tmp_path: Path) -> None:
    output = issue_individual(ca, tmp_path / "out" / "recipient")
    prefix = tmp_path / "out" / "recipient"
    info = load_certificate(Path(f"{prefix}.cert.pem").read_bytes())
    assert (info.kind, info.iin, info.subject_common_name) == (
        CertificateKind.INDIVIDUAL,
        RECIPIENT_IIN,
        "Recipient",
    )
    assert output["fingerprint"] == info.fingerprint
    assert output["serial_number"] == str(info.serial_number)
    assert int(output["serial_hex"], 16) == info.serial_number
    assert output["key"] == f"{prefix}.key.pem"
    assert stat.S_IMODE(Path(f"{prefix}.key.pem").stat().st_mode) == 0o600
    now = datetime.now(UTC)
    assert verify_chain(info, trust_of(Path(output["ca_chain"])), now)[0] == info
    assert output["ca_chain"] == f"{prefix}.ca-chain.pem"
    fullchain = Path(output["fullchain"]).read_bytes()
    assert fullchain.startswith(Path(f"{prefix}.cert.pem").read_bytes())
    assert fullchain.count(b"BEGIN CERTIFICATE") == 2  # the leaf and its issuing CA
    assert not Path(f"{prefix}.chain.pem").exists()
    assert [entry["fingerprint"] for entry in run_json("list", ca)["certificates"]] == [
        info.fingerprint
    ]


def test_issue_employee_binds_the_organisations_bin(ca: Path, tmp_path: Path) -> None:
    output = run_json(
        "issue",
        ca,
        "--kind",
        "employee",
        "--name",
        "KTK Officer",
        "--iin",
        KTK_OFFICER_IIN,
        "--bin",
        KTK_BIN,
        "--organisation",
        "KTK",
        "-o",
        tmp_path / "officer",
    )
    info = load_certificate(Path(output["certificate"]).read_bytes())
    assert (info.kind, info.iin, info.bin, info.organisation) == (
        CertificateKind.EMPLOYEE,
        KTK_OFFICER_IIN,
        KTK_BIN,
        "KTK",
    )
    assert (output["iin"], output["bin"], output["organisation"]) == (
        KTK_OFFICER_IIN,
        KTK_BIN,
        "KTK",
    )


def test_issue_node_is_a_tls_server_for_localhost_and_extra_names(ca: Path, tmp_path: Path) -> None:
    output = run_json(
        "issue",
        ca,
        "--kind",
        "node",
        "--node-id",
        "registrar-1",
        "--san",
        "10.1.2.3",
        "--san",
        "node1.example",
        "-o",
        tmp_path / "node",
    )
    info = load_certificate(Path(output["certificate"]).read_bytes())
    assert info.kind is CertificateKind.NODE
    assert info.subject_common_name == "registrar-1"
    names = info.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(name.value) for name in names} == {
        "localhost",
        "registrar-1",
        "127.0.0.1",
        "10.1.2.3",
        "node1.example",
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--kind", "individual", "--name", "X", "--iin", with_wrong_check_digit(RECIPIENT_IIN)],
            "IIN",
        ),
        (
            [
                "--kind",
                "employee",
                "--name",
                "X",
                "--iin",
                RECIPIENT_IIN,
                "--bin",
                with_wrong_check_digit(KTK_BIN),
                "--organisation",
                "KTK",
            ],
            "BIN",
        ),
        (["--kind", "individual", "--name", "X", "--iin", "12345"], "IIN"),
        (["--kind", "individual", "--name", "X"], "--iin is required"),
        (["--kind", "individual", "--iin", RECIPIENT_IIN], "--name is required"),
        (
            ["--kind", "employee", "--name", "X", "--iin", RECIPIENT_IIN, "--organisation", "KTK"],
            "--bin is required",
        ),
        (
            ["--kind", "individual", "--name", "X", "--iin", RECIPIENT_IIN, "--bin", KTK_BIN],
            "--bin do(es) not apply",
        ),
        (["--kind", "node", "--node-id", "n1", "--iin", RECIPIENT_IIN], "--iin do(es) not apply"),
        (
            ["--kind", "individual", "--name", "X", "--iin", RECIPIENT_IIN, "--san", "a.example"],
            "--san",
        ),
        (["--kind", "node", "--node-id", "n1", "--san", "not a name!"], "neither an IP"),
        (["--kind", "node", "--node-id", "n1", "--name", "n2"], "give one"),
        (["--kind", "node"], "--node-id is required"),
        (["--kind", "node", "--node-id", "n1", "--not-before", "yesterday"], "ISO 8601"),
        (
            [
                "--kind",
                "node",
                "--node-id",
                "n1",
                "--not-before",
                "2030-01-01",
                "--not-after",
                "2029-01-01",
            ],
            "is not after",
        ),
        (["--kind", "individual", "--name", "X" * 65, "--iin", RECIPIENT_IIN], "subject name"),
    ],
)
def test_bad_issue_request_exits_2_and_changes_nothing(
    ca: Path, tmp_path: Path, arguments: list[str], message: str
) -> None:
    before = snapshot(ca)
    result = run("issue", ca, *arguments, "-o", tmp_path / "out", code=2)
    assert message in result.stderr
    assert snapshot(ca) == before
    assert not list(tmp_path.glob("out*"))


def test_bad_input_in_json_mode_is_a_json_error(ca: Path, tmp_path: Path) -> None:
    bad_iin = with_wrong_check_digit(RECIPIENT_IIN)
    result = run(
        "--json",
        "issue",
        ca,
        "--kind",
        "individual",
        "--name",
        "X",
        "--iin",
        bad_iin,
        "-o",
        tmp_path / "x",
        code=2,
    )
    error = json.loads(result.stderr)
    assert error["exit_code"] == 2
    assert bad_iin in error["error"]
    assert result.stdout == ""


def test_issue_refuses_to_overwrite_existing_files(ca: Path, tmp_path: Path) -> None:
    issue_individual(ca, tmp_path / "recipient")
    before = snapshot(ca)
    result = run(
        "issue", ca, "--kind", "node", "--node-id", "n1", "-o", tmp_path / "recipient", code=2
    )
    assert "refusing to overwrite" in result.stderr
    assert snapshot(ca) == before


def test_explicit_validity_makes_expired_and_not_yet_valid_certificates(
    ca: Path, tmp_path: Path
) -> None:
    expired = issue_individual(
        ca,
        tmp_path / "old",
        "--not-before",
        "2026-01-01T00:00:00",
        "--not-after",
        "2026-02-01T00:00:00+00:00",
    )
    assert expired["not_after"] == "2026-02-01T00:00:00+00:00"
    future = issue_individual(
        ca, tmp_path / "new", "--not-before", "2099-01-01T00:00:00+06:00", "--valid-days", "10"
    )
    assert future["not_before"] == "2098-12-31T18:00:00+00:00"
    assert future["not_after"] == "2099-01-10T18:00:00+00:00"
    trust = trust_of(ca / "chain.pem")
    at = datetime(2026, 6, 1, tzinfo=UTC)
    problems = []
    for output in (expired, future):
        with pytest.raises(CertificateRejected) as raised:
            verify_chain(load_certificate(Path(output["certificate"]).read_bytes()), trust, at)
        problems.append(raised.value.problem)
    assert problems == [CertificateProblem.EXPIRED, CertificateProblem.NOT_YET_VALID]


def test_revoke_and_publish_crls_with_increasing_numbers(ca: Path, tmp_path: Path) -> None:
    revoked = issue_individual(ca, tmp_path / "revoked")
    kept = issue_individual(ca, tmp_path / "kept")
    entry = run_json(
        "revoke",
        ca,
        "0x" + revoked["serial_hex"],
        "--reason",
        "keyCompromise",
        "--at",
        "2026-03-01T12:00:00Z",
    )
    assert (entry["revoked_at"], entry["revocation_reason"]) == (
        "2026-03-01T12:00:00+00:00",
        "keyCompromise",
    )
    first = run_json("crl", ca, "-o", tmp_path / "first.crl")
    second = run_json("crl", ca, "-o", tmp_path / "second.crl.pem", "--pem")
    assert (first["crl_number"], second["crl_number"]) == (1, 2)
    assert first["revoked"] == [revoked["serial_number"]]
    trust = trust_of(ca / "chain.pem")
    for path in (tmp_path / "first.crl", tmp_path / "second.crl.pem"):
        crl = verify_revocation_list(load_revocation_list(path.read_bytes()), trust)
        trust = trust.with_revocation_list(crl)
    assert (tmp_path / "second.crl.pem").read_bytes().startswith(b"-----BEGIN X509 CRL")
    revoked_info = load_certificate(Path(revoked["certificate"]).read_bytes())
    kept_info = load_certificate(Path(kept["certificate"]).read_bytes())
    now = datetime.now(UTC)
    with pytest.raises(CertificateRejected) as raised:
        verify_chain(revoked_info, trust, now)
    assert raised.value.problem is CertificateProblem.REVOKED
    assert verify_chain(kept_info, trust, now)[0] == kept_info
    statuses = {row["fingerprint"]: row["status"] for row in run_json("list", ca)["certificates"]}
    assert statuses == {revoked["fingerprint"]: "revoked", kept["fingerprint"]: "valid"}


def test_revoke_by_decimal_serial_and_refusals(ca: Path, tmp_path: Path) -> None:
    issued = issue_individual(ca, tmp_path / "one")
    run("revoke", ca, issued["serial_number"])
    before = snapshot(ca)
    assert "already revoked" in run("revoke", ca, issued["serial_number"], code=2).stderr
    assert "no certificate with serial" in run("revoke", ca, "12345", code=2).stderr
    assert "neither decimal" in run("revoke", ca, "12ab", code=2).stderr
    run("revoke", ca, "1", "--reason", "removeFromCRL", code=2)
    assert snapshot(ca) == before


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["crl", "-o", "x.crl"],
        ["revoke", "1"],
        ["issue", "--kind", "node", "--node-id", "n", "-o", "n"],
    ],
)
def test_a_directory_that_is_not_a_ca_is_bad_input(tmp_path: Path, command: list[str]) -> None:
    result = run(command[0], tmp_path / "nothing", *command[1:], code=2)
    assert "run `tirkeu-pki init`" in result.stderr
    assert not (tmp_path / "nothing").exists()


def test_a_damaged_ca_directory_is_a_failure_not_bad_input(ca: Path) -> None:
    (ca / "index.json").write_text("{not json")
    assert "error" in run("list", ca, code=1).stderr
    (ca / "index.json").write_text('{"format": 1, "crl_number": 0, "certificates": []}')
    (ca / "intermediate.key.pem").write_bytes((ca / "root.key.pem").read_bytes())
    assert "does not match" in run("list", ca, code=1).stderr


@pytest.mark.parametrize("command", [[], ["init"], ["issue"], ["revoke"], ["crl"], ["list"]])
def test_every_command_has_help(command: list[str]) -> None:
    assert "Usage:" in run(*command, "--help").stdout


def test_list_shows_expiry(ca: Path, tmp_path: Path) -> None:
    issue_individual(
        ca, tmp_path / "old", "--not-before", "2020-01-01", "--not-after", "2020-06-01"
    )
    text = run("list", ca).stdout
    assert "expired" in text
    assert "2020-06-01" in text
    assert run_json("list", ca)["certificates"][0]["status"] == "expired"


def test_crl_without_revocations_is_valid_and_empty(ca: Path, tmp_path: Path) -> None:
    output = run_json("crl", ca, "-o", tmp_path / "empty.crl", "--next-update-days", "1")
    crl = load_revocation_list((tmp_path / "empty.crl").read_bytes())
    assert crl.revoked == ()
    assert crl.next_update is not None
    assert crl.next_update - crl.this_update == timedelta(days=1)
    assert output["revoked"] == []
