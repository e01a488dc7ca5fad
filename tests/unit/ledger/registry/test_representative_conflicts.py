"""A party's recorded representative (para 21) is on that party's side for the conflict rules
(ADR 0007 D12), and so is the new holder (para 34(2)).

A representative signs the contract and the application, pays and takes part in the
videoconference *for* her principal. A registrar who is one would examine her own acts; KTK's
authorised person who is one would sign both sides of the application. Each test shows the
rejection, then the same step by someone impartial applying.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import IssuedCertificate
from ledger.registry.common import require_registrar_not_party
from ledger.rejections import RejectionReason, TransactionRejected
from tests.pki_fixtures import KTK_OFFICER_IIN, RECIPIENT_IIN
from tests.registry_fixtures import (
    SECOND_REGISTRAR_IIN,
    DocumentSignature,
    payment_document,
    signed_document,
)
from tests.unit.ledger.registry.story import Story, at

# An individual who is nobody's party and holds no office: the impartial stand-in.
PRIVATE_AGENT_IIN = "880101400116"


def _power(principal: IssuedCertificate, agent_iin: str) -> pb.Representation:
    return pb.Representation(
        principal_iin=str(principal.info.iin),
        representative_iin=agent_iin,
        power_of_attorney=signed_document(b"power", [DocumentSignature(principal, at(-10))]),
    )


def _represented_lease(
    story: Story, principal: str, agent: IssuedCertificate
) -> pb.LeaseApplication:
    """A lease application whose recipient or guarantor acts through `agent`, who signs the
    contract in her place."""
    p = story.parties
    represented = p.recipient if principal == "recipient" else p.guarantor
    recipient_signer = agent if principal == "recipient" else p.recipient
    guarantor_signer = agent if principal == "guarantor" else p.guarantor
    contract = story.contract(
        [
            DocumentSignature(recipient_signer, at(0)),
            DocumentSignature(guarantor_signer, at(1)),
            DocumentSignature(p.ktk_head, at(2)),
        ]
    )
    return story.lease_application(
        contract=contract, representations=[_power(represented, str(agent.info.iin))]
    )


def _represented_iin(story: Story, principal: str) -> str:
    p = story.parties
    return str((p.recipient if principal == "recipient" else p.guarantor).info.iin)


@pytest.mark.parametrize("principal", ["recipient", "guarantor"])
def test_registrar_who_represents_a_party_may_not_attest_or_decide_inference_adr_0007(
    principal: str,
) -> None:
    """The review's case: the registrar signs, pays and sends for the recipient, then would
    attest and REGISTER the same application herself."""
    story = Story()
    p = story.parties
    story.import_property()
    agent = p.authority.issue_individual("Second registrar, privately", SECOND_REGISTRAR_IIN)
    interested = p.authority.issue_registrar("Second registrar", iin=SECOND_REGISTRAR_IIN)
    application = _represented_lease(story, principal, agent)
    recipient_signer = agent if principal == "recipient" else p.recipient
    lease_id = story.applied(application, p.ktk_officer, recipient_signer).application_id
    assert lease_id is not None
    videoconference = story.videoconference(lease_id)
    rejection = story.rejected(RejectionReason.CONFLICT_OF_INTEREST, videoconference, interested)
    assert f"is the representative of {_represented_iin(story, principal)}" in rejection.detail
    story.applied(videoconference, p.registrar)
    payer = SECOND_REGISTRAR_IIN if principal == "recipient" else RECIPIENT_IIN
    sending = story.sending(lease_id, payment_document(payer_iin=payer))
    story.applied(sending, p.ktk_officer, recipient_signer)
    attestation = story.attestation(lease_id, with_videoconference=False)
    story.rejected(RejectionReason.CONFLICT_OF_INTEREST, attestation, interested)
    story.applied(attestation, p.registrar)
    register = story.decision(lease_id, pb.REGISTER)
    story.rejected(RejectionReason.CONFLICT_OF_INTEREST, register, interested)
    story.applied(register, p.registrar)


@pytest.mark.parametrize("principal", ["recipient", "guarantor"])
def test_ktk_authorised_person_who_represents_a_party_may_not_sign_for_ktk_inference_adr_0007(
    principal: str,
) -> None:
    """The review's case: KTK's officer, holding the recipient's power of attorney, would sign
    the application for KTK and for the recipient."""
    story = Story()
    p = story.parties
    story.import_property()
    agent = p.authority.issue_individual("KTK officer, privately", KTK_OFFICER_IIN)
    recipient_signer = agent if principal == "recipient" else p.recipient
    application = _represented_lease(story, principal, agent)
    rejection = story.rejected(
        RejectionReason.CONFLICT_OF_INTEREST, application, p.ktk_officer, recipient_signer
    )
    assert f"also the representative of {_represented_iin(story, principal)}" in rejection.detail
    assert rejection.detail.endswith("inference (ADR 0007 D12)")
    impartial = p.authority.issue_individual("A private agent", PRIVATE_AGENT_IIN)
    application = _represented_lease(story, principal, impartial)
    story.applied(
        application, p.ktk_officer, impartial if principal == "recipient" else p.recipient
    )


def test_ktk_initiator_who_is_the_new_holder_is_a_conflict_inference_adr_0007() -> None:
    """Para 34(2): the new holder takes the property from KTK; KTK's initiator is not her."""
    story = Story()
    lease_id = story.registered_lease()
    own_transfer = story.termination(lease_id, new_holder_iin=KTK_OFFICER_IIN)
    rejection = story.rejected(
        RejectionReason.CONFLICT_OF_INTEREST, own_transfer, story.parties.ktk_officer
    )
    assert "also the new holder" in rejection.detail
    story.form_termination(lease_id)


def test_registrar_who_is_the_new_holder_is_a_conflict_inference_adr_0007() -> None:
    """The rule itself, on the stored record: the new holder is a party like the recipient."""
    story = Story()
    _, pair_id = story.termination_ready_to_register()
    pair = story.ledger.application(pair_id)
    assert pair is not None
    require_registrar_not_party(SECOND_REGISTRAR_IIN, pair)
    with pytest.raises(TransactionRejected) as raised:
        require_registrar_not_party(
            SECOND_REGISTRAR_IIN, replace(pair, new_holder_iin=SECOND_REGISTRAR_IIN)
        )
    assert raised.value.reason is RejectionReason.CONFLICT_OF_INTEREST
    assert "is the new holder" in str(raised.value)
