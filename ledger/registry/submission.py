"""Entering a new application for registration in the state, common to both of KTK's
applications: the lease encumbrance (paras 19-22, ledger/registry/lease.py) and the linked
termination and ownership pair (para 29, ledger/registry/termination.py).

Both are sent by KTK's authorised person, start SUBMITTED with no attestation or decision, and
may carry the fee's payment document (paras 22, 31); a payment sent with the application is
confirmed by the block that commits it, which starts the para 38 deadline (ADR 0005).
"""

from __future__ import annotations

from tirkeu_pb import transaction_pb2

from ledger.registry.common import RuleInput, RuleOutcome
from ledger.registry.documents import RecordedDocument
from ledger.registry.parties import ApplicationSigners
from ledger.registry.payment import confirmed_payment, with_payment
from ledger.registry.signing_certificates import distinct_links, envelope_links
from ledger.state.access import StateOverlay, write_application
from ledger.state.records import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    MaritalStatus,
    PartyIdentifier,
)


def submit_application(
    state: StateOverlay,
    rule_input: RuleInput,
    signers: ApplicationSigners,
    *,
    kind: ApplicationKind,
    cadastral_number: str,
    recipient_iin: str,
    spouse_iin: str | None,
    marital_status: MaritalStatus,
    documents: tuple[RecordedDocument, ...],
    payment: transaction_pb2.PaymentDocument | None,
    guarantors: tuple[PartyIdentifier, ...] = (),
    lease_application_id: str | None = None,
    new_holder_iin: str | None = None,
) -> RuleOutcome:
    """Write the SUBMITTED application of this transaction; its id is the transaction id."""
    submitter_iin = signers.ktk_authorised_person.iin
    if submitter_iin is None:
        # An EMPLOYEE certificate names both an IIN and a BIN (ledger/identity/certificates.py).
        raise RuntimeError("a KTK employee certificate without an IIN")
    block = rule_input.block
    # Kept so that REGISTER judges revocation again (ADR 0005, signing_certificates.py).
    signing_certificates = distinct_links(
        envelope_links(rule_input.transaction.signers, rule_input.trust, block.time),
        *(document.certificates for document in documents),
    )
    application = Application(
        application_id=rule_input.transaction.transaction_id,
        kind=kind,
        status=ApplicationStatus.SUBMITTED,
        cadastral_number=cadastral_number,
        recipient_iin=recipient_iin,
        spouse_iin=spouse_iin,
        marital_status=marital_status,
        guarantors=guarantors,
        ktk_bin=rule_input.authorities.ktk_bin,
        submitted_by_iin=submitter_iin,
        submitted_height=block.height,
        submitted_at=block.time,
        documents=tuple(document.record for document in documents),
        payment=None,
        service_deadline=None,
        attestation=None,
        decisions=(),
        lease_application_id=lease_application_id,
        new_holder_iin=new_holder_iin,
        signing_certificates=signing_certificates,
    )
    if payment is not None:
        application = with_payment(application, confirmed_payment(payment, rule_input), rule_input)
    write_application(state, application)
    return RuleOutcome(application_id=application.application_id)
