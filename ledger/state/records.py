"""The registry's state records (DESIGN.md §2) and their storage encoding.

Frozen dataclasses, stored as deterministic msgpack arrays in field order (ledger/state/codec.py):
every node writes byte-identical state; the save_*/load_* functions here encode and decode them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from ledger.state import codec

# Re-exported: callers take the encoding from here, the records' one public entry point.
CorruptRecord = codec.CorruptRecord
save_record = codec.save_record
load_record = codec.load_record
unix_ms = codec.unix_ms
from_unix_ms = codec.from_unix_ms


# Properties: the object, its right holder, encumbrances and registration sheet (paras 25, 34).


class IdentifierKind(enum.Enum):
    BIN = "BIN"
    IIN = "IIN"


@dataclass(frozen=True, slots=True)
class PartyIdentifier:
    """A person (IIN) or an organisation (BIN): a right holder, a guarantor."""

    identifier_kind: IdentifierKind
    identifier: str


class PropertyKind(enum.Enum):
    APARTMENT = "APARTMENT"
    HOUSE = "HOUSE"


class EncumbranceKind(enum.Enum):
    LEASE = "LEASE"


class EncumbranceStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    TERMINATED = "TERMINATED"


@dataclass(frozen=True, slots=True)
class Encumbrance:
    kind: EncumbranceKind
    status: EncumbranceStatus
    application_id: str
    lessor_bin: str
    lessee_iin: str
    registered_height: int
    terminated_height: int | None
    contract_sha256: bytes


class SheetEntryKind(enum.Enum):
    LEASE_ENCUMBRANCE_REGISTERED = "LEASE_ENCUMBRANCE_REGISTERED"
    LEASE_ENCUMBRANCE_TERMINATED = "LEASE_ENCUMBRANCE_TERMINATED"
    OWNERSHIP_REGISTERED = "OWNERSHIP_REGISTERED"


@dataclass(frozen=True, slots=True)
class RegistrationSheetEntry:
    """One numbered, append-only entry of the registration sheet (тіркеу парағы)."""

    number: int  # from 1
    kind: SheetEntryKind
    application_id: str
    transaction_id: str  # the registrar's REGISTER decision
    height: int
    registered_at: datetime  # block time, UTC
    registrar_iin: str
    basis_document_sha256: bytes  # contract, KTK letter or transfer agreement
    right_holder: PartyIdentifier
    lessee_iin: str | None
    legal_basis: str  # "Algorithm para 25", "Algorithm para 34(1)", "Algorithm para 34(2)"


@dataclass(frozen=True, slots=True)
class Property:
    cadastral_number: str
    address: str
    kind: PropertyKind
    area_square_metres: str  # decimal text, at most two fraction digits
    holder: PartyIdentifier
    encumbrances: tuple[Encumbrance, ...]
    registration_sheet: tuple[RegistrationSheetEntry, ...]
    imported_height: int
    imported_transaction_id: str

    def active_lease(self) -> Encumbrance | None:
        for encumbrance in self.encumbrances:
            if (
                encumbrance.kind is EncumbranceKind.LEASE
                and encumbrance.status is EncumbranceStatus.ACTIVE
            ):
                return encumbrance
        return None


# Applications: one registration case (paras 19-37).


class ApplicationKind(enum.Enum):
    LEASE_REGISTRATION = "LEASE_REGISTRATION"
    TERMINATION_AND_OWNERSHIP = "TERMINATION_AND_OWNERSHIP"


class ApplicationStatus(enum.Enum):
    FORMED = "FORMED"  # paras 19-20, 29: formed by KTK, not yet sent (ADR 0007 D1)
    SUBMITTED = "SUBMITTED"  # paras 22, 31: sent with the payment; arrived in ЖМБМК АЖ
    SUSPENDED = "SUSPENDED"
    REGISTERED = "REGISTERED"
    REFUSED = "REFUSED"

    @property
    def is_undecided(self) -> bool:
        """Arrived and awaiting the registrar's decision."""
        return self in (ApplicationStatus.SUBMITTED, ApplicationStatus.SUSPENDED)

    @property
    def is_open(self) -> bool:
        """Not decided: formed, or arrived and undecided (a videoconference may be recorded)."""
        return self is ApplicationStatus.FORMED or self.is_undecided


class MaritalStatus(enum.Enum):
    NOT_MARRIED = "NOT_MARRIED"
    MARRIED = "MARRIED"


class DocumentRole(enum.Enum):
    CONTRACT = "CONTRACT"  # lease-to-own contract, paras 17-19
    PERSONAL_DATA_CONSENT = "PERSONAL_DATA_CONSENT"  # paras 20, 29, Appendix
    KTK_LETTER = "KTK_LETTER"  # para 29
    TRANSFER_AGREEMENT = "TRANSFER_AGREEMENT"  # paras 29, 31


