"""Certificate revocation in consensus state (DESIGN.md §2; seed 003 para 18(6)-(7))."""

from __future__ import annotations

from datetime import UTC, datetime

from tirkeu_pb import transaction_pb2 as pb

from clients.pki.ocsp import OcspAnswer, build_ocsp_response
from ledger.execution.executor import AppliedTransaction
from ledger.identity.ocsp import OcspStatus
from ledger.rejections import Rejection, RejectionReason
from tests.pki_fixtures import TestAuthority
from tests.registry_fixtures import Parties, make_genesis
from tests.unit.ledger.registry.story import Story

REVOKED_AT = datetime(2026, 5, 2, tzinfo=UTC)  # before the first block (2026-05-04)


def _fresh_story() -> Story:
    # Revocation mutates the CA's list: this story gets a CA of its own.
    parties = Parties.create()
    return Story(parties=parties, genesis=make_genesis(parties))


def _crl_update(story: Story) -> pb.RevocationListUpdate:
    return pb.RevocationListUpdate(crl=story.parties.authority.crl())


def test_revoked_certificate_counts_until_the_crl_is_in_state_and_not_after() -> None:
    story = _fresh_story()
    p = story.parties
    second_registrar = p.authority.issue_registrar("Second", iin=p.registrar.info.iin or "")
    p.authority.revoke(second_registrar, REVOKED_AT)
    story.applied(story.property_import(), second_registrar)  # no revocation in state yet
    story.applied(_crl_update(story), p.registrar)
    story.rejected(
        RejectionReason.CERTIFICATE_REVOKED,
        story.property_import(cadastral_number="21:318:023:1246"),
        second_registrar,
    )


def test_revocation_applies_to_later_transactions_of_the_same_block() -> None:
    story = _fresh_story()
    p = story.parties
    doomed = p.authority.issue_registrar("Doomed", iin=p.registrar.info.iin or "")
    p.authority.revoke(doomed, REVOKED_AT)
    update = story.envelope(_crl_update(story), p.registrar)
    later = story.envelope(story.property_import(), doomed)
    first, second = story.ledger.apply_block([update, later])
    assert isinstance(first, AppliedTransaction)
    assert isinstance(second, Rejection) and second.reason is RejectionReason.CERTIFICATE_REVOKED


def test_revocation_dated_after_the_block_does_not_count_yet() -> None:
    story = _fresh_story()
    p = story.parties
    leaving = p.authority.issue_registrar("Leaving", iin=p.registrar.info.iin or "")
    p.authority.revoke(leaving, datetime(2027, 1, 1, tzinfo=UTC))
    story.applied(_crl_update(story), p.registrar)
    story.applied(story.property_import(), leaving)


def test_document_signed_with_a_revoked_certificate_is_invalid() -> None:
    story = _fresh_story()
    p = story.parties
    story.import_property()
    p.authority.revoke(p.guarantor, REVOKED_AT)
    application = story.lease_application()  # the guarantor signed the contract
    story.applied(story.lease_application(), p.ktk_officer, p.recipient)  # CRL not in state yet
    story.applied(_crl_update(story), p.registrar)
    story.rejected(
        RejectionReason.DOCUMENT_SIGNATURE_INVALID, application, p.ktk_officer, p.recipient
    )


def test_crl_number_must_increase_per_issuer() -> None:
    story = _fresh_story()
    p = story.parties
    crl = p.authority.crl()
    story.applied(pb.RevocationListUpdate(crl=crl), p.registrar)
    story.rejected(RejectionReason.CRL_NOT_NEWER, pb.RevocationListUpdate(crl=crl), p.registrar)
    story.applied(_crl_update(story), p.registrar)


def test_crl_must_be_a_crl_of_a_trusted_ca() -> None:
    story = _fresh_story()
    p = story.parties
    story.rejected(RejectionReason.CRL_INVALID, pb.RevocationListUpdate(crl=b"junk"), p.registrar)
    foreign = TestAuthority("Foreign CA", issuing_name="Foreign Issuing CA").crl()
    story.rejected(RejectionReason.CRL_INVALID, pb.RevocationListUpdate(crl=foreign), p.registrar)


def test_crl_update_only_by_a_registrar() -> None:
    story = _fresh_story()
    p = story.parties
    story.rejected(RejectionReason.NOT_REGISTRAR, _crl_update(story), p.ktk_officer)


def _ocsp_update(story: Story, serial: int, *, produced_at: datetime) -> pb.RevocationListUpdate:
    authority = story.parties.authority
    response = build_ocsp_response(
        authority.intermediate,
        authority.intermediate,
        [OcspAnswer(serial, OcspStatus.REVOKED, REVOKED_AT)],
        produced_at=produced_at,
        this_update=produced_at,
    )
    return pb.RevocationListUpdate(ocsp_responses=[response])


def test_an_ocsp_response_revokes_like_a_crl() -> None:
    """ADR 0009: OCSP responses (RFC 6960) are revocation evidence in the same transaction."""
    story = _fresh_story()
    p = story.parties
    second_registrar = p.authority.issue_registrar("Second", iin=p.registrar.info.iin or "")
    story.applied(story.property_import(), second_registrar)
    story.applied(
        _ocsp_update(story, second_registrar.serial_number, produced_at=REVOKED_AT), p.registrar
    )
    story.rejected(
        RejectionReason.CERTIFICATE_REVOKED,
        story.property_import(cadastral_number="21:318:023:1246"),
        second_registrar,
    )


def test_an_ocsp_response_from_after_the_block_or_damaged_is_refused() -> None:
    story = _fresh_story()
    p = story.parties
    future = _ocsp_update(story, 12345, produced_at=datetime(2030, 1, 1, tzinfo=UTC))
    story.rejected(RejectionReason.OCSP_INVALID, future, p.registrar)
    update = _ocsp_update(story, 12345, produced_at=REVOKED_AT)
    damaged = bytearray(update.ocsp_responses[0])
    damaged[-1] ^= 0x01
    story.rejected(
        RejectionReason.OCSP_INVALID,
        pb.RevocationListUpdate(ocsp_responses=[bytes(damaged)]),
        p.registrar,
    )
