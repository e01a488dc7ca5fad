"""OCSP responses (RFC 6960) as revocation evidence: made by our test CA (clients/pki/ocsp.py)
with GOST 2015, RSA and P-256 keys, by the CA itself or a delegated responder; each verifies,
its revocations enter a trust store, and a flipped bit or an undelegated responder fails by
name. No NCA material: these responses are ours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from clients.pki.authority import Validity, generate_key, issue_leaf
from clients.pki.ocsp import OcspAnswer, build_ocsp_response, issue_ocsp_responder
from clients.pki.profiles import LeafProfile, authority_name
from ledger.identity.algorithms import KeyAlgorithm
from ledger.identity.chains import verify_chain
from ledger.identity.ocsp import (
    MalformedOcspResponse,
    OcspStatus,
    load_ocsp_response,
    trust_with_ocsp,
    verify_ocsp_response,
)
from ledger.identity.revocation import CertificateProblem, CertificateRejected
from tests.pki_fixtures import FIXTURE_NOW, TestAuthority

KEY_TYPES = [KeyAlgorithm.GOST_2015_512, KeyAlgorithm.RSA, KeyAlgorithm.ECDSA_P256]
VALIDITY = Validity(FIXTURE_NOW - timedelta(days=30), FIXTURE_NOW + timedelta(days=300))
REVOKED_AT = FIXTURE_NOW - timedelta(days=1)


@pytest.mark.parametrize("key_type", KEY_TYPES, ids=lambda a: a.name)
@pytest.mark.parametrize("delegated", [False, True], ids=["ca-signs", "delegated-responder"])
def test_a_revocation_by_ocsp_enters_the_trust_store(
    key_type: KeyAlgorithm, delegated: bool
) -> None:
    authority = TestAuthority(key_type=key_type, person_key_type=key_type)
    revoked = authority.issue_individual("Revoked Person")
    fine = authority.issue_individual("Fine Person")
    signer = (
        issue_ocsp_responder(authority.intermediate, "OCSP", VALIDITY, generate_key(key_type))
        if delegated
        else authority.intermediate
    )
    der = build_ocsp_response(
        signer,
        authority.intermediate,
        [
            OcspAnswer(revoked.serial_number, OcspStatus.REVOKED, REVOKED_AT),
            OcspAnswer(fine.serial_number, OcspStatus.GOOD),
        ],
        produced_at=FIXTURE_NOW,
        this_update=FIXTURE_NOW,
    )
    trust = authority.trust_store()
    response = verify_ocsp_response(load_ocsp_response(der), trust)
    assert response.produced_at == FIXTURE_NOW
    assert response.responder_fingerprint == signer.info.fingerprint
    assert [e.status for e in response.entries] == [OcspStatus.REVOKED, OcspStatus.GOOD]
    with_evidence = trust_with_ocsp(trust, response)
    with pytest.raises(CertificateRejected) as raised:
        verify_chain(revoked.info, with_evidence, FIXTURE_NOW)
    assert raised.value.problem is CertificateProblem.REVOKED
    verify_chain(revoked.info, with_evidence, REVOKED_AT - timedelta(seconds=1))  # before: fine
    verify_chain(fine.info, with_evidence, FIXTURE_NOW)
    # One flipped bit in the signature value (the response's last bytes): a named failure.
    damaged = bytearray(der)
    damaged[len(damaged) - (1 if not delegated else len(signer.der) + 8)] ^= 0x01
    with pytest.raises(CertificateRejected) as bad:
        verify_ocsp_response(load_ocsp_response(bytes(damaged)), trust)
    assert bad.value.problem is CertificateProblem.BAD_CHAIN_SIGNATURE


def test_a_responder_without_ocsp_signing_is_a_wrong_key_usage() -> None:
    authority = TestAuthority(key_type=KeyAlgorithm.GOST_2015_512)
    impostor = issue_leaf(
        authority.intermediate,
        authority_name("Not a responder"),
        # A time-stamping service of the same CA: a responder it did not delegate.
        LeafProfile(frozenset({"digital_signature"}), (ExtendedKeyUsageOID.TIME_STAMPING,)),
        VALIDITY,
        key=generate_key(KeyAlgorithm.GOST_2015_256),
    )
    person = authority.issue_individual("Someone")
    der = build_ocsp_response(
        impostor,
        authority.intermediate,
        [OcspAnswer(person.serial_number, OcspStatus.GOOD)],
        produced_at=FIXTURE_NOW,
        this_update=FIXTURE_NOW,
    )
    with pytest.raises(CertificateRejected) as raised:
        verify_ocsp_response(load_ocsp_response(der), authority.trust_store())
    assert raised.value.problem is CertificateProblem.WRONG_KEY_USAGE


def test_a_response_about_another_ca_is_an_unknown_authority() -> None:
    ours, theirs = TestAuthority(), TestAuthority("Other National CA")
    person = theirs.issue_individual("Someone")
    der = build_ocsp_response(
        theirs.intermediate,
        theirs.intermediate,
        [OcspAnswer(person.serial_number, OcspStatus.REVOKED, REVOKED_AT)],
        produced_at=FIXTURE_NOW,
        this_update=FIXTURE_NOW,
    )
    with pytest.raises(CertificateRejected) as raised:
        verify_ocsp_response(load_ocsp_response(der), ours.trust_store())
    assert raised.value.problem is CertificateProblem.UNKNOWN_AUTHORITY


@pytest.mark.parametrize("data", [b"", b"\x30\x03\x0a\x01\x01", b"garbage"])
def test_unreadable_or_unsuccessful_responses_are_malformed(data: bytes) -> None:
    with pytest.raises(MalformedOcspResponse):
        load_ocsp_response(data)
