"""Caches must never let a revoked certificate through: the chain structure is remembered
(ledger.identity.certificates), the trust store is remembered per authority and revocation records
(ledger.registry.revocation), and revocation is still judged at each block's time
(DESIGN.md §2: revocation lives in consensus state; seed 003 para 18(6)-(7))."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tirkeu_pb import transaction_pb2 as pb

from ledger.execution.executor import check_transaction
from ledger.identity.chains import verify_chain
from ledger.identity.revocation import CertificateProblem, CertificateRejected
from ledger.registry.revocation import load_trust_store
from ledger.rejections import Rejection, RejectionReason
from ledger.state.access import read_authorities
from tests.pki_fixtures import TestAuthority
from tests.registry_fixtures import FIRST_BLOCK_TIME, Parties, make_genesis
from tests.unit.ledger.registry.story import Story

REVOKED_AT = datetime(2026, 5, 2, tzinfo=UTC)  # before the first block (2026-05-04)


def _fresh_story() -> Story:
    parties = Parties.create()  # revocation changes the CA's list: a CA of its own
    return Story(parties=parties, genesis=make_genesis(parties))


def _rejection(outcome: object) -> RejectionReason | None:
    return outcome.reason if isinstance(outcome, Rejection) else None


def test_chain_cached_as_valid_is_refused_once_the_trust_store_knows_the_revocation() -> None:
    authority = TestAuthority()
    leaf = authority.issue_individual("Soon revoked")
    verify_chain(leaf.info, authority.trust_store(), FIRST_BLOCK_TIME)
    authority.revoke(leaf, REVOKED_AT)
    revoking = authority.trust_store()
    with pytest.raises(CertificateRejected) as rejected:
        verify_chain(leaf.info, revoking, FIRST_BLOCK_TIME)
    assert rejected.value.problem is CertificateProblem.REVOKED
    verify_chain(leaf.info, revoking, REVOKED_AT - timedelta(seconds=1))  # before: it counts


def test_chain_cached_as_valid_still_expires() -> None:
    authority = TestAuthority()
    leaf = authority.issue_individual("Short-lived", not_after=FIRST_BLOCK_TIME)
    trust = authority.trust_store()
    verify_chain(leaf.info, trust, FIRST_BLOCK_TIME - timedelta(days=1))
    with pytest.raises(CertificateRejected) as rejected:
        verify_chain(leaf.info, trust, FIRST_BLOCK_TIME + timedelta(seconds=1))
    assert rejected.value.problem is CertificateProblem.EXPIRED


def test_chain_cached_for_one_set_of_authorities_is_not_served_for_another() -> None:
    authority = TestAuthority()
    leaf = authority.issue_individual("Recipient")
    verify_chain(leaf.info, authority.trust_store(), FIRST_BLOCK_TIME)
    stranger = TestAuthority("Stranger CA", issuing_name="Stranger Issuing CA")
    with pytest.raises(CertificateRejected) as rejected:
        verify_chain(leaf.info, stranger.trust_store(), FIRST_BLOCK_TIME)
    assert rejected.value.problem is CertificateProblem.UNKNOWN_AUTHORITY


def test_trust_store_is_reused_until_a_revocation_record_changes() -> None:
    story = _fresh_story()
    p = story.parties
    authorities = read_authorities(story.ledger.state)
    before = load_trust_store(story.ledger.state, authorities)
    assert load_trust_store(story.ledger.state, authorities) is before
    p.authority.revoke(p.guarantor, REVOKED_AT)
    story.applied(pb.RevocationListUpdate(crl=p.authority.crl()), p.registrar)
    after = load_trust_store(story.ledger.state, authorities)
    assert after is not before
    issuer = p.authority.intermediate.info.fingerprint
    assert before.revocation_time(issuer, p.guarantor.serial_number) is None
    assert after.revocation_time(issuer, p.guarantor.serial_number) == REVOKED_AT


def test_admission_refuses_a_signer_revoked_after_it_was_admitted_and_cached() -> None:
    story = _fresh_story()
    p = story.parties
    second = p.authority.issue_registrar("Second", iin=p.registrar.info.iin or "")
    first_import = story.envelope(story.property_import(), second)
    assert _rejection(story.ledger.check(first_import)) is None  # cached: parse, chain, store
    story.applied(story.property_import(), second)
    p.authority.revoke(second, REVOKED_AT)
    story.applied(pb.RevocationListUpdate(crl=p.authority.crl()), p.registrar)
    later = story.envelope(story.property_import(cadastral_number="21:318:023:1246"), second)
    assert _rejection(story.ledger.check(later)) is RejectionReason.CERTIFICATE_REVOKED
    assert _rejection(story.ledger.apply(later)) is RejectionReason.CERTIFICATE_REVOKED


def test_revocation_dated_between_admission_and_block_time_refuses_at_block_time() -> None:
    story = _fresh_story()
    p = story.parties
    leaving = p.authority.issue_registrar("Leaving", iin=p.registrar.info.iin or "")
    revoked_at = FIRST_BLOCK_TIME + timedelta(hours=1)
    p.authority.revoke(leaving, revoked_at)
    story.applied(pb.RevocationListUpdate(crl=p.authority.crl()), p.registrar)
    envelope = story.envelope(story.property_import(), leaving)
    assert _rejection(story.ledger.check(envelope)) is None  # the revocation lies ahead
    late = story.ledger.context(revoked_at + timedelta(minutes=1))
    refused = check_transaction(story.ledger.state, envelope, late)
    assert _rejection(refused) is RejectionReason.CERTIFICATE_REVOKED
    outcome = story.ledger.apply(envelope, time=revoked_at + timedelta(minutes=1))
    assert _rejection(outcome) is RejectionReason.CERTIFICATE_REVOKED


def test_document_signer_revoked_after_caching_invalidates_the_document() -> None:
    story = _fresh_story()
    p = story.parties
    story.import_property()
    application = story.envelope(story.lease_application(), p.ktk_officer, p.recipient)
    assert _rejection(story.ledger.check(application)) is None  # guarantor's chain cached
    p.authority.revoke(p.guarantor, REVOKED_AT)
    story.applied(pb.RevocationListUpdate(crl=p.authority.crl()), p.registrar)
    refused = story.ledger.check(application)
    assert _rejection(refused) is RejectionReason.DOCUMENT_SIGNATURE_INVALID
