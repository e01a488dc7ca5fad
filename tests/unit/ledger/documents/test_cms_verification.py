"""verify_cms: each signer's signature, digest, certificate chain, validity and revocation.

The rules are the ezsigner.kz check of Algorithm paras 18 and 29 and seed 003 para 18 condition 2:
validity period, absence from the revocation list, and the signer's IIN.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import cms as asn1_cms
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from clients.pki.authority import LeafProfile, Validity, individual_name, issue_leaf
from ledger.documents.cms import (
    RevocationStatus,
    SignerProblem,
    add_signer,
    load_cms,
    missing_signers,
    trust_with_embedded_authorities,
    verify_cms,
)
from ledger.hashing import sha256
from ledger.identity.revocation import TrustStore
from tests.pki_fixtures import (
    FIXTURE_NOW,
    GUARANTOR_IIN,
    KTK_BIN,
    KTK_NAME,
    KTK_OFFICER_IIN,
    RECIPIENT_IIN,
    SPOUSE_IIN,
    TestAuthority,
)
from tests.unit.ledger.documents.support import (
    CONTRACT,
    Parties,
    hand_made_cms,
    rewrite_first_signer,
    rewrite_signed_data,
    sign_as,
    standard_attributes,
)

TAMPERED = CONTRACT.replace(b"12", b"13")


def _problems(
    signed: bytes,
    trust: TrustStore,
    *,
    content: bytes | None = None,
    content_sha256: bytes | None = None,
) -> tuple[SignerProblem, ...]:
    verification = verify_cms(signed, trust=trust, content=content, content_sha256=content_sha256)
    (verdict,) = verification.signers
    return verdict.problems


def test_detached_signature_verifies_against_the_document(parties: Parties) -> None:
    signed = sign_as(parties.ktk_officer, parties.authority)

    verification = verify_cms(signed, trust=parties.authority.trust_store(), content=CONTRACT)

    assert verification.valid
    (verdict,) = verification.signers
    assert (verdict.name, verdict.iin, verdict.bin) == ("KTK Officer", KTK_OFFICER_IIN, KTK_BIN)
    assert verdict.organisation == KTK_NAME
    assert verdict.issuer == "Test Issuing CA"
    assert verdict.serial_number == parties.ktk_officer.serial_number
    assert verdict.signing_time == FIXTURE_NOW
    assert verdict.not_valid_before is not None and verdict.not_valid_after is not None
    assert verdict.not_valid_before < FIXTURE_NOW < verdict.not_valid_after
    assert verdict.revocation is RevocationStatus.NOT_REVOKED
    assert verification.checked_content_sha256 == sha256(CONTRACT)


def test_ledger_verifies_a_detached_signature_from_the_digest_alone(parties: Parties) -> None:
    """The ledger keeps only the document's SHA-256 (DESIGN §3)."""
    signed = sign_as(parties.recipient, parties.authority)
    trust = parties.authority.trust_store()

    assert verify_cms(signed, trust=trust, content_sha256=sha256(CONTRACT)).valid
    assert _problems(signed, trust, content_sha256=sha256(TAMPERED)) == (
        SignerProblem.DIGEST_MISMATCH,
    )


def test_attached_signature_verifies_with_its_embedded_document(parties: Parties) -> None:
    signed = sign_as(parties.recipient, parties.authority, attached=True)

    verification = verify_cms(signed, trust=parties.authority.trust_store())

    assert verification.valid
    assert not verification.detached


def test_changed_document_byte_is_a_digest_mismatch(parties: Parties) -> None:
    signed = sign_as(parties.recipient, parties.authority)

    problems = _problems(signed, parties.authority.trust_store(), content=TAMPERED)

    assert problems == (SignerProblem.DIGEST_MISMATCH,)


def test_detached_signature_without_the_document_cannot_be_checked(parties: Parties) -> None:
    signed = sign_as(parties.recipient, parties.authority)

    verification = verify_cms(signed, trust=parties.authority.trust_store())

    assert not verification.valid
    assert verification.signers[0].problems == (SignerProblem.NO_CONTENT,)


def test_content_and_its_digest_together_are_refused(parties: Parties) -> None:
    signed = sign_as(parties.recipient, parties.authority)

    with pytest.raises(ValueError, match="not both"):
        verify_cms(
            signed,
            trust=parties.authority.trust_store(),
            content=CONTRACT,
            content_sha256=sha256(CONTRACT),
        )
    with pytest.raises(ValueError, match="32 bytes"):
        verify_cms(signed, trust=parties.authority.trust_store(), content_sha256=b"short")


def test_backdated_signing_time_breaks_the_signature(parties: Parties) -> None:
    signed = sign_as(parties.recipient, parties.authority)
    backdated = standard_attributes(CONTRACT, signing_time=FIXTURE_NOW - timedelta(days=30))
    # Keep the original signature over the original attributes, swap in other attributes.
    tampered = rewrite_first_signer(signed, "signed_attrs", asn1_cms.CMSAttributes(backdated))

    problems = _problems(tampered, parties.authority.trust_store(), content=CONTRACT)

    assert problems == (SignerProblem.SIGNATURE_INVALID,)


