"""What every registry rule receives and returns, and the checks they share.

A rule is `apply_<action>(state, rule_input) -> RuleOutcome`: it reads and writes the
transaction's own overlay and raises TransactionRejected (via `reject`) for any violation, so
the executor can drop the overlay whole. Protobuf action messages are read here, at the
boundary; what is stored is always a ledger/state/records.py dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tirkeu_pb import transaction_pb2

from ledger.identity.identifiers import has_valid_check_digit
from ledger.identity.revocation import TrustStore
from ledger.identity.roles import Role
from ledger.registry.notifications import Notification
from ledger.rejections import RejectionReason
from ledger.state.access import StateReader, read_application
from ledger.state.records import Application, Authorities, IdentifierKind, MaritalStatus
from ledger.transactions.envelope import Signer, VerifiedTransaction, reject

if TYPE_CHECKING:
    from ledger.transactions.context import BlockContext

SHA256_SIZE = 32


@dataclass(frozen=True, slots=True)
class RuleInput:
    transaction: VerifiedTransaction
    block: BlockContext
    authorities: Authorities
    trust: TrustStore  # CAs and revocations in state before this transaction


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    application_id: str | None = None
    notifications: tuple[Notification, ...] = ()
    revocations_changed: bool = False  # the executor must rebuild its trust store


def require_iin(value: str, field: str) -> str:
    """An IIN from a body field: 12 digits with a valid check digit (Algorithm para 2(7))."""
    if not has_valid_check_digit(value):
        raise reject(RejectionReason.INVALID_IIN, f"{field} {value!r} is not a valid IIN")
    return value


def require_bin(value: str, field: str) -> str:
    """A BIN from a body field (Algorithm para 2(4))."""
    if not has_valid_check_digit(value):
        raise reject(RejectionReason.INVALID_BIN, f"{field} {value!r} is not a valid BIN")
    return value


def require_text(value: str, field: str, max_length: int = 1000) -> str:
    if not value.strip() or len(value) > max_length:
        raise reject(
            RejectionReason.INVALID_FIELD, f"{field} must be non-empty text of <= {max_length}"
        )
    return value


def require_digest(value: bytes, field: str) -> bytes:
    if len(value) != SHA256_SIZE:
        raise reject(RejectionReason.INVALID_FIELD, f"{field} must be a 32-byte SHA-256 digest")
    return value


def require_sole_registrar(transaction: VerifiedTransaction) -> Signer:
    """Decisions, attestations, imports and CRLs come from one registrar and nobody else."""
    registrars = transaction.signers_with(Role.REGISTRAR)
    if not registrars:
        raise reject(
            RejectionReason.NOT_REGISTRAR,
            f"{transaction.kind} must be signed by a registrar of the State Corporation; "
            f"signed by {_describe(transaction.signers)}",
        )
    require_no_other_signers(transaction, (registrars[0],))
    return registrars[0]


def require_no_other_signers(
    transaction: VerifiedTransaction, expected: tuple[Signer, ...]
) -> None:
    fingerprints = {signer.certificate.fingerprint for signer in expected}
    for signer in transaction.signers:
        if signer.certificate.fingerprint not in fingerprints:
            raise reject(
                RejectionReason.UNEXPECTED_SIGNER,
                f"{signer.describe()} is not a party to this {transaction.kind}",
            )


def require_application(state: StateReader, application_id: str) -> Application:
    application = read_application(state, application_id)
    if application is None:
        raise reject(RejectionReason.APPLICATION_NOT_FOUND, f"no application {application_id!r}")
    return application


def require_registrar_not_party(
    registrar_iin: str, application: Application, *, attested_spouse_iin: str | None = None
) -> None:
    """Paras 21, 23, 25-27 and 34-36 make the registrar the State Corporation's impartial
    examiner of the parties' signatures, capacity and will; the seeds do not say so in words
    (ADR 0005), so Tirkeu refuses a registrar who is the recipient, the spouse (declared or
    attested), the new holder (para 34(2)), a guarantor, KTK's authorised person who submitted
    the application, or the recorded representative of any of them (para 21: the representative
    signs, pays and takes part for her principal, so she would examine her own acts)."""
    parties = [
        ("recipient", application.recipient_iin),
        ("spouse", application.spouse_iin),
        ("spouse", attested_spouse_iin),
        ("new holder", application.new_holder_iin),
        ("KTK's authorised person", application.submitted_by_iin),
    ]
    parties += [
        ("guarantor", g.identifier)
        for g in application.guarantors
        if g.identifier_kind is IdentifierKind.IIN
    ]
    parties += [
        (f"representative of {r.principal_iin}", r.representative_iin)
        for r in application.representations
    ]
    for party, iin in parties:
        if iin == registrar_iin:
            raise reject(
                RejectionReason.CONFLICT_OF_INTEREST,
                f"registrar IIN {registrar_iin} is the {party} of application "
                f"{application.application_id} and may not attest or decide it — inference "
                "(ADR 0007 D12)",
            )


def require_pilot_in_force(rule_input: RuleInput) -> None:
    """Order para 8: the pilot's rules apply only inside its window; new applications are not
    formed outside it. Called by the two forming rules only: an application formed inside the
    window may still be sent, attested and decided after it ends (ADR 0012)."""
    day = rule_input.block.calendar.local_date(rule_input.block.time)
    pilot = rule_input.block.pilot
    if not pilot.is_in_force(day):
        raise reject(
            RejectionReason.PILOT_NOT_IN_FORCE,
            f"{day.isoformat()} is outside the pilot's window "
            f"{pilot.in_force_from.isoformat()}..{pilot.in_force_until.isoformat()}",
        )


def marital_status_of(
    status: int, spouse_iin: str, recipient_iin: str
) -> tuple[MaritalStatus, str | None]:
    """The recipient's declared marital status and spouse (paras 21, 23(b))."""
    if status == transaction_pb2.MARRIED:
        spouse = require_iin(spouse_iin, "spouse_iin")
        if spouse == recipient_iin:
            raise reject(RejectionReason.INVALID_FIELD, "the spouse cannot be the recipient")
        return MaritalStatus.MARRIED, spouse
    if status == transaction_pb2.NOT_MARRIED:
        if spouse_iin:
            raise reject(RejectionReason.INVALID_FIELD, "spouse_iin is set but NOT_MARRIED")
        return MaritalStatus.NOT_MARRIED, None
    raise reject(RejectionReason.INVALID_FIELD, "recipient_marital_status is not given")


def _describe(signers: tuple[Signer, ...]) -> str:
    return "; ".join(signer.describe() for signer in signers) or "nobody"
