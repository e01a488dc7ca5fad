"""A document signed as NCALayer signs it with a GOST key: the CMS messageDigest is the
document's Streebog digest, not its SHA-256. The transaction carries that digest beside the
SHA-256 (SignedDocument.streebog256/512, ADR 0009), the ledger matches each signer's
messageDigest with the digest of the signer's own digest algorithm, and the document's identity
on record stays its SHA-256. Here: the recipient's personal-data consent (para 20)."""

from __future__ import annotations

from functools import cache

import pytest
from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import IssuedCertificate
from clients.transaction_builders import signed_document
from ledger.documents.cms import sign_cms
from ledger.hashing import sha256
from ledger.identity.algorithms import STREEBOG_256, STREEBOG_512, KeyAlgorithm, digest
from ledger.identity.private_keys import generate_signing_key
from ledger.rejections import RejectionReason
from tests.pki_fixtures import RECIPIENT_IIN
from tests.unit.ledger.registry.story import Story, at

CONSENT = b"Consent to personal-data processing (Appendix), subject " + RECIPIENT_IIN.encode()


@cache
def _gost_recipient(key_type: KeyAlgorithm) -> IssuedCertificate:
    # The recipient's second certificate, with a GOST 2015 key, as the NCA issues them.
    return Story().parties.authority.issue_individual(
        "Bolatkyzy Aigerim", RECIPIENT_IIN, key=generate_signing_key(key_type)
    )


@cache
def _ncalayer_cms(digest_algorithm: str = STREEBOG_512) -> bytes:
    recipient = _gost_recipient(
        KeyAlgorithm.GOST_2015_512
        if digest_algorithm == STREEBOG_512
        else KeyAlgorithm.GOST_2015_256
    )
    return sign_cms(
        CONSENT,
        recipient.key,
        recipient.certificate,
        signing_time=at(3),
        digest_algorithm=digest_algorithm,
    )


def _story() -> Story:
    story = Story()
    story.import_property()
    return story


def test_a_streebog_signed_consent_is_accepted_and_recorded_by_its_sha256() -> None:
    story = _story()
    consent = signed_document(CONSENT, _ncalayer_cms(), "Personal-data consent")
    assert consent.streebog512 == digest(STREEBOG_512, CONSENT)
    assert consent.streebog256 == b""  # no signer digested with Streebog-256
    p = story.parties
    applied = story.applied(
        story.lease_application(personal_data_consent=consent), p.ktk_officer, p.recipient
    )
    assert applied.application_id is not None
    lease = story.ledger.application(applied.application_id)
    assert lease is not None
    assert sha256(CONSENT) in {document.sha256 for document in lease.documents}


def test_without_the_streebog_digest_the_ledger_cannot_check_the_signer() -> None:
    story = _story()
    consent = pb.SignedDocument(sha256=sha256(CONSENT), cms=_ncalayer_cms())
    p = story.parties
    rejection = story.rejected(
        RejectionReason.DOCUMENT_SIGNATURE_INVALID,
        story.lease_application(personal_data_consent=consent),
        p.ktk_officer,
        p.recipient,
    )
    assert "Streebog-512" in rejection.detail


def test_a_streebog_digest_of_another_document_is_a_digest_mismatch() -> None:
    story = _story()
    consent = pb.SignedDocument(
        sha256=sha256(CONSENT),
        cms=_ncalayer_cms(),
        streebog512=digest(STREEBOG_512, CONSENT + b" "),
    )
    p = story.parties
    rejection = story.rejected(
        RejectionReason.DOCUMENT_SIGNATURE_INVALID,
        story.lease_application(personal_data_consent=consent),
        p.ktk_officer,
        p.recipient,
    )
    assert "message digest differs" in rejection.detail


@pytest.mark.parametrize(
    ("streebog256", "streebog512"),
    [
        (b"", bytes(32)),  # a Streebog-512 digest is 64 bytes
        (bytes(64), b""),
        # No signer digested with Streebog-256: an unchecked claim about the file.
        (bytes(32), digest(STREEBOG_512, CONSENT)),
    ],
    ids=["short-512", "long-256", "unused-256"],
)
def test_a_streebog_digest_of_the_wrong_size_or_that_no_signer_uses_is_an_invalid_field(
    streebog256: bytes, streebog512: bytes
) -> None:
    story = _story()
    consent = pb.SignedDocument(
        sha256=sha256(CONSENT),
        cms=_ncalayer_cms(),
        streebog256=streebog256,
        streebog512=streebog512,
    )
    p = story.parties
    story.rejected(
        RejectionReason.INVALID_FIELD,
        story.lease_application(personal_data_consent=consent),
        p.ktk_officer,
        p.recipient,
    )


def test_a_streebog_256_signer_is_checked_with_the_streebog_256_digest() -> None:
    story = _story()
    cms = _ncalayer_cms(STREEBOG_256)
    p = story.parties
    wrong = pb.SignedDocument(
        sha256=sha256(CONSENT), cms=cms, streebog512=digest(STREEBOG_512, CONSENT)
    )
    story.rejected(
        RejectionReason.INVALID_FIELD,
        story.lease_application(personal_data_consent=wrong),
        p.ktk_officer,
        p.recipient,
    )
    consent = signed_document(CONSENT, cms, "Personal-data consent")
    assert consent.streebog256 == digest(STREEBOG_256, CONSENT)
    story.applied(
        story.lease_application(personal_data_consent=consent), p.ktk_officer, p.recipient
    )