def test_certificate_expired_at_the_signing_time(authority: TestAuthority) -> None:
    expired = authority.issue_individual(
        "Recipient", RECIPIENT_IIN, not_after=FIXTURE_NOW - timedelta(days=1)
    )

    problems = _problems(sign_as(expired, authority), authority.trust_store(), content=CONTRACT)

    assert problems == (SignerProblem.EXPIRED,)


def test_certificate_not_yet_valid_at_the_signing_time(authority: TestAuthority) -> None:
    future = authority.issue_individual(
        "Recipient", RECIPIENT_IIN, not_before=FIXTURE_NOW + timedelta(days=1)
    )

    problems = _problems(sign_as(future, authority), authority.trust_store(), content=CONTRACT)

    assert problems == (SignerProblem.NOT_YET_VALID,)


def test_certificate_revoked_before_signing_is_revoked(parties: Parties) -> None:
    revoked_at = FIXTURE_NOW - timedelta(days=2)
    parties.authority.revoke(parties.recipient, revoked_at)
    signed = sign_as(parties.recipient, parties.authority)

    (verdict,) = verify_cms(signed, trust=parties.authority.trust_store(), content=CONTRACT).signers

    assert verdict.problems == (SignerProblem.REVOKED,)
    assert (verdict.revocation, verdict.revoked_at) == (RevocationStatus.REVOKED, revoked_at)


def test_revocation_after_signing_still_counts_unless_checked_later(parties: Parties) -> None:
    revoked_at = FIXTURE_NOW + timedelta(days=2)
    parties.authority.revoke(parties.recipient, revoked_at)
    signed = sign_as(parties.recipient, parties.authority)
    trust = parties.authority.trust_store()

    (at_signing,) = verify_cms(signed, trust=trust, content=CONTRACT).signers
    (at_block_time,) = verify_cms(
        signed, trust=trust, content=CONTRACT, revocation_check_time=revoked_at
    ).signers

    assert at_signing.valid
    assert at_signing.revocation is RevocationStatus.REVOKED_LATER
    assert at_block_time.problems == (SignerProblem.REVOKED,)


def test_certificate_from_an_untrusted_root(parties: Parties) -> None:
    stranger = TestAuthority("Somebody Else's CA")
    signed = sign_as(parties.recipient, parties.authority)

    (verdict,) = verify_cms(signed, trust=stranger.trust_store(), content=CONTRACT).signers

    assert verdict.problems == (SignerProblem.UNTRUSTED_ROOT,)
    assert verdict.revocation is RevocationStatus.UNKNOWN


def test_embedded_intermediate_is_used_when_it_chains_to_a_trusted_root(parties: Parties) -> None:
    signed = sign_as(parties.recipient, parties.authority)
    root_only = TrustStore((parties.authority.root.info,))
    document_certificates = (parties.authority.intermediate.certificate,)

    extended = trust_with_embedded_authorities(root_only, document_certificates)

    assert _problems(signed, root_only, content=CONTRACT) == (SignerProblem.UNTRUSTED_ROOT,)
    assert verify_cms(signed, trust=extended, content=CONTRACT).valid


def test_embedded_self_signed_root_is_never_trusted(parties: Parties) -> None:
    impostor = TestAuthority("Test National CA")  # same name, other key
    stranger_trust = TrustStore((impostor.root.info,))

    extended = trust_with_embedded_authorities(
        stranger_trust,
        (parties.authority.root.certificate, parties.authority.intermediate.certificate),
    )

    assert extended == stranger_trust


def test_signer_certificate_missing_from_the_signed_data(parties: Parties) -> None:
    signed = rewrite_signed_data(sign_as(parties.recipient, parties.authority), "certificates", [])

    (verdict,) = verify_cms(signed, trust=parties.authority.trust_store(), content=CONTRACT).signers

    assert verdict.problems == (SignerProblem.SIGNER_CERTIFICATE_MISSING,)
    assert verdict.serial_number == parties.recipient.serial_number  # from the SignerInfo


def test_certificate_without_a_signing_key_usage(authority: TestAuthority) -> None:
    encipherment_only = issue_leaf(
        authority.intermediate,
        individual_name("Recipient", RECIPIENT_IIN),
        LeafProfile(frozenset({"key_encipherment"}), (ExtendedKeyUsageOID.CLIENT_AUTH,)),
        Validity(FIXTURE_NOW - timedelta(days=1), FIXTURE_NOW + timedelta(days=1)),
    )

    problems = _problems(
        sign_as(encipherment_only, authority), authority.trust_store(), content=CONTRACT
    )

    assert problems == (SignerProblem.WRONG_KEY_USAGE,)


def test_certificate_with_a_p384_key_is_the_wrong_key_type(authority: TestAuthority) -> None:
    p384 = authority.issue_individual(
        "Recipient", RECIPIENT_IIN, key=ec.generate_private_key(ec.SECP384R1())
    )
    signed = hand_made_cms(p384, CONTRACT, standard_attributes(CONTRACT))

    problems = _problems(signed, authority.trust_store(), content=CONTRACT)

    assert SignerProblem.WRONG_KEY_TYPE in problems


