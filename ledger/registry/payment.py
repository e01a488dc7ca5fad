"""The state-registration fee (Algorithm paras 22, 31) and the service deadline of para 38.

A payment arrives with the application or later as a PaymentConfirmation. The day it is
committed (local day, UTC+5) is the day "confirmation of payment ... is received in ЖМБМК АЖ",
and the service is due by the end of the first working day after it (para 38).
"""

from __future__ import annotations

from dataclasses import replace

from tirkeu_pb import transaction_pb2

from ledger.calendar import service_deadline
from ledger.identity.roles import Role
from ledger.registry.common import (
    SHA256_SIZE,
    RuleInput,
    RuleOutcome,
    require_application,
    require_iin,
    require_no_other_signers,
)
from ledger.rejections import RejectionReason
from ledger.state.access import StateOverlay, write_application
from ledger.state.records import Application, PaymentRecord
from ledger.transactions.envelope import reject


def confirmed_payment(
    payment: transaction_pb2.PaymentDocument, rule_input: RuleInput
) -> PaymentRecord:
    """The payment, confirmed in this block. INVALID_PAYMENT when incomplete."""
    if len(payment.sha256) != SHA256_SIZE:
        raise reject(RejectionReason.INVALID_PAYMENT, "payment.sha256 must be 32 bytes")
    if payment.amount_tiyn <= 0:
        raise reject(RejectionReason.INVALID_PAYMENT, "payment.amount_tiyn must be positive")
    if not payment.payment_reference.strip():
        raise reject(RejectionReason.INVALID_PAYMENT, "payment.payment_reference is empty")
    block = rule_input.block
    return PaymentRecord(
        sha256=payment.sha256,
        amount_tiyn=payment.amount_tiyn,
        payment_reference=payment.payment_reference,
        payer_iin=require_iin(payment.payer_iin, "payment.payer_iin"),
        confirmed_height=block.height,
        confirmed_on=block.calendar.local_date(block.time),
        transaction_id=rule_input.transaction.transaction_id,
    )


def with_payment(
    application: Application, payment: PaymentRecord, rule_input: RuleInput
) -> Application:
    """The application with its fee paid and its para 38 deadline set."""
    deadline = service_deadline(rule_input.block.calendar, rule_input.block.time)
    return replace(application, payment=payment, service_deadline=deadline)


def apply_payment_confirmation(state: StateOverlay, rule_input: RuleInput) -> RuleOutcome:
    """Paras 22, 31: the platform (a KTK authorised person) or a registrar confirms the fee."""
    transaction = rule_input.transaction
    confirmers = transaction.signers_with(Role.KTK_EMPLOYEE) or transaction.signers_with(
        Role.REGISTRAR
    )
    if not confirmers:
        raise reject(
            RejectionReason.NOT_KTK_AUTHORISED_PERSON,
            "a payment confirmation must be signed by a KTK authorised person or a registrar",
        )
    require_no_other_signers(transaction, confirmers[:1])
    action = transaction.body.payment_confirmation
    application = require_application(state, action.application_id)
    if not application.status.is_undecided:
        raise reject(
            RejectionReason.INVALID_STATUS_TRANSITION,
            f"application {application.application_id} is {application.status.name}",
        )
    if application.payment is not None:
        raise reject(
            RejectionReason.PAYMENT_ALREADY_CONFIRMED,
            f"confirmed at height {application.payment.confirmed_height} by "
            f"{application.payment.transaction_id}",
        )
    if not action.HasField("payment"):
        raise reject(RejectionReason.INVALID_PAYMENT, "the payment document is absent")
    payment = confirmed_payment(action.payment, rule_input)
    write_application(state, with_payment(application, payment, rule_input))
    return RuleOutcome(application_id=application.application_id)
