"""Sending a formed application to ЖМБМК АЖ, with the fee's payment document (Algorithm paras 22,
31) — the moment para 38's deadline starts.

Para 22: «Көрсетілетін қызметті алушы … ақы төлеуді жүргізгеннен кейін, … ақы төлеу туралы
құжаттың электрондық көшірмесін қоса бере отырып, … электрондық өтінішті ЖМБМК АЖ-на жолдауды
жүзеге асырады» ("the recipient, after making the payment, attaching the e-copy of the payment
document, carries out the sending of the e-application"), «көрсетілетін қызметті алушының және
ҚТК уәкілетті тұлғасының ЭЦҚ куәландыру жолымен растай отырып» ("confirming it by the EDS of the
recipient and of KTK's authorised person"). Para 31 (the pair): the payment document attached,
the termination application signed by KTK and the ownership application by the recipient.

So: the application is FORMED; the envelope carries exactly a KTK authorised person and the
recipient; the payment document is required (nobody confirms a payment later); for the lease it
was paid by the recipient (para 31 names no payer: anyone, ADR 0007 D4); it was paid no later
than this block. The block's local day is the day "the payment confirmation is received in
ЖМБМК АЖ", and the service is due by the end of the first working day after it (para 38).

The pilot window (order para 8) is not checked here: forming is refused outside it, so every
FORMED application was formed inside it, and refusing its sending after the window ends would
leave it FORMED for ever (nothing withdraws it) — ADR 0012.
"""

from __future__ import annotations

from dataclasses import replace

from tirkeu_pb import transaction_pb2

from ledger.calendar import service_deadline
from ledger.registry.common import (
    SHA256_SIZE,
    RuleInput,
    RuleOutcome,
    require_application,
    require_iin,
)
from ledger.registry.parties import (
    individual_guarantors,
    representative_of,
    require_application_signers,
)
from ledger.registry.signing_certificates import distinct_links, envelope_links
from ledger.rejections import RejectionReason
from ledger.state.access import (
    StateOverlay,
    payment_digest_key,
    payment_reference_key,
    read_payment_use,
    write_application,
    write_payment_use,
)
from ledger.state.records import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    PaymentRecord,
    from_unix_ms,
    unix_ms,
)
from ledger.transactions.envelope import reject

# Later times cannot be shown as dates (datetime's years end at 9999); 0 is "not given".
MAX_UNIX_MS = 253_402_300_799_999


def apply_application_sending(state: StateOverlay, rule_input: RuleInput) -> RuleOutcome:
    transaction = rule_input.transaction
    action = transaction.body.application_sending
    application = require_application(state, action.application_id)
    if application.status is not ApplicationStatus.FORMED:
        raise reject(
            RejectionReason.INVALID_STATUS_TRANSITION,
            f"application {application.application_id} is {application.status.name}; only a "
            "FORMED application is sent (paras 22, 31)",
        )
    require_application_signers(
        transaction,
        application.recipient_iin,
        application.spouse_iin,
        application.representations,
        application.new_holder_iin,
        guarantor_iins=individual_guarantors(application),
    )
    if not action.HasField("payment"):
        raise reject(
            RejectionReason.PAYMENT_REQUIRED_BEFORE_SENDING,
            "the sending carries no payment document (para 22 «ақы төлеуді жүргізгеннен кейін», "
            "after making the payment; para 31)",
        )
    payment = paid_fee(action.payment, application, rule_input)
    _use_payment_once(state, payment, application.application_id)
    block = rule_input.block
    signing_certificates = distinct_links(
        application.signing_certificates,
        envelope_links(transaction.signers, rule_input.trust, block.time),
    )
    sent = replace(
        application,
        status=ApplicationStatus.SUBMITTED,
        submitted_height=block.height,
        submitted_at=block.time,
        payment=payment,
        service_deadline=service_deadline(block.calendar, block.time),
        signing_certificates=signing_certificates,
    )
    write_application(state, sent)
    return RuleOutcome(application_id=application.application_id)


def _use_payment_once(state: StateOverlay, payment: PaymentRecord, application_id: str) -> None:
    """Para 22: the fee is paid and «ақы төлеу туралы құжаттың электрондық көшірмесін» ("the
    e-copy of the payment document") attached: the fee of *this* application. One payment
    document pays one application, known by its digest or its reference (inference, ADR 0007
    D4): a second application sent with it is PAYMENT_ALREADY_USED."""
    keys = (payment_digest_key(payment.sha256), payment_reference_key(payment.payment_reference))
    for key in keys:
        used_by = read_payment_use(state, key)
        if used_by is not None:
            raise reject(
                RejectionReason.PAYMENT_ALREADY_USED,
                f"the payment document {payment.payment_reference!r} already paid for "
                f"application {used_by} — inference (ADR 0007 D4)",
            )
    for key in keys:
        write_payment_use(state, key, application_id)


def paid_fee(
    payment: transaction_pb2.PaymentDocument, application: Application, rule_input: RuleInput
) -> PaymentRecord:
    """The payment document, complete, paid by whom the text names and before the sending."""
    if len(payment.sha256) != SHA256_SIZE:
        raise reject(RejectionReason.INVALID_PAYMENT, "payment.sha256 must be 32 bytes")
    if payment.amount_tiyn <= 0:
        raise reject(RejectionReason.INVALID_PAYMENT, "payment.amount_tiyn must be positive")
    if not payment.payment_reference.strip():
        raise reject(RejectionReason.INVALID_PAYMENT, "payment.payment_reference is empty")
    payer_iin = require_iin(payment.payer_iin, "payment.payer_iin")
    payers = (
        application.recipient_iin,
        representative_of(application.representations, application.recipient_iin),
    )
    if application.kind is ApplicationKind.LEASE_REGISTRATION and payer_iin not in payers:
        raise reject(
            RejectionReason.PAYER_NOT_RECIPIENT,
            f"the fee was paid by IIN {payer_iin}, not by the recipient "
            f"{application.recipient_iin} (para 22 «Көрсетілетін қызметті алушы … ақы төлеуді "
            "жүргізгеннен кейін»)",
        )
    block = rule_input.block
    if not 0 < payment.paid_at_unix_ms <= MAX_UNIX_MS:
        raise reject(RejectionReason.INVALID_PAYMENT, "payment.paid_at_unix_ms is not given")
    if payment.paid_at_unix_ms > unix_ms(block.time):
        raise reject(
            RejectionReason.PAYMENT_AFTER_SENDING,
            f"paid at {from_unix_ms(payment.paid_at_unix_ms).isoformat()}, after the sending's "
            f"block at {block.time.isoformat()} (para 22: sent after paying)",
        )
    return PaymentRecord(
        sha256=payment.sha256,
        amount_tiyn=payment.amount_tiyn,
        payment_reference=payment.payment_reference,
        payer_iin=payer_iin,
        confirmed_height=block.height,
        confirmed_on=block.calendar.local_date(block.time),
        transaction_id=rule_input.transaction.transaction_id,
        paid_at=from_unix_ms(payment.paid_at_unix_ms),
    )