def test_missing_signing_time_is_named(parties: Parties) -> None:
    signed = hand_made_cms(
        parties.recipient, CONTRACT, standard_attributes(CONTRACT, signing_time=None)
    )

    problems = _problems(signed, parties.authority.trust_store(), content=CONTRACT)

    assert problems == (SignerProblem.NO_SIGNING_TIME,)


def test_signature_without_signed_attributes_checks_the_digest_but_lacks_a_time(
    parties: Parties,
) -> None:
    signed = hand_made_cms(parties.recipient, CONTRACT, None)
    trust = parties.authority.trust_store()

    assert _problems(signed, trust, content_sha256=sha256(CONTRACT)) == (
        SignerProblem.NO_SIGNING_TIME,
    )
    assert set(_problems(signed, trust, content=TAMPERED)) == {
        SignerProblem.SIGNATURE_INVALID,
        SignerProblem.NO_SIGNING_TIME,
    }


def test_content_type_attribute_must_name_data(parties: Parties) -> None:
    attributes = standard_attributes(CONTRACT)
    attributes[0] = {"type": "content_type", "values": ["signed_data"]}
    signed = hand_made_cms(parties.recipient, CONTRACT, attributes)

    problems = _problems(signed, parties.authority.trust_store(), content=CONTRACT)

    assert problems == (SignerProblem.CONTENT_TYPE_MISMATCH,)


def test_message_digest_attribute_is_required(parties: Parties) -> None:
    attributes = [a for a in standard_attributes(CONTRACT) if a["type"] != "message_digest"]
    signed = hand_made_cms(parties.recipient, CONTRACT, attributes)

    problems = _problems(signed, parties.authority.trust_store(), content=CONTRACT)

    assert problems == (SignerProblem.MESSAGE_DIGEST_MISSING,)


def test_sha384_digest_is_unsupported(parties: Parties) -> None:
    signed = hand_made_cms(
        parties.recipient, CONTRACT, standard_attributes(CONTRACT), digest_algorithm="sha384"
    )

    problems = _problems(signed, parties.authority.trust_store(), content=CONTRACT)

    assert SignerProblem.UNSUPPORTED_ALGORITHM in problems


def test_signing_certificate_attribute_naming_another_certificate(parties: Parties) -> None:
    attributes: list[dict[str, object]] = [
        *standard_attributes(CONTRACT),
        {
            "type": "signing_certificate_v2",
            "values": [{"certs": [{"cert_hash": sha256(parties.guarantor.der)}]}],
        },
    ]
    signed = hand_made_cms(parties.recipient, CONTRACT, attributes)

    problems = _problems(signed, parties.authority.trust_store(), content=CONTRACT)

    assert problems == (SignerProblem.SIGNING_CERTIFICATE_MISMATCH,)


def test_one_invalid_cosigner_makes_the_whole_signature_invalid(parties: Parties) -> None:
    parties.authority.revoke(parties.guarantor, FIXTURE_NOW - timedelta(days=1))
    signed = add_signer(
        sign_as(parties.recipient, parties.authority),
        CONTRACT,
        parties.guarantor.key,
        parties.guarantor.certificate,
        signing_time=FIXTURE_NOW,
    )

    verification = verify_cms(signed, trust=parties.authority.trust_store(), content=CONTRACT)

    assert not verification.valid
    assert {(v.iin, v.valid) for v in verification.signers} == {
        (RECIPIENT_IIN, True),
        (GUARANTOR_IIN, False),
    }


def test_expected_signers_are_matched_by_iin_and_bin(parties: Parties) -> None:
    """Seed 003 para 18 condition 2: the IIN in the request must be the certificate's."""
    signed = add_signer(
        sign_as(parties.recipient, parties.authority),
        CONTRACT,
        parties.ktk_officer.key,
        parties.ktk_officer.certificate,
        signing_time=FIXTURE_NOW,
    )
    verification = verify_cms(signed, trust=parties.authority.trust_store(), content=CONTRACT)

    assert missing_signers(verification, iins=(RECIPIENT_IIN,), bins=(KTK_BIN,)) == ()
    assert missing_signers(verification, iins=(SPOUSE_IIN, RECIPIENT_IIN)) == (SPOUSE_IIN,)


def test_expected_signer_that_signed_invalidly_is_missing(parties: Parties) -> None:
    signed = sign_as(parties.recipient, parties.authority)

    verification = verify_cms(signed, trust=parties.authority.trust_store(), content=TAMPERED)

    assert missing_signers(verification, iins=(RECIPIENT_IIN,)) == (RECIPIENT_IIN,)


def test_verification_is_the_same_for_bytes_and_a_loaded_document(parties: Parties) -> None:
    signed = sign_as(parties.recipient, parties.authority)
    trust = parties.authority.trust_store()
    at = datetime(2030, 1, 1, tzinfo=UTC)

    assert verify_cms(signed, trust=trust, content=CONTRACT, revocation_check_time=at) == (
        verify_cms(load_cms(signed), trust=trust, content=CONTRACT, revocation_check_time=at)
    )
