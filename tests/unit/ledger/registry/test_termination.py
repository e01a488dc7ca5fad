"""The linked pair of para 29 (termination of the lease + ownership), checked at submission
(paras 29, 31) and registered atomically (para 34)."""

from __future__ import annotations

from tirkeu_pb import transaction_pb2 as pb

from ledger.registry.termination import CERTIFYING_RECIPIENT
from ledger.rejections import RejectionReason
from ledger.state.records import (
    ApplicationKind,
    ApplicationStatus,
    DocumentRole,
    EncumbranceStatus,
    IdentifierKind,
    PartyIdentifier,
)
from tests.pki_fixtures import SPOUSE_IIN
from tests.registry_fixtures import DocumentSignature, payment_document
from tests.unit.ledger.registry.story import CADASTRAL_NUMBER, Story, at


def _with_registered_lease() -> tuple[Story, str]:
    story = Story()
    return story, story.registered_lease()


def test_termination_application_records_the_pair_para_29() -> None:
    story, lease_id = _with_registered_lease()
    pair_id = story.form_termination(lease_id)
    pair = story.ledger.application(pair_id)
    assert pair is not None
    assert pair.kind is ApplicationKind.TERMINATION_AND_OWNERSHIP
    assert pair.status is ApplicationStatus.FORMED
    assert pair.lease_application_id == lease_id
    assert pair.cadastral_number == CADASTRAL_NUMBER
    assert pair.payment is None and pair.service_deadline is None


def test_termination_application_only_from_a_ktk_authorised_person_para_29() -> None:
    story, lease_id = _with_registered_lease()
    p = story.parties
    story.rejected(
        RejectionReason.NOT_KTK_AUTHORISED_PERSON, story.termination(lease_id), p.recipient
    )
    story.applied(story.termination(lease_id), p.ktk_officer)


def test_para_29_ktk_authorised_representative_initiates_the_pair_alone() -> None:
    """Para 29: «… екі электрондық өтінішті … ҚТК уәкілетті өкілін бастамашылық етеді» — "KTK's
    authorised representative initiates the two e-applications": the recipient signs them when
    they are sent (para 31), not at the initiation."""
    story, lease_id = _with_registered_lease()
    p = story.parties
    story.rejected(
        RejectionReason.UNEXPECTED_SIGNER, story.termination(lease_id), p.ktk_officer, p.recipient
    )
    story.applied(story.termination(lease_id), p.ktk_officer)


def test_para_31_termination_signed_by_ktk_ownership_by_the_recipient() -> None:
    """Para 31: «… тоқтатуды тіркеуге ҚТК-дан және … меншік құқығының туындауын тіркеуге
    көрсетілетін қызметті алушыдан) электрондық өтініштерге қол қоюмен расталады» — "confirmed
    by signing the e-applications: the termination by KTK, the ownership by the recipient"."""
    story, lease_id = _with_registered_lease()
    p = story.parties
    pair_id = story.form_termination(lease_id)
    sending = story.sending(pair_id, payment_document(reference="KZ-PAY-2"))
    story.rejected(RejectionReason.MISSING_REQUIRED_SIGNATURE, sending, p.ktk_officer)
    story.rejected(RejectionReason.NOT_KTK_AUTHORISED_PERSON, sending, p.recipient)
    story.applied(sending, p.ktk_officer, p.recipient)


def test_para_31_spouse_does_not_sign_the_pair() -> None:
    """Para 31: «… (тоқтатуды тіркеуге ҚТК-дан және … меншік құқығының туындауын тіркеуге
    көрсетілетін қызметті алушыдан) электрондық өтініштерге қол қоюмен расталады» — "confirmed
    by signing the e-applications (termination by KTK, ownership by the recipient)": the spouse
    takes part in the videoconference (para 30) and signs neither."""
    story, lease_id = _with_registered_lease()
    p = story.parties
    married = {"recipient_marital_status": pb.MARRIED, "spouse_iin": SPOUSE_IIN}
    pair_id = story.form_termination(lease_id, **married)
    sending = story.sending(pair_id, payment_document(reference="KZ-PAY-2"))
    story.rejected(RejectionReason.UNEXPECTED_SIGNER, sending, p.ktk_officer, p.recipient, p.spouse)
    story.applied(sending, p.ktk_officer, p.recipient)


