"""The `ezsigner` console script, and interoperability with `openssl cms` in both directions.

The interop tests run the installed console script as a subprocess; error-path tests call
`main()` in-process to keep the suite fast. The CLI signs at the current time, so certificates
here are valid 2025-2045 (tests/pki_fixtures.py) unless a test makes them expired or revoked.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from clients.pki.authority import IssuedCertificate
from tests.pki_fixtures import (
    DEFAULT_NOT_BEFORE,
    GUARANTOR_IIN,
    KTK_BIN,
    KTK_OFFICER_IIN,
    RECIPIENT_IIN,
    TestAuthority,
)
from tests.unit.ledger.documents.support import CONTRACT, Files, Parties

EZSIGNER = Path(sys.executable).parent / "ezsigner"
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is not installed")
LONG_AGO = DEFAULT_NOT_BEFORE + timedelta(days=30)  # before any wall-clock signing time


def ezsigner(*args: object) -> subprocess.CompletedProcess[str]:
    command = [str(EZSIGNER), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def openssl(*args: object) -> subprocess.CompletedProcess[bytes]:
    command = [str(OPENSSL), *map(str, args)]
    return subprocess.run(command, capture_output=True, timeout=60, check=False)


def openssl_verify(
    files: Files, signature: Path, *extra: object
) -> subprocess.CompletedProcess[bytes]:
    return openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", signature,
        "-CAfile", files.root, "-purpose", "any", *extra,
    )  # fmt: skip


def ezsigner_sign(files: Files, name: str, signer: IssuedCertificate, *extra: object) -> Path:
    key, certificate = files.write_signer(name, signer)
    output = files.directory / f"{name}.cms"
    result = ezsigner(
        "sign", "--key", key, "--cert", certificate, files.document, "-o", output, *extra
    )
    assert result.returncode == 0, result.stderr
    return output


def verify_json(files: Files, signature: Path, *extra: object) -> tuple[int, dict[str, Any]]:
    result = ezsigner("verify", "--trust", files.root, "--json", *extra, signature)
    return result.returncode, json.loads(result.stdout)


@needs_openssl
def test_ezsigner_signature_verifies_with_openssl(files: Files, parties: Parties) -> None:
    signature = ezsigner_sign(files, "recipient", parties.recipient, "--chain", files.issuing_ca)

    result = openssl_verify(files, signature, "-content", files.document)

    assert result.returncode == 0, result.stderr
    assert result.stdout == CONTRACT


@needs_openssl
def test_ezsigner_signature_without_chain_verifies_with_openssl_given_the_ca(
    files: Files, parties: Parties
) -> None:
    # OpenSSL 3.0's `cms -verify -certfile` only looks up signer certificates, it does not lend
    # intermediates to chain building; a chain the CMS does not carry goes in the CA bundle.
    signature = ezsigner_sign(files, "recipient", parties.recipient)
    bundle = files.directory / "bundle.pem"
    bundle.write_bytes(files.root.read_bytes() + files.issuing_ca.read_bytes())

    without_ca = openssl_verify(files, signature, "-content", files.document)
    result = openssl(
        "cms", "-verify", "-binary", "-inform", "DER", "-in", signature,
        "-content", files.document, "-CAfile", bundle, "-purpose", "any",
    )  # fmt: skip

    assert without_ca.returncode != 0
    assert result.returncode == 0, result.stderr
    assert result.stdout == CONTRACT


@needs_openssl
def test_ezsigner_attached_signature_verifies_with_openssl(files: Files, parties: Parties) -> None:
    signature = ezsigner_sign(
        files, "recipient", parties.recipient, "--chain", files.issuing_ca, "--attached"
    )

    result = openssl_verify(files, signature)

    assert result.returncode == 0, result.stderr
    assert result.stdout == CONTRACT


@needs_openssl
@pytest.mark.parametrize(
    ("openssl_options", "detached"),
    [
        (("-outform", "DER"), True),
        (("-outform", "DER", "-nodetach"), False),
        (("-outform", "DER", "-keyid"), True),
        (("-outform", "PEM"), True),
        (("-outform", "DER", "-stream", "-nodetach"), False),  # BER, indefinite lengths
    ],
    ids=["detached", "attached", "subject-key-identifier", "pem", "ber-streamed"],
)
def test_openssl_signature_verifies_with_ezsigner(
    files: Files, parties: Parties, openssl_options: tuple[str, ...], detached: bool
) -> None:
    key, certificate = files.write_signer("recipient", parties.recipient)
    signature = files.directory / "openssl.cms"
    made = openssl(
        "cms", "-sign", "-binary", "-md", "sha256", "-in", files.document,
        "-signer", certificate, "-inkey", key, "-certfile", files.issuing_ca,
        "-out", signature, *openssl_options,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    content = ("--content", files.document) if detached else ()

    returncode, report = verify_json(files, signature, *content)

    assert returncode == 0, report
    assert report["detached"] is detached
    assert [(s["iin"], s["valid"]) for s in report["signers"]] == [(RECIPIENT_IIN, True)]


@needs_openssl
def test_contract_cosigned_with_add_to_verifies_with_both(files: Files, parties: Parties) -> None:
    """Algorithm paras 17-18: the recipient signs, then the guarantor, then KTK last."""
    signature = ezsigner_sign(files, "recipient", parties.recipient, "--chain", files.issuing_ca)
    for name, signer in (("guarantor", parties.guarantor), ("ktk", parties.ktk_officer)):
        key, certificate = files.write_signer(name, signer)
        added = ezsigner(
            "sign", "--key", key, "--cert", certificate, files.document,
            "--add-to", signature, "-o", signature,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr

    assert openssl_verify(files, signature, "-content", files.document).returncode == 0
    returncode, report = verify_json(
        files, signature, "--content", files.document, "--expect-iin", RECIPIENT_IIN,
        "--expect-iin", GUARANTOR_IIN, "--expect-bin", KTK_BIN,
    )  # fmt: skip
    assert returncode == 0, report
    signers = report["signers"]
    assert sorted((s["iin"], s["bin"]) for s in signers) == sorted(
        [(RECIPIENT_IIN, None), (GUARANTOR_IIN, None), (KTK_OFFICER_IIN, KTK_BIN)]
    )


@needs_openssl
def test_ezsigner_cosigns_an_openssl_signature(files: Files, parties: Parties) -> None:
    key, certificate = files.write_signer("recipient", parties.recipient)
    signature = files.directory / "openssl.cms"
    made = openssl(
        "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256", "-in", files.document,
        "-signer", certificate, "-inkey", key, "-certfile", files.issuing_ca, "-out", signature,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    ktk_key, ktk_certificate = files.write_signer("ktk", parties.ktk_officer)
    cosigned = files.directory / "cosigned.cms"

    added = ezsigner(
        "sign", "--key", ktk_key, "--cert", ktk_certificate, files.document,
        "--add-to", signature, "-o", cosigned,
    )  # fmt: skip

    assert added.returncode == 0, added.stderr
    assert openssl_verify(files, cosigned, "-content", files.document).returncode == 0
    returncode, report = verify_json(files, cosigned, "--content", files.document)
    assert returncode == 0, report


def test_changed_document_byte_is_exit_1_naming_the_digest_mismatch(
    files: Files, parties: Parties
) -> None:
    signature = ezsigner_sign(files, "recipient", parties.recipient, "--chain", files.issuing_ca)
    files.document.write_bytes(CONTRACT.replace(b"17", b"18"))

    result = ezsigner("verify", "--trust", files.root, "--content", files.document, signature)

    assert result.returncode == 1
    assert "DIGEST_MISMATCH" in result.stdout
    assert "Overall: INVALID" in result.stdout


def test_revoked_signer_is_exit_1_with_the_crl(files: Files, parties: Parties) -> None:
    signature = ezsigner_sign(files, "recipient", parties.recipient, "--chain", files.issuing_ca)
    parties.authority.revoke(parties.recipient, LONG_AGO)
    crl = files.directory / "issuing-ca.crl"
    crl.write_bytes(parties.authority.crl())

    without_crl = verify_json(files, signature, "--content", files.document)
    returncode, report = verify_json(files, signature, "--content", files.document, "--crl", crl)

    assert without_crl[0] == 0
    assert returncode == 1
    (signer,) = report["signers"]
    assert (signer["problems"], signer["revocation"]) == (["REVOKED"], "REVOKED")
    assert signer["revoked_at"] == LONG_AGO.isoformat()


def test_expired_certificate_is_exit_1(files: Files, authority: TestAuthority) -> None:
    expired = authority.issue_individual("Recipient", RECIPIENT_IIN, not_after=LONG_AGO)
    signature = ezsigner_sign(files, "recipient", expired, "--chain", files.issuing_ca)

    returncode, report = verify_json(files, signature, "--content", files.document)

    assert returncode == 1
    assert report["signers"][0]["problems"] == ["EXPIRED"]


def test_untrusted_root_is_exit_1(files: Files, parties: Parties) -> None:
    signature = ezsigner_sign(files, "recipient", parties.recipient, "--chain", files.issuing_ca)
    files.root.write_bytes(TestAuthority("Somebody Else's CA").root.pem)

    result = ezsigner("verify", "--trust", files.root, "--content", files.document, signature)

    assert result.returncode == 1
    assert "UNTRUSTED_ROOT" in result.stdout


def test_garbage_signature_is_exit_2(files: Files) -> None:
    garbage = files.directory / "garbage.cms"
    garbage.write_bytes(b"\x30\x82\x01\x00 this is not a signature")

    result = ezsigner("verify", "--trust", files.root, "--content", files.document, garbage)

    assert result.returncode == 2
    assert "not a CMS signature" in result.stderr
