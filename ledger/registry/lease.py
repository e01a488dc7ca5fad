"""The application for state registration of the lease encumbrance, as formed (paras 19-20).

KTK forms it through the platform with the lease-to-own contract signed by KTK's head (para 19);
the recipient consents to personal-data processing and signs it (para 20). It is FORMED: the
videoconference follows (para 21), then the payment and the sending (para 22,
ledger/registry/sending.py). The contract itself was signed on the Portal by the recipient, then
the guarantors, then KTK (paras 17-18). Whether the property may carry the lease is judged at
registration (para 23), not here: the application records the request.
"""

from __future__ import annotations

from tirkeu_pb import transaction_pb2

from ledger.identity.roles import is_ktk_head
from ledger.registry.common import (
    RuleInput,
    RuleOutcome,
    marital_status_of,
    require_iin,
    require_pilot_in_force,
)
from ledger.registry.documents import (
    KTK_PARTY,
    ExpectedSigner,
    RecordedDocument,
    SignedBy,
    VerifiedDocument,
    document_record,
    match_signers,
    require_signing_stages,
    verify_document,
)
from ledger.registry.parties import (
    guarantors_of,
    legal_representative_of,
    representations_of,
    representative_of,
    require_application_signers,
)
from ledger.registry.properties import require_cadastral_number, require_property
from ledger.registry.submission import form_application
from ledger.rejections import RejectionReason
from ledger.state.access import StateOverlay
from ledger.state.records import (
    ApplicationKind,
    DocumentRole,
    IdentifierKind,
    PartyIdentifier,
    RepresentationRecord,
)
from ledger.transactions.envelope import reject

CONTRACT_STAGES = (("recipient",), ("guarantor", "spouse"), (KTK_PARTY,))


def apply_lease_application(state: StateOverlay, rule_input: RuleInput) -> RuleOutcome:
    require_pilot_in_force(rule_input)
    transaction = rule_input.transaction
    action = transaction.body.lease_application
    cadastral_number = require_cadastral_number(action.cadastral_number)
    recipient_iin = require_iin(action.recipient_iin, "recipient_iin")
    marital_status, spouse_iin = marital_status_of(
        action.recipient_marital_status, action.spouse_iin, recipient_iin
    )
    guarantors = guarantors_of(action.guarantors)
    individual_guarantors = [
        g.identifier for g in guarantors if g.identifier_kind is IdentifierKind.IIN
    ]
    principals = [recipient_iin, *([spouse_iin] if spouse_iin else []), *individual_guarantors]
    representations = representations_of(action.representations, rule_input, principals)
    signers = require_application_signers(
        transaction,
        recipient_iin,
        spouse_iin,
        representations,
        guarantor_iins=individual_guarantors,
    )
    require_property(state, cadastral_number)
    contract = contract_record(
        action, rule_input, recipient_iin, spouse_iin, guarantors, representations=representations
    )
    consent = consent_record(
        action.personal_data_consent, rule_input, recipient_iin, representations
    )
    return form_application(
        state,
        rule_input,
        signers.ktk_authorised_person,
        kind=ApplicationKind.LEASE_REGISTRATION,
        cadastral_number=cadastral_number,
        recipient_iin=recipient_iin,
        spouse_iin=spouse_iin,
        marital_status=marital_status,
        guarantors=guarantors,
        documents=(contract, consent),
        representations=representations,
    )


