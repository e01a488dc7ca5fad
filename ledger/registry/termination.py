"""The linked pair of Algorithm para 29: termination of the lease encumbrance (on the basis of the
KTK letter that the lessee paid the whole purchase price) and arising of ownership (on the basis
of the agreement on transfer into ownership), submitted together and registered atomically.

Para 29: KTK's authorised representative initiates them (the forming envelope carries a KTK
authorised person alone); they are FORMED, the videoconference follows (para 30), and para 31's
signatures — the termination application by KTK, the ownership application by the recipient —
are those of the sending, with the payment document (ledger/registry/sending.py). The spouse
takes part in the videoconference and signs nothing. The recipient and the spouse may act
through authorised representatives listed on the forming (para 21, ADR 0007 D7). The seeds do
not name the signers of the transfer agreement (digest §1.9(10)); Tirkeu requires KTK and the
recipient, the two parties to the transfer.
"""

from __future__ import annotations

from tirkeu_pb import transaction_pb2

from ledger.registry.common import (
    RuleInput,
    RuleOutcome,
    marital_status_of,
    require_application,
    require_iin,
    require_pilot_in_force,
)
from ledger.registry.documents import (
    KTK_PARTY,
    ExpectedSigner,
    RecordedDocument,
    document_record,
    match_signers,
    require_signing_stages,
    verify_document,
)
from ledger.registry.lease import consent_record
from ledger.registry.parties import (
    representations_of,
    representative_of,
    require_ktk_initiator,
)
from ledger.registry.properties import require_property
from ledger.registry.submission import form_application
from ledger.rejections import RejectionReason
from ledger.state.access import StateOverlay, StateReader
from ledger.state.records import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    DocumentRole,
    Property,
    RepresentationRecord,
)
from ledger.transactions.envelope import reject

CERTIFYING_RECIPIENT = "recipient (certifies the e-copy)"


def apply_termination_ownership_application(
    state: StateOverlay, rule_input: RuleInput
) -> RuleOutcome:
    require_pilot_in_force(rule_input)
    transaction = rule_input.transaction
    action = transaction.body.termination_ownership_application
    lease = require_active_lease(state, action.lease_application_id)
    lessee_iin = lease.recipient_iin
    marital_status, spouse_iin = marital_status_of(
        action.recipient_marital_status, action.spouse_iin, lessee_iin
    )
    new_holder_iin = require_iin(action.new_holder_iin, "new_holder_iin")
    principals = [lessee_iin, *([spouse_iin] if spouse_iin else [])]
    representations = representations_of(action.representations, rule_input, principals)
    initiator = require_ktk_initiator(
        transaction, lessee_iin, spouse_iin, new_holder_iin, representations
    )
    letter = ktk_letter_record(action, rule_input, lessee_iin)
    agreement = transfer_agreement_record(
        action, rule_input, lessee_iin, spouse_iin, representations
    )
    consent = consent_record(action.personal_data_consent, rule_input, lessee_iin, representations)
    if new_holder_iin != lessee_iin:
        raise reject(
            RejectionReason.OWNERSHIP_NOT_TO_LESSEE,
            f"new_holder_iin {new_holder_iin} is not the lessee {lessee_iin} (para 34(2))",
        )
    return form_application(
        state,
        rule_input,
        initiator,
        kind=ApplicationKind.TERMINATION_AND_OWNERSHIP,
        cadastral_number=lease.cadastral_number,
        recipient_iin=lessee_iin,
        spouse_iin=spouse_iin,
        marital_status=marital_status,
        documents=(letter, agreement, consent),
        lease_application_id=lease.application_id,
        new_holder_iin=new_holder_iin,
        representations=representations,
    )


def require_active_lease(state: StateReader, lease_application_id: str) -> Application:
    """Para 29: a registered lease application whose encumbrance is still active."""
    lease = require_application(state, lease_application_id)
    if lease.kind is not ApplicationKind.LEASE_REGISTRATION:
        raise reject(
            RejectionReason.NO_ACTIVE_LEASE, f"{lease_application_id} is not a lease application"
        )
    if lease.status is not ApplicationStatus.REGISTERED:
        raise reject(
            RejectionReason.NO_ACTIVE_LEASE,
            f"lease application {lease_application_id} is {lease.status.name}, not REGISTERED",
        )
    if not has_active_lease(require_property(state, lease.cadastral_number), lease):
        raise reject(
            RejectionReason.NO_ACTIVE_LEASE,
            f"the lease of {lease_application_id} on {lease.cadastral_number} is not active",
        )
    return lease


