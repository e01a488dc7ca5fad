"""What `tirkeu` prints: protobuf views as JSON documents, and as text a registrar reads.

JSON keeps the proto field names; bytes are lowercase hex (hashes are what people compare), enums
are their names. The text form numbers the registration sheet, names the legal grounds and the
Algorithm paragraphs, and shows times in Kazakhstan time (UTC+5, as the ledger's calendar).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from tirkeu_pb import api_pb2 as api
from tirkeu_pb import block_pb2
from tirkeu_pb import transaction_pb2 as pb

from ledger.rejections import RejectionReason

KAZAKHSTAN_TIME = timezone(timedelta(hours=5), "UTC+5")

SHEET_ENTRY_NAMES = {
    "LEASE_ENCUMBRANCE_REGISTERED": "Lease encumbrance registered",
    "LEASE_ENCUMBRANCE_TERMINATED": "Lease encumbrance terminated",
    "OWNERSHIP_REGISTERED": "Ownership registered",
}
DECISION_NAMES = {
    "REGISTER": "Registered",
    "SUSPEND": "Suspended",
    "RESUME": "Resumed",
    "REFUSE": "Refused",
}
CHANNEL_NAMES = {
    "EGOV_CABINET": "e-gov cabinet",
    "PLATFORM_CABINET": "platform cabinet",
    "FIRST_CREDIT_BUREAU": "First Credit Bureau",
}


# -- JSON -------------------------------------------------------------------------------------


def message_dict(message: Message) -> dict[str, object]:
    """Every field of the message, set or not, so that scripts find the keys they expect."""
    document: dict[str, object] = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.is_repeated:
            document[field.name] = [_field_value(field, item) for item in value]
        elif field.type == FieldDescriptor.TYPE_MESSAGE and not message.HasField(field.name):
            document[field.name] = None
        else:
            document[field.name] = _field_value(field, value)
    return document


def _field_value(field: Any, value: object) -> object:
    # `field` is a FieldDescriptor, typed Any: the C (upb) and Python descriptor classes differ.
    if isinstance(value, Message):
        return message_dict(value)
    if isinstance(value, bytes):
        return value.hex()
    if field.type == FieldDescriptor.TYPE_ENUM and isinstance(value, int):
        known = field.enum_type.values_by_number.get(value)
        return known.name if known is not None else value
    return value


def body_dict(body: pb.TransactionBody) -> dict[str, object]:
    """A transaction body with its action under "kind" and "action"."""
    kind = body.WhichOneof("action") or ""
    return {
        "chain_id": body.chain_id,
        "expiry_height": body.expiry_height,
        "nonce": body.nonce.hex(),
        "kind": kind,
        "action": message_dict(getattr(body, kind)) if kind else None,
    }


# -- text -------------------------------------------------------------------------------------


def local_time(unix_ms: int) -> str:
    if unix_ms <= 0:
        return "—"
    moment = datetime.fromtimestamp(unix_ms / 1000, UTC).astimezone(KAZAKHSTAN_TIME)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC+5")


def short(identifier: str, length: int = 16) -> str:
    return identifier if len(identifier) <= length else identifier[:length] + "…"


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _lines(*parts: str | Iterable[str]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            out.extend(part)
    return "\n".join(out)


def rejection_text(rejection: api.Rejection) -> str:
    explanation = ""
    if rejection.reason in RejectionReason.__members__:
        explanation = f" — {RejectionReason[rejection.reason].explanation}"
    detail = f"\n  detail: {rejection.detail}" if rejection.detail else ""
    return f"REJECTED {rejection.reason}{explanation}{detail}"


def describe_submission(response: api.SubmitTransactionResponse) -> str:
    status = api.TransactionStatus.Name(response.status)
    head = f"Transaction {response.transaction_id or '(undecodable)'}"
    if response.status == api.REJECTED:
        return f"{head}\n{rejection_text(response.rejection)}"
    if response.status == api.COMMITTED:
        return f"{head}\nCOMMITTED at height {response.height}"
    return f"{head}\n{status} (not yet in a block)"


def describe_transaction(view: api.TransactionStatusView) -> str:
    status = api.TransactionStatus.Name(view.status)
    lines = [f"Transaction {view.transaction_id}", f"  status: {status}"]
    if view.kind:
        lines.append(f"  kind:   {view.kind}")
    if view.status == api.COMMITTED:
        lines.append(f"  height: {view.height}")
    if view.status == api.REJECTED:
        lines.append("  " + rejection_text(view.rejection))
    return _lines(*lines)


def _holder(holder: api.RightHolder) -> str:
    return f"{holder.identifier_kind} {holder.identifier}" if holder.identifier else "—"


def describe_property(view: api.PropertyView) -> str:
    encumbrances = [
        f"  {e.kind} {e.status}: lessor BIN {e.lessor_bin}, lessee IIN {e.lessee_iin}, "
        f"application {short(e.application_id)}, registered at height {e.registered_height}"
        + (f", terminated at height {e.terminated_height}" if e.terminated_height else "")
        for e in view.encumbrances
    ]
    sheet = [
        _lines(
            f"  {entry.number}. {SHEET_ENTRY_NAMES.get(entry.kind, entry.kind)} "
            f"({entry.legal_basis or 'no basis recorded'})",
            f"     right holder: {_holder(entry.right_holder)}"
            + (f"; lessee IIN {entry.lessee_iin}" if entry.lessee_iin else ""),
            f"     on {local_time(entry.registered_at_unix_ms)}, height {entry.height}, "
            f"registrar IIN {entry.registrar_iin}",
            f"     application {entry.application_id}",
            f"     transaction {entry.transaction_id}",
            f"     basis document SHA-256 {entry.basis_document_sha256.hex()}",
        )
        for entry in view.registration_sheet
    ]
    return _lines(
        f"Property {view.cadastral_number}",
        f"  address: {view.address}",
        f"  kind: {view.kind.lower()}, area {view.area_square_metres} m²",
        f"  right holder: {_holder(view.holder)}",
        f"  imported at height {view.imported_height}",
        "Encumbrances:" if encumbrances else "Encumbrances: none",
        encumbrances,
        f"Registration sheet ({_count(len(sheet), 'entry', 'entries')}):"
        if sheet
        else "Registration sheet: empty",
        sheet,
    )


def ground_text(decision: api.DecisionView) -> str:
    if not decision.article:
        return ""
    parts = [f"Art. {decision.article}"]
    if decision.paragraph:
        parts.append(f"para {decision.paragraph}")
    if decision.subparagraph:
        parts.append(f"subpara {decision.subparagraph}")
    law = f' of the Law "{decision.law}"' if decision.law else ""
    return " ".join(parts) + law


def _decision_lines(decision: api.DecisionView) -> list[str]:
    ground = ground_text(decision)
    lines = [
        f"  - {DECISION_NAMES.get(decision.decision, decision.decision)} on "
        f"{local_time(decision.decided_at_unix_ms)} (height {decision.height}) by registrar IIN "
        f"{decision.registrar_iin}"
    ]
    if ground:
        lines.append(f"    ground: {ground}")
    if decision.reason:
        lines.append(f"    reason: {decision.reason}")
    return lines


def _mark(flag: bool) -> str:
    return "yes" if flag else "NO"


def _videoconference_lines(held: api.VideoconferenceView) -> list[str]:
    return [
        f"Videoconference recorded by registrar IIN {held.registrar_iin} (height {held.height})",
        f"  held on {local_time(held.held_at_unix_ms)}: " + ", ".join(held.participants),
        f"  signatures authentic: {_mark(held.signatures_authentic)}; legal capacity: "
        f"{_mark(held.legal_capacity_confirmed)}; will conforms to its expression: "
        f"{_mark(held.will_conforms_to_expression)}",
    ]


def _attestation_lines(attestation: api.AttestationView) -> list[str]:
    civil = (
        f"married to IIN {attestation.recipient_spouse_iin}"
        if attestation.recipient_married
        else "not married"
    )
    lines = [
        f"Checks by registrar IIN {attestation.registrar_iin} (height {attestation.height})",
        f"  recipient's civil status (АХАЖ): {civil}",
    ]
    lines += [
        f"  check {check.kind} in {check.source}: {'passed' if check.passed else 'FAILED'}"
        + (f" ({check.detail})" if check.detail else "")
        for check in attestation.checks
    ]
    return lines


def describe_application(view: api.ApplicationView) -> str:
    parties = [f"  recipient IIN {view.recipient_iin} ({view.marital_status.lower()})"]
    if view.spouse_iin:
        parties.append(f"  spouse IIN {view.spouse_iin}")
    parties += [f"  guarantor {guarantor}" for guarantor in view.guarantors]
    if view.new_holder_iin:
        parties.append(f"  new right holder IIN {view.new_holder_iin}")
    if view.lease_application_id:
        parties.append(f"  terminates lease application {view.lease_application_id}")
    documents = [
        f"  {document.title or '(untitled)'}: SHA-256 {document.sha256.hex()}"
        + (f"\n    signed by {', '.join(document.signers)}" if document.signers else "")
        for document in view.documents
    ]
    payment = (
        f"Fee: {view.payment.amount_tiyn / 100:.2f} tenge, receipt "
        f"{view.payment.payment_reference}, paid by IIN {view.payment.payer_iin}, confirmed on "
        f"{view.payment.confirmed_on or '—'} (height {view.payment.confirmed_height})"
        if view.HasField("payment") and view.payment.amount_tiyn
        else "Fee: not paid"
    )
    deadline = view.service_deadline or "not running (fee unpaid)"
    decisions = [line for decision in view.decisions for line in _decision_lines(decision)]
    return _lines(
        f"Application {view.application_id}",
        f"  kind: {view.kind}, status: {view.status}" + ("  (OVERDUE)" if view.overdue else ""),
        f"  property {view.cadastral_number}; KTK BIN {view.ktk_bin}; formed by IIN "
        f"{view.submitted_by_iin} on {local_time(view.formed_at_unix_ms)} "
        f"(height {view.formed_height}); "
        + (
            f"sent on {local_time(view.submitted_at_unix_ms)} (height {view.submitted_height})"
            if view.submitted_height
            else "not sent yet"
        ),
        "Parties:",
        parties,
        "Documents:" if documents else "Documents: none",
        documents,
        payment,
        f"Service deadline (Algorithm para 38): {deadline}",
        _videoconference_lines(view.videoconference)
        if view.HasField("videoconference") and view.videoconference.registrar_iin
        else ["Videoconference: none yet"],
        _attestation_lines(view.attestation)
        if view.HasField("attestation") and view.attestation.registrar_iin
        else ["Checks: none yet"],
        "Decisions:" if decisions else "Decisions: none yet",
        decisions,
    )


def describe_application_row(view: api.ApplicationView) -> str:
    overdue = " OVERDUE" if view.overdue else ""
    return (
        f"{view.application_id}  {view.status:<10} {view.kind:<26} {view.cadastral_number}  "
        f"recipient {view.recipient_iin}  due {view.service_deadline or '—'}{overdue}"
    )


def describe_notification(notification: api.Notification) -> str:
    channel = CHANNEL_NAMES.get(
        api.NotificationChannel.Name(notification.channel), str(notification.channel)
    )
    reason = f" — {notification.reason}" if notification.reason else ""
    return (
        f"[height {notification.height}.{notification.index}] {notification.event} → {channel} "
        f"of {notification.addressee}: {notification.application_kind} application "
        f"{short(notification.application_id)} on {notification.cadastral_number} "
        f"({notification.legal_basis}){reason}"
    )


def describe_chain_info(info: api.ChainInfo) -> str:
    latest = (
        f"  latest block {info.latest_block_hash.hex()} at "
        f"{local_time(info.latest_block_time_unix_ms)}"
        if info.latest_block_hash
        else "  no block yet"
    )
    return _lines(
        f"Chain {info.chain_id} at height {info.height}",
        f"  node {info.node_id} ({info.role}), {info.validator_count} validator(s)",
        latest,
        f"  state root {info.state_root.hex()}",
        f"  pending transactions: {info.pending_transactions}",
    )


def describe_block(response: api.GetBlockResponse) -> str:
    header: block_pb2.BlockHeader = response.header
    commit = response.commit
    signers = ", ".join(signature.validator_id for signature in commit.signatures) or "—"
    return _lines(
        f"Block {header.height} of chain {header.chain_id}",
        f"  hash {response.block_hash.hex()}",
        f"  time {local_time(header.time_unix_ms)}, proposer {header.proposer}",
        f"  previous {header.previous_block_hash.hex()}",
        f"  transactions {header.transaction_count}, root {header.transactions_root.hex()}",
        f"  state root after the block {header.state_root.hex()}",
        f"  committed in round {commit.round} by {signers}",
    )


def describe_envelope(
    envelope: pb.Envelope, body: pb.TransactionBody, signers: list[str], transaction_id: str
) -> str:
    kind = body.WhichOneof("action") or "(no action)"
    return _lines(
        f"Transaction {transaction_id}: {kind}",
        f"  chain {body.chain_id}, expires after height {body.expiry_height}",
        f"  {len(envelope.body)} body bytes, {_count(len(signers), 'signature', 'signatures')}",
        [f"  signed by {signer}" for signer in signers],
    )
