"""CMS signed by every key type the NCA issues (RSA, GOST 34.10-2015 256/512) and by ours
(P-256): each verifies, one flipped bit fails by name, several signers mix algorithms, a GOST
signer may digest with Streebog as NCALayer does, and an IIN whose check digit fails warns in
ezsigner while the ledger refuses it. Every key and certificate here is ours
(tests/pki_fixtures.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from clients.pki.authority import Validity, individual_profile, issue_leaf
from ledger.documents import der
from ledger.documents.build import attach_timestamp
from ledger.documents.cms import SignerProblem, add_signer, load_cms, sign_cms, verify_cms
from ledger.hashing import sha256
from ledger.identity.algorithms import STREEBOG_256, STREEBOG_512, KeyAlgorithm
from ledger.identity.algorithms import digest as algorithm_digest
from ledger.identity.private_keys import generate_signing_key
from tests.pki_fixtures import (
    FIXTURE_NOW,
    GUARANTOR_IIN,
    KTK_OFFICER_IIN,
    RECIPIENT_IIN,
    TestAuthority,
    with_wrong_check_digit,
)

CONTRACT = "Жалға алу шарты / lease-to-own contract No. 17\n".encode()
KEY_TYPES = [
    KeyAlgorithm.ECDSA_P256,
    KeyAlgorithm.RSA,
    KeyAlgorithm.GOST_2015_256,
    KeyAlgorithm.GOST_2015_512,
]


def _flip(data: bytes, index: int) -> bytes:
    damaged = bytearray(data)
    damaged[index] ^= 0x01
    return bytes(damaged)


@pytest.mark.parametrize("key_type", KEY_TYPES, ids=lambda a: a.name)
def test_each_key_type_signs_and_verifies_and_a_flipped_bit_fails(key_type: KeyAlgorithm) -> None:
    authority = TestAuthority(key_type=KeyAlgorithm.GOST_2015_512, person_key_type=key_type)
    recipient = authority.issue_individual("Bolatkyzy Aigerim", RECIPIENT_IIN)
    signed = sign_cms(
        CONTRACT,
        recipient.key,
        recipient.certificate,
        (authority.intermediate.certificate,),
        signing_time=FIXTURE_NOW,
    )
    trust = authority.trust_store()
    verification = verify_cms(signed, trust=trust, content_sha256=sha256(CONTRACT))
    assert verification.valid, verification
    assert verification.signers[0].key_algorithm == key_type.value
    # The signature value is the last element of the SignerInfo: its last byte is the last
    # byte of the SignedData.
    damaged = verify_cms(_flip(signed, len(signed) - 1), trust=trust, content=CONTRACT)
    assert damaged.signers[0].problems == (SignerProblem.SIGNATURE_INVALID,)


def test_several_signers_mix_algorithms() -> None:
    """Algorithm paras 17-18: the recipient (GOST 512), the guarantor (RSA), KTK last (P-256),
    under a GOST hierarchy as the NCA's."""
    authority = TestAuthority(key_type=KeyAlgorithm.GOST_2015_512)
    recipient = authority.issue_individual(
        "Recipient Aigerim", RECIPIENT_IIN, key=generate_signing_key(KeyAlgorithm.GOST_2015_512)
    )
    guarantor = authority.issue_individual(
        "Guarantor Saule", GUARANTOR_IIN, key=generate_signing_key(KeyAlgorithm.RSA)
    )
    ktk = authority.issue_ktk_officer("KTK Officer", KTK_OFFICER_IIN)
    chain = (authority.intermediate.certificate,)
    signed = sign_cms(
        CONTRACT, recipient.key, recipient.certificate, chain, signing_time=FIXTURE_NOW
    )
    for signer, minutes in ((guarantor, 1), (ktk, 2)):
        signed = add_signer(
            signed,
            CONTRACT,
            signer.key,
            signer.certificate,
            chain,
            signing_time=FIXTURE_NOW + timedelta(minutes=minutes),
        )
    verification = verify_cms(signed, trust=authority.trust_store(), content=CONTRACT)
    assert verification.valid, verification
    # SignerInfos are a SET OF: DER orders them by encoding, not by signing order.
    assert sorted((s.iin, s.key_algorithm) for s in verification.signers) == sorted(
        [
            (RECIPIENT_IIN, KeyAlgorithm.GOST_2015_512.value),
            (GUARANTOR_IIN, KeyAlgorithm.RSA.value),
            (KTK_OFFICER_IIN, KeyAlgorithm.ECDSA_P256.value),
        ]
    )


