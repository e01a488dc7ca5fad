"""What `ezsigner verify` prints: one block per signer (text) or one JSON document."""

from __future__ import annotations

from datetime import datetime

from ledger.documents.cms import CmsVerification, SignerVerdict


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _signer_json(verdict: SignerVerdict) -> dict[str, object]:
    return {
        "valid": verdict.valid,
        "name": verdict.name,
        "iin": verdict.iin,
        "bin": verdict.bin,
        "organisation": verdict.organisation,
        "issuer": verdict.issuer,
        "serial_number": None if verdict.serial_number is None else f"{verdict.serial_number:x}",
        "fingerprint_sha256": verdict.fingerprint,
        "not_valid_before": iso(verdict.not_valid_before),
        "not_valid_after": iso(verdict.not_valid_after),
        "signing_time": iso(verdict.signing_time),
        "revocation": verdict.revocation.name,
        "revoked_at": iso(verdict.revoked_at),
        "key_algorithm": verdict.key_algorithm,
        "timestamp": iso(verdict.timestamp),
        "timestamp_authority": verdict.timestamp_authority,
        "signature_algorithm": verdict.signature_algorithm,
        "problems": [problem.name for problem in verdict.problems],
        "details": list(verdict.details),
        "warnings": list(verdict.warnings),
    }


def json_report(verification: CmsVerification, missing: tuple[str, ...]) -> dict[str, object]:
    digest = verification.checked_content_sha256
    return {
        "valid": verification.valid and not missing,
        "detached": verification.detached,
        "content_sha256": None if digest is None else digest.hex(),
        "signers": [_signer_json(verdict) for verdict in verification.signers],
        "missing_expected_signers": list(missing),
    }


def text_report(verification: CmsVerification, missing: tuple[str, ...]) -> str:
    lines: list[str] = []
    for number, verdict in enumerate(verification.signers, start=1):
        lines.extend(_signer_lines(number, verdict))
    for identifier in missing:
        lines.append(f"MISSING: no valid signer with IIN/BIN {identifier}")
    valid_count = sum(verdict.valid for verdict in verification.signers)
    overall = "VALID" if verification.valid and not missing else "INVALID"
    total = len(verification.signers)
    lines.append(f"Overall: {overall} ({valid_count} of {total} signer(s) valid)")
    return "\n".join(lines)


def _signer_lines(number: int, verdict: SignerVerdict) -> list[str]:
    serial = "-" if verdict.serial_number is None else f"{verdict.serial_number:x}"
    revocation = verdict.revocation.value
    if verdict.revoked_at is not None:
        revocation += f" (revoked at {verdict.revoked_at.isoformat()})"
    lines = [
        f"Signer {number}: {verdict.name or '(certificate unavailable)'}",
        f"  IIN: {verdict.iin or '-'}   BIN: {verdict.bin or '-'}",
        f"  organisation: {verdict.organisation or '-'}",
        f"  issuer: {verdict.issuer or '-'}   serial: {serial}",
        f"  valid from {iso(verdict.not_valid_before) or '-'}"
        f" to {iso(verdict.not_valid_after) or '-'}",
        f"  key: {verdict.key_algorithm or '-'}   signature: {verdict.signature_algorithm or '-'}",
        f"  signing time: {iso(verdict.signing_time) or '(none)'}",
        f"  timestamp (RFC 3161): {iso(verdict.timestamp) or '(none)'}"
        + (f" by {verdict.timestamp_authority}" if verdict.timestamp_authority else ""),
        f"  revocation: {revocation}",
    ]
    lines.extend(f"  WARNING: {warning}" for warning in verdict.warnings)
    if verdict.valid:
        lines.append("  verdict: VALID")
    else:
        lines.append("  verdict: INVALID")
        lines.extend(
            f"    {problem.name}: {detail}"
            for problem, detail in zip(verdict.problems, verdict.details, strict=True)
        )
    return lines
