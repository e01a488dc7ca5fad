"""The active-encumbrance record exists iff the property has an ACTIVE lease encumbrance, so
that an extract proves "no encumbrance" as an absence (ledger/state/access.py write_property):
written at registration (Algorithm para 25), deleted at termination (para 34(1))."""

from __future__ import annotations

from tirkeu_pb import transaction_pb2 as pb

from ledger.extract.extract import load_active_encumbrance
from ledger.state.access import active_encumbrance_key
from ledger.state.records import EncumbranceStatus
from tests.unit.ledger.registry.story import CADASTRAL_NUMBER, Story


def test_the_record_follows_the_lease_from_registration_to_termination() -> None:
    story = Story()
    key = active_encumbrance_key(CADASTRAL_NUMBER)
    lease_id = story.lease_ready_to_register()
    assert story.ledger.state.get(key) is None  # imported, applied for, not yet registered

    story.applied(story.decision(lease_id, pb.REGISTER), story.parties.registrar)
    stored = story.ledger.state.get(key)
    assert stored is not None
    encumbrance = load_active_encumbrance(stored)
    record = story.ledger.property(CADASTRAL_NUMBER)
    assert record is not None and record.active_lease() == encumbrance
    assert (encumbrance.status, encumbrance.application_id) == (EncumbranceStatus.ACTIVE, lease_id)

    pair_id = story.submit_termination(lease_id)
    story.applied(story.attestation(pair_id), story.parties.registrar)
    story.applied(story.decision(pair_id, pb.REGISTER), story.parties.registrar)
    assert story.ledger.state.get(key) is None
    record = story.ledger.property(CADASTRAL_NUMBER)
    assert record is not None and record.active_lease() is None


def test_importing_a_property_writes_no_encumbrance_record() -> None:
    story = Story()
    story.import_property()
    assert story.ledger.state.get(active_encumbrance_key(CADASTRAL_NUMBER)) is None