def has_active_lease(found: Property, lease: Application) -> bool:
    active = found.active_lease()
    return active is not None and active.application_id == lease.application_id


def ktk_letter_record(
    action: transaction_pb2.TerminationOwnershipApplication,
    rule_input: RuleInput,
    lessee_iin: str,
) -> RecordedDocument:
    """Para 29: «Хатқа ҚТК ЭЦҚ-мен қол қойылады» ("the letter is signed with KTK's EDS"), and
    the e-copies are attached «көрсетілетін қызметті алушының ЭЦҚ-мен куәландырылған» ("certified
    with the recipient's EDS"). The certification is a second signer in the same CMS (one digest
    per document), dated no earlier than KTK's signature: a copy is certified after the original
    exists (inference, ADR 0007 D13). Nobody else signs it."""
    if not action.HasField("ktk_letter") or not action.ktk_letter.cms:
        raise reject(RejectionReason.KTK_LETTER_MISSING, "the KTK letter is absent")
    name = "the KTK letter"
    invalid = RejectionReason.KTK_LETTER_INVALID
    verified = verify_document(action.ktk_letter, rule_input, name=name, invalid=invalid)
    ktk = ExpectedSigner(KTK_PARTY, bin=rule_input.authorities.ktk_bin)
    certifier = ExpectedSigner(CERTIFYING_RECIPIENT, iin=lessee_iin)
    for verdict in verified.verdicts:
        if not (ktk.matches(verdict) or certifier.matches(verdict)):
            raise reject(
                invalid,
                f"{name} carries a signature of someone other than KTK and the certifying "
                f"recipient: {verdict.name or verdict.iin}",
            )
    if not any(ktk.matches(verdict) for verdict in verified.verdicts):
        raise reject(invalid, f"{name} is not signed by KTK (BIN {ktk.bin}) (para 29)")
    signed = match_signers(
        verified.verdicts,
        [ktk, certifier],
        name=name,
        missing=RejectionReason.ECOPY_NOT_CERTIFIED,
    )
    require_signing_stages(
        signed, ((KTK_PARTY,), (CERTIFYING_RECIPIENT,)), name=f"{name}'s e-copy", strict=False
    )
    return document_record(DocumentRole.KTK_LETTER, action.ktk_letter, verified, signed)


def transfer_agreement_record(
    action: transaction_pb2.TerminationOwnershipApplication,
    rule_input: RuleInput,
    lessee_iin: str,
    spouse_iin: str | None,
    representations: tuple[RepresentationRecord, ...] = (),
) -> RecordedDocument:
    """The title document (paras 29, 31), signed by the lessee and KTK; the spouse may co-sign.
    A party may sign through her recorded representative (para 21 «(олардың уәкілетті
    өкілдерінің)», ADR 0007 D7)."""
    if not action.HasField("transfer_agreement") or not action.transfer_agreement.cms:
        raise reject(RejectionReason.MISSING_DOCUMENT, "the transfer agreement is absent")
    name = "the transfer agreement"
    verified = verify_document(action.transfer_agreement, rule_input, name=name)
    expected = [
        ExpectedSigner(
            "recipient", iin=lessee_iin, agent=representative_of(representations, lessee_iin)
        ),
        ExpectedSigner(KTK_PARTY, bin=rule_input.authorities.ktk_bin),
    ]
    if spouse_iin is not None:
        spouse_agent = representative_of(representations, spouse_iin)
        expected.append(
            ExpectedSigner("spouse", iin=spouse_iin, required=False, agent=spouse_agent)
        )
    signed = match_signers(verified.verdicts, expected, name=name)
    return document_record(
        DocumentRole.TRANSFER_AGREEMENT, action.transfer_agreement, verified, signed
    )
