"""The lease application (Algorithm paras 17-22): who signs it, its parties' identifiers, the
contract (recipient, guarantors, KTK last) and the personal-data consent."""

from __future__ import annotations

from typing import Any

from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import IssuedCertificate
from ledger.identity.nca import NcaRole
from ledger.rejections import RejectionReason
from ledger.state.records import ApplicationKind, ApplicationStatus, DocumentRole, MaritalStatus
from tests.pki_fixtures import (
    GUARANTOR_IIN,
    OTHER_BIN,
    RECIPIENT_IIN,
    SPOUSE_IIN,
    with_wrong_check_digit,
)
from tests.registry_fixtures import DocumentSignature, signed_document
from tests.unit.ledger.registry.story import CONTRACT_TEXT, Story, at

# A KTK employee whom genesis does not list as a head (check digit valid).
NEW_HEAD_IIN = "750101300004"


def _story_with_property() -> Story:
    story = Story()
    story.import_property()
    return story


def test_lease_application_records_parties_documents_and_former_paras_19_20() -> None:
    """Para 19: «… электрондық өтінішті қалыптастырады» — "forms the e-application": FORMED, not
    sent; no payment and no deadline until the sending (para 22)."""
    story = _story_with_property()
    application_id = story.form_lease()
    application = story.ledger.application(application_id)
    assert application is not None
    assert application.kind is ApplicationKind.LEASE_REGISTRATION
    assert application.status is ApplicationStatus.FORMED
    assert application.submitted_at is None and application.formed_height == story.ledger.height
    assert application.recipient_iin == RECIPIENT_IIN
    assert application.marital_status is MaritalStatus.NOT_MARRIED
    assert application.submitted_by_iin == story.parties.ktk_officer.info.iin
    contract = application.document(DocumentRole.CONTRACT)
    assert contract is not None
    assert [s.party for s in contract.signers] == ["recipient", "guarantor", "KTK"]
    assert application.payment is None and application.service_deadline is None


def test_lease_application_only_from_a_ktk_authorised_person_para_19() -> None:
    story = _story_with_property()
    p = story.parties
    other_employee = p.authority.issue_employee("Other", bin_=OTHER_BIN, organisation="Other LLP")
    story.rejected(
        RejectionReason.NOT_KTK_AUTHORISED_PERSON,
        story.lease_application(),
        other_employee,
        p.recipient,
    )
    story.applied(story.lease_application(), p.ktk_officer, p.recipient)


def test_lease_application_needs_the_recipients_signature_para_20() -> None:
    story = _story_with_property()
    p = story.parties
    story.rejected(
        RejectionReason.MISSING_REQUIRED_SIGNATURE, story.lease_application(), p.ktk_officer
    )
    story.applied(story.lease_application(), p.ktk_officer, p.recipient)


def test_para_22_spouse_does_not_sign_the_application() -> None:
    """Para 22: «көрсетілетін қызметті алушының және ҚТК уәкілетті тұлғасының ЭЦҚ куәландыру
    жолымен растай отырып» — "confirmed by certification with the EDS of the recipient and of
    KTK's authorised person": the spouse takes part (paras 21, 23(b)) but is not a signer."""
    story = _story_with_property()
    p = story.parties
    married = story.lease_application(married=True)
    story.rejected(RejectionReason.UNEXPECTED_SIGNER, married, p.ktk_officer, p.recipient, p.spouse)
    story.applied(married, p.ktk_officer, p.recipient)


def test_lease_application_signed_by_a_non_party_is_unexpected_signer_para_20() -> None:
    story = _story_with_property()
    p = story.parties
    story.rejected(
        RejectionReason.UNEXPECTED_SIGNER,
        story.lease_application(),
        p.ktk_officer,
        p.recipient,
        p.guarantor,
    )


