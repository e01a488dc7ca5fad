"""Representatives of the pair's parties (paras 21, 29-31) and consent given by a legal
representative (order para 3(2)), ADR 0007 D7.

Para 21 «мәмілені жасаған адамдардың (олардың уәкілетті өкілдерінің)» ("the persons who made the
transaction (their authorised representatives)"); para 30 names the same participants for the
pair. The pair lists its own powers of attorney; those of the lease do not carry over.
"""

from __future__ import annotations

from functools import cache

from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import IssuedCertificate
from ledger.identity.identifiers import complete_with_check_digit
from ledger.rejections import RejectionReason
from ledger.state.records import ApplicationStatus, DocumentRole, ParticipantRole
from tests.pki_fixtures import KTK_OFFICER_IIN, RECIPIENT_IIN
from tests.registry_fixtures import DocumentSignature, payment_document, signed_document
from tests.unit.ledger.registry.story import Story, at

REPRESENTATIVE_IIN = complete_with_check_digit("88050130011") or ""


@cache
def _representative() -> IssuedCertificate:
    return Story().parties.authority.issue_individual("Representative", REPRESENTATIVE_IIN)


def _power_of_attorney(principal: IssuedCertificate) -> pb.Representation:
    text = f"Power of attorney of {principal.info.iin} to {REPRESENTATIVE_IIN}".encode()
    return pb.Representation(
        principal_iin=str(principal.info.iin),
        representative_iin=REPRESENTATIVE_IIN,
        power_of_attorney=signed_document(text, [DocumentSignature(principal, at(-10))]),
    )


def test_para_31_representative_signs_pays_and_takes_part_for_the_recipient_in_the_pair() -> None:
    """Paras 29-31: the recipient's representative signs the transfer agreement and the
    ownership application, pays, and takes part in the videoconference in her capacity, which
    the registrar's record shows; the pair registers."""
    story = Story()
    p = story.parties
    agent = _representative()
    lease_id = story.registered_lease()
    pair = story.termination(
        lease_id,
        transfer_agreement=story.transfer_agreement([agent, p.ktk_officer]),
        representations=[_power_of_attorney(p.recipient)],
    )
    pair_id = story.applied(pair, p.ktk_officer).application_id
    assert pair_id is not None
    participants = [
        pb.VideoconferenceParticipant(iin=KTK_OFFICER_IIN, role=pb.KTK_REPRESENTATIVE),
        pb.VideoconferenceParticipant(
            iin=REPRESENTATIVE_IIN, role=pb.RECIPIENT, on_behalf_of_iin=RECIPIENT_IIN
        ),
    ]
    story.applied(story.videoconference(pair_id, participants=participants), p.registrar)
    paid_by_agent = payment_document(payer_iin=REPRESENTATIVE_IIN, reference="KZ-PAY-PAIR")
    story.applied(story.sending(pair_id, paid_by_agent), p.ktk_officer, agent)
    story.applied(story.attestation(pair_id, with_videoconference=False), p.registrar)
    story.applied(story.decision(pair_id, pb.REGISTER), p.registrar)
    registered = story.ledger.application(pair_id)
    assert registered is not None and registered.status is ApplicationStatus.REGISTERED
    assert registered.videoconference is not None
    (for_recipient,) = [x for x in registered.videoconference.participants if x.on_behalf_of_iin]
    assert (for_recipient.iin, for_recipient.role) == (
        REPRESENTATIVE_IIN,
        ParticipantRole.RECIPIENT,
    )
    assert REPRESENTATIVE_IIN in registered.party_identifiers()


def test_para_29_pair_does_not_inherit_the_leases_representations_inference_adr_0007() -> None:
    """A power of attorney recorded on the lease does not let its holder sign the pair."""
    story = Story()
    p = story.parties
    agent = _representative()
    story.import_property()
    contract = story.contract(
        [
            DocumentSignature(agent, at(0)),
            DocumentSignature(p.guarantor, at(1)),
            DocumentSignature(p.ktk_head, at(2)),
        ]
    )
    lease = story.lease_application(
        contract=contract, representations=[_power_of_attorney(p.recipient)]
    )
    lease_id = story.applied(lease, p.ktk_officer, agent).application_id
    assert lease_id is not None
    story.applied(story.videoconference(lease_id), p.registrar)
    story.send(lease_id, payment_document(payer_iin=REPRESENTATIVE_IIN))
    story.applied(story.attestation(lease_id, with_videoconference=False), p.registrar)
    story.applied(story.decision(lease_id, pb.REGISTER), p.registrar)
    pair_id = story.form_termination(lease_id)
    story.rejected(
        RejectionReason.MISSING_REQUIRED_SIGNATURE,
        story.sending(pair_id),
        p.ktk_officer,
        agent,
    )
    story.applied(story.sending(pair_id), p.ktk_officer, p.recipient)


