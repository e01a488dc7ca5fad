"""Registry records (ledger/state/records.py) as the api.proto views clients receive.

The boundary where stored dataclasses become protobuf messages; nothing here decides anything
except ``is_overdue`` (Algorithm para 38).
"""

from __future__ import annotations

from datetime import date

from tirkeu_pb import api_pb2, rejection_pb2

from ledger.registry.notifications import Notification
from ledger.rejections import Rejection, RejectionReason
from ledger.state.records import (
    Application,
    ApplicationStatus,
    AttestationRecord,
    DecisionRecord,
    DocumentRecord,
    Encumbrance,
    PartyIdentifier,
    PaymentRecord,
    Property,
    RegistrationSheetEntry,
    VideoconferenceRecord,
    unix_ms,
)


def is_overdue(application: Application, as_of: date) -> bool:
    """Para 38: the service is due by the end of the deadline day; SUBMITTED after it is late.
    A SUSPENDED application is not: the service is paused, and RESUME sets a new deadline
    (inference, ADR 0007 D9; the text is silent)."""
    deadline = application.service_deadline
    return (
        application.status is ApplicationStatus.SUBMITTED
        and deadline is not None
        and as_of > deadline
    )


def reason_code(reason: RejectionReason) -> int:
    """The contract's enum value (rejection.proto) of a ledger reason; UNSPECIFIED (0) for a
    reason the contract does not list yet, which tests/unit/node/api/test_rejection_catalogue.py
    refuses, so that gap never ships."""
    name = f"REJECTION_REASON_{reason.name}"
    return rejection_pb2.RejectionReason.Value(name) if name in _CONTRACT_REASONS else 0


_CONTRACT_REASONS = frozenset(rejection_pb2.RejectionReason.keys())


def rejection_message(rejection: Rejection) -> api_pb2.Rejection:
    return api_pb2.Rejection(
        reason=rejection.reason.name,
        detail=rejection.detail,
        reason_code=reason_code(rejection.reason),  # type: ignore[arg-type]
    )


def _holder(party: PartyIdentifier) -> api_pb2.RightHolder:
    return api_pb2.RightHolder(
        identifier_kind=party.identifier_kind.value, identifier=party.identifier
    )


def _encumbrance(encumbrance: Encumbrance) -> api_pb2.EncumbranceView:
    return api_pb2.EncumbranceView(
        kind=encumbrance.kind.value,
        status=encumbrance.status.value,
        application_id=encumbrance.application_id,
        lessor_bin=encumbrance.lessor_bin,
        lessee_iin=encumbrance.lessee_iin,
        registered_height=encumbrance.registered_height,
        terminated_height=encumbrance.terminated_height or 0,
        contract_sha256=encumbrance.contract_sha256,
    )


def _sheet_entry(entry: RegistrationSheetEntry) -> api_pb2.RegistrationSheetEntryView:
    return api_pb2.RegistrationSheetEntryView(
        number=entry.number,
        kind=entry.kind.value,
        application_id=entry.application_id,
        transaction_id=entry.transaction_id,
        height=entry.height,
        registered_at_unix_ms=unix_ms(entry.registered_at),
        registrar_iin=entry.registrar_iin,
        basis_document_sha256=entry.basis_document_sha256,
        right_holder=_holder(entry.right_holder),
        lessee_iin=entry.lessee_iin or "",
        legal_basis=entry.legal_basis,
    )


def property_view(record: Property) -> api_pb2.PropertyView:
    return api_pb2.PropertyView(
        cadastral_number=record.cadastral_number,
        address=record.address,
        kind=record.kind.value,
        area_square_metres=record.area_square_metres,
        holder=_holder(record.holder),
        encumbrances=[_encumbrance(e) for e in record.encumbrances],
        registration_sheet=[_sheet_entry(e) for e in record.registration_sheet],
        imported_height=record.imported_height,
    )


def _document(document: DocumentRecord) -> api_pb2.DocumentView:
    return api_pb2.DocumentView(
        title=document.title,
        sha256=document.sha256,
        signers=[signer.label for signer in document.signers],
    )


