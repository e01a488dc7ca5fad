"""Verifying envelopes (DESIGN.md §3; seed 003 para 18(6)-(7)): each check rejects with its
named reason, and the same action passes once the envelope is sound."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import LeafProfile, Validity, issue_leaf
from ledger.execution.executor import AppliedTransaction, BlockExecutor
from ledger.identity.signatures import sign_ecdsa_p256
from ledger.rejections import Rejection, RejectionReason
from ledger.transactions.envelope import transaction_id_of
from tests.pki_fixtures import (
    DEFAULT_NOT_AFTER,
    DEFAULT_NOT_BEFORE,
    REGISTRAR_IIN,
    STATE_CORPORATION_BIN,
    TestAuthority,
    with_wrong_check_digit,
)
from tests.registry_fixtures import make_genesis, sign_envelope
from tests.unit.ledger.registry.story import Story


def _reason(outcome: AppliedTransaction | Rejection | str) -> RejectionReason | None:
    return outcome.reason if isinstance(outcome, Rejection) else None


def _body(story: Story, action: pb.PropertyImport, **fields: object) -> bytes:
    body = story.builder.body(action)
    for name, value in fields.items():
        setattr(body, name, value)
    return body.SerializeToString()


def test_oversized_transaction_is_rejected_before_decoding() -> None:
    story = Story(genesis=make_genesis(Story().parties, max_transaction_bytes=4096))
    assert _reason(story.ledger.apply(b"\xff" * 5000)) is RejectionReason.OVERSIZED_TRANSACTION
    assert _reason(story.ledger.apply(b"\xff" * 100)) is RejectionReason.MALFORMED_ENVELOPE
    story.applied(story.property_import(), story.parties.registrar)


def test_malformed_body_is_rejected() -> None:
    story = Story()
    garbage = sign_envelope(b"\x0a\xff\xff", [story.parties.registrar])
    assert _reason(story.ledger.apply(garbage)) is RejectionReason.MALFORMED_BODY
    story.applied(story.property_import(), story.parties.registrar)


def test_unknown_enum_value_is_a_malformed_body() -> None:
    story = Story()
    unknown_kind = story.property_import()
    unknown_kind.kind = 99  # type: ignore[assignment]
    rejected = story.submit(unknown_kind, story.parties.registrar)
    assert _reason(rejected) is RejectionReason.MALFORMED_BODY
    story.applied(story.property_import(), story.parties.registrar)


def test_unknown_field_is_a_malformed_body() -> None:
    story = Story()
    body = _body(story, story.property_import()) + b"\xf8\x3e\x01"  # field 999, varint 1
    envelope = sign_envelope(body, [story.parties.registrar])
    assert _reason(story.ledger.apply(envelope)) is RejectionReason.MALFORMED_BODY


def test_body_without_action_is_rejected() -> None:
    story = Story()
    body = pb.TransactionBody(chain_id=story.genesis.chain_id, expiry_height=10, nonce=b"n")
    envelope = sign_envelope(body.SerializeToString(), [story.parties.registrar])
    assert _reason(story.ledger.apply(envelope)) is RejectionReason.MISSING_ACTION


def test_body_for_another_chain_is_rejected() -> None:
    story = Story()
    body = _body(story, story.property_import(), chain_id="another-chain")
    envelope = sign_envelope(body, [story.parties.registrar])
    assert _reason(story.ledger.apply(envelope)) is RejectionReason.WRONG_CHAIN_ID
    story.applied(story.property_import(), story.parties.registrar)


def test_expired_body_is_rejected_and_the_expiry_height_itself_still_counts() -> None:
    story = Story()
    story.ledger.apply_block([])  # height 1
    expired = sign_envelope(
        _body(story, story.property_import(), expiry_height=1), [story.parties.registrar]
    )
    assert _reason(story.ledger.apply(expired)) is RejectionReason.TRANSACTION_EXPIRED
    last_chance = sign_envelope(
        _body(story, story.property_import(), expiry_height=3), [story.parties.registrar]
    )
    assert isinstance(story.ledger.apply(last_chance), AppliedTransaction)


def test_expiry_too_far_ahead_is_rejected() -> None:
    story = Story()
    limit = story.genesis.limits.max_expiry_blocks
    too_far = sign_envelope(
        _body(story, story.property_import(), expiry_height=limit + 2), [story.parties.registrar]
    )
    assert _reason(story.ledger.apply(too_far)) is RejectionReason.EXPIRY_TOO_FAR
    at_limit = sign_envelope(
        _body(story, story.property_import(), expiry_height=limit + 1), [story.parties.registrar]
    )
    assert isinstance(story.ledger.apply(at_limit), AppliedTransaction)


def test_replayed_transaction_is_rejected() -> None:
    story = Story()
    story.import_property()
    envelope = story.envelope(
        story.property_import(cadastral_number="21:318:023:1246"), story.parties.registrar
    )
    assert isinstance(story.ledger.apply(envelope), AppliedTransaction)
    assert _reason(story.ledger.apply(envelope)) is RejectionReason.REPLAYED_TRANSACTION


def test_replay_within_one_block_is_rejected() -> None:
    story = Story()
    envelope = story.envelope(story.property_import(), story.parties.registrar)
    first, second = story.ledger.apply_block([envelope, envelope])
    assert isinstance(first, AppliedTransaction)
    assert _reason(second) is RejectionReason.REPLAYED_TRANSACTION


def test_unsigned_envelope_is_rejected() -> None:
    story = Story()
    envelope = sign_envelope(_body(story, story.property_import()), [])
    assert _reason(story.ledger.apply(envelope)) is RejectionReason.MISSING_SIGNATURE


def test_unparseable_certificate_is_rejected() -> None:
    story = Story()
    body = _body(story, story.property_import())
    signature = sign_ecdsa_p256(story.parties.registrar.key, body)
    envelope = pb.Envelope(
        body=body, signatures=[pb.Signature(certificate=b"junk", signature=signature)]
    )
    rejected = story.ledger.apply(envelope.SerializeToString())
    assert _reason(rejected) is RejectionReason.MALFORMED_CERTIFICATE


def _forged_envelope(story: Story, subject: x509.Name) -> bytes:
    """An envelope signed with a certificate the test CA really issued, whose subject carries a
    number with a wrong check digit (clients/pki/authority.py refuses to issue one, so build it
    here)."""
    issuer = story.parties.authority.intermediate
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(DEFAULT_NOT_BEFORE)
        .not_valid_after(DEFAULT_NOT_AFTER)
        .sign(issuer.key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    body = _body(story, story.property_import())
    signature = pb.Signature(certificate=der, signature=sign_ecdsa_p256(key, body))
    return pb.Envelope(body=body, signatures=[signature]).SerializeToString()


def test_certificate_with_wrong_iin_check_digit_is_invalid_iin_para_2_7() -> None:
    story = Story()
    forged = _forged_envelope(
        story,
        x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, "Forged"),
                x509.NameAttribute(
                    NameOID.SERIAL_NUMBER, "IIN" + with_wrong_check_digit(REGISTRAR_IIN)
                ),
            ]
        ),
    )
    assert _reason(story.ledger.apply(forged)) is RejectionReason.INVALID_IIN


def test_certificate_with_wrong_bin_check_digit_is_invalid_bin_para_2_4() -> None:
    story = Story()
    forged = _forged_envelope(
        story,
        x509.Name(
            [
                x509.NameAttribute(
                    NameOID.ORGANIZATIONAL_UNIT_NAME,
                    "BIN" + with_wrong_check_digit(STATE_CORPORATION_BIN),
                ),
                x509.NameAttribute(NameOID.COMMON_NAME, "Forged"),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN" + REGISTRAR_IIN),
            ]
        ),
    )
    assert _reason(story.ledger.apply(forged)) is RejectionReason.INVALID_BIN


def test_body_signed_by_a_key_other_than_the_certificates_is_bad_signature() -> None:
    story = Story()
    body = _body(story, story.property_import())
    p = story.parties
    wrong_key = pb.Signature(
        certificate=p.registrar.der, signature=sign_ecdsa_p256(p.recipient.key, body)
    )
    envelope = pb.Envelope(body=body, signatures=[wrong_key]).SerializeToString()
    assert _reason(story.ledger.apply(envelope)) is RejectionReason.BAD_SIGNATURE
    assert isinstance(story.ledger.apply(sign_envelope(body, [p.registrar])), AppliedTransaction)


def test_certificate_from_an_untrusted_ca_is_rejected() -> None:
    story = Story()
    stranger = TestAuthority("Other CA", issuing_name="Other Issuing CA").issue_registrar()
    rejected = story.submit(story.property_import(), stranger)
    assert _reason(rejected) is RejectionReason.UNKNOWN_CERTIFICATE_AUTHORITY


def test_expired_certificate_is_rejected_at_block_time() -> None:
    story = Story()
    expired = story.parties.authority.issue_registrar(not_after=datetime(2026, 1, 1, tzinfo=UTC))
    rejected = story.submit(story.property_import(), expired)
    assert _reason(rejected) is RejectionReason.CERTIFICATE_EXPIRED


def test_not_yet_valid_certificate_is_rejected_at_block_time() -> None:
    story = Story()
    future = story.parties.authority.issue_registrar(not_before=datetime(2027, 1, 1, tzinfo=UTC))
    rejected = story.submit(story.property_import(), future)
    assert _reason(rejected) is RejectionReason.CERTIFICATE_NOT_YET_VALID


def test_certificate_without_signing_key_usage_is_rejected() -> None:
    story = Story()
    encipher_only = LeafProfile(frozenset({"key_encipherment"}), (ExtendedKeyUsageOID.CLIENT_AUTH,))
    p = story.parties
    subject = p.registrar.certificate.subject
    validity = Validity(DEFAULT_NOT_BEFORE, DEFAULT_NOT_AFTER)
    wrong_usage = issue_leaf(p.authority.intermediate, subject, encipher_only, validity)
    rejected = story.submit(story.property_import(), wrong_usage)
    assert _reason(rejected) is RejectionReason.CERTIFICATE_NOT_FOR_SIGNING


def test_ca_certificate_may_not_sign_transactions() -> None:
    story = Story()
    rejected = story.submit(story.property_import(), story.parties.authority.intermediate)
    assert _reason(rejected) is RejectionReason.CERTIFICATE_NOT_FOR_SIGNING


def test_same_signer_twice_is_rejected() -> None:
    story = Story()
    body = _body(story, story.property_import())
    signature = pb.Signature(
        certificate=story.parties.registrar.der,
        signature=sign_ecdsa_p256(story.parties.registrar.key, body),
    )
    envelope = pb.Envelope(body=body, signatures=[signature, signature]).SerializeToString()
    assert _reason(story.ledger.apply(envelope)) is RejectionReason.DUPLICATE_SIGNER


def test_check_transaction_admits_without_keeping_anything() -> None:
    story = Story()
    envelope = story.envelope(story.property_import(), story.parties.registrar)
    assert story.ledger.check(envelope) == story.ledger.check(envelope)  # nothing was kept
    assert isinstance(story.ledger.apply(envelope), AppliedTransaction)
    assert _reason(story.ledger.check(envelope)) is RejectionReason.REPLAYED_TRANSACTION


def test_rejected_transaction_leaves_no_writes() -> None:
    story = Story()
    executor = BlockExecutor(story.ledger.state, story.ledger.context())
    rejected = executor.try_apply(story.envelope(story.property_import(), story.parties.recipient))
    assert _reason(rejected) is RejectionReason.NOT_REGISTRAR
    assert dict(executor.finish().writes) == {}


def test_transaction_id_is_the_hex_sha256_of_the_body_bytes_as_carried() -> None:
    story = Story()
    envelope = story.envelope(story.property_import(), story.parties.registrar)
    body = pb.Envelope.FromString(envelope).body
    assert transaction_id_of(envelope) == hashlib.sha256(body).hexdigest()
    assert transaction_id_of(b"\xff\xff") is None
