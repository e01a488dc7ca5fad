"""A SignerInfo names its certificate by issuer and serial number (RFC 5652 §5.3). The match
is remembered under the names' exact DER (ledger.documents.parse): it must still follow RFC 5280
§7.1
name comparison, and a name that differs must never be served a remembered match."""

from __future__ import annotations

from asn1crypto import cms as asn1_cms

from ledger.documents.cms import load_cms
from tests.unit.ledger.registry.story import Story

ISSUER_COMMON_NAME = b"Test Issuing CA"


def _contract_cms() -> bytes:
    return Story().contract().cms


def _with_signer_issuer(cms: bytes, replacement: bytes) -> bytes:
    """The CMS with the issuer common name in the last SignerInfo's sid replaced (same length:
    the DER stays well formed; the sid is outside what the signature covers)."""
    last_signer = asn1_cms.ContentInfo.load(cms)["content"]["signer_infos"][-1].dump()
    # version, then sid: the first occurrence in the SignerInfo is the sid's issuer (a later
    # one sits in the signed signingCertificateV2 attribute, which must stay intact).
    position = cms.rindex(last_signer) + last_signer.index(ISSUER_COMMON_NAME)
    return cms[:position] + replacement + cms[position + len(ISSUER_COMMON_NAME) :]


def test_every_signer_of_the_contract_finds_its_certificate() -> None:
    document = load_cms(_contract_cms())
    for signer in document.signers:
        assert signer.certificate is not None
        assert signer.certificate.serial_number == signer.identifier.serial_number


def test_another_issuer_name_is_not_matched_after_the_true_one_was() -> None:
    cms = _contract_cms()
    assert all(s.certificate is not None for s in load_cms(cms).signers)  # remembered
    changed = load_cms(_with_signer_issuer(cms, b"Test Issuing CB"))
    assert [s.certificate is None for s in changed.signers].count(True) == 1
    assert changed.signers[-1].identifier.issuer != load_cms(cms).signers[-1].identifier.issuer


def test_issuer_names_still_compare_after_string_preparation_not_byte_for_byte() -> None:
    # RFC 5280 §7.1 / RFC 4518: caseIgnoreMatch, so a SignerInfo may spell the issuer in
    # another case and still name the certificate.
    cms = _contract_cms()
    changed = load_cms(_with_signer_issuer(cms, ISSUER_COMMON_NAME.upper()))
    assert all(s.certificate is not None for s in changed.signers)
