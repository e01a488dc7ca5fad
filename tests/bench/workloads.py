"""The transactions the benchmarks submit: signed envelopes, built before any clock starts.

Two workloads:
  - ``imports``: PropertyImport only, each signed by a registrar (one signature): the cheapest
    transaction that changes the registry;
  - ``registrations``: the registration of one lease encumbrance, five transactions in the
    order the Algorithm runs them: the property import (para 24(4)), the lease application
    signed by KTK and the recipient with the contract and the consent as CMS documents
    (paras 19-20), its sending with the recipient's payment document (para 22), the registrar's
    checks with the videoconference (paras 21, 23-24; ADR 0007 D2) and the REGISTER decision
    (para 25).

Every transaction of a ``Chain`` depends on the one before it (an attestation needs its
application), so a client submits a chain in order and waits for each commit. Chains are
independent of each other.

CMS signing is slow (tens of milliseconds per document), so each factory signs one contract
and one consent and reuses them in every lease application. Verification costs the same:
the ledger checks each document's signatures and digest every time, never its text or
whether another application carried it, and caches nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tirkeu_pb import transaction_pb2 as pb

from clients.pki.authority import IssuedCertificate
from clients.transaction_builders import (
    GuarantorIdentity,
    application_sending,
    lease_application,
    passed_checks,
    payment_document,
    property_import,
    registrar_attestation,
    registrar_decision,
    videoconference,
)
from ledger.hashing import sha256_hex
from ledger.state.records import unix_ms
from tests.pki_fixtures import GUARANTOR_IIN, KTK_BIN, RECIPIENT_IIN
from tests.registry_fixtures import (
    BLOCK_INTERVAL,
    FIRST_BLOCK_TIME,
    DocumentSignature,
    EnvelopeBuilder,
    Parties,
    signed_document,
)

FEE_TIYN = 1_725_00  # the fee the registry fixtures pay (1,725 tenge)
# A transaction stays valid for this many blocks: far beyond any run (the node seals an empty
# block a second) and within the genesis limit (DEFAULT_MAX_EXPIRY_BLOCKS).
EXPIRY_HEIGHT = 90_000


class Workload(enum.Enum):
    IMPORTS = "imports"
    REGISTRATIONS = "registrations"

    @property
    def chain_length(self) -> int:
        return 1 if self is Workload.IMPORTS else len(REGISTRATION_KINDS)


class TransactionKind(enum.StrEnum):
    """The body's action, as BlockExecutor names it."""

    PROPERTY_IMPORT = "property_import"
    LEASE_APPLICATION = "lease_application"
    APPLICATION_SENDING = "application_sending"
    REGISTRAR_ATTESTATION = "registrar_attestation"
    REGISTRAR_DECISION = "registrar_decision"


REGISTRATION_KINDS = (
    TransactionKind.PROPERTY_IMPORT,
    TransactionKind.LEASE_APPLICATION,
    TransactionKind.APPLICATION_SENDING,
    TransactionKind.REGISTRAR_ATTESTATION,
    TransactionKind.REGISTRAR_DECISION,
)


@dataclass(frozen=True, slots=True)
class PlannedTransaction:
    """A transaction to submit: signed in advance, or (an attestation dated by the wall clock
    when it is submitted) signed when its envelope is asked for."""

    kind: TransactionKind
    signed: bytes | None
    sign_now: Callable[[], bytes] | None = field(default=None, compare=False, repr=False)

    @property
    def envelope(self) -> bytes:
        if self.signed is not None:
            return self.signed
        if self.sign_now is None:
            raise RuntimeError(f"a planned {self.kind} has neither an envelope nor a signer")
        return self.sign_now()


Chain = tuple[PlannedTransaction, ...]


def cadastral_number(number: int) -> str:
    """A distinct, well-formed cadastral number (region 21, Astana) for each number < 10^8."""
    if not 0 <= number < 100_000_000:
        raise ValueError(f"property number {number} is out of range")
    return f"21:318:{number // 100_000:03d}:{number % 100_000}:1/1"