def test_lease_application_identifiers_need_valid_check_digits_para_2() -> None:
    story = _story_with_property()
    p = story.parties
    cases: list[tuple[RejectionReason, dict[str, Any]]] = [
        (RejectionReason.INVALID_IIN, {"recipient_iin": with_wrong_check_digit(RECIPIENT_IIN)}),
        (RejectionReason.INVALID_IIN, {"guarantors": [pb.Guarantor(iin="12345")]}),
        (
            RejectionReason.INVALID_BIN,
            {"guarantors": [pb.Guarantor(bin=with_wrong_check_digit(OTHER_BIN))]},
        ),
        (
            RejectionReason.INVALID_FIELD,
            {"guarantors": [pb.Guarantor(iin=GUARANTOR_IIN, bin=OTHER_BIN)]},
        ),
        (
            RejectionReason.INVALID_FIELD,
            {"recipient_marital_status": pb.MARITAL_STATUS_UNSPECIFIED},
        ),
        (RejectionReason.INVALID_FIELD, {"spouse_iin": SPOUSE_IIN}),  # set but NOT_MARRIED
    ]
    for reason, fields in cases:
        story.rejected(reason, story.lease_application(**fields), p.ktk_officer, p.recipient)
    wrong_spouse = story.lease_application(
        married=True, spouse_iin=with_wrong_check_digit(SPOUSE_IIN)
    )
    story.rejected(RejectionReason.INVALID_IIN, wrong_spouse, p.ktk_officer, p.recipient)


def test_lease_application_for_an_unknown_property_is_property_not_found() -> None:
    story = Story()
    p = story.parties
    story.rejected(
        RejectionReason.PROPERTY_NOT_FOUND, story.lease_application(), p.ktk_officer, p.recipient
    )
    story.import_property()
    story.applied(story.lease_application(), p.ktk_officer, p.recipient)


def test_lease_application_without_contract_is_missing_document_para_19() -> None:
    story = _story_with_property()
    p = story.parties
    without = story.lease_application()
    without.ClearField("contract")
    story.rejected(RejectionReason.MISSING_DOCUMENT, without, p.ktk_officer, p.recipient)


def test_contract_whose_digest_differs_from_what_was_signed_is_invalid_para_18() -> None:
    story = _story_with_property()
    p = story.parties
    contract = story.contract()
    contract.sha256 = bytes(32)
    story.rejected(
        RejectionReason.DOCUMENT_SIGNATURE_INVALID,
        story.lease_application(contract=contract),
        p.ktk_officer,
        p.recipient,
    )


def test_contract_must_be_signed_by_each_guarantor_paras_17_18() -> None:
    story = _story_with_property()
    p = story.parties
    without_guarantor = story.contract(
        [DocumentSignature(p.recipient, at(0)), DocumentSignature(p.ktk_head, at(2))]
    )
    story.rejected(
        RejectionReason.DOCUMENT_SIGNER_MISSING,
        story.lease_application(contract=without_guarantor),
        p.ktk_officer,
        p.recipient,
    )
    story.applied(story.lease_application(), p.ktk_officer, p.recipient)


def test_contract_must_be_signed_by_ktk_para_18() -> None:
    story = _story_with_property()
    p = story.parties
    without_ktk = story.contract(
        [DocumentSignature(p.recipient, at(0)), DocumentSignature(p.guarantor, at(1))]
    )
    story.rejected(
        RejectionReason.DOCUMENT_SIGNER_MISSING,
        story.lease_application(contract=without_ktk),
        p.ktk_officer,
        p.recipient,
    )


def test_contract_must_be_signed_by_the_recipient_para_17() -> None:
    story = _story_with_property()
    p = story.parties
    without_recipient = story.contract(
        [DocumentSignature(p.guarantor, at(1)), DocumentSignature(p.ktk_head, at(2))]
    )
    story.rejected(
        RejectionReason.DOCUMENT_SIGNER_MISSING,
        story.lease_application(contract=without_recipient),
        p.ktk_officer,
        p.recipient,
    )


