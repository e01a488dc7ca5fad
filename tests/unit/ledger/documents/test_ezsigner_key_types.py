"""`ezsigner` with the NCA's key types, as a user runs it (the installed console script):
RSA signatures interoperate with `openssl cms` both ways; GOST 2015 signatures made by
`ezsigner sign` verify; `ezsigner certificate` describes and judges the NCA's real GOST 2022
intermediate (tests/nca_material.py) and our own certificates, exit 0/1/2."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from clients.pki.authority import Validity
from clients.pki.ocsp import OcspAnswer, build_ocsp_response
from clients.pki.tsa import issue_tsa
from ledger.hashing import sha256
from ledger.identity.algorithms import STREEBOG_512, KeyAlgorithm, digest
from ledger.identity.ocsp import OcspStatus
from ledger.identity.private_keys import SigningKey, generate_signing_key
from tests.nca_material import nca_gost_2022_intermediate, nca_gost_2022_root
from tests.pki_fixtures import (
    GUARANTOR_IIN,
    KTK_BIN,
    KTK_NAME,
    KTK_OFFICER_IIN,
    RECIPIENT_IIN,
    TestAuthority,
)
from tests.unit.ledger.documents.support import CONTRACT

EZSIGNER = Path(sys.executable).parent / "ezsigner"
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command is not installed")


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, check=False
    )


def _pem(der: bytes) -> bytes:
    return (
        b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    )


@pytest.fixture
def rsa_world(tmp_path: Path) -> tuple[TestAuthority, Path]:
    authority = TestAuthority(key_type=KeyAlgorithm.RSA, person_key_type=KeyAlgorithm.RSA)
    (tmp_path / "root.pem").write_bytes(authority.root.pem)
    (tmp_path / "ca.pem").write_bytes(authority.intermediate.pem)
    (tmp_path / "contract.txt").write_bytes(CONTRACT)
    return authority, tmp_path


def _write(directory: Path, name: str, key_pem: bytes, pem: bytes) -> tuple[Path, Path]:
    key, certificate = directory / f"{name}.key", directory / f"{name}.pem"
    key.write_bytes(key_pem)
    certificate.write_bytes(pem)
    return key, certificate


def _verify(directory: Path, signature: Path, *extra: object) -> tuple[int, dict[str, Any]]:
    result = run(
        EZSIGNER, "verify", "--trust", directory / "root.pem", "--json",
        "--content", directory / "contract.txt", *extra, signature,
    )  # fmt: skip
    return result.returncode, json.loads(result.stdout)


@needs_openssl
def test_an_rsa_signature_by_openssl_verifies_with_ezsigner(
    rsa_world: tuple[TestAuthority, Path],
) -> None:
    authority, directory = rsa_world
    recipient = authority.issue_individual("Bolatkyzy Aigerim", RECIPIENT_IIN)
    key, certificate = _write(directory, "recipient", recipient.key_pem, recipient.pem)
    signature = directory / "openssl.cms"
    made = run(
        OPENSSL, "cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER",
        "-in", directory / "contract.txt", "-signer", certificate, "-inkey", key,
        "-certfile", directory / "ca.pem", "-out", signature,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    returncode, report = _verify(directory, signature)
    assert returncode == 0, report
    (signer,) = report["signers"]
    assert (signer["iin"], signer["key_algorithm"]) == (RECIPIENT_IIN, "RSA")
    assert signer["signature_algorithm"] == "sha256WithRSAEncryption"


@needs_openssl
def test_an_rsa_signature_by_ezsigner_verifies_with_openssl(
    rsa_world: tuple[TestAuthority, Path],
) -> None:
    authority, directory = rsa_world
    recipient = authority.issue_individual("Bolatkyzy Aigerim", RECIPIENT_IIN)
    key, certificate = _write(directory, "recipient", recipient.key_pem, recipient.pem)
    signature = directory / "ezsigner.cms"
    signed = run(
        EZSIGNER, "sign", "--key", key, "--cert", certificate, "--chain", directory / "ca.pem",
        directory / "contract.txt", "-o", signature,
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    checked = run(
        OPENSSL, "cms", "-verify", "-binary", "-inform", "DER", "-in", signature,
        "-content", directory / "contract.txt", "-CAfile", directory / "root.pem",
        "-purpose", "any",
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == CONTRACT.decode()


def test_gost_and_rsa_and_p256_signers_of_one_contract_through_the_cli(tmp_path: Path) -> None:
    authority = TestAuthority(key_type=KeyAlgorithm.GOST_2015_512)
    (tmp_path / "root.pem").write_bytes(authority.root.pem)
    (tmp_path / "contract.txt").write_bytes(CONTRACT)
    chain = tmp_path / "ca.pem"
    chain.write_bytes(authority.intermediate.pem)
    signers = [
        ("recipient", authority.issue_individual("Recipient", RECIPIENT_IIN,
                                                 key=_key(KeyAlgorithm.GOST_2015_512))),
        ("guarantor", authority.issue_individual("Guarantor", GUARANTOR_IIN,
                                                 key=_key(KeyAlgorithm.GOST_2015_256))),
        ("ktk", authority.issue_employee("KTK Officer", KTK_OFFICER_IIN, KTK_BIN, KTK_NAME,
                                         key=_key(KeyAlgorithm.RSA))),
    ]  # fmt: skip
    signature = tmp_path / "contract.cms"
    for index, (name, issued) in enumerate(signers):
        key, certificate = _write(tmp_path, name, issued.key_pem, issued.pem)
        add = ("--add-to", signature) if index else ()
        made = run(
            EZSIGNER, "sign", "--key", key, "--cert", certificate, "--chain", chain, *add,
            tmp_path / "contract.txt", "-o", signature,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
    returncode, report = _verify(
        tmp_path, signature, "--expect-iin", RECIPIENT_IIN, "--expect-bin", KTK_BIN
    )
    assert returncode == 0, report
    assert sorted(s["key_algorithm"] for s in report["signers"]) == sorted(
        ["GOST 34.10-2015 512-bit", "GOST 34.10-2015 256-bit", "RSA"]
    )
    # A GOST signer digesting with Streebog, as NCALayer does, also verifies with the document.
    key, certificate = _write(tmp_path, "recipient", signers[0][1].key_pem, signers[0][1].pem)
    streebog = tmp_path / "streebog.cms"
    made = run(
        EZSIGNER, "sign", "--key", key, "--cert", certificate, "--chain", chain,
        "--digest", "streebog512", tmp_path / "contract.txt", "-o", streebog,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    returncode, report = _verify(tmp_path, streebog)
    assert returncode == 0, report
    # ezsigner names the digests a transaction must carry; with them, it verifies without the
    # document, as the ledger does (ADR 0009).
    carried = {
        "sha256": sha256(CONTRACT).hex(),
        "streebog512": digest(STREEBOG_512, CONTRACT).hex(),
    }
    assert report["digests"] == carried
    assert f"streebog512={carried['streebog512']}" in made.stdout
    as_ledger = ("verify", "--trust", tmp_path / "root.pem", "--content-sha256", carried["sha256"])
    only_sha256 = run(EZSIGNER, *as_ledger, streebog)
    assert only_sha256.returncode == 1, only_sha256.stdout
    assert "Streebog-512" in only_sha256.stdout
    both = run(EZSIGNER, *as_ledger, "--content-streebog512", carried["streebog512"], streebog)
    assert both.returncode == 0, both.stdout


def _key(algorithm: KeyAlgorithm) -> SigningKey:
    return generate_signing_key(algorithm)


def test_ezsigner_certificate_on_the_nca_gost_2022_intermediate(tmp_path: Path) -> None:
    root = tmp_path / "nca-root.pem"
    root.write_bytes(_pem(nca_gost_2022_root()))
    intermediate = tmp_path / "nca-intermediate.cer"
    intermediate.write_bytes(nca_gost_2022_intermediate())
    result = run(EZSIGNER, "certificate", intermediate, "--trust", root, "--json", "--at",
                 "2026-05-01T00:00:00")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["key"] == {"algorithm": "GOST 34.10-2015 512-bit", "bits": 512}
    assert [link["verdict"] for link in report["chain"]] == ["signature verifies", "trust anchor"]
    damaged = bytearray(nca_gost_2022_intermediate())
    damaged[-3] ^= 0x01
    intermediate.write_bytes(bytes(damaged))
    failed = run(EZSIGNER, "certificate", intermediate, "--trust", root, "--json")
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["problem"].startswith("BAD_CHAIN_SIGNATURE")
    expired = run(EZSIGNER, "certificate", root, "--trust", root, "--at", "2050-01-01T00:00:00")
    assert expired.returncode == 1
    assert "EXPIRED" in expired.stdout
    intermediate.write_bytes(b"not a certificate")
    assert run(EZSIGNER, "certificate", intermediate, "--trust", root).returncode == 2


def test_ezsigner_certificate_reports_the_nca_profile_and_revocation(tmp_path: Path) -> None:
    authority = TestAuthority(key_type=KeyAlgorithm.GOST_2015_512,
                              person_key_type=KeyAlgorithm.GOST_2015_256)  # fmt: skip
    holder = authority.issue_employee("Ibrayev Marat Serikovich", bin_=KTK_BIN)
    (tmp_path / "holder.pem").write_bytes(holder.pem)
    (tmp_path / "chain.pem").write_bytes(authority.chain_pem)
    result = run(EZSIGNER, "certificate", tmp_path / "holder.pem", "--trust",
                 tmp_path / "chain.pem", "--json")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["subject"]["surname"] == "Ibrayev"
    assert report["subject"]["bin"] == KTK_BIN
    assert report["roles"] == ["EMPLOYEE", "LEGAL_ENTITY"]
    assert report["policies"] == ["LEGAL_ENTITY_SIGNING"]
    authority.revoke(holder, datetime(2026, 1, 1, tzinfo=UTC))
    (tmp_path / "list.crl").write_bytes(authority.crl())
    revoked = run(EZSIGNER, "certificate", tmp_path / "holder.pem", "--trust",
                  tmp_path / "chain.pem", "--crl", tmp_path / "list.crl", "--json")  # fmt: skip
    assert revoked.returncode == 1
    assert json.loads(revoked.stdout)["revocation"] == "REVOKED"


def test_ezsigner_takes_ocsp_responses_as_revocation_evidence(tmp_path: Path) -> None:
    authority = TestAuthority(key_type=KeyAlgorithm.GOST_2015_512,
                              person_key_type=KeyAlgorithm.GOST_2015_512)  # fmt: skip
    recipient = authority.issue_individual("Recipient", RECIPIENT_IIN)
    (tmp_path / "root.pem").write_bytes(authority.root.pem)
    (tmp_path / "chain.pem").write_bytes(authority.chain_pem)
    (tmp_path / "contract.txt").write_bytes(CONTRACT)
    key, certificate = _write(tmp_path, "recipient", recipient.key_pem, recipient.pem)
    signature = tmp_path / "contract.cms"
    made = run(EZSIGNER, "sign", "--key", key, "--cert", certificate, "--chain",
               tmp_path / "chain.pem", tmp_path / "contract.txt", "-o", signature)  # fmt: skip
    assert made.returncode == 0, made.stderr
    now = datetime.now(UTC).replace(microsecond=0)
    ocsp = tmp_path / "status.ocsp"
    ocsp.write_bytes(
        build_ocsp_response(
            authority.intermediate,
            authority.intermediate,
            [OcspAnswer(recipient.serial_number, OcspStatus.GOOD)],
            produced_at=now,
            this_update=now,
        )
    )
    returncode, report = _verify(tmp_path, signature, "--ocsp", ocsp)
    assert returncode == 0, report
    assert [(e["status"], e["produced_at"]) for e in report["ocsp"]] == [("GOOD", now.isoformat())]
    ocsp.write_bytes(
        build_ocsp_response(
            authority.intermediate,
            authority.intermediate,
            [OcspAnswer(recipient.serial_number, OcspStatus.REVOKED, now - timedelta(days=1))],
            produced_at=now,
            this_update=now,
        )
    )
    returncode, report = _verify(tmp_path, signature, "--ocsp", ocsp)
    assert returncode == 1
    assert "REVOKED" in report["signers"][0]["problems"]
    described = run(EZSIGNER, "certificate", certificate, "--trust", tmp_path / "chain.pem",
                    "--ocsp", ocsp, "--json")  # fmt: skip
    assert described.returncode == 1
    assert json.loads(described.stdout)["ocsp"][0]["status"] == "REVOKED"
    ocsp.write_bytes(b"not an OCSP response")
    assert run(EZSIGNER, "certificate", certificate, "--trust", tmp_path / "chain.pem",
               "--ocsp", ocsp).returncode == 2  # fmt: skip


def test_ezsigner_sign_with_a_tsa_and_verify_reports_the_tokens_time(tmp_path: Path) -> None:
    authority = TestAuthority(key_type=KeyAlgorithm.GOST_2015_512,
                              person_key_type=KeyAlgorithm.GOST_2015_512)  # fmt: skip
    recipient = authority.issue_individual("Recipient", RECIPIENT_IIN)
    tsa = issue_tsa(
        authority.intermediate,
        "Test TSA",
        Validity(datetime(2025, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC)),
        generate_signing_key(KeyAlgorithm.GOST_2015_512),
    )
    (tmp_path / "root.pem").write_bytes(authority.root.pem)
    (tmp_path / "chain.pem").write_bytes(authority.chain_pem)
    (tmp_path / "contract.txt").write_bytes(CONTRACT)
    key, certificate = _write(tmp_path, "recipient", recipient.key_pem, recipient.pem)
    tsa_key, tsa_certificate = _write(tmp_path, "tsa", tsa.key_pem, tsa.pem)
    signature = tmp_path / "contract.cms"
    made = run(EZSIGNER, "sign", "--key", key, "--cert", certificate, "--chain",
               tmp_path / "chain.pem", "--tsa-key", tsa_key, "--tsa-cert", tsa_certificate,
               tmp_path / "contract.txt", "-o", signature)  # fmt: skip
    assert made.returncode == 0, made.stderr
    returncode, report = _verify(tmp_path, signature)
    assert returncode == 0, report
    (signer,) = report["signers"]
    assert signer["timestamp"] is not None
    assert signer["timestamp_authority"] == tsa.info.subject
    text = run(EZSIGNER, "verify", "--trust", tmp_path / "root.pem", "--content",
               tmp_path / "contract.txt", signature)  # fmt: skip
    assert "timestamp (RFC 3161): 20" in text.stdout