def test_para_29_ktk_initiator_who_represents_the_recipient_is_a_conflict_inference_adr_0007() -> (
    None
):
    """KTK's initiator of the pair is not the recipient's representative (ADR 0007 D12)."""
    story = Story()
    p = story.parties
    lease_id = story.registered_lease()
    power = _power_of_attorney(p.recipient)
    power.representative_iin = KTK_OFFICER_IIN
    rejection = story.rejected(
        RejectionReason.CONFLICT_OF_INTEREST,
        story.termination(lease_id, representations=[power]),
        p.ktk_officer,
    )
    assert f"also the representative of {RECIPIENT_IIN}" in rejection.detail


def _legal_standing(
    principal: IssuedCertificate, *, signed_by: IssuedCertificate
) -> pb.Representation:
    text = f"Guardianship of {principal.info.iin}: {REPRESENTATIVE_IIN}".encode()
    return pb.Representation(
        principal_iin=str(principal.info.iin),
        representative_iin=REPRESENTATIVE_IIN,
        power_of_attorney=signed_document(text, [DocumentSignature(signed_by, at(-10))]),
        legal_representative=True,
    )


def _lease_for(story: Story, representation: pb.Representation) -> pb.LeaseApplication:
    """The recipient acts through `representation`, who signs the contract and the consent."""
    p = story.parties
    agent = _representative()
    contract = story.contract(
        [
            DocumentSignature(agent, at(0)),
            DocumentSignature(p.guarantor, at(1)),
            DocumentSignature(p.ktk_head, at(2)),
        ]
    )
    return story.lease_application(
        contract=contract,
        personal_data_consent=story.consent(agent),
        representations=[representation],
    )


def test_order_para_3_2_legal_representative_consents_for_the_recipient() -> None:
    """Order para 3(2): «дербес деректер субъектісінің немесе оның заңды өкілінің келісімін» —
    "the consent of the personal-data subject or of her legal representative". The legal
    representative signs the consent (and acts for her); the standing document is hers."""
    story = Story()
    p = story.parties
    agent = _representative()
    story.import_property()
    legal = _legal_standing(p.recipient, signed_by=agent)
    lease_id = story.applied(_lease_for(story, legal), p.ktk_officer, agent).application_id
    assert lease_id is not None
    lease = story.ledger.application(lease_id)
    assert lease is not None
    (recorded,) = lease.representations
    assert (recorded.representative_iin, recorded.legal) == (REPRESENTATIVE_IIN, True)
    (consent,) = [d for d in lease.documents if d.role is DocumentRole.PERSONAL_DATA_CONSENT]
    assert [s.iin for s in consent.signers] == [REPRESENTATIVE_IIN]


def test_order_para_3_2_an_authorised_representative_does_not_consent_for_the_recipient() -> None:
    """The order names the *legal* representative (заңды өкіл); a power of attorney (para 21)
    lets its holder sign and pay, not give the data subject's consent."""
    story = Story()
    p = story.parties
    agent = _representative()
    story.import_property()
    rejection = story.rejected(
        RejectionReason.MISSING_CONSENT,
        _lease_for(story, _power_of_attorney(p.recipient)),
        p.ktk_officer,
        agent,
    )
    assert "order para 3(2)" in rejection.detail


def test_order_para_3_2_standing_document_not_signed_by_the_legal_representative_is_refused() -> (
    None
):
    story = Story()
    p = story.parties
    story.import_property()
    forged = _legal_standing(p.recipient, signed_by=p.guarantor)
    story.rejected(
        RejectionReason.POWER_OF_ATTORNEY_INVALID,
        _lease_for(story, forged),
        p.ktk_officer,
        _representative(),
    )