def test_legal_entity_guarantor_signs_through_its_employee_para_2_9() -> None:
    story = _story_with_property()
    p = story.parties
    employer = p.authority.issue_employee("HR Officer", bin_=OTHER_BIN, organisation="Employer")
    guarantors = [pb.Guarantor(bin=OTHER_BIN)]
    by_individual = story.lease_application(guarantors=guarantors)  # guarantor IIN signed
    story.rejected(RejectionReason.UNEXPECTED_SIGNER, by_individual, p.ktk_officer, p.recipient)
    contract = story.contract(
        [
            DocumentSignature(p.recipient, at(0)),
            DocumentSignature(employer, at(1)),
            DocumentSignature(p.ktk_head, at(2)),
        ]
    )
    story.applied(
        story.lease_application(guarantors=guarantors, contract=contract),
        p.ktk_officer,
        p.recipient,
    )


def test_para_18_ktk_signing_before_the_guarantor_is_refused() -> None:
    story = _story_with_property()
    p = story.parties
    ktk_first = story.contract(
        [
            DocumentSignature(p.recipient, at(0)),
            DocumentSignature(p.ktk_head, at(1)),
            DocumentSignature(p.guarantor, at(2)),
        ]
    )
    story.rejected(
        RejectionReason.DOCUMENT_SIGNING_ORDER,
        story.lease_application(contract=ktk_first),
        p.ktk_officer,
        p.recipient,
    )
    story.applied(story.lease_application(), p.ktk_officer, p.recipient)


def test_para_19_contract_signed_for_ktk_by_an_employee_who_is_not_head_is_refused() -> None:
    """Para 19: «ҚТК басшысының ЭЦҚ-мен қол қойылған … шартының электрондық көшірмесін» — "the
    e-copy of the contract signed with the EDS of KTK's head": another KTK employee will not do."""
    story = _story_with_property()
    p = story.parties
    by_an_officer = story.contract(
        [
            DocumentSignature(p.recipient, at(0)),
            DocumentSignature(p.guarantor, at(1)),
            DocumentSignature(p.ktk_officer, at(2)),
        ]
    )
    story.rejected(
        RejectionReason.CONTRACT_NOT_SIGNED_BY_KTK_HEAD,
        story.lease_application(contract=by_an_officer),
        p.ktk_officer,
        p.recipient,
    )
    story.applied(story.lease_application(), p.ktk_officer, p.recipient)


def test_para_19_a_ktk_employee_whose_certificate_names_her_first_head_signs_as_head() -> None:
    """Para 19: «ҚТК басшысының ЭЦҚ-мен» — "with the EDS of KTK's head": the national CA marks a
    legal entity's first head in the certificate (role OID 1.2.398.3.3.4.1.2.1, ADR 0009), so a
    head not listed in genesis is still a head; the same person as a plain employee is not."""
    story = _story_with_property()
    p = story.parties
    authority = p.authority

    def contract_signed_for_ktk_by(signer: IssuedCertificate) -> pb.SignedDocument:
        return story.contract(
            [
                DocumentSignature(p.recipient, at(0)),
                DocumentSignature(p.guarantor, at(1)),
                DocumentSignature(signer, at(2)),
            ]
        )

    as_employee = authority.issue_employee("New Head", NEW_HEAD_IIN, role=NcaRole.EMPLOYEE)
    story.rejected(
        RejectionReason.CONTRACT_NOT_SIGNED_BY_KTK_HEAD,
        story.lease_application(contract=contract_signed_for_ktk_by(as_employee)),
        p.ktk_officer,
        p.recipient,
    )
    as_first_head = authority.issue_employee("New Head", NEW_HEAD_IIN, role=NcaRole.FIRST_HEAD)
    story.applied(
        story.lease_application(contract=contract_signed_for_ktk_by(as_first_head)),
        p.ktk_officer,
        p.recipient,
    )