def _payment(payment: PaymentRecord) -> api_pb2.PaymentView:
    return api_pb2.PaymentView(
        sha256=payment.sha256,
        amount_tiyn=payment.amount_tiyn,
        payment_reference=payment.payment_reference,
        payer_iin=payment.payer_iin,
        confirmed_height=payment.confirmed_height,
        confirmed_on=payment.confirmed_on.isoformat(),
        paid_at_unix_ms=unix_ms(payment.paid_at),
    )


def _videoconference(record: VideoconferenceRecord) -> api_pb2.VideoconferenceView:
    return api_pb2.VideoconferenceView(
        registrar_iin=record.registrar_iin,
        transaction_id=record.transaction_id,
        height=record.height,
        held_at_unix_ms=record.held_at_unix_ms,
        participants=[participant.label for participant in record.participants],
        signatures_authentic=record.signatures_authentic,
        legal_capacity_confirmed=record.legal_capacity_confirmed,
        will_conforms_to_expression=record.will_conforms_to_expression,
    )


def _attestation(attestation: AttestationRecord) -> api_pb2.AttestationView:
    return api_pb2.AttestationView(
        registrar_iin=attestation.registrar_iin,
        transaction_id=attestation.transaction_id,
        height=attestation.height,
        checks=[
            api_pb2.CheckView(
                kind=check.kind.value,
                source=check.source.value,
                passed=check.passed,
                detail=check.detail,
            )
            for check in attestation.checks
        ],
        recipient_married=attestation.recipient_married,
        recipient_spouse_iin=attestation.recipient_spouse_iin or "",
    )


def _decision(decision: DecisionRecord) -> api_pb2.DecisionView:
    ground = decision.ground
    return api_pb2.DecisionView(
        decision=decision.decision.value,
        law=ground.law if ground else "",
        article=ground.article if ground else 0,
        paragraph=ground.paragraph if ground else "",
        subparagraph=ground.subparagraph if ground else "",
        reason=decision.reason,
        registrar_iin=decision.registrar_iin,
        transaction_id=decision.transaction_id,
        height=decision.height,
        decided_at_unix_ms=unix_ms(decision.decided_at),
    )


def application_view(record: Application, as_of: date) -> api_pb2.ApplicationView:
    view = api_pb2.ApplicationView(
        application_id=record.application_id,
        kind=record.kind.value,
        status=record.status.value,
        cadastral_number=record.cadastral_number,
        recipient_iin=record.recipient_iin,
        spouse_iin=record.spouse_iin or "",
        marital_status=record.marital_status.value,
        guarantors=[g.identifier for g in record.guarantors],
        ktk_bin=record.ktk_bin,
        submitted_by_iin=record.submitted_by_iin,
        submitted_height=record.submitted_height or 0,
        submitted_at_unix_ms=0 if record.submitted_at is None else unix_ms(record.submitted_at),
        formed_height=record.formed_height,
        formed_at_unix_ms=unix_ms(record.formed_at),
        documents=[_document(d) for d in record.documents],
        service_deadline=(record.service_deadline.isoformat() if record.service_deadline else ""),
        decisions=[_decision(d) for d in record.decisions],
        lease_application_id=record.lease_application_id or "",
        new_holder_iin=record.new_holder_iin or "",
        overdue=is_overdue(record, as_of),
    )
    if record.payment is not None:
        view.payment.CopyFrom(_payment(record.payment))
    if record.videoconference is not None:
        view.videoconference.CopyFrom(_videoconference(record.videoconference))
    if record.attestation is not None:
        view.attestation.CopyFrom(_attestation(record.attestation))
    return view


def notification_message(notification: Notification, index: int) -> api_pb2.Notification:
    return api_pb2.Notification(
        height=notification.height,
        index=index,
        channel=notification.channel.value,
        addressee=notification.addressee,
        application_id=notification.application_id,
        application_kind=notification.application_kind.value,
        event=notification.event.value,
        cadastral_number=notification.cadastral_number,
        transaction_id=notification.transaction_id,
        time_unix_ms=unix_ms(notification.time),
        legal_basis=notification.legal_basis,
        reason=notification.reason,
    )