def contract_record(
    action: transaction_pb2.LeaseApplication,
    rule_input: RuleInput,
    recipient_iin: str,
    spouse_iin: str | None,
    guarantors: tuple[PartyIdentifier, ...],
    *,
    representations: tuple[RepresentationRecord, ...] = (),
) -> RecordedDocument:
    """Paras 17-18: signed by the recipient, each guarantor (an individual by IIN, a legal entity
    by one of its employees) and KTK, KTK last. The spouse may co-sign; nobody else."""
    if not action.HasField("contract") or not action.contract.cms:
        raise reject(RejectionReason.MISSING_DOCUMENT, "the lease-to-own contract is absent")
    name = "the lease-to-own contract"
    verified = verify_document(action.contract, rule_input, name=name)

    def person(party: str, iin: str, *, required: bool = True) -> ExpectedSigner:
        # Para 21: an individual party may sign through her recorded representative.
        agent = representative_of(representations, iin)
        return ExpectedSigner(party, iin=iin, required=required, agent=agent)

    expected = [person("recipient", recipient_iin)]
    for guarantor in guarantors:
        if guarantor.identifier_kind is IdentifierKind.IIN:
            expected.append(person("guarantor", guarantor.identifier))
        else:
            expected.append(ExpectedSigner("guarantor", bin=guarantor.identifier))
    if spouse_iin is not None:
        expected.append(person("spouse", spouse_iin, required=False))
    expected.append(ExpectedSigner(KTK_PARTY, bin=rule_input.authorities.ktk_bin))
    signed = match_signers(verified.verdicts, expected, name=name)
    # Para 17: «… кепілгерлер (бар болса) шартқа қол қойғаннан кейін, шартқа ҚТК ЭЦҚ-мен қол
    # қояды»: the recipient, then the guarantors, then KTK (para 18). The spouse's optional
    # co-signature is not ordered by the text; it falls in the guarantors' stage (ADR 0007 D14).
    require_signing_stages(signed, CONTRACT_STAGES, name=name)
    _require_signed_for_ktk_by_its_head(signed, verified, rule_input, name)
    return document_record(DocumentRole.CONTRACT, action.contract, verified, signed)


def _require_signed_for_ktk_by_its_head(
    signed: tuple[SignedBy, ...], verified: VerifiedDocument, rule_input: RuleInput, name: str
) -> None:
    """Para 19: «ҚТК басшысының ЭЦҚ-мен қол қойылған … шартының электрондық көшірмесін» ("the
    e-copy of the contract signed with the EDS of KTK's head"): any KTK employee is not enough.
    Who is head: ledger/identity/roles.py is_ktk_head (ADR 0007 D6)."""
    for signature in signed:
        if signature.party.party != KTK_PARTY:
            continue
        certificate = verified.certificate_of(signature.verdict)
        if not is_ktk_head(certificate, rule_input.authorities):
            raise reject(
                RejectionReason.CONTRACT_NOT_SIGNED_BY_KTK_HEAD,
                f"{name} is signed for KTK by IIN {certificate.iin}, who is not KTK's head "
                "(para 19)",
            )


def consent_record(
    consent: transaction_pb2.SignedDocument,
    rule_input: RuleInput,
    recipient_iin: str,
    representations: tuple[RepresentationRecord, ...] = (),
) -> RecordedDocument:
    """Paras 20, 29 and the Appendix: the recipient's consent, signed by the recipient; or, by
    order para 3(2) «дербес деректер субъектісінің немесе оның заңды өкілінің келісімін» ("the
    consent of the personal-data subject or of her legal representative"), by her recorded legal
    representative. An authorised representative (para 21) does not consent for her: the order
    names the legal representative only."""
    if not consent.cms:
        raise reject(RejectionReason.MISSING_CONSENT, "the personal-data consent is absent")
    name = "the personal-data consent"
    verified = verify_document(consent, rule_input, name=name)
    legal = legal_representative_of(representations, recipient_iin)
    subject = ExpectedSigner("recipient", iin=recipient_iin, agent=legal)
    if not all(subject.matches(verdict) for verdict in verified.verdicts):
        by_legal = "" if legal is None else f" or her legal representative {legal}"
        raise reject(
            RejectionReason.MISSING_CONSENT,
            f"{name} must be signed by its subject, the recipient {recipient_iin}{by_legal}, "
            "alone (order para 3(2))",
        )
    signed = match_signers(
        verified.verdicts, [subject], name=name, missing=RejectionReason.MISSING_CONSENT
    )
    return document_record(DocumentRole.PERSONAL_DATA_CONSENT, consent, verified, signed)