@pytest.mark.parametrize(
    ("key_type", "digest"),
    [(KeyAlgorithm.GOST_2015_256, STREEBOG_256), (KeyAlgorithm.GOST_2015_512, STREEBOG_512)],
)
def test_a_streebog_digest_verifies_with_the_document_but_not_from_its_sha256(
    key_type: KeyAlgorithm, digest: str
) -> None:
    authority = TestAuthority(person_key_type=key_type)
    recipient = authority.issue_individual("Bolatkyzy Aigerim", RECIPIENT_IIN)
    signed = sign_cms(
        CONTRACT,
        recipient.key,
        recipient.certificate,
        (authority.intermediate.certificate,),
        signing_time=FIXTURE_NOW,
        digest_algorithm=digest,
    )
    trust = authority.trust_store()
    assert verify_cms(signed, trust=trust, content=CONTRACT).valid
    changed = verify_cms(signed, trust=trust, content=CONTRACT + b" ")
    assert changed.signers[0].problems == (SignerProblem.DIGEST_MISMATCH,)
    ledger = verify_cms(signed, trust=trust, content_sha256=sha256(CONTRACT))
    assert ledger.signers[0].problems == (SignerProblem.NO_CONTENT,)
    assert "Streebog" in ledger.signers[0].details[0]
    # The ledger checks it from the Streebog digest a transaction carries (ADR 0009).
    carried = {digest: algorithm_digest(digest, CONTRACT)}
    assert verify_cms(
        signed, trust=trust, content_sha256=sha256(CONTRACT), content_digests=carried
    ).valid
    other = {digest: algorithm_digest(digest, CONTRACT + b" ")}
    wrong = verify_cms(signed, trust=trust, content_sha256=sha256(CONTRACT), content_digests=other)
    assert wrong.signers[0].problems == (SignerProblem.DIGEST_MISMATCH,)
    with pytest.raises(ValueError, match="bytes"):
        verify_cms(
            signed, trust=trust, content_sha256=sha256(CONTRACT), content_digests={digest: b"x"}
        )


def test_an_iin_with_a_bad_check_digit_warns_in_ezsigner_and_is_refused_by_the_ledger() -> None:
    authority = TestAuthority(person_key_type=KeyAlgorithm.GOST_2015_512)
    bad_iin = with_wrong_check_digit(RECIPIENT_IIN)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Bolatkyzy Aigerim"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN" + bad_iin),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    holder = issue_leaf(
        authority.intermediate,
        subject,
        individual_profile(),
        Validity(FIXTURE_NOW - timedelta(days=1), datetime(2030, 1, 1, tzinfo=UTC)),
        key=generate_signing_key(KeyAlgorithm.GOST_2015_512),
    )
    signed = sign_cms(
        CONTRACT,
        holder.key,
        holder.certificate,
        (authority.intermediate.certificate,),
        signing_time=FIXTURE_NOW,
    )
    trust = authority.trust_store()
    lenient = verify_cms(signed, trust=trust, content=CONTRACT, lenient_identifiers=True)
    assert lenient.valid
    assert lenient.signers[0].iin == bad_iin
    assert len(lenient.signers[0].warnings) == 1
    assert bad_iin in lenient.signers[0].warnings[0]
    strict = verify_cms(signed, trust=trust, content=CONTRACT)
    assert strict.signers[0].problems[-1] is SignerProblem.SIGNER_CERTIFICATE_UNREADABLE


def test_a_signed_data_whose_length_ends_in_0x80_survives_cosigning() -> None:
    """asn1crypto takes a length header ending in 0x80 for BER's indefinite length and then
    re-encodes everything below it, parsing GOST keys it cannot read (ledger/documents/der.py):
    such a SignedData must pass through add_signer and attach_timestamp untouched."""
    authority = TestAuthority(person_key_type=KeyAlgorithm.GOST_2015_512)
    holder = authority.issue_individual("Bolatkyzy Aigerim", RECIPIENT_IIN)
    chain = (authority.intermediate.certificate,)
    for size in range(256):
        content = CONTRACT + b"." * size
        signed = sign_cms(
            content, holder.key, holder.certificate, chain, attached=True,
            signing_time=FIXTURE_NOW,
        )  # fmt: skip
        (signed_data,) = der.children(der.children(signed)[1])
        if len(der.contents(signed_data)) & 0xFF == 0x80:  # header 30 82 xx 80
            break
    else:
        pytest.fail("no SignedData length ended in 0x80")
    cosigned = add_signer(signed, content, holder.key, holder.certificate, signing_time=FIXTURE_NOW)
    token = sign_cms(b"x", holder.key, holder.certificate, attached=True, signing_time=FIXTURE_NOW)
    stamped = attach_timestamp(cosigned, 0, token)
    assert holder.der in load_cms(stamped).der
    verification = verify_cms(stamped, trust=authority.trust_store())
    # The token is not a TSTInfo: that signer is named for it, the other is valid.
    assert sorted(s.problems for s in verification.signers) == [
        (),
        (SignerProblem.TIMESTAMP_INVALID,),
    ]