@dataclass
class WorkloadFactory:
    """Envelopes for ``chain_id``, signed by the test parties; documents dated ``signed_at``
    (which must be before the blocks that will carry them). The videoconference and checks are
    dated ``attested_at``, which the ledger requires to lie between the application's block and
    the attestation's block (Algorithm para 23). The default fits the in-memory chain when each
    kind fills one block (imports, applications, sendings, then attestations at
    FIRST_BLOCK_TIME + 3 minutes). A node's blocks carry the wall-clock time, and no time fixed
    in advance lies between two of them: with ``attested_at=None`` each attestation is dated and
    signed by the wall clock when the client asks for its envelope, just before submitting it
    (after its application has committed)."""

    parties: Parties
    chain_id: str
    signed_at: datetime
    attested_at: datetime | None = FIRST_BLOCK_TIME + 3 * BLOCK_INTERVAL
    _builder: EnvelopeBuilder = field(init=False, repr=False)
    _contract: pb.SignedDocument | None = field(default=None, init=False, repr=False)
    _consent: pb.SignedDocument | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._builder = EnvelopeBuilder(self.chain_id, expiry_height=EXPIRY_HEIGHT)

    def chains(
        self, workload: Workload, transactions: int, *, first_number: int = 0
    ) -> list[Chain]:
        """Whole chains with at most ``transactions`` transactions (at least one chain)."""
        count = max(1, transactions // workload.chain_length)
        numbers = range(first_number, first_number + count)
        if workload is Workload.IMPORTS:
            return [(self.property_import(number),) for number in numbers]
        return [self.registration(number) for number in numbers]

    def property_import(self, number: int) -> PlannedTransaction:
        action = property_import(
            cadastral_number=cadastral_number(number),
            address=f"Astana, Mangilik El avenue {number % 1000 + 1}, apartment {number}",
            kind="APARTMENT",
            area_square_metres="54.30",
            holder_bin=KTK_BIN,
        )
        return self._planned(TransactionKind.PROPERTY_IMPORT, action, self.parties.registrar)

    def registration(self, number: int) -> Chain:
        """Import, lease application, sending with the payment, attestation, REGISTER: one
        encumbrance."""
        p = self.parties
        application = self._planned(
            TransactionKind.LEASE_APPLICATION,
            self.lease_application(number),
            p.ktk_officer,
            p.recipient,
        )
        application_id = sha256_hex(pb.Envelope.FromString(application.envelope).body)
        sending = application_sending(
            application_id,
            payment_document(
                f"receipt {number}".encode(),
                amount_tiyn=FEE_TIYN,
                payment_reference=f"KZ-PAY-{number}",
                payer_iin=RECIPIENT_IIN,
                paid_at_unix_ms=unix_ms(self.signed_at),
            ),
        )
        decision = registrar_decision(application_id=application_id, decision="REGISTER")
        return (
            self.property_import(number),
            application,
            self._planned(TransactionKind.APPLICATION_SENDING, sending, p.ktk_officer, p.recipient),
            self._planned_attestation(application_id),
            self._planned(TransactionKind.REGISTRAR_DECISION, decision, p.registrar),
        )

    def lease_application(self, number: int) -> pb.LeaseApplication:
        contract, consent = self._documents()
        return lease_application(
            cadastral_number=cadastral_number(number),
            recipient_iin=RECIPIENT_IIN,
            married=False,
            guarantors=[GuarantorIdentity(GUARANTOR_IIN)],
            contract=contract,
            personal_data_consent=consent,
        )

    def _planned_attestation(self, application_id: str) -> PlannedTransaction:
        kind, registrar = TransactionKind.REGISTRAR_ATTESTATION, self.parties.registrar
        if self.attested_at is not None:
            return self._planned(
                kind, self.attestation(application_id, self.attested_at), registrar
            )

        def sign_now() -> bytes:
            now = datetime.now(UTC)
            held_at = now.replace(microsecond=now.microsecond - now.microsecond % 1000)
            return self._builder.envelope(self.attestation(application_id, held_at), registrar)

        return PlannedTransaction(kind, None, sign_now)

    def attestation(self, application_id: str, held_at: datetime) -> pb.RegistrarAttestation:
        held_at_unix_ms = unix_ms(held_at)
        ktk_iin = self.parties.ktk_officer.info.iin
        if ktk_iin is None:
            raise RuntimeError("the KTK officer's test certificate carries no IIN")
        held = videoconference(
            held_at_unix_ms=held_at_unix_ms,
            participants=[
                pb.VideoconferenceParticipant(iin=ktk_iin, role=pb.KTK_REPRESENTATIVE),
                pb.VideoconferenceParticipant(iin=RECIPIENT_IIN, role=pb.RECIPIENT),
            ],
            signatures_authentic=True,
            legal_capacity_confirmed=True,
            will_conforms_to_expression=True,
        )
        return registrar_attestation(
            application_id=application_id,
            held=held,
            checks=passed_checks(queried_at_unix_ms=held_at_unix_ms),
            recipient_married=False,
        )

    def _documents(self) -> tuple[pb.SignedDocument, pb.SignedDocument]:
        """Paras 17-18: the contract signed by the recipient, the guarantor, then KTK; para 20:
        the consent signed by the recipient. Signed once per factory (see the module doc)."""
        if self._contract is None or self._consent is None:
            p, at = self.parties, self.signed_at
            self._contract = signed_document(
                b"Lease-to-own contract (benchmark)",
                [
                    DocumentSignature(p.recipient, at),
                    DocumentSignature(p.guarantor, at + timedelta(hours=1)),
                    DocumentSignature(p.ktk_head, at + timedelta(hours=2)),
                ],
                "Lease-to-own contract",
            )
            self._consent = signed_document(
                b"Consent to personal-data processing (Appendix), subject "
                + RECIPIENT_IIN.encode(),
                [DocumentSignature(p.recipient, at + timedelta(hours=3))],
                "Personal-data consent",
            )
        return self._contract, self._consent

    def _planned(
        self,
        kind: TransactionKind,
        action: pb.PropertyImport
        | pb.LeaseApplication
        | pb.ApplicationSending
        | pb.RegistrarAttestation
        | pb.RegistrarDecision,
        *signers: IssuedCertificate,
    ) -> PlannedTransaction:
        return PlannedTransaction(kind, self._builder.envelope(action, *signers))


def transaction_count(chains: Sequence[Chain]) -> int:
    return sum(len(chain) for chain in chains)


def by_position(chains: Sequence[Chain]) -> list[list[PlannedTransaction]]:
    """The chains' transactions grouped by position: every import, then every application...
    Each group depends only on the groups before it, so each can fill blocks of its own."""
    length = max((len(chain) for chain in chains), default=0)
    return [[chain[i] for chain in chains if i < len(chain)] for i in range(length)]
