"""`ezsigner certificate`: what a certificate says and whether it may be relied on, as NCANode's
certificate info gives it: the subject in the NCA's profile (names, IIN, BIN, organisation), the
key algorithm and size, policies and roles, the chain to a trusted root with each link's
verdict, validity at a time, and revocation by the given CRLs.

Exit codes: 0 valid at --at; 1 invalid (the reason is named); 2 unusable input. An IIN or BIN
whose check digit fails in a certificate the CA signed is a warning; the verdict stands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from clients.cli.ezsigner_inputs import (
    EXIT_INVALID,
    EXIT_VALID,
    fail,
    read_input,
    trust_with_crls,
)
from ledger.identity.algorithms import SIGNATURE_ALGORITHMS, verify_signature
from ledger.identity.certificates import (
    CertificateInfo,
    MalformedCertificate,
    load_certificate_leniently,
    load_certificates_pem,
)
from ledger.identity.chains import verify_chain
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.nca import nca_policies, nca_roles, nca_subject
from ledger.identity.ocsp import (
    MalformedOcspResponse,
    load_ocsp_response,
    trust_with_ocsp,
    verify_ocsp_response,
)
from ledger.identity.revocation import (
    CertificateRejected,
    TrustStore,
)

_FILE = click.Path(path_type=Path, dir_okay=False)


@dataclass(frozen=True, slots=True)
class Link:
    subject: str
    issuer: str
    verdict: str  # "signature verifies", "trust anchor", or what is wrong


@click.command()
@click.argument("certificate_path", metavar="FILE", type=_FILE)
@click.option(
    "--trust", "trust_paths", type=_FILE, multiple=True, required=True, help="Roots, CAs (PEM)."
)
@click.option("--crl", "crl_paths", type=_FILE, multiple=True, help="CRL (DER or PEM).")
@click.option("--ocsp", "ocsp_paths", type=_FILE, multiple=True, help="OCSP response (DER).")
@click.option("--at", "at", type=click.DateTime(), help="UTC time to judge at (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def certificate(
    *,
    certificate_path: Path,
    trust_paths: tuple[Path, ...],
    crl_paths: tuple[Path, ...],
    ocsp_paths: tuple[Path, ...],
    at: datetime | None,
    as_json: bool,
) -> None:
    """Describe the certificate in FILE (PEM or DER; a PEM chain: the leaf first) and judge it
    against the --trust roots (exit 0 valid, 1 invalid, 2 unusable input)."""
    leaf, carried = _load_leaf(read_input(certificate_path, "certificate"))
    trust = _trust(trust_paths, carried, crl_paths)
    trust, evidence = with_ocsp_evidence(trust, ocsp_paths)
    moment = at.replace(tzinfo=UTC) if at is not None else datetime.now(UTC)
    problem: str | None = None
    try:
        verify_chain(leaf, trust, moment)
    except CertificateRejected as rejection:
        problem = f"{rejection.problem.name}: {rejection.detail}"
    report = _report(leaf, _links(leaf, trust), moment, problem, trust)
    report["ocsp"] = [e for e in evidence if e["serial_number"] == f"{leaf.serial_number:x}"]
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(_text(report))
    click.get_current_context().exit(EXIT_VALID if problem is None else EXIT_INVALID)


def _load_leaf(data: bytes) -> tuple[CertificateInfo, tuple[x509.Certificate, ...]]:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            certificates = tuple(x509.load_pem_x509_certificates(data))
        else:
            certificates = (x509.load_der_x509_certificate(data),)
        der = certificates[0].public_bytes(Encoding.DER)
        return load_certificate_leniently(der), certificates[1:]
    except (ValueError, MalformedCertificate, InvalidIdentifier) as error:
        fail(f"not a certificate Tirkeu can read: {error}")


def _trust(
    paths: tuple[Path, ...], carried: tuple[x509.Certificate, ...], crl_paths: tuple[Path, ...]
) -> TrustStore:
    authorities: list[CertificateInfo] = []
    for path in paths:
        try:
            authorities.extend(load_certificates_pem(read_input(path, "trust roots")))
        except (MalformedCertificate, InvalidIdentifier) as error:
            fail(f"unusable trust roots {str(path)!r}: {error}")
    if not authorities:
        fail("the trust roots hold no certificate")
    return trust_with_crls(authorities, carried, crl_paths)


def with_ocsp_evidence(
    trust: TrustStore, paths: tuple[Path, ...]
) -> tuple[TrustStore, list[dict[str, object]]]:
    """The store plus the revocations of each OCSP response, once verified against it; and what
    each response says, with the time the responder signed it (RFC 6960 producedAt)."""
    evidence: list[dict[str, object]] = []
    for path in paths:
        try:
            response = verify_ocsp_response(load_ocsp_response(read_input(path, "OCSP")), trust)
        except MalformedOcspResponse as error:
            fail(f"unusable OCSP response {str(path)!r}: {error}")
        except CertificateRejected as rejection:
            fail(f"OCSP response {str(path)!r} is not from a trusted responder: {rejection}")
        trust = trust_with_ocsp(trust, response)
        evidence.extend(
            {
                "file": str(path),
                "serial_number": f"{entry.serial_number:x}",
                "status": entry.status.name,
                "revoked_at": None if entry.revoked_at is None else entry.revoked_at.isoformat(),
                "produced_at": response.produced_at.isoformat(),
                "this_update": entry.this_update.isoformat(),
            }
            for entry in response.entries
        )
    return trust, evidence


def _links(leaf: CertificateInfo, trust: TrustStore) -> list[Link]:
    """Each certificate and the trusted issuer whose signature on it verifies, up to a root."""
    links: list[Link] = []
    current = leaf
    seen = {leaf.fingerprint}
    while True:
        if current.certificate.subject == current.certificate.issuer and any(
            authority.fingerprint == current.fingerprint for authority in trust.authorities
        ):
            links.append(Link(current.subject, current.issuer, "trust anchor"))
            return links
        candidates = trust.candidate_issuers(current.certificate.issuer, current.authority_key_id)
        issuer = next(
            (
                candidate
                for candidate in candidates
                if verify_signature(
                    candidate.key,
                    current.signature_algorithm,
                    current.certificate.signature,
                    current.certificate.tbs_certificate_bytes,
                )
            ),
            None,
        )
        if issuer is None:
            verdict = "BAD_CHAIN_SIGNATURE" if candidates else "UNKNOWN_AUTHORITY"
            links.append(Link(current.subject, current.issuer, verdict))
            return links
        links.append(Link(current.subject, issuer.subject, "signature verifies"))
        if issuer.fingerprint in seen:
            return links
        seen.add(issuer.fingerprint)
        current = issuer


def _report(
    leaf: CertificateInfo,
    links: list[Link],
    moment: datetime,
    problem: str | None,
    trust: TrustStore,
) -> dict[str, object]:
    subject = nca_subject(leaf)
    revoked_at = trust.revocation_time(_issuer_fingerprint(leaf, trust), leaf.serial_number)
    algorithm = SIGNATURE_ALGORITHMS.get(leaf.signature_algorithm)
    return {
        "valid": problem is None,
        "problem": problem,
        "at": moment.isoformat(),
        "subject": {
            "common_name": subject.common_name,
            "surname": subject.surname,
            "given_name": subject.given_name,
            "iin": subject.iin,
            "bin": subject.bin,
            "organisation": subject.organisation,
            "country": subject.country,
            "locality": subject.locality,
            "state": subject.state,
            "email": subject.email,
            "rfc4514": leaf.subject,
        },
        "kind": leaf.kind.value,
        "issuer": leaf.issuer,
        "serial_number": f"{leaf.serial_number:x}",
        "fingerprint_sha256": leaf.fingerprint,
        "key": {"algorithm": leaf.key.algorithm.value, "bits": leaf.key.size_bits},
        "signed_with": algorithm.name if algorithm else leaf.signature_algorithm,
        "not_valid_before": leaf.not_valid_before.isoformat(),
        "not_valid_after": leaf.not_valid_after.isoformat(),
        "key_usage": sorted(leaf.key_usage),
        "roles": sorted(role.name for role in nca_roles(leaf)),
        "policies": sorted(policy.name for policy in nca_policies(leaf)),
        "chain": [
            {"subject": link.subject, "issuer": link.issuer, "verdict": link.verdict}
            for link in links
        ],
        "revocation": "REVOKED" if revoked_at is not None else "NOT_REVOKED",
        "revoked_at": None if revoked_at is None else revoked_at.isoformat(),
        "warnings": list(leaf.identifier_warnings),
    }


def _issuer_fingerprint(leaf: CertificateInfo, trust: TrustStore) -> str:
    for candidate in trust.candidate_issuers(leaf.certificate.issuer, leaf.authority_key_id):
        if verify_signature(
            candidate.key,
            leaf.signature_algorithm,
            leaf.certificate.signature,
            leaf.certificate.tbs_certificate_bytes,
        ):
            return candidate.fingerprint
    return ""


def _text(report: dict[str, object]) -> str:
    subject = report["subject"]
    key = report["key"]
    chain = report["chain"]
    assert isinstance(subject, dict) and isinstance(key, dict) and isinstance(chain, list)
    lines = [
        f"Certificate: {subject['common_name']} ({report['kind']})",
        f"  surname: {subject['surname'] or '-'}   given name: {subject['given_name'] or '-'}",
        f"  IIN: {subject['iin'] or '-'}   BIN: {subject['bin'] or '-'}",
        f"  organisation: {subject['organisation'] or '-'}",
        f"  key: {key['algorithm']} ({key['bits']} bits), signed with {report['signed_with']}",
        f"  valid from {report['not_valid_before']} to {report['not_valid_after']}",
        f"  roles: {', '.join(report['roles']) or '-'}",  # type: ignore[arg-type]
        f"  policies: {', '.join(report['policies']) or '-'}",  # type: ignore[arg-type]
        f"  revocation: {report['revocation']}"
        + (f" at {report['revoked_at']}" if report["revoked_at"] else ""),
        "  chain:",
    ]
    lines.extend(f"    {link['subject']} <- {link['issuer']}: {link['verdict']}" for link in chain)
    ocsp = report.get("ocsp") or []
    assert isinstance(ocsp, list)
    lines.extend(
        f"  OCSP: {item['status']} as of {item['produced_at']}"
        + (f", revoked at {item['revoked_at']}" if item["revoked_at"] else "")
        for item in ocsp
    )
    warnings = report["warnings"]
    assert isinstance(warnings, list)
    lines.extend(f"  WARNING: {warning}" for warning in warnings)
    verdict = "VALID" if report["valid"] else f"INVALID: {report['problem']}"
    lines.append(f"Verdict at {report['at']}: {verdict}")
    return "\n".join(lines)