@dataclass(frozen=True, slots=True)
class DocumentSigner:
    """A signer found in a document's CMS, with the party the ledger matched it to."""

    iin: str | None
    bin: str | None
    party: str  # "recipient", "guarantor", "KTK", ...
    signing_time: datetime | None

    @property
    def label(self) -> str:
        """E.g. "IIN 900101300007 (recipient)", as DocumentView.signers shows it."""
        who = f"IIN {self.iin}" if self.iin is not None else "unidentified signer"
        if self.bin is not None:
            who += f", BIN {self.bin}"
        return f"{who} ({self.party})"


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    role: DocumentRole
    title: str
    sha256: bytes
    signers: tuple[DocumentSigner, ...]  # in signing order


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """The state-registration fee (paras 22, 31). Its confirmation day starts para 38."""

    sha256: bytes
    amount_tiyn: int
    payment_reference: str
    payer_iin: str
    confirmed_height: int  # the sending's block
    confirmed_on: date  # the day in UTC+5 on which the sending was committed
    transaction_id: str  # the sending's
    paid_at: datetime  # when the payer paid, as the payment document says; before the sending


class ParticipantRole(enum.Enum):
    KTK_REPRESENTATIVE = "KTK_REPRESENTATIVE"
    RECIPIENT = "RECIPIENT"
    SPOUSE = "SPOUSE"
    GUARANTOR = "GUARANTOR"


@dataclass(frozen=True, slots=True)
class Participant:
    iin: str  # who was on screen
    role: ParticipantRole
    on_behalf_of_iin: str | None = None  # as the authorised representative of (para 21)

    @property
    def label(self) -> str:
        if self.on_behalf_of_iin is None:
            return f"IIN {self.iin} ({self.role.name})"
        return f"IIN {self.iin} ({self.role.name}, representing IIN {self.on_behalf_of_iin})"

    def acts_for(self, role: ParticipantRole, iin: str) -> bool:
        """Takes part as that party, in person or as her recorded representative."""
        return self.role is role and (self.on_behalf_of_iin or self.iin) == iin


@dataclass(frozen=True, slots=True)
class RepresentationRecord:
    """Para 21 / order para 3(2): authorised or (`legal`) legal representative (ADR 0007 D7)."""

    principal_iin: str
    representative_iin: str
    power_of_attorney_sha256: bytes
    legal: bool = False  # a parent/guardian: the digest is of her standing document


class CheckKind(enum.Enum):
    FEE_PAID = "FEE_PAID"  # para 23(a)
    SPOUSES_PARTICIPATE = "SPOUSES_PARTICIPATE"  # para 23(b)
    SIGNATURES_AND_IDENTIFIERS = "SIGNATURES_AND_IDENTIFIERS"  # para 23(c)
    NO_PRECLUDING_ENCUMBRANCE = "NO_PRECLUDING_ENCUMBRANCE"  # para 23(d)
    NOT_ON_TERRORISM_FINANCING_LIST = "NOT_ON_TERRORISM_FINANCING_LIST"  # para 23(e)


class SourceDatabase(enum.Enum):
    INDIVIDUALS_DATABASE = "INDIVIDUALS_DATABASE"  # ЖТ МДБ, para 24(1)
    LEGAL_ENTITIES_DATABASE = "LEGAL_ENTITIES_DATABASE"  # ЗТ МДБ, para 24(2)
    CIVIL_STATUS_REGISTRY = "CIVIL_STATUS_REGISTRY"  # АХАЖ АЖ, para 24(3)
    REAL_ESTATE_CADASTRE = "REAL_ESTATE_CADASTRE"  # ЖМБМК АЖ, para 24(4)
    TERRORISM_FINANCING_LIST = "TERRORISM_FINANCING_LIST"  # para 23(e)
    PAYMENT_SYSTEM = "PAYMENT_SYSTEM"  # para 22


@dataclass(frozen=True, slots=True)
class CheckRecord:
    kind: CheckKind
    source: SourceDatabase
    passed: bool
    detail: str
    queried_at_unix_ms: int


@dataclass(frozen=True, slots=True)
class VideoconferenceRecord:
    """The videoconference of paras 21, 30 as the registrar who held it recorded it."""

    registrar_iin: str
    transaction_id: str
    height: int
    held_at_unix_ms: int
    participants: tuple[Participant, ...]
    signatures_authentic: bool
    legal_capacity_confirmed: bool
    will_conforms_to_expression: bool


@dataclass(frozen=True, slots=True)
class AttestationRecord:
    """The registrar's checks on arrival (paras 23-24, 32-33)."""

    registrar_iin: str
    transaction_id: str
    height: int
    checks: tuple[CheckRecord, ...]
    recipient_married: bool
    recipient_spouse_iin: str | None


class Decision(enum.Enum):
    REGISTER = "REGISTER"  # paras 25, 34
    SUSPEND = "SUSPEND"  # paras 26, 35 (Art. 27)
    RESUME = "RESUME"  # not in the seeds (digest §1.9(12))
    REFUSE = "REFUSE"  # paras 27, 36 (Art. 31)


