"""Making and reading CMS SignedData: sign_cms, add_signer, load_cms (RFC 5652)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from asn1crypto import cms as asn1_cms
from asn1crypto import pem as asn1_pem
from cryptography.hazmat.primitives.asymmetric import ec

from ledger.documents.cms import (
    DATA_CONTENT_TYPE,
    CmsSigningRejected,
    MalformedCms,
    SignerIdentifierKind,
    SigningRejection,
    add_signer,
    load_cms,
    sign_cms,
    verify_cms,
)
from ledger.hashing import sha256
from tests.pki_fixtures import FIXTURE_NOW, TestAuthority
from tests.unit.ledger.documents.support import CONTRACT, Parties, rewrite_signed_data, sign_as


def test_detached_signature_carries_signed_attributes_and_certificates(parties: Parties) -> None:
    document = load_cms(sign_as(parties.recipient, parties.authority))

    assert document.is_detached
    assert document.content_type == DATA_CONTENT_TYPE
    (signer,) = document.signers
    assert signer.certificate == parties.recipient.certificate
    assert signer.identifier.kind is SignerIdentifierKind.ISSUER_AND_SERIAL_NUMBER
    assert signer.identifier.serial_number == parties.recipient.serial_number
    assert signer.message_digest == sha256(CONTRACT)
    assert signer.signing_time == FIXTURE_NOW
    assert signer.content_type == DATA_CONTENT_TYPE
    assert signer.signing_certificate_sha256 == (sha256(parties.recipient.der),)


def test_embedded_certificates_are_the_signer_and_its_chain(parties: Parties) -> None:
    document = load_cms(sign_as(parties.recipient, parties.authority))

    assert set(document.certificates) == {
        parties.recipient.certificate,
        parties.authority.intermediate.certificate,
    }


def test_attached_signature_embeds_the_document(parties: Parties) -> None:
    document = load_cms(sign_as(parties.recipient, parties.authority, attached=True))

    assert not document.is_detached
    assert document.content == CONTRACT


def test_empty_document_can_be_signed_attached(parties: Parties) -> None:
    document = load_cms(sign_as(parties.recipient, parties.authority, b"", attached=True))

    assert document.content == b""


def test_pem_armoured_signature_is_read_like_der(parties: Parties) -> None:
    der = sign_as(parties.recipient, parties.authority)

    assert load_cms(asn1_pem.armor("CMS", der)).signers == load_cms(der).signers
    assert load_cms(asn1_pem.armor("PKCS7", der)).der == der


def test_signer_named_by_subject_key_identifier_is_found(parties: Parties) -> None:
    der = sign_cms(
        CONTRACT,
        parties.recipient.key,
        parties.recipient.certificate,
        signing_time=FIXTURE_NOW,
        identify_by_key_identifier=True,
    )

    (signer,) = load_cms(der).signers
    assert signer.identifier.kind is SignerIdentifierKind.SUBJECT_KEY_IDENTIFIER
    assert signer.certificate == parties.recipient.certificate
    assert asn1_cms.ContentInfo.load(der)["content"]["version"].native == "v3"


def test_signing_time_is_kept_to_the_second_in_utc(parties: Parties) -> None:
    almaty = timezone(timedelta(hours=5))
    local = datetime(2026, 5, 1, 14, 0, 0, 987654, tzinfo=almaty)

    signed = sign_as(parties.recipient, parties.authority, signing_time=local)

    assert load_cms(signed).signers[0].signing_time == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_signing_time_after_2049_uses_generalized_time(parties: Parties) -> None:
    late = datetime(2051, 3, 4, 5, 6, 7, tzinfo=UTC)

    (signer,) = load_cms(sign_as(parties.recipient, parties.authority, signing_time=late)).signers

    assert signer.signing_time == late


def test_signing_time_without_time_zone_is_rejected(parties: Parties) -> None:
    with pytest.raises(CmsSigningRejected) as raised:
        sign_as(parties.recipient, parties.authority, signing_time=datetime(2026, 5, 1, 9))

    assert raised.value.reason is SigningRejection.SIGNING_TIME_WITHOUT_TIME_ZONE


def test_key_that_is_not_the_certificates_is_rejected(parties: Parties) -> None:
    with pytest.raises(CmsSigningRejected) as raised:
        sign_cms(
            CONTRACT, parties.guarantor.key, parties.recipient.certificate, signing_time=FIXTURE_NOW
        )

    assert raised.value.reason is SigningRejection.KEY_DOES_NOT_MATCH_CERTIFICATE


def test_key_that_is_not_p256_is_rejected(parties: Parties) -> None:
    p384_key = ec.generate_private_key(ec.SECP384R1())

    with pytest.raises(CmsSigningRejected) as raised:
        sign_cms(CONTRACT, p384_key, parties.recipient.certificate, signing_time=FIXTURE_NOW)

    assert raised.value.reason is SigningRejection.KEY_NOT_SUPPORTED


def test_contract_signed_by_recipient_guarantor_then_ktk_has_three_signers(
    parties: Parties,
) -> None:
    """Algorithm paras 17-18: recipient, then guarantors, then KTK signs last."""
    first = sign_as(parties.recipient, parties.authority)
    second = add_signer(
        first,
        CONTRACT,
        parties.guarantor.key,
        parties.guarantor.certificate,
        signing_time=FIXTURE_NOW + timedelta(hours=1),
    )
    third = add_signer(
        second,
        CONTRACT,
        parties.ktk_officer.key,
        parties.ktk_officer.certificate,
        signing_time=FIXTURE_NOW + timedelta(hours=2),
    )

    signers = load_cms(third).signers
    by_time = sorted(signers, key=lambda signer: signer.signing_time or FIXTURE_NOW)
    assert [signer.certificate for signer in by_time] == [
        parties.recipient.certificate,
        parties.guarantor.certificate,
        parties.ktk_officer.certificate,
    ]
    assert verify_cms(third, trust=parties.authority.trust_store(), content=CONTRACT).valid


def test_adding_a_signer_leaves_the_earlier_signer_bytes_unchanged(parties: Parties) -> None:
    first = sign_as(parties.recipient, parties.authority)
    (first_signer_info,) = asn1_cms.ContentInfo.load(first)["content"]["signer_infos"]

    second = add_signer(
        first,
        CONTRACT,
        parties.ktk_officer.key,
        parties.ktk_officer.certificate,
        signing_time=FIXTURE_NOW,
    )

    assert first_signer_info.dump() in second
    assert len(load_cms(second).certificates) == 3  # the issuing CA is not embedded twice


def test_adding_a_signer_to_an_attached_signature_keeps_the_document(parties: Parties) -> None:
    first = sign_as(parties.recipient, parties.authority, attached=True)

    second = add_signer(
        first,
        CONTRACT,
        parties.ktk_officer.key,
        parties.ktk_officer.certificate,
        signing_time=FIXTURE_NOW,
        identify_by_key_identifier=True,
    )

    document = load_cms(second)
    assert document.content == CONTRACT
    assert verify_cms(document, trust=parties.authority.trust_store()).valid


@pytest.mark.parametrize("attached", [False, True])
def test_cosigning_another_document_is_rejected(parties: Parties, attached: bool) -> None:
    first = sign_as(parties.recipient, parties.authority, attached=attached)

    with pytest.raises(CmsSigningRejected) as raised:
        add_signer(
            first,
            CONTRACT + b"and one more clause",
            parties.ktk_officer.key,
            parties.ktk_officer.certificate,
            signing_time=FIXTURE_NOW,
        )

    assert raised.value.reason is SigningRejection.CONTENT_DOES_NOT_MATCH


def test_adding_a_signer_to_garbage_is_malformed(parties: Parties) -> None:
    with pytest.raises(MalformedCms):
        add_signer(
            b"not cms",
            CONTRACT,
            parties.ktk_officer.key,
            parties.ktk_officer.certificate,
            signing_time=FIXTURE_NOW,
        )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00",
        b"hello, this is a contract and not a signature",
        b"\x30\x03\x02\x01\x01",  # a DER SEQUENCE that is no ContentInfo
        asn1_cms.ContentInfo({"content_type": "data", "content": b"plain"}).dump(),
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ],
    ids=["empty", "one-byte", "text", "sequence", "data-content-info", "pem-certificate"],
)
def test_input_that_is_not_signed_data_is_malformed(data: bytes) -> None:
    with pytest.raises(MalformedCms):
        load_cms(data)


def test_certificate_der_is_not_cms(authority: TestAuthority) -> None:
    with pytest.raises(MalformedCms):
        load_cms(authority.root.der)


def test_trailing_bytes_after_the_signature_are_malformed(parties: Parties) -> None:
    with pytest.raises(MalformedCms):
        load_cms(sign_as(parties.recipient, parties.authority) + b"\x00")


def test_signed_data_without_signers_is_malformed(parties: Parties) -> None:
    stripped = rewrite_signed_data(
        sign_as(parties.recipient, parties.authority), "signer_infos", []
    )

    with pytest.raises(MalformedCms, match="no SignerInfo"):
        load_cms(stripped)