def test_para_17_guarantor_signing_before_the_recipient_is_refused() -> None:
    """Para 17: «көрсетілетін қызметті алушы … шартына қол қояды. Кепілгер болған жағдайда …
    кепілгердің жеке кабинетіне жолданады» — "the recipient signs the contract; where there is a
    guarantor, it is then sent to the guarantor's cabinet for signing": recipient first."""
    story = _story_with_property()
    p = story.parties
    guarantor_first = story.contract(
        [
            DocumentSignature(p.guarantor, at(0)),
            DocumentSignature(p.recipient, at(1)),
            DocumentSignature(p.ktk_head, at(2)),
        ]
    )
    story.rejected(
        RejectionReason.DOCUMENT_SIGNING_ORDER,
        story.lease_application(contract=guarantor_first),
        p.ktk_officer,
        p.recipient,
    )
    story.applied(story.lease_application(), p.ktk_officer, p.recipient)


def test_para_18_ktk_signing_at_the_same_time_as_the_guarantor_is_refused() -> None:
    """Para 18: «… кепілгерлер (бар болса) шартқа қол қойғаннан кейін, шартқа ҚТК ЭЦҚ-мен қол
    қояды» — "after the recipient and the guarantors have signed, KTK signs": equal times cannot
    show that KTK signed after (ADR 0007 D5)."""
    story = _story_with_property()
    p = story.parties
    same_time = story.contract(
        [
            DocumentSignature(p.recipient, at(0)),
            DocumentSignature(p.guarantor, at(1)),
            DocumentSignature(p.ktk_head, at(1)),
        ]
    )
    story.rejected(
        RejectionReason.DOCUMENT_SIGNING_ORDER,
        story.lease_application(contract=same_time),
        p.ktk_officer,
        p.recipient,
    )


def test_para_17_order_does_not_depend_on_the_order_of_signer_infos() -> None:
    """Para 17's order is judged from each signer's own signed time, never from the order of the
    CMS SignerInfos (a SET OF that re-signing tools re-sort): the same signatures added in two
    orders give the same verdict and the same recorded order (ADR 0007 D5)."""
    p = Story().parties
    signatures = [
        DocumentSignature(p.recipient, at(0)),
        DocumentSignature(p.guarantor, at(1)),
        DocumentSignature(p.ktk_head, at(2)),
    ]
    recorded = []
    for ordering in (signatures, list(reversed(signatures))):
        story = _story_with_property()
        contract = story.contract(ordering)
        outcome = story.applied(
            story.lease_application(contract=contract), p.ktk_officer, p.recipient
        )
        assert outcome.application_id is not None
        application = story.ledger.application(outcome.application_id)
        assert application is not None
        document = application.document(DocumentRole.CONTRACT)
        assert document is not None
        recorded.append([signer.party for signer in document.signers])
    assert recorded == [["recipient", "guarantor", "KTK"]] * 2


def test_contract_signed_by_a_stranger_is_unexpected_signer() -> None:
    story = _story_with_property()
    p = story.parties
    stranger = p.authority.issue_individual("Stranger", SPOUSE_IIN)  # not married: no spouse
    contract = signed_document(
        CONTRACT_TEXT,
        [
            DocumentSignature(p.recipient, at(0)),
            DocumentSignature(p.guarantor, at(1)),
            DocumentSignature(stranger, at(1.5)),
            DocumentSignature(p.ktk_head, at(2)),
        ],
    )
    story.rejected(
        RejectionReason.UNEXPECTED_SIGNER,
        story.lease_application(contract=contract),
        p.ktk_officer,
        p.recipient,
    )


def test_consent_must_be_present_and_signed_by_the_recipient_para_20() -> None:
    story = _story_with_property()
    p = story.parties
    absent = story.lease_application()
    absent.ClearField("personal_data_consent")
    story.rejected(RejectionReason.MISSING_CONSENT, absent, p.ktk_officer, p.recipient)
    by_guarantor = story.lease_application(personal_data_consent=story.consent(p.guarantor))
    story.rejected(RejectionReason.MISSING_CONSENT, by_guarantor, p.ktk_officer, p.recipient)
    story.applied(story.lease_application(), p.ktk_officer, p.recipient)
