"""The instant of revocation at REGISTER (issue 13, build point 6).

Seed 003 para 18 and Algorithm para 23(c): at registration the registrar checks the participants'
EDS, revocation included, as of the REGISTER block's time (ADR 0005). The law does not say what a
revocation dated exactly at that instant means; RFC 5280 section 5.3.2 does: a CRL entry's
revocationDate is "the date on which the revocation occurred", from which the certificate is
invalid. So a certificate revoked AT the block time is revoked at that time, and REGISTER is
refused; one revoked a second later (X.509 times have second precision) is not yet revoked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tirkeu_pb import transaction_pb2 as pb

from ledger.rejections import RejectionReason
from tests.pki_fixtures import RECIPIENT_IIN
from tests.registry_fixtures import BLOCK_INTERVAL, Parties, make_genesis
from tests.unit.ledger.registry.story import Story


def _own_ca_story() -> Story:
    # The test changes the CA's revocation list: the story gets a CA of its own.
    parties = Parties.create()
    return Story(parties=parties, genesis=make_genesis(parties))


def _register_with_recipient_revoked_at(offset: timedelta) -> tuple[Story, str, datetime]:
    """A lease ready to register; a CRL (one block) revoking the recipient, who signed the
    application, at the REGISTER block's time plus ``offset``; that block's time."""
    story = _own_ca_story()
    p = story.parties
    application_id = story.lease_ready_to_register()
    register_time = story.ledger.next_time + BLOCK_INTERVAL  # the block after the CRL's
    assert register_time.microsecond == 0  # X.509 times have whole seconds: this very instant
    p.authority.revoke(p.recipient, register_time + offset)
    story.applied(pb.RevocationListUpdate(crl=p.authority.crl()), p.registrar)
    assert story.ledger.next_time == register_time
    return story, application_id, register_time


def test_a_signer_revoked_exactly_at_the_register_block_time_is_refused_para_23c() -> None:
    story, application_id, register_time = _register_with_recipient_revoked_at(timedelta(0))
    rejection = story.rejected(
        RejectionReason.CERTIFICATE_REVOKED,
        story.decision(application_id, pb.REGISTER),
        story.parties.registrar,
    )
    assert f"IIN {RECIPIENT_IIN}" in rejection.detail
    assert f"revoked at {register_time.isoformat()}" in rejection.detail


def test_a_signer_revoked_one_second_after_the_register_block_time_is_not_para_23c() -> None:
    story, application_id, _ = _register_with_recipient_revoked_at(timedelta(seconds=1))
    story.applied(story.decision(application_id, pb.REGISTER), story.parties.registrar)
