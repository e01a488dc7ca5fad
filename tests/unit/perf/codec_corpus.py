"""Records for tests/unit/perf/test_codec_bytes.py.

- RECORD_TYPES: the record classes the ledger and the node store with ledger/state/codec.py;
- REALISTIC_CORPUS: one record of most of them, each optional field both present and absent;
- SHAPES_CORPUS: records of classes defined here, which use every kind of field the codec knows
  (enum, datetime in any zone, date, bool, int at both ends, str, bytes, nested, `X | None`,
  `Optional[X]`, tuples, NewType). Their encodings are pinned to the original codec's bytes:
  these classes change only with the codec, while the ledger's records may gain fields.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, NewType, Optional

from ledger.chain.store import ChainMeta, TransactionLocation
from ledger.registry.notifications import Notification, NotificationChannel, NotificationEvent
from ledger.rejections import Rejection, RejectionReason
from ledger.state.records import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    AttestationRecord,
    Authorities,
    CheckKind,
    CheckRecord,
    CommittedTransaction,
    Decision,
    DecisionRecord,
    DocumentRecord,
    DocumentRole,
    DocumentSigner,
    Encumbrance,
    EncumbranceKind,
    EncumbranceStatus,
    IdentifierKind,
    IssuerRevocations,
    LegalGround,
    MaritalStatus,
    Participant,
    ParticipantRole,
    PartyIdentifier,
    PaymentRecord,
    Property,
    PropertyKind,
    RegistrationSheetEntry,
    RevokedSerial,
    SheetEntryKind,
    SourceDatabase,
    Validator,
    VideoconferenceRecord,
)

# Top-level records (those written under a key); nested classes are reached through them.
RECORD_TYPES: tuple[type[Any], ...] = (
    Property,
    Encumbrance,
    Application,
    Authorities,
    IssuerRevocations,
    CommittedTransaction,
    Notification,
    Rejection,
    ChainMeta,
    TransactionLocation,
    # Nested only, but the codec takes any record class.
    RegistrationSheetEntry,
    DocumentRecord,
    AttestationRecord,
    VideoconferenceRecord,
    DecisionRecord,
    PaymentRecord,
)

_ALMATY = timezone(timedelta(hours=5))
_AT = datetime(2026, 5, 4, 4, 0, 0, 123_000, tzinfo=UTC)
_DIGEST = bytes(range(32))
_RECIPIENT = "900101300007"
_REGISTRAR = "850505300011"
_KTK = "040840000011"
_TX = "9f" * 32

_ENTRY = RegistrationSheetEntry(
    number=1,
    kind=SheetEntryKind.LEASE_ENCUMBRANCE_REGISTERED,
    application_id="a1" * 32,
    transaction_id=_TX,
    height=7,
    registered_at=_AT,
    registrar_iin=_REGISTRAR,
    basis_document_sha256=_DIGEST,
    right_holder=PartyIdentifier(IdentifierKind.BIN, _KTK),
    lessee_iin=_RECIPIENT,
    legal_basis="Algorithm para 25",
)
_ACTIVE = Encumbrance(
    EncumbranceKind.LEASE, EncumbranceStatus.ACTIVE, "a1" * 32, _KTK, _RECIPIENT, 7, None, _DIGEST
)
_ENDED = Encumbrance(
    EncumbranceKind.LEASE, EncumbranceStatus.TERMINATED, "b2" * 32, _KTK, _RECIPIENT, 3, 6, b""
)
_PROPERTY = Property(
    cadastral_number="21:318:023:1245:1/45",
    address="Астана қ., Мәңгілік Ел д-лы, 55/23, 45-пәтер",
    kind=PropertyKind.APARTMENT,
    area_square_metres="62.40",
    holder=PartyIdentifier(IdentifierKind.BIN, _KTK),
    encumbrances=(_ENDED, _ACTIVE),
    registration_sheet=(_ENTRY,),
    imported_height=1,
    imported_transaction_id=_TX,
)
_SIGNERS = (
    DocumentSigner(_RECIPIENT, None, "recipient", _AT.astimezone(_ALMATY)),
    DocumentSigner(None, _KTK, "KTK", None),
    DocumentSigner("880808400022", _KTK, "KTK", _AT - timedelta(days=3)),
)
_VIDEOCONFERENCE = VideoconferenceRecord(
    registrar_iin=_REGISTRAR,
    transaction_id="b2" * 32,
    height=4,
    held_at_unix_ms=1_777_860_000_000,
    participants=(
        Participant(_RECIPIENT, ParticipantRole.RECIPIENT),
        Participant("880808400022", ParticipantRole.KTK_REPRESENTATIVE),
    ),
    signatures_authentic=True,
    legal_capacity_confirmed=True,
    will_conforms_to_expression=False,
)
_ATTESTATION = AttestationRecord(
    registrar_iin=_REGISTRAR,
    transaction_id=_TX,
    height=9,
    checks=tuple(
        CheckRecord(
            kind, source, kind is not CheckKind.FEE_PAID, f"detail {n}", 1_777_860_000_000 + n
        )
        for n, (kind, source) in enumerate(zip(CheckKind, SourceDatabase, strict=False))
    ),
    recipient_married=True,
    recipient_spouse_iin="910202400033",
)
_DECISIONS = (
    DecisionRecord(
        Decision.SUSPEND,
        LegalGround("Law on State Registration", 27, "1", "3"),
        "бір құжат жетіспейді",
        _REGISTRAR,
        "c3" * 32,
        10,
        _AT + timedelta(hours=1),
    ),
    DecisionRecord(Decision.RESUME, None, "", _REGISTRAR, "d4" * 32, 11, _AT + timedelta(days=1)),
)
_FULL_APPLICATION = Application(
    application_id="a1" * 32,
    kind=ApplicationKind.LEASE_REGISTRATION,
    status=ApplicationStatus.SUSPENDED,
    cadastral_number=_PROPERTY.cadastral_number,
    recipient_iin=_RECIPIENT,
    spouse_iin="910202400033",
    marital_status=MaritalStatus.MARRIED,
    guarantors=(
        PartyIdentifier(IdentifierKind.IIN, "750102300044"),
        PartyIdentifier(IdentifierKind.BIN, "990340000055"),
    ),
    ktk_bin=_KTK,
    submitted_by_iin="880808400022",
    formed_height=3,
    formed_at=_AT - timedelta(minutes=2),
    submitted_height=5,
    submitted_at=_AT,
    documents=(
        DocumentRecord(DocumentRole.CONTRACT, "Шарт № 17", _DIGEST, _SIGNERS),
        DocumentRecord(DocumentRole.PERSONAL_DATA_CONSENT, "Келісім", bytes(32), _SIGNERS[:1]),
    ),
    payment=PaymentRecord(
        _DIGEST, 172_500, "KZ-PAY-0001", _RECIPIENT, 8, date(2026, 5, 4), _TX, _AT - timedelta(1)
    ),
    service_deadline=date(2026, 5, 5),
    videoconference=_VIDEOCONFERENCE,
    attestation=_ATTESTATION,
    decisions=_DECISIONS,
    lease_application_id=None,
    new_holder_iin=None,
)
_BARE_APPLICATION = Application(
    application_id="e5" * 32,
    kind=ApplicationKind.TERMINATION_AND_OWNERSHIP,
    status=ApplicationStatus.FORMED,
    cadastral_number=_PROPERTY.cadastral_number,
    recipient_iin=_RECIPIENT,
    spouse_iin=None,
    marital_status=MaritalStatus.NOT_MARRIED,
    guarantors=(),
    ktk_bin=_KTK,
    submitted_by_iin="880808400022",
    formed_height=2**63 - 1,
    formed_at=datetime(1970, 1, 1, tzinfo=UTC),
    submitted_height=None,
    submitted_at=None,
    documents=(),
    payment=None,
    service_deadline=None,
    videoconference=None,
    attestation=None,
    decisions=(),
    lease_application_id="a1" * 32,
    new_holder_iin=_RECIPIENT,
)

REALISTIC_CORPUS: tuple[Any, ...] = (
    _ENTRY,  # first: test_codec_bytes.py varies its time and height
    _ACTIVE,
    _ENDED,
    _PROPERTY,
    _FULL_APPLICATION,
    _BARE_APPLICATION,
    Authorities(
        trusted_certificate_authorities=(b"\x30\x82root", b"\x30\x82issuing"),
        ktk_bin=_KTK,
        state_corporation_bin="990340000066",
        first_credit_bureau_bin="040840000077",
        registrar_iins=(_REGISTRAR, "910404600079"),
        auditor_iins=(),
        validators=(Validator("validator-1", b"\x30\x82leaf", 10), Validator("v2", b"", 0)),
        ktk_head_iins=("720301300145",),
    ),
    IssuerRevocations(
        "ab" * 32,
        2**64 - 1,
        (
            RevokedSerial("0" * 40, _AT),
            RevokedSerial("7fffffffffffffffffffffffffffffffffffffff", _AT),
        ),
    ),
    IssuerRevocations("cd" * 32, 0, ()),
    CommittedTransaction(-(2**63), "registrar_decision"),
    Notification(
        NotificationChannel.EGOV_CABINET,
        _RECIPIENT,
        "a1" * 32,
        ApplicationKind.LEASE_REGISTRATION,
        NotificationEvent.SUSPENDED,
        _PROPERTY.cadastral_number,
        _TX,
        10,
        _AT.astimezone(_ALMATY),
        "Algorithm para 28",
        "бір құжат жетіспейді",
    ),
    Rejection(RejectionReason.BAD_SIGNATURE, "signature 2 does not verify"),
)


# Shapes: every kind of field, in classes that change only with the codec.


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = 3  # stored by name, whatever the value


class Size(enum.IntEnum):
    SMALL = 1
    LARGE = 2


Count = NewType("Count", int)


@dataclass(frozen=True, slots=True)
class Leaf:
    text: str
    blob: bytes
    flag: bool
    count: int
    moment: datetime
    day: date
    colour: Colour
    size: Size
    maybe_text: str | None
    maybe_moment: Optional[datetime]  # noqa: UP045 - typing.Union, not types.UnionType
    maybe_day: date | None
    texts: tuple[str, ...]
    blobs: tuple[bytes, ...]
    counts: tuple[Count, ...]


@dataclass(frozen=True, slots=True)
class Branch:
    name: str
    leaf: Leaf
    maybe_leaf: Leaf | None
    leaves: tuple[Leaf, ...]
    maybe_colours: tuple[Colour, ...] | None
    count: Count
    maybe_count: Count | None


@dataclass(frozen=True, slots=True)
class Empty:
    pass


_LEAF = Leaf(
    text="Мәңгілік Ел, 55/23",
    blob=bytes(range(256)),
    flag=True,
    count=-(2**63),
    moment=datetime(2026, 5, 4, 9, 0, 0, 123_000, tzinfo=_ALMATY),
    day=date(2026, 5, 5),
    colour=Colour.BLUE,
    size=Size.LARGE,
    maybe_text="",
    maybe_moment=datetime(1970, 1, 1, tzinfo=UTC),
    maybe_day=date(1, 1, 1),
    texts=("a", "", "b" * 300),
    blobs=(b"", b"\x00" * 70_000),
    counts=(Count(0), Count(2**64 - 1), Count(-1), Count(127), Count(128), Count(-33)),
)
_BARE_LEAF = Leaf(
    text="",
    blob=b"",
    flag=False,
    count=2**64 - 1,
    moment=datetime(1969, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC),
    day=date(9999, 12, 31),
    colour=Colour.RED,
    size=Size.SMALL,
    maybe_text=None,
    maybe_moment=None,
    maybe_day=None,
    texts=(),
    blobs=(),
    counts=(),
)

SHAPE_TYPES: tuple[type[Any], ...] = (Leaf, Branch, Empty)
SHAPES_CORPUS: tuple[Any, ...] = (
    _LEAF,
    _BARE_LEAF,
    Branch(
        "full",
        _LEAF,
        _BARE_LEAF,
        (_LEAF, _BARE_LEAF),
        (Colour.GREEN, Colour.RED),
        Count(7),
        Count(0),
    ),
    Branch("bare", _BARE_LEAF, None, (), None, Count(-7), None),
    Branch("empty tuple", _BARE_LEAF, None, (), (), Count(2**32), None),
    Empty(),
)
