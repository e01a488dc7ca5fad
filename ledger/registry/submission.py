"""Forming a new application, common to both of KTK's applications: the lease encumbrance
(paras 19-20, ledger/registry/lease.py) and the linked termination and ownership pair (para 29,
ledger/registry/termination.py).

The Algorithm's own order (ADR 0007 D1): KTK forms the application (para 19 «электрондық
өтінішті қалыптастырады», "forms the e-application"; para 29 «бастамашылық етеді», "initiates"),
the videoconference follows (paras 21, 30), then the fee is paid and the application is sent
(paras 22, 31; ledger/registry/sending.py). The forming transaction writes the application
FORMED, with no payment, deadline, videoconference, checks or decision; its id is the forming
transaction's id, so the registrar can attend the videoconference of an application she sees.
"""

from __future__ import annotations

from ledger.registry.common import RuleInput, RuleOutcome
from ledger.registry.documents import RecordedDocument
from ledger.registry.signing_certificates import distinct_links, envelope_links
from ledger.state.access import StateOverlay, write_application
from ledger.state.records import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    MaritalStatus,
    PartyIdentifier,
    RepresentationRecord,
)
from ledger.transactions.envelope import Signer


def form_application(
    state: StateOverlay,
    rule_input: RuleInput,
    ktk_authorised_person: Signer,
    *,
    kind: ApplicationKind,
    cadastral_number: str,
    recipient_iin: str,
    spouse_iin: str | None,
    marital_status: MaritalStatus,
    documents: tuple[RecordedDocument, ...],
    guarantors: tuple[PartyIdentifier, ...] = (),
    lease_application_id: str | None = None,
    new_holder_iin: str | None = None,
    representations: tuple[RepresentationRecord, ...] = (),
) -> RuleOutcome:
    """Write the FORMED application of this transaction; its id is the transaction id."""
    former_iin = ktk_authorised_person.iin
    if former_iin is None:
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
        status=ApplicationStatus.FORMED,
        cadastral_number=cadastral_number,
        recipient_iin=recipient_iin,
        spouse_iin=spouse_iin,
        marital_status=marital_status,
        guarantors=guarantors,
        ktk_bin=rule_input.authorities.ktk_bin,
        submitted_by_iin=former_iin,
        formed_height=block.height,
        formed_at=block.time,
        submitted_height=None,
        submitted_at=None,
        documents=tuple(document.record for document in documents),
        payment=None,
        service_deadline=None,
        videoconference=None,
        attestation=None,
        decisions=(),
        lease_application_id=lease_application_id,
        new_holder_iin=new_holder_iin,
        signing_certificates=signing_certificates,
        representations=representations,
    )
    write_application(state, application)
    return RuleOutcome(application_id=application.application_id)
