"""`tirkeu-pki`: a test certification authority for Tirkeu clusters and tests.

A root standing in for the national CA, one issuing CA under it, and certificates in the NCA's
profile for individuals (IIN), organisation employees (IIN + BIN, with the NCA's role OIDs) and
nodes (TLS server and client, always P-256), with revocation and CRLs. `--key-type` chooses
ECDSA P-256, RSA 2048 or GOST 34.10-2015 256/512 keys, for the CA hierarchy (`init`) and for
each person (`issue`). See clients/pki/authority.py for the certificate profiles and
clients/pki/directory.py
for the files it keeps.

Exit codes: 0 success, 2 bad input (nothing was changed), 1 any other failure.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from clients.pki.authority import (
    IssuedCertificate,
    PkiInputError,
    Validity,
    issue_employee,
    issue_individual,
    issue_node,
)
from clients.pki.directory import (
    BACKDATE,
    INDEX_FILE,
    CorruptCaDirectory,
    default_validity,
    initialise_ca_directory,
    locked,
    open_ca_directory,
    publish_revocation_list,
    record_issued,
    record_revocation,
    write_new_file,
)
from ledger.identity.algorithms import KeyAlgorithm
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.nca import NcaRole
from ledger.identity.private_keys import KEY_TYPES, SigningKey, generate_signing_key

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
REASONS = [flag.value for flag in x509.ReasonFlags if flag is not x509.ReasonFlags.remove_from_crl]
CA_DIRECTORY = click.Path(path_type=Path, file_okay=False)
# `issue -o PREFIX` writes PREFIX.<part>.pem for each part.
OUTPUT_PARTS = ("key", "cert", "fullchain", "ca-chain")


@dataclass(frozen=True, slots=True)
class Report:
    payload: dict[str, Any]  # printed with --json
    text: str  # printed otherwise


def reporting(function: Callable[..., Report]) -> Callable[..., None]:
    """Add --json to a command and turn its Report or its error into output and an exit code."""

    @click.option("--json", "json_output", is_flag=True, help="Machine-readable JSON output.")
    @click.pass_context
    @functools.wraps(function)
    def command(context: click.Context, /, json_output: bool, **options: Any) -> None:
        as_json = json_output or bool((context.obj or {}).get("json"))
        try:
            report = function(**options)
        except (PkiInputError, InvalidIdentifier) as error:
            _fail(context, as_json, str(error), EXIT_BAD_INPUT)
        except (CorruptCaDirectory, OSError) as error:
            _fail(context, as_json, str(error), EXIT_FAILURE)
        else:
            text = json.dumps(report.payload, indent=2, ensure_ascii=False)
            click.echo(text if as_json else report.text)

    return command


def _fail(context: click.Context, as_json: bool, message: str, code: int) -> None:
    if as_json:
        click.echo(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False), err=True)
    else:
        click.echo(f"tirkeu-pki: error: {message}", err=True)
    context.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--json", "json_output", is_flag=True, help="JSON output for every command.")
@click.pass_context
def main(context: click.Context, json_output: bool) -> None:
    """Test certification authority: a root standing in for the national CA, an issuing CA,
    and P-256, RSA or GOST 2015 certificates for individuals, employees and nodes (exit: 0 ok,
    2 bad input, 1 other failure)."""
    context.obj = {"json": json_output}


@main.command()
@click.argument("directory", type=CA_DIRECTORY)
@click.option("--name", default="Test National CA", show_default=True, help="Root CA name.")
@click.option("--intermediate-name", default="Test Issuing CA", show_default=True)
@click.option("--valid-days", type=click.IntRange(min=1), default=3650, show_default=True)
@click.option(
    "--key-type",
    type=click.Choice(sorted(KEY_TYPES)),
    default="p256",
    show_default=True,
    help="The CAs' keys: an RSA or GOST hierarchy as the NCA has them (nodes need p256).",
)
@reporting
def init(
    directory: Path, name: str, intermediate_name: str, valid_days: int, key_type: str
) -> Report:
    """Create a root CA and an issuing CA in DIRECTORY (absent or empty)."""
    now = _now()
    ca = initialise_ca_directory(
        directory,
        name,
        intermediate_name,
        default_validity(now, valid_days),
        default_validity(now, max(1, valid_days // 2)),
        key_type=KEY_TYPES[key_type],
    )
    payload = {
        "directory": str(directory),
        "root": _describe(ca.root, directory / "root.cert.pem", directory / "root.key.pem"),
        "intermediate": _describe(
            ca.intermediate, directory / "intermediate.cert.pem", directory / "intermediate.key.pem"
        ),
        "chain": str(ca.chain_file),
        "index": str(directory / "index.json"),
    }
    return Report(payload, f"initialised {directory}: {name} -> {intermediate_name}")


@main.command()
@click.argument("directory", type=CA_DIRECTORY)
@click.option("--kind", type=click.Choice(["individual", "employee", "node"]), required=True)
@click.option("--name", help="Person's full name (CN); for a node, same as --node-id.")
@click.option("--iin", help="Individual identification number, 12 digits (persons).")
@click.option("--bin", "bin_", help="Business identification number, 12 digits (employees).")
@click.option("--organisation", help="Organisation name, O (employees; optional for nodes).")
@click.option("--node-id", help="Node identifier, the node certificate's CN.")
@click.option("--san", multiple=True, help="Extra DNS name or IP address (nodes; repeatable).")
@click.option(
    "--key-type",
    type=click.Choice(sorted(KEY_TYPES)),
    default="p256",
    show_default=True,
    help="The holder's key (persons; nodes are always p256: TLS does not speak GOST).",
)
@click.option(
    "--role",
    type=click.Choice([role.name.lower() for role in NcaRole][2:]),
    default="employee",
    show_default=True,
    help="The NCA role OID of an employee certificate (ADR 0009).",
)
@click.option("--valid-days", type=click.IntRange(min=1), default=365, show_default=True)
@click.option("--not-before", help="ISO 8601 start of validity (UTC if no offset).")
@click.option("--not-after", help="ISO 8601 end of validity (UTC if no offset).")
@click.option(
    "-o",
    "--output",
    "prefix",
    required=True,
    help="Writes PREFIX.key.pem (the private key), PREFIX.cert.pem (the certificate), "
    "PREFIX.fullchain.pem (the certificate and its issuing CA: what TLS presents) and "
    "PREFIX.ca-chain.pem (the CA chain only: what to trust, never a --cert).",
)
@reporting
def issue(directory: Path, prefix: str, **request: Any) -> Report:
    """Issue a certificate from the issuing CA of DIRECTORY."""
    # Each file named for what it holds (issue 13): the CA chain used to be PREFIX.chain.pem,
    # which users passed as --cert and got an opaque handshake error.
    outputs = {part: Path(f"{prefix}.{part}.pem") for part in OUTPUT_PARTS}
    existing = [str(path) for path in outputs.values() if path.exists()]
    if existing:
        raise PkiInputError(f"refusing to overwrite {', '.join(existing)}")
    with locked(_existing(directory)):
        ca = open_ca_directory(directory)
        issued = _issue(ca.intermediate, **request)
        outputs["key"].parent.mkdir(parents=True, exist_ok=True)
        write_new_file(outputs["key"], issued.key_pem, 0o600)
        write_new_file(outputs["cert"], issued.pem, 0o644)
        write_new_file(outputs["fullchain"], issued.pem + ca.intermediate.pem, 0o644)
        write_new_file(outputs["ca-chain"], ca.chain_file.read_bytes(), 0o644)
        record_issued(ca, issued)
    payload = _describe(issued, outputs["cert"], outputs["key"]) | {
        "fullchain": str(outputs["fullchain"]),
        "ca_chain": str(outputs["ca-chain"]),
    }
    return Report(payload, f"issued {issued.info.kind.value} {issued.info.subject}: {prefix}.*")


def _issue(
    issuer: IssuedCertificate[SigningKey],
    *,
    kind: str,
    name: str | None,
    iin: str | None,
    bin_: str | None,
    organisation: str | None,
    node_id: str | None,
    san: tuple[str, ...],
    valid_days: int,
    not_before: str | None,
    not_after: str | None,
    key_type: str,
    role: str,
) -> IssuedCertificate[SigningKey]:
    validity = _validity(not_before, not_after, valid_days)
    algorithm = KEY_TYPES[key_type]
    if kind == "node" and algorithm is not KeyAlgorithm.ECDSA_P256:
        raise PkiInputError("a node's key is always p256: node-to-node TLS does not speak GOST")
    given = {"--iin": iin, "--bin": bin_, "--organisation": organisation, "--node-id": node_id}
    allowed = {
        "individual": {"--iin"},
        "employee": {"--iin", "--bin", "--organisation"},
        "node": {"--node-id", "--bin", "--organisation"},
    }[kind]
    stray = sorted(option for option, value in given.items() if value and option not in allowed)
    if san and kind != "node":
        stray.append("--san")
    if stray:
        raise PkiInputError(f"{', '.join(stray)} do(es) not apply to --kind {kind}")
    if kind == "node":
        if name and node_id and name != node_id:
            raise PkiInputError("for a node, --name and --node-id both name the CN; give one")
        identifier = _required(node_id or name, "--node-id")
        return issue_node(
            issuer,
            identifier,
            validity=validity,
            extra_names=san,
            organisation=organisation,
            bin_=bin_,
        )
    person, person_iin = _required(name, "--name"), _required(iin, "--iin")
    key = generate_signing_key(algorithm)
    if kind == "individual":
        return issue_individual(issuer, person, person_iin, validity=validity, key=key)
    return issue_employee(
        issuer,
        person,
        person_iin,
        _required(bin_, "--bin"),
        _required(organisation, "--organisation"),
        validity=validity,
        key=key,
        role=NcaRole[role.upper()],
    )


@main.command()
@click.argument("directory", type=CA_DIRECTORY)
@click.argument("serial")
@click.option("--reason", type=click.Choice(REASONS), default="unspecified", show_default=True)
@click.option("--at", "at_text", help="ISO 8601 revocation time (default: now).")
@reporting
def revoke(directory: Path, serial: str, reason: str, at_text: str | None) -> Report:
    """Revoke the certificate with SERIAL (decimal, or hex with a 0x prefix)."""
    serial_number = _serial(serial)
    at = _parse_time(at_text, "--at") if at_text else _now()
    with locked(_existing(directory)):
        ca = open_ca_directory(directory)
        _, entry = record_revocation(ca, serial_number, at, x509.ReasonFlags(reason))
    return Report(entry.to_json(), f"revoked {entry.serial_number:x} {entry.subject} at {at}")


@main.command()
@click.argument("directory", type=CA_DIRECTORY)
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True)
@click.option("--pem", is_flag=True, help="PEM instead of DER.")
@click.option("--next-update-days", type=click.IntRange(min=1), default=30, show_default=True)
@reporting
def crl(directory: Path, output: Path, pem: bool, next_update_days: int) -> Report:
    """Write a CRL of every revocation, signed by the issuing CA, with a new CRL number."""
    now = _now()
    with locked(_existing(directory)):
        ca = open_ca_directory(directory)
        ca, revocation_list = publish_revocation_list(
            ca, now, now + timedelta(days=next_update_days)
        )
        data = revocation_list.public_bytes(Encoding.PEM if pem else Encoding.DER)
        output.parent.mkdir(parents=True, exist_ok=True)
        temporary = output.with_name(output.name + ".tmp")
        temporary.write_bytes(data)
        temporary.replace(output)
    revoked = [str(entry.serial_number) for entry in revocation_list]
    payload = {
        "path": str(output),
        "format": "pem" if pem else "der",
        "crl_number": ca.crl_number,
        "this_update": now.isoformat(),
        "next_update": (now + timedelta(days=next_update_days)).isoformat(),
        "revoked": revoked,
    }
    return Report(payload, f"CRL {ca.crl_number} with {len(revoked)} revocation(s): {output}")


@main.command(name="list")
@click.argument("directory", type=CA_DIRECTORY)
@reporting
def list_certificates(directory: Path) -> Report:
    """List the certificates issued from DIRECTORY with their status now."""
    ca = open_ca_directory(_existing(directory))
    now = _now()
    rows = [entry.to_json() | {"status": entry.status(now)} for entry in ca.entries]
    lines = [
        f"{entry.serial_number:x}  {entry.kind:<10}  {entry.status(now):<13}  "
        f"{entry.not_after.date()}  {entry.subject}"
        for entry in ca.entries
    ]
    return Report({"certificates": rows, "crl_number": ca.crl_number}, "\n".join(lines))


def _describe(
    issued: IssuedCertificate[SigningKey], certificate: Path, key: Path
) -> dict[str, Any]:
    info = issued.info
    return {
        "kind": info.kind.value,
        "serial_number": str(info.serial_number),
        "serial_hex": f"{info.serial_number:x}",
        "fingerprint": info.fingerprint,
        "subject": info.subject,
        "common_name": info.subject_common_name,
        "iin": info.iin,
        "bin": info.bin,
        "organisation": info.organisation,
        "key_type": info.key.algorithm.value,
        "not_before": info.not_valid_before.isoformat(),
        "not_after": info.not_valid_after.isoformat(),
        "certificate": str(certificate),
        "key": str(key),
    }


def _validity(not_before: str | None, not_after: str | None, valid_days: int) -> Validity:
    start = _parse_time(not_before, "--not-before") if not_before else None
    end = _parse_time(not_after, "--not-after") if not_after else None
    now = _now()
    return Validity(start or now - BACKDATE, end or (start or now) + timedelta(days=valid_days))


def _parse_time(text: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PkiInputError(f"{option} {text!r} is not an ISO 8601 time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _serial(text: str) -> int:
    try:
        return int(text[2:], 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        raise PkiInputError(f"serial {text!r} is neither decimal nor 0x-prefixed hex") from None


def _required(value: str | None, option: str) -> str:
    if not value:
        raise PkiInputError(f"{option} is required for this kind of certificate")
    return value


def _existing(directory: Path) -> Path:
    if not (directory / INDEX_FILE).is_file():
        raise PkiInputError(f"{directory} is not a tirkeu-pki directory; run `tirkeu-pki init`")
    return directory


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)  # X.509 times have whole seconds


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