def test_termination_needs_a_registered_active_lease_para_29() -> None:
    story = Story()
    p = story.parties
    lease_id = story.lease_ready_to_register()
    story.rejected(
        RejectionReason.APPLICATION_NOT_FOUND,
        story.termination("ef" * 32),
        p.ktk_officer,
    )
    story.rejected(
        RejectionReason.NO_ACTIVE_LEASE, story.termination(lease_id), p.ktk_officer, p.recipient
    )
    story.applied(story.decision(lease_id, pb.REGISTER), p.registrar)
    pair_id = story.submit_termination(lease_id)
    story.rejected(
        RejectionReason.NO_ACTIVE_LEASE, story.termination(pair_id), p.ktk_officer, p.recipient
    )


def test_termination_needs_the_ktk_letter_para_29() -> None:
    story, lease_id = _with_registered_lease()
    p = story.parties
    without = story.termination(lease_id)
    without.ClearField("ktk_letter")
    story.rejected(RejectionReason.KTK_LETTER_MISSING, without, p.ktk_officer)
    story.applied(story.termination(lease_id), p.ktk_officer)


def test_ktk_letter_must_be_signed_by_ktk_para_29() -> None:
    story, lease_id = _with_registered_lease()
    p = story.parties
    by_recipient = story.termination(
        lease_id, ktk_letter=story.ktk_letter([DocumentSignature(p.recipient, at(100))])
    )
    story.rejected(RejectionReason.KTK_LETTER_INVALID, by_recipient, p.ktk_officer)
    tampered = story.ktk_letter()
    tampered.sha256 = bytes(32)
    story.rejected(
        RejectionReason.KTK_LETTER_INVALID,
        story.termination(lease_id, ktk_letter=tampered),
        p.ktk_officer,
    )
    also_guarantor = story.ktk_letter(
        [
            DocumentSignature(p.ktk_officer, at(100)),
            DocumentSignature(p.recipient, at(100.5)),
            DocumentSignature(p.guarantor, at(100.5)),
        ]
    )
    story.rejected(
        RejectionReason.KTK_LETTER_INVALID,
        story.termination(lease_id, ktk_letter=also_guarantor),
        p.ktk_officer,
    )


def test_para_29_ktk_letter_ecopy_certified_by_the_recipient_is_accepted() -> None:
    """Para 29: «көрсетілетін қызметті алушының ЭЦҚ-мен куәландырылған құжаттардың электрондық
    көшірмелерін қоса бере отырып» — "attaching the e-copies of the documents certified with the
    recipient's EDS": KTK's letter carries the recipient's certifying signature beside KTK's."""
    story, lease_id = _with_registered_lease()
    p = story.parties
    certified = story.ktk_letter(
        [DocumentSignature(p.ktk_officer, at(100)), DocumentSignature(p.recipient, at(100))]
    )
    pair_id = story.submit_termination(lease_id, ktk_letter=certified)
    pair = story.ledger.application(pair_id)
    assert pair is not None
    letter = pair.document(DocumentRole.KTK_LETTER)
    assert letter is not None
    assert [signer.party for signer in letter.signers] == ["KTK", CERTIFYING_RECIPIENT]


def test_para_29_ktk_letter_ecopy_without_the_recipients_certification_is_refused() -> None:
    """Para 29: «… ЭЦҚ-мен куәландырылған … электрондық көшірмелерін» — "e-copies certified
    with the recipient's EDS": a letter signed by KTK alone is not certified."""
    story, lease_id = _with_registered_lease()
    p = story.parties
    uncertified = story.ktk_letter([DocumentSignature(p.ktk_officer, at(100))])
    story.rejected(
        RejectionReason.ECOPY_NOT_CERTIFIED,
        story.termination(lease_id, ktk_letter=uncertified),
        p.ktk_officer,
    )


