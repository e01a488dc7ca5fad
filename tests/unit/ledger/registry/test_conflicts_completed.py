"""Issue 9, the rest of the conflict and payment rules (ADR 0007 D4, D12).

KTK's side is KTK's signer and KTK's videoconference representative; the other side is everyone
facing KTK: the recipient, the spouse, the individual guarantors (who sign the contract against
KTK, para 17), the new holder, and every recorded representative (para 21). No person stands on
both. And one payment document pays one application's fee. Each test shows the rejection, then
the same step by someone impartial, or with its own payment, applying.
"""

from __future__ import annotations

import pytest
from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import IssuedCertificate
from ledger.rejections import RejectionReason
from tests.pki_fixtures import GUARANTOR_IIN, RECIPIENT_IIN, SPOUSE_IIN
from tests.registry_fixtures import DocumentSignature, payment_document, signed_document
from tests.unit.ledger.registry.story import Story, at

# An individual who is nobody's party and holds no office.
PRIVATE_AGENT_IIN = "880101400116"


def _power(principal: IssuedCertificate, agent_iin: str) -> pb.Representation:
    return pb.Representation(
        principal_iin=str(principal.info.iin),
        representative_iin=agent_iin,
        power_of_attorney=signed_document(b"power", [DocumentSignature(principal, at(-10))]),
    )


def _ktk_on_screen(iin: str) -> list[pb.VideoconferenceParticipant]:
    return [
        pb.VideoconferenceParticipant(iin=iin, role=pb.KTK_REPRESENTATIVE),
        pb.VideoconferenceParticipant(iin=RECIPIENT_IIN, role=pb.RECIPIENT),
    ]


def test_ktk_signer_who_is_a_guarantor_is_a_conflict_inference_adr_0007() -> None:
    """Para 17: the guarantor signs the contract with the recipient, before KTK; KTK's signer of
    the application is not the guarantor herself."""
    story = Story()
    p = story.parties
    story.import_property()
    guarantor_at_ktk = p.authority.issue_ktk_officer("KTK employee, the guarantor", GUARANTOR_IIN)
    application = story.lease_application()
    rejection = story.rejected(
        RejectionReason.CONFLICT_OF_INTEREST, application, guarantor_at_ktk, p.recipient
    )
    assert "also the guarantor" in rejection.detail
    assert rejection.detail.endswith("inference (ADR 0007 D12)")
    story.applied(application, p.ktk_officer, p.recipient)


@pytest.mark.parametrize("on_screen", ["guarantor", "guarantor's representative"])
def test_para_21_ktk_videoconference_representative_is_no_guarantor_nor_representative_inference_adr_0007(  # noqa: E501
    on_screen: str,
) -> None:
    """Para 21 «ҚТК өкілінің, көрсетілетін қызметті алушының» ("of KTK's representative, of the
    recipient"): KTK's representative on screen is neither a guarantor nor anyone's recorded
    representative (who acts *for* a party facing KTK)."""
    story = Story()
    p = story.parties
    story.import_property()
    agent = p.authority.issue_individual("A private agent", PRIVATE_AGENT_IIN)
    contract = story.contract(
        [
            DocumentSignature(p.recipient, at(0)),
            DocumentSignature(agent, at(1)),
            DocumentSignature(p.ktk_head, at(2)),
        ]
    )
    application = story.lease_application(
        contract=contract, representations=[_power(p.guarantor, PRIVATE_AGENT_IIN)]
    )
    lease_id = story.applied(application, p.ktk_officer, p.recipient).application_id
    assert lease_id is not None
    iin = GUARANTOR_IIN if on_screen == "guarantor" else PRIVATE_AGENT_IIN
    conflicted = story.videoconference(lease_id, participants=_ktk_on_screen(iin))
    rejection = story.rejected(RejectionReason.CONFLICT_OF_INTEREST, conflicted, p.registrar)
    assert f"KTK's representative IIN {iin} is the" in rejection.detail
    assert rejection.detail.endswith("inference (ADR 0007 D12)")
    story.applied(story.videoconference(lease_id), p.registrar)


def test_ktk_videoconference_representative_who_represents_the_spouse_is_a_conflict_inference_adr_0007() -> (  # noqa: E501
    None
):
    """The spouse's representative (para 21) stands on the spouse's side (ADR 0007 D12)."""
    story = Story()
    p = story.parties
    story.import_property()
    application = story.lease_application(
        married=True, representations=[_power(p.spouse, PRIVATE_AGENT_IIN)]
    )
    lease_id = story.applied(application, p.ktk_officer, p.recipient).application_id
    assert lease_id is not None
    participants = [
        *_ktk_on_screen(PRIVATE_AGENT_IIN),
        pb.VideoconferenceParticipant(iin=SPOUSE_IIN, role=pb.SPOUSE),
    ]
    conflicted = story.videoconference(lease_id, participants=participants)
    rejection = story.rejected(RejectionReason.CONFLICT_OF_INTEREST, conflicted, p.registrar)
    assert f"is the representative of {SPOUSE_IIN}" in rejection.detail
    story.applied(story.videoconference(lease_id, married=True), p.registrar)


@pytest.mark.parametrize("same", ["digest and reference", "digest", "reference"])
def test_para_22_one_payment_document_pays_one_application_inference_adr_0007(
    same: str,
) -> None:
    """Para 22 «ақы төлеу туралы құжаттың электрондық көшірмесін қоса бере отырып» ("attaching
    the e-copy of the payment document"): the payment of *this* application's fee. A second
    application sent with the same document, known by its digest or its reference, is refused
    (inference, ADR 0007 D4); with its own payment it is sent."""
    story = Story()
    p = story.parties
    story.import_property()
    first = story.submit_lease()
    sent = story.ledger.application(first)
    assert sent is not None and sent.payment is not None
    second = story.form_lease()
    again = pb.PaymentDocument()
    again.CopyFrom(story.sending(first).payment)
    if same == "digest":
        again.payment_reference = "KZ-PAY-ANOTHER"
    elif same == "reference":
        again.sha256 = bytes(32)
    rejection = story.rejected(
        RejectionReason.PAYMENT_ALREADY_USED,
        story.sending(second, again),
        p.ktk_officer,
        p.recipient,
    )
    assert f"already paid for application {first}" in rejection.detail
    assert rejection.detail.endswith("inference (ADR 0007 D4)")
    story.send(second, payment_document(reference="KZ-PAY-OWN"))
