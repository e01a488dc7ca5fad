"""The committed vectors in tests/vectors/nca_format/ (ours, made in the NCA's formats; see its
PROVENANCE.md): for the GOST 2015 and the RSA hierarchy, the certificate chain, the CRL's and
the OCSP response's signatures, the CMS signature and its RFC 3161 timestamp token verify, and
one flipped bit in each fails with a named reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger.documents.cms import SignerProblem, load_cms, verify_cms
from ledger.identity.certificates import load_certificate, load_certificates_pem
from ledger.identity.chains import verify_chain
from ledger.identity.ocsp import OcspStatus, load_ocsp_response, verify_ocsp_response
from ledger.identity.revocation import (
    CertificateProblem,
    CertificateRejected,
    TrustStore,
    load_revocation_list,
    verify_revocation_list,
)

VECTORS = Path(__file__).resolve().parents[3] / "vectors" / "nca_format"
MADE_AT = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
NAMES = ["gost512", "rsa"]


def _read(name: str, file_name: str) -> bytes:
    return (VECTORS / name / file_name).read_bytes()


def _trust(name: str) -> TrustStore:
    return TrustStore(load_certificates_pem(_read(name, "chain.pem")))


def _flip(data: bytes, index: int) -> bytes:
    damaged = bytearray(data)
    damaged[index] ^= 0x01
    return bytes(damaged)


@pytest.mark.parametrize("name", NAMES)
def test_the_chain_verifies_and_a_flipped_bit_is_a_bad_chain_signature(name: str) -> None:
    signer = load_certificate(_read(name, "signer.pem"))
    assert len(verify_chain(signer, _trust(name), MADE_AT)) == 3
    damaged = load_certificate(_flip(signer.der, len(signer.der) - 2))
    with pytest.raises(CertificateRejected) as raised:
        verify_chain(damaged, _trust(name), MADE_AT)
    assert raised.value.problem is CertificateProblem.BAD_CHAIN_SIGNATURE


@pytest.mark.parametrize("name", NAMES)
def test_the_crl_verifies_and_a_flipped_bit_is_a_bad_chain_signature(name: str) -> None:
    crl = _read(name, "list.crl")
    trust = _trust(name)
    verified = verify_revocation_list(load_revocation_list(crl), trust)
    revoked = load_certificate(_read(name, "revoked.pem"))
    with pytest.raises(CertificateRejected) as revoked_raised:
        verify_chain(revoked, trust.with_revocation_list(verified), MADE_AT)
    assert revoked_raised.value.problem is CertificateProblem.REVOKED
    with pytest.raises(CertificateRejected) as raised:
        verify_revocation_list(load_revocation_list(_flip(crl, len(crl) - 2)), trust)
    assert raised.value.problem is CertificateProblem.BAD_CHAIN_SIGNATURE


@pytest.mark.parametrize("name", NAMES)
def test_the_ocsp_response_verifies_and_a_flipped_bit_is_a_bad_chain_signature(
    name: str,
) -> None:
    data = _read(name, "status.ocsp")
    response = verify_ocsp_response(load_ocsp_response(data), _trust(name))
    assert response.produced_at == MADE_AT
    assert [entry.status for entry in response.entries] == [OcspStatus.REVOKED, OcspStatus.GOOD]
    with pytest.raises(CertificateRejected) as raised:
        verify_ocsp_response(load_ocsp_response(_flip(data, len(data) - 2)), _trust(name))
    assert raised.value.problem is CertificateProblem.BAD_CHAIN_SIGNATURE


@pytest.mark.parametrize("name", NAMES)
def test_the_cms_and_its_timestamp_verify_and_flipped_bits_are_named(name: str) -> None:
    cms = _read(name, "contract.cms")
    content = (VECTORS / "contract.txt").read_bytes()
    (signer,) = verify_cms(cms, trust=_trust(name), content=content).signers
    assert signer.valid, signer.details
    assert (signer.timestamp, signer.signing_time) == (MADE_AT, MADE_AT)
    # The signer's own signature value, then the last byte: the token's TSA signature.
    offset = cms.index(load_cms(cms).signers[0].signature)
    damaged = verify_cms(_flip(cms, offset + 5), trust=_trust(name), content=content)
    assert SignerProblem.SIGNATURE_INVALID in damaged.signers[0].problems
    token = verify_cms(_flip(cms, len(cms) - 2), trust=_trust(name), content=content)
    assert token.signers[0].problems == (SignerProblem.TIMESTAMP_INVALID,)