@dataclass(frozen=True, slots=True)
class LegalGround:
    law: str
    article: int
    paragraph: str
    subparagraph: str


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    decision: Decision
    ground: LegalGround | None
    reason: str
    registrar_iin: str
    transaction_id: str
    height: int
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class CertificateLink:
    """A certificate that signed an application or one of its documents, or a CA above it, by
    the key under which its issuer revokes it: REGISTER checks again that it is not revoked
    (seed 003 para 18; Algorithm para 23(c); ADR 0005)."""

    signer: str  # whom the certificate identifies, e.g. "IIN 900101300007" or "CA Test Root"
    issuer_fingerprint: str  # SHA-256 of the issuing CA's DER, lowercase hex
    serial_hex: str  # the certificate's serial number in hex (up to 20 octets)

    @property
    def serial_number(self) -> int:
        return int(self.serial_hex, 16)


@dataclass(frozen=True, slots=True)
class Application:
    """Everything of api.proto's ApplicationView except `overdue`, which depends on the day."""

    application_id: str
    kind: ApplicationKind
    status: ApplicationStatus
    cadastral_number: str
    recipient_iin: str
    spouse_iin: str | None
    marital_status: MaritalStatus
    guarantors: tuple[PartyIdentifier, ...]
    ktk_bin: str
    submitted_by_iin: str  # KTK's authorised person who formed it (paras 19, 29)
    formed_height: int  # paras 19-20, 29
    formed_at: datetime
    submitted_height: int | None  # the sending (paras 22, 31); None while FORMED
    submitted_at: datetime | None
    documents: tuple[DocumentRecord, ...]
    payment: PaymentRecord | None  # attached to the sending
    service_deadline: date | None  # para 38; set at the sending, again at RESUME (ADR 0007 D9)
    videoconference: VideoconferenceRecord | None  # paras 21, 30
    attestation: AttestationRecord | None  # the checks of paras 23-24, 32-33
    decisions: tuple[DecisionRecord, ...]
    lease_application_id: str | None  # TERMINATION_AND_OWNERSHIP only
    new_holder_iin: str | None  # TERMINATION_AND_OWNERSHIP only
    # Appended last (the storage format is positional): who signed the envelope and documents.
    signing_certificates: tuple[CertificateLink, ...] = ()
    representations: tuple[RepresentationRecord, ...] = ()  # para 21

    def document(self, role: DocumentRole) -> DocumentRecord | None:
        return next((d for d in self.documents if d.role is role), None)

    def party_identifiers(self) -> frozenset[str]:
        """Every IIN/BIN that is a party: for the node's "by party" index and read rights."""
        parties = {self.recipient_iin, self.ktk_bin, self.submitted_by_iin}
        parties.update(g.identifier for g in self.guarantors)
        if self.spouse_iin is not None:
            parties.add(self.spouse_iin)
        parties.update(r.representative_iin for r in self.representations)  # para 21
        return frozenset(parties)


# Identities and authorities (DESIGN.md §2): who is trusted, who may do what.


@dataclass(frozen=True, slots=True)
class Validator:
    validator_id: str
    certificate_der: bytes
    power: int


@dataclass(frozen=True, slots=True)
class Authorities:
    trusted_certificate_authorities: tuple[bytes, ...]  # DER: roots and intermediates
    ktk_bin: str
    state_corporation_bin: str
    first_credit_bureau_bin: str
    registrar_iins: tuple[str, ...]  # sorted
    auditor_iins: tuple[str, ...]  # sorted
    validators: tuple[Validator, ...]  # in genesis order
    # Para 19: the contract's e-copy carries the EDS of KTK's head. Until certificate roles (NCA
    # first-head OID) are judged, genesis lists the heads' IINs (ADR 0007 D6). Sorted.
    ktk_head_iins: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RevokedSerial:
    # Hex text: certificate serial numbers are up to 20 octets, wider than a msgpack integer.
    serial_hex: str
    revoked_at: datetime

    @property
    def serial_number(self) -> int:
        return int(self.serial_hex, 16)


@dataclass(frozen=True, slots=True)
class IssuerRevocations:
    """The revocations one trusted CA has published, and the number of its newest CRL."""

    issuer_fingerprint: str
    crl_number: int
    revoked: tuple[RevokedSerial, ...]  # sorted by serial number


@dataclass(frozen=True, slots=True)
class CommittedTransaction:
    """Replay guard: a committed transaction id lives in state (DESIGN.md §3)."""

    height: int
    kind: str  # body action, e.g. "lease_application"


# Storage: see ledger/state/codec.py for the encoding.


def save_property(record: Property) -> bytes:
    return save_record(record)


def load_property(data: bytes) -> Property:
    return load_record(Property, data)


def save_application(record: Application) -> bytes:
    return save_record(record)


def load_application(data: bytes) -> Application:
    return load_record(Application, data)


def save_authorities(record: Authorities) -> bytes:
    return save_record(record)


def load_authorities(data: bytes) -> Authorities:
    return load_record(Authorities, data)


def save_issuer_revocations(record: IssuerRevocations) -> bytes:
    return save_record(record)


def load_issuer_revocations(data: bytes) -> IssuerRevocations:
    return load_record(IssuerRevocations, data)


def save_committed_transaction(record: CommittedTransaction) -> bytes:
    return save_record(record)


def load_committed_transaction(data: bytes) -> CommittedTransaction:
    return load_record(CommittedTransaction, data)
