"""Para 21 «мәмілені жасаған адамдардың (олардың уәкілетті өкілдерінің)» — "the persons who made
the transaction (their authorised representatives)": a party may act through a representative,
on a power of attorney she signed, recorded by digest (ADR 0007 D7)."""

from __future__ import annotations

from functools import cache

from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import IssuedCertificate
from ledger.identity.identifiers import complete_with_check_digit
from ledger.rejections import RejectionReason
from ledger.state.records import ApplicationStatus, DocumentRole, ParticipantRole
from tests.pki_fixtures import GUARANTOR_IIN, KTK_OFFICER_IIN, RECIPIENT_IIN, SPOUSE_IIN
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


def test_para_21_representative_signs_the_contract_for_the_guarantor() -> None:
    """Para 21: «… (олардың уәкілетті өкілдерінің) қойылған қолдарының растығын» — "the
    signatures placed by … their authorised representatives"."""
    story = Story()
    story.import_property()
    p = story.parties
    contract = story.contract(
        [
            DocumentSignature(p.recipient, at(0)),
            DocumentSignature(_representative(), at(1)),
            DocumentSignature(p.ktk_head, at(2)),
        ]
    )
    without_power = story.lease_application(contract=contract)
    story.rejected(RejectionReason.UNEXPECTED_SIGNER, without_power, p.ktk_officer, p.recipient)
    represented = story.lease_application(
        contract=contract, representations=[_power_of_attorney(p.guarantor)]
    )
    lease_id = story.applied(represented, p.ktk_officer, p.recipient).application_id
    assert lease_id is not None
    lease = story.ledger.application(lease_id)
    assert lease is not None
    (recorded,) = lease.representations
    assert (recorded.principal_iin, recorded.representative_iin) == (
        GUARANTOR_IIN,
        REPRESENTATIVE_IIN,
    )
    document = lease.document(DocumentRole.CONTRACT)
    assert document is not None
    signer = document.signers[1]
    assert signer.iin == REPRESENTATIVE_IIN
    assert signer.party == f"guarantor, by representative for IIN {GUARANTOR_IIN}"


def test_para_21_representative_signs_and_sends_for_the_recipient() -> None:
    """The recipient's representative signs the forming and the sending and pays for her."""
    story = Story()
    story.import_property()
    p = story.parties
    agent = _representative()
    contract = story.contract(
        [
            DocumentSignature(agent, at(0)),
            DocumentSignature(p.guarantor, at(1)),
            DocumentSignature(p.ktk_head, at(2)),
        ]
    )
    application = story.lease_application(
        contract=contract, representations=[_power_of_attorney(p.recipient)]
    )
    lease_id = story.applied(application, p.ktk_officer, agent).application_id
    assert lease_id is not None
    paid_by_agent = story.sending(lease_id, payment_document(payer_iin=REPRESENTATIVE_IIN))
    story.applied(paid_by_agent, p.ktk_officer, agent)
    lease = story.ledger.application(lease_id)
    assert lease is not None and lease.status is ApplicationStatus.SUBMITTED
    assert REPRESENTATIVE_IIN in lease.party_identifiers()  # the node lists it for her


def test_para_21_representative_takes_part_in_the_videoconference_for_the_spouse() -> None:
    """The registrar's record says who took part in which capacity; the spouse's participation
    (para 23(b)) is satisfied by her authorised representative."""
    story = Story()
    story.import_property()
    p = story.parties
    application = story.lease_application(
        married=True, representations=[_power_of_attorney(p.spouse)]
    )
    lease_id = story.applied(application, p.ktk_officer, p.recipient).application_id
    assert lease_id is not None
    story.send(lease_id)
    participants = [
        pb.VideoconferenceParticipant(iin=KTK_OFFICER_IIN, role=pb.KTK_REPRESENTATIVE),
        pb.VideoconferenceParticipant(iin=RECIPIENT_IIN, role=pb.RECIPIENT),
        pb.VideoconferenceParticipant(
            iin=REPRESENTATIVE_IIN, role=pb.SPOUSE, on_behalf_of_iin=SPOUSE_IIN
        ),
    ]
    attestation = story.attestation(lease_id, married=True, participants=participants)
    story.applied(attestation, p.registrar)
    story.applied(story.decision(lease_id, pb.REGISTER), p.registrar)
    lease = story.ledger.application(lease_id)
    assert lease is not None and lease.videoconference is not None
    (for_spouse,) = [p for p in lease.videoconference.participants if p.on_behalf_of_iin]
    assert (for_spouse.iin, for_spouse.role, for_spouse.on_behalf_of_iin) == (
        REPRESENTATIVE_IIN,
        ParticipantRole.SPOUSE,
        SPOUSE_IIN,
    )


def test_para_21_power_of_attorney_not_signed_by_the_principal_is_refused() -> None:
    story = Story()
    story.import_property()
    p = story.parties
    forged = _power_of_attorney(p.guarantor)
    forged.power_of_attorney.CopyFrom(
        signed_document(b"forged", [DocumentSignature(_representative(), at(-10))])
    )
    application = story.lease_application(representations=[forged])
    story.rejected(
        RejectionReason.POWER_OF_ATTORNEY_INVALID, application, p.ktk_officer, p.recipient
    )


def test_para_21_representative_without_a_recorded_power_of_attorney_is_refused() -> None:
    story = Story()
    story.import_property()
    p = story.parties
    lease_id = story.submit_lease(married=True)
    participants = [
        pb.VideoconferenceParticipant(iin=KTK_OFFICER_IIN, role=pb.KTK_REPRESENTATIVE),
        pb.VideoconferenceParticipant(iin=RECIPIENT_IIN, role=pb.RECIPIENT),
        pb.VideoconferenceParticipant(
            iin=REPRESENTATIVE_IIN, role=pb.SPOUSE, on_behalf_of_iin=SPOUSE_IIN
        ),
    ]
    attestation = story.attestation(lease_id, married=True, participants=participants)
    story.rejected(RejectionReason.POWER_OF_ATTORNEY_INVALID, attestation, p.registrar)