def test_para_29_ktk_letter_certified_before_ktk_signed_is_refused_inference_adr_0007() -> None:
    """ADR 0007 D13: a copy is certified after the original exists."""
    story, lease_id = _with_registered_lease()
    p = story.parties
    early = story.ktk_letter(
        [DocumentSignature(p.ktk_officer, at(100)), DocumentSignature(p.recipient, at(99))]
    )
    story.rejected(
        RejectionReason.DOCUMENT_SIGNING_ORDER,
        story.termination(lease_id, ktk_letter=early),
        p.ktk_officer,
    )


def test_transfer_agreement_is_required_and_signed_by_ktk_and_the_recipient_paras_29_31() -> None:
    story, lease_id = _with_registered_lease()
    p = story.parties
    without = story.termination(lease_id)
    without.ClearField("transfer_agreement")
    story.rejected(RejectionReason.MISSING_DOCUMENT, without, p.ktk_officer)
    ktk_only = story.termination(
        lease_id, transfer_agreement=story.transfer_agreement([p.ktk_officer])
    )
    story.rejected(RejectionReason.DOCUMENT_SIGNER_MISSING, ktk_only, p.ktk_officer)
    story.applied(story.termination(lease_id), p.ktk_officer)


def test_pair_needs_the_recipients_consent_para_29() -> None:
    story, lease_id = _with_registered_lease()
    p = story.parties
    without = story.termination(lease_id)
    without.ClearField("personal_data_consent")
    story.rejected(RejectionReason.MISSING_CONSENT, without, p.ktk_officer)


def test_ownership_only_to_the_lessee_para_34_2() -> None:
    story, lease_id = _with_registered_lease()
    p = story.parties
    to_spouse = story.termination(lease_id, new_holder_iin=SPOUSE_IIN)
    story.rejected(RejectionReason.OWNERSHIP_NOT_TO_LESSEE, to_spouse, p.ktk_officer)
    story.applied(story.termination(lease_id), p.ktk_officer)


def test_para_31_pair_is_sent_with_the_payment_document() -> None:
    """Para 31: «… ақы төлеу туралы құжатты қоса беру …» — "attaching the document on payment"."""
    story, lease_id = _with_registered_lease()
    p = story.parties
    pair_id = story.form_termination(lease_id)
    story.rejected(
        RejectionReason.PAYMENT_REQUIRED_BEFORE_SENDING,
        pb.ApplicationSending(application_id=pair_id),
        p.ktk_officer,
        p.recipient,
    )
    story.send(pair_id, payment_document(reference="KZ-PAY-2"))
    pair = story.ledger.application(pair_id)
    assert pair is not None and pair.status is ApplicationStatus.SUBMITTED
    assert pair.payment is not None and pair.service_deadline is not None


def test_pair_is_registered_atomically_termination_then_ownership_para_34() -> None:
    story = Story()
    p = story.parties
    lease_id, pair_id = story.termination_ready_to_register()
    rival_id = story.submit_termination(lease_id)
    story.applied(story.attestation(rival_id), p.registrar)
    story.applied(story.decision(pair_id, pb.REGISTER), p.registrar)
    after_first = story.ledger.property(CADASTRAL_NUMBER)
    assert after_first is not None
    # The lease is gone: the rival pair can register neither half.
    story.rejected(
        RejectionReason.NO_ACTIVE_LEASE, story.decision(rival_id, pb.REGISTER), p.registrar
    )
    assert story.ledger.property(CADASTRAL_NUMBER) == after_first
    assert after_first.holder == PartyIdentifier(IdentifierKind.IIN, p.recipient.info.iin or "")
    assert [e.status for e in after_first.encumbrances] == [EncumbranceStatus.TERMINATED]
    assert after_first.encumbrances[0].terminated_height == story.ledger.height - 1
    assert [e.number for e in after_first.registration_sheet] == [1, 2, 3]
