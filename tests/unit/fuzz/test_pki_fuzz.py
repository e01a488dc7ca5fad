"""Fuzzing the PKI objects a client or a peer hands the ledger: certificates (DER, PEM bundles,
and the chains built from them), CRLs, OCSP responses, CMS SignedData and RFC 3161 timestamp
tokens. Seeds are real objects of each key type the registry accepts (GOST 2015, RSA, ECDSA).

Named errors per decoder (anything else escaping is a defect of the decoder):
- ``load_certificate`` / ``load_certificates_pem``: MalformedCertificate, InvalidIdentifier
  (a subject IIN/BIN with a wrong check digit); ``verify_chain``: CertificateRejected.
- ``load_revocation_list``: MalformedRevocationList; ``verify_revocation_list``:
  CertificateRejected.
- ``load_ocsp_response``: MalformedOcspResponse; ``verify_ocsp_response``: CertificateRejected.
- ``load_cms`` / ``verify_cms``: MalformedCms (a signer's problems are values, not errors).
- ``verify_timestamp``: nothing; a bad token is a verdict naming its problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from clients.pki.authority import Validity, generate_key
from clients.pki.ocsp import OcspAnswer, build_ocsp_response
from clients.pki.tsa import issue_tsa, timestamp_token
from ledger.documents.build import attach_timestamp
from ledger.documents.cms import MalformedCms, load_cms, sign_cms, verify_cms
from ledger.documents.timestamps import TimestampVerdict, verify_timestamp
from ledger.identity.algorithms import KeyAlgorithm
from ledger.identity.certificates import (
    CertificateInfo,
    MalformedCertificate,
    load_certificate,
    load_certificates_pem,
)
from ledger.identity.chains import verify_chain
from ledger.identity.identifiers import InvalidIdentifier
from ledger.identity.ocsp import (
    MalformedOcspResponse,
    OcspResponse,
    OcspStatus,
    load_ocsp_response,
    verify_ocsp_response,
)
from ledger.identity.revocation import (
    CertificateRejected,
    MalformedRevocationList,
    RevocationList,
    TrustStore,
    load_revocation_list,
    verify_revocation_list,
)
from tests.pki_fixtures import FIXTURE_NOW, RECIPIENT_IIN, TestAuthority
from tests.unit.fuzz.support import FUZZ, bytes_of, only_named, vectors

KEY_TYPES = (KeyAlgorithm.GOST_2015_512, KeyAlgorithm.RSA, KeyAlgorithm.ECDSA_P256)
VALIDITY = Validity(FIXTURE_NOW - timedelta(days=400), FIXTURE_NOW + timedelta(days=400))
CONTRACT = b"Lease-to-own contract, Astana, apartment 45"
CERTIFICATE_ERRORS = (MalformedCertificate, InvalidIdentifier)
# Found by the long run: a name attribute of the wrong ASN.1 type (countryName "KZ" as a BIT
# STRING, tag 0x03, instead of a PrintableString, 0x13) made `cryptography` raise TypeError.
COUNTRY_KZ = b"\x06\x03U\x04\x06\x13\x02KZ"
COUNTRY_AS_BIT_STRING = b"\x06\x03U\x04\x06\x03\x02KZ"
VECTOR_CERTIFICATE = bytes.fromhex(
    vectors("transactions")["transactions"][0]["signatures"][0]["certificate_hex"]
)


@dataclass(frozen=True)
class Seeds:
    trust: TrustStore
    certificates: tuple[bytes, ...]  # DER: roots, intermediates, people, nodes
    pem_bundles: tuple[bytes, ...]
    crls: tuple[bytes, ...]
    ocsp: tuple[bytes, ...]
    cms: tuple[bytes, ...]  # with and without timestamp tokens, attached and detached
    tokens: tuple[tuple[bytes, bytes], ...]  # (token, the signature it stamps)


@cache
def seeds() -> Seeds:
    """Real objects, made once per run (issuing keys is the slow part; and Hypothesis needs the
    same seeds on every replay of an example)."""
    trust_authorities: list[CertificateInfo] = []
    certificates: list[bytes] = []
    bundles: list[bytes] = []
    crls: list[bytes] = []
    ocsp: list[bytes] = []
    cms: list[bytes] = []
    tokens: list[tuple[bytes, bytes]] = []
    for key_type in KEY_TYPES:
        authority = TestAuthority(key_type=key_type, person_key_type=key_type)
        person = authority.issue_individual("Recipient", RECIPIENT_IIN)
        node = authority.issue_node("validator-1")
        authority.revoke(node.serial_number, FIXTURE_NOW - timedelta(days=1))
        trust_authorities.extend(authority.trust_store().authorities)
        certificates += [authority.root.der, authority.intermediate.der, person.der, node.der]
        bundles += [authority.chain_pem, person.pem + authority.intermediate.pem]
        crls.append(authority.crl())
        ocsp.append(
            build_ocsp_response(
                authority.intermediate,
                authority.intermediate,
                [
                    OcspAnswer(node.serial_number, OcspStatus.REVOKED, FIXTURE_NOW),
                    OcspAnswer(person.serial_number, OcspStatus.GOOD),
                ],
                produced_at=FIXTURE_NOW,
                this_update=FIXTURE_NOW,
            )
        )
        signed = sign_cms(
            CONTRACT,
            person.key,
            person.certificate,
            (authority.intermediate.certificate,),
            signing_time=FIXTURE_NOW,
        )
        signature = load_cms(signed).signers[0].signature
        tsa = issue_tsa(authority.intermediate, "Test TSA", VALIDITY, generate_key(key_type))
        token = timestamp_token(tsa, signature, gen_time=FIXTURE_NOW, serial_number=7)
        cms += [signed, attach_timestamp(signed, 0, token)]
        tokens.append((token, signature))
    return Seeds(
        TrustStore(tuple(trust_authorities)),
        tuple(certificates),
        tuple(bundles),
        tuple(crls),
        tuple(ocsp),
        tuple(cms),
        tuple(tokens),
    )


# --- certificates and chains --------------------------------------------------------------------


@FUZZ
@given(st.deferred(lambda: bytes_of(seeds().certificates)))
@example(VECTOR_CERTIFICATE.replace(COUNTRY_KZ, COUNTRY_AS_BIT_STRING, 1))  # issuer's country
@example(VECTOR_CERTIFICATE.replace(COUNTRY_KZ, COUNTRY_AS_BIT_STRING))  # and subject's
def test_certificates_load_and_chain_or_are_named(raw: bytes) -> None:
    certificate = only_named(lambda: load_certificate(raw), CERTIFICATE_ERRORS)
    if isinstance(certificate, CertificateInfo):
        assert certificate.der == raw  # canonical DER only: one certificate, one fingerprint
        only_named(
            lambda: verify_chain(certificate, seeds().trust, FIXTURE_NOW), (CertificateRejected,)
        )


@FUZZ
@given(st.deferred(lambda: bytes_of(seeds().pem_bundles)))
def test_pem_bundles_load_or_are_named(raw: bytes) -> None:
    loaded = only_named(lambda: load_certificates_pem(raw), CERTIFICATE_ERRORS)
    if isinstance(loaded, tuple):
        for certificate in loaded:
            assert load_certificate(certificate.der) == certificate


# --- revocation: CRLs and OCSP ------------------------------------------------------------------


@FUZZ
@given(st.deferred(lambda: bytes_of(seeds().crls)))
def test_revocation_lists_load_and_verify_or_are_named(raw: bytes) -> None:
    crl = only_named(lambda: load_revocation_list(raw), (MalformedRevocationList,))
    if isinstance(crl, RevocationList):
        only_named(lambda: verify_revocation_list(crl, seeds().trust), (CertificateRejected,))


@FUZZ
@given(st.deferred(lambda: bytes_of(seeds().ocsp)))
def test_ocsp_responses_load_and_verify_or_are_named(raw: bytes) -> None:
    response = only_named(lambda: load_ocsp_response(raw), (MalformedOcspResponse,))
    if isinstance(response, OcspResponse):
        only_named(lambda: verify_ocsp_response(response, seeds().trust), (CertificateRejected,))


# --- CMS and timestamp tokens -------------------------------------------------------------------


@FUZZ
@given(st.deferred(lambda: bytes_of(seeds().cms)))
def test_cms_loads_and_verifies_or_is_named_malformed(raw: bytes) -> None:
    only_named(lambda: load_cms(raw), (MalformedCms,))
    only_named(lambda: verify_cms(raw, trust=seeds().trust, content=CONTRACT), (MalformedCms,))


@FUZZ
@given(st.deferred(lambda: bytes_of([token for token, _ in seeds().tokens])))
def test_timestamp_tokens_give_a_verdict_and_never_raise(raw: bytes) -> None:
    for _, signature in seeds().tokens:
        verdict = verify_timestamp(raw, signature, seeds().trust)
        assert isinstance(verdict, TimestampVerdict)
        assert verdict.valid == (verdict.problem is None)


def test_a_name_attribute_of_the_wrong_asn1_type_is_malformed() -> None:
    """The long run's find, for every seed certificate and CRL (their bytes differ per run)."""
    made = seeds()
    for der in made.certificates:
        with pytest.raises(MalformedCertificate):
            load_certificate(der.replace(COUNTRY_KZ, COUNTRY_AS_BIT_STRING, 1))
    for crl in made.crls:
        with pytest.raises(MalformedRevocationList):
            load_revocation_list(crl.replace(COUNTRY_KZ, COUNTRY_AS_BIT_STRING, 1))


def test_the_seeds_are_valid() -> None:
    """The mutations start from objects that pass, so a fuzz run explores past the first check."""
    made = seeds()
    for der in made.certificates:
        load_certificate(der)
    for crl in made.crls:
        verify_revocation_list(load_revocation_list(crl), made.trust)
    for response in made.ocsp:
        verify_ocsp_response(load_ocsp_response(response), made.trust)
    for signed in made.cms:
        assert verify_cms(signed, trust=made.trust, content=CONTRACT).valid
    for token, signature in made.tokens:
        assert verify_timestamp(token, signature, made.trust).valid
