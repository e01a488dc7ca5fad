"""RFC 3161 timestamp tokens on CMS signers (CAdES-T): made by our test TSA (clients/pki/tsa.py)
with GOST 2015 and RSA keys; a signer is judged at the TSA's genTime, not at its own claimed
signing time; a token over another signature, a TSA without the critical timeStamping usage or
one flipped bit fails by name; `openssl ts -verify` accepts an RSA token. No NCA material."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from clients.pki.authority import Validity, generate_key, issue_leaf
from clients.pki.profiles import LeafProfile, authority_name
from clients.pki.tsa import TSA_PROFILE, issue_tsa, timestamp_token
from ledger.documents.build import attach_timestamp
from ledger.documents.cms import SignerProblem, load_cms, sign_cms, verify_cms
from ledger.hashing import sha256
from ledger.identity.algorithms import KeyAlgorithm
from tests.pki_fixtures import FIXTURE_NOW, RECIPIENT_IIN, TestAuthority

CONTRACT = b"lease-to-own contract No. 17\n"
VALIDITY = Validity(FIXTURE_NOW - timedelta(days=400), FIXTURE_NOW + timedelta(days=400))
OPENSSL = shutil.which("openssl")


def _signed(authority: TestAuthority, *, claimed: timedelta = timedelta(0)) -> bytes:
    recipient = authority.issue_individual("Recipient", RECIPIENT_IIN)
    return sign_cms(
        CONTRACT,
        recipient.key,
        recipient.certificate,
        (authority.intermediate.certificate,),
        signing_time=FIXTURE_NOW + claimed,
    )


@pytest.mark.parametrize("key_type", [KeyAlgorithm.GOST_2015_512, KeyAlgorithm.RSA])
def test_the_signer_is_judged_at_the_tsa_time(key_type: KeyAlgorithm) -> None:
    authority = TestAuthority(key_type=key_type, person_key_type=key_type)
    tsa = issue_tsa(authority.intermediate, "Test TSA", VALIDITY, generate_key(key_type))
    # The signer claims a time a year later than the TSA saw the signature.
    signed = _signed(authority, claimed=timedelta(days=365))
    signature = load_cms(signed).signers[0].signature
    stamped = attach_timestamp(
        signed, 0, timestamp_token(tsa, signature, gen_time=FIXTURE_NOW, serial_number=7)
    )
    (verdict,) = verify_cms(stamped, trust=authority.trust_store(), content=CONTRACT).signers
    assert verdict.valid, verdict.details
    assert verdict.timestamp == FIXTURE_NOW
    assert verdict.judged_time == FIXTURE_NOW
    assert verdict.signing_time == FIXTURE_NOW + timedelta(days=365)
    assert verdict.timestamp_authority == tsa.info.subject
    # The certificate revoked between the TSA's time and the claimed time: judged at the TSA's
    # time the signature counts; without the token, at the claimed time, it does not.
    authority.revoke(verdict.serial_number or 0, FIXTURE_NOW + timedelta(days=100))
    trust = authority.trust_store()
    assert verify_cms(stamped, trust=trust, content=CONTRACT).valid
    unstamped = verify_cms(signed, trust=trust, content=CONTRACT)
    assert SignerProblem.REVOKED in unstamped.signers[0].problems


def test_bad_tokens_are_named() -> None:
    authority = TestAuthority(key_type=KeyAlgorithm.GOST_2015_512)
    tsa = issue_tsa(
        authority.intermediate, "Test TSA", VALIDITY, generate_key(KeyAlgorithm.GOST_2015_256)
    )
    signed = _signed(authority)
    signature = load_cms(signed).signers[0].signature
    trust = authority.trust_store()
    other = timestamp_token(tsa, signature + b"x", gen_time=FIXTURE_NOW, serial_number=1)
    wrong_imprint = verify_cms(attach_timestamp(signed, 0, other), trust=trust, content=CONTRACT)
    assert wrong_imprint.signers[0].problems == (SignerProblem.TIMESTAMP_INVALID,)
    assert "imprint" in wrong_imprint.signers[0].details[0]
    not_a_tsa = issue_leaf(
        authority.intermediate,
        authority_name("Not a TSA"),
        LeafProfile(TSA_PROFILE.key_usage, TSA_PROFILE.extended_key_usages),  # not critical
        VALIDITY,
        key=generate_key(KeyAlgorithm.GOST_2015_256),
    )
    token = timestamp_token(not_a_tsa, signature, gen_time=FIXTURE_NOW, serial_number=2)
    refused = verify_cms(attach_timestamp(signed, 0, token), trust=trust, content=CONTRACT)
    assert "critical id-kp-timeStamping" in refused.signers[0].details[0]
    good = timestamp_token(tsa, signature, gen_time=FIXTURE_NOW, serial_number=3)
    damaged = bytearray(good)
    damaged[-1] ^= 0x01  # the TSA's signature value
    flipped = verify_cms(attach_timestamp(signed, 0, bytes(damaged)), trust=trust, content=CONTRACT)
    assert flipped.signers[0].problems == (SignerProblem.TIMESTAMP_INVALID,)
    assert "does not verify" in flipped.signers[0].details[0]


@pytest.mark.skipif(OPENSSL is None, reason="the openssl command is not installed")
def test_openssl_ts_verifies_an_rsa_token(tmp_path: Path) -> None:
    authority = TestAuthority(key_type=KeyAlgorithm.RSA)
    tsa = issue_tsa(authority.intermediate, "Test TSA", VALIDITY, generate_key(KeyAlgorithm.RSA))
    signature = load_cms(_signed(authority)).signers[0].signature
    token = tmp_path / "token.der"
    token.write_bytes(timestamp_token(tsa, signature, gen_time=FIXTURE_NOW, serial_number=9))
    (tmp_path / "root.pem").write_bytes(authority.root.pem)
    (tmp_path / "ca.pem").write_bytes(authority.intermediate.pem)
    result = subprocess.run(
        [
            str(OPENSSL), "ts", "-verify", "-token_in", "-in", str(token),
            "-digest", sha256(signature).hex(), "-CAfile", str(tmp_path / "root.pem"),
            "-untrusted", str(tmp_path / "ca.pem"),
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verification: OK" in result.stdout
