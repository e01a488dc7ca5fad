"""Canonical text in transaction bodies (issue 13 point 4, docs/adr/0018-canonical-text.md).

Every string field of every body is judged here, once, before any rule reads it, by the same
code at admission (the mempool's ``check_transaction``) and at execution (the block and the
auditor's replay): a ledger that keys properties by their cadastral number and shows names and
reasons in extracts must not hold two spellings of one identifier, nor text whose display lies.

Two kinds of field (``FIELD_SYNTAX``, keyed by the proto field's full name, so a field is judged
the same in every message that carries it):
  - IDENTIFIER: IINs, BINs, cadastral numbers, areas, application and validator ids, payment
    references, paragraph numbers, ISO dates. Printable ASCII only (U+0020..U+007E): Python's
    ``\\d`` and ``str.isdigit`` accept the digits of every script, and "２１:３１８..." in
    fullwidth digits would be a second property for the same flat (``IDENTIFIER_NOT_ASCII``).
  - FREE_TEXT: addresses, document titles, law names, reasons, check details, authorities.
    Letters of the registry's languages (Kazakh and Russian Cyrillic, Latin with its
    diacritics), ASCII punctuation, typographic quotes and dashes, currency and letterlike
    signs, and combining accents; already in NFC (never rewritten here: the signatures are over
    the bytes as sent).
Refused in both, with named reasons: control characters (C0, DEL, C1, and the line and
paragraph separators U+2028/U+2029) ``TEXT_CONTROL_CHARACTER``; bidi controls (U+202A-U+202E,
U+2066-U+2069, U+200E/U+200F, U+061C) and the other invisible format characters that make one
display from two texts (zero-width spaces and joiners, soft hyphen, word joiner, BOM, variation
selectors, tags) ``TEXT_FORMAT_CHARACTER``. Any other character outside the repertoire is
``TEXT_CHARACTER_NOT_ALLOWED``; text not in NFC is ``TEXT_NOT_NFC``; a field longer than its
bound is ``INVALID_FIELD``.

The repertoire is a fixed list of code points, all assigned since Unicode 10 or earlier, rather
than Unicode categories looked up at run time: a category or a normalisation of a code point
that a newer Unicode assigns would differ between nodes running different Pythons, and the
chain would fork on it. Within the repertoire, NFC is frozen by Unicode's stability policy.

May import: ledger.rejections, tirkeu_pb.
"""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from tirkeu_pb import transaction_pb2

from ledger.rejections import RejectionReason, TransactionRejected


class TextKind(enum.Enum):
    IDENTIFIER = "printable ASCII"
    FREE_TEXT = "NFC text in the registry's repertoire"


@dataclass(frozen=True, slots=True)
class TextField:
    kind: TextKind
    max_characters: int


def _identifier(max_characters: int = 64) -> TextField:
    return TextField(TextKind.IDENTIFIER, max_characters)


def _free_text(max_characters: int) -> TextField:
    return TextField(TextKind.FREE_TEXT, max_characters)


# Every string field a TransactionBody can carry. tests/unit/ledger/transactions/test_text.py
# walks the descriptors and fails when a string field is missing here, so a new field is judged
# from its first commit. Identifier bounds are generous: the rules name a wrong IIN INVALID_IIN,
# a wrong cadastral number INVALID_FIELD; the bound only stops megabyte "identifiers".
# Free-text bounds: the rules' own (address 500, detail 2000, reason 4000, authority 500).
FIELD_SYNTAX: Mapping[str, TextField] = {
    "tirkeu.v1.TransactionBody.chain_id": _identifier(128),
    "tirkeu.v1.PropertyImport.cadastral_number": _identifier(),
    "tirkeu.v1.PropertyImport.address": _free_text(500),
    "tirkeu.v1.PropertyImport.area_square_metres": _identifier(),
    "tirkeu.v1.PropertyImport.holder_bin": _identifier(),
    "tirkeu.v1.LeaseApplication.cadastral_number": _identifier(),
    "tirkeu.v1.LeaseApplication.recipient_iin": _identifier(),
    "tirkeu.v1.LeaseApplication.spouse_iin": _identifier(),
    "tirkeu.v1.Guarantor.iin": _identifier(),
    "tirkeu.v1.Guarantor.bin": _identifier(),
    "tirkeu.v1.SignedDocument.title": _free_text(300),
    "tirkeu.v1.Representation.principal_iin": _identifier(),
    "tirkeu.v1.Representation.representative_iin": _identifier(),
    "tirkeu.v1.RegistrarAttestation.application_id": _identifier(),
    "tirkeu.v1.VideoconferenceParticipant.iin": _identifier(),
    "tirkeu.v1.VideoconferenceParticipant.on_behalf_of_iin": _identifier(),
    "tirkeu.v1.Check.detail": _free_text(2000),
    "tirkeu.v1.CivilStatus.spouse_iin": _identifier(),
    "tirkeu.v1.RegistrarDecision.application_id": _identifier(),
    "tirkeu.v1.LegalGround.law": _free_text(300),
    "tirkeu.v1.LegalGround.paragraph": _identifier(),
    "tirkeu.v1.LegalGround.subparagraph": _identifier(),
    "tirkeu.v1.RegistrarDecision.reason": _free_text(4000),
    "tirkeu.v1.TerminationOwnershipApplication.lease_application_id": _identifier(),
    "tirkeu.v1.TerminationOwnershipApplication.new_holder_iin": _identifier(),
    "tirkeu.v1.TerminationOwnershipApplication.spouse_iin": _identifier(),
    "tirkeu.v1.ApplicationSending.application_id": _identifier(),
    "tirkeu.v1.PaymentDocument.payment_reference": _identifier(128),
    "tirkeu.v1.PaymentDocument.payer_iin": _identifier(),
    "tirkeu.v1.VideoconferenceAttestation.application_id": _identifier(),
    "tirkeu.v1.ValidatorSetChange.validator_id": _identifier(128),
    "tirkeu.v1.ValidatorApproval.validator_id": _identifier(128),
    "tirkeu.v1.RulesUpgrade.authority": _free_text(500),
    "tirkeu.v1.RulesUpgrade.pilot_in_force_until": _identifier(),
}

# Inference (the texts set no character rules): C0, DEL and C1 are never text; U+2028/U+2029
# break lines as a newline does, and an extract's one-line field must stay one line.
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"
# Invisible characters that change how neighbouring text displays (bidi overrides, isolates and
# marks; zero-width spaces and joiners; soft hyphen; combining grapheme joiner; Mongolian and
# Hangul fillers; BOM; interlinear annotation; variation selectors; tags; shorthand format).
_FORMAT = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
# The registry's repertoire: Basic Latin; Latin-1 letters and signs (no NBSP, no soft hyphen:
# one space is U+0020); Latin Extended-A/B and Additional (Kazakh Latin, foreign names);
# spacing modifiers (U+02BC apostrophe); combining diacritics (U+0300-U+036F, but not U+034F);
# Cyrillic and its supplement (Kazakh ә ғ қ ң ө ұ ү һ і, Russian); dashes, quotes, bullets,
# ellipsis, primes, guillemets; currency signs (₸ U+20B8, ₽ U+20BD); letterlike signs (№).
REPERTOIRE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),
    (0x00A1, 0x00AC),
    (0x00AE, 0x024F),
    (0x02B0, 0x034E),
    (0x0350, 0x036F),
    (0x0400, 0x052F),
    (0x1E00, 0x1EFF),
    (0x2010, 0x2027),
    (0x2030, 0x205E),
    (0x20A0, 0x20BF),
    (0x2100, 0x214F),
)
_REPERTOIRE = "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in REPERTOIRE_RANGES)
_CONTROL_CHARACTER = re.compile(f"[{_CONTROL}]")
_FORMAT_CHARACTER = re.compile(f"[{_FORMAT}]")
_OUTSIDE_REPERTOIRE = re.compile(f"[^{_REPERTOIRE}]")
_OUTSIDE_IDENTIFIER = re.compile("[^\x20-\x7e]")


def check_text(value: str, field: str, syntax: TextField) -> None:
    """Raises TransactionRejected naming the first problem of ``value`` as ``syntax``."""
    found = _CONTROL_CHARACTER.search(value)
    if found is not None:
        raise _refuse(RejectionReason.TEXT_CONTROL_CHARACTER, _where(field, value, found))
    found = _FORMAT_CHARACTER.search(value)
    if found is not None:
        raise _refuse(RejectionReason.TEXT_FORMAT_CHARACTER, _where(field, value, found))
    if syntax.kind is TextKind.IDENTIFIER:
        found = _OUTSIDE_IDENTIFIER.search(value)
        if found is not None:
            raise _refuse(
                RejectionReason.IDENTIFIER_NOT_ASCII,
                _where(field, value, found) + " (identifiers are ASCII: digits 0-9)",
            )
    else:
        found = _OUTSIDE_REPERTOIRE.search(value)
        if found is not None:
            raise _refuse(RejectionReason.TEXT_CHARACTER_NOT_ALLOWED, _where(field, value, found))
        if not unicodedata.is_normalized("NFC", value):
            raise _refuse(
                RejectionReason.TEXT_NOT_NFC,
                f"{field} is not in Unicode NFC; normalise it before signing",
            )
    # Last, so that a wrong character is named as such (the envelope's size limit already bounds
    # the scan above).
    if len(value) > syntax.max_characters:
        raise _refuse(
            RejectionReason.INVALID_FIELD,
            f"{field} has {len(value)} characters, at most {syntax.max_characters}",
        )


def check_body_text(body: transaction_pb2.TransactionBody) -> None:
    """Every string field the body sets, in field order, judged by ``FIELD_SYNTAX``."""
    _check_message(body, "")


def _check_message(message: Message, prefix: str) -> None:
    # Only the string and message fields are read: ListFields would copy every bytes field out
    # (a lease application carries kilobytes of CMS), which cost more than the check itself.
    for field, syntax in _text_bearing_fields(message.DESCRIPTOR):
        value = getattr(message, field.name)
        if syntax is not None:  # a string field
            for index, item in enumerate(value if field.is_repeated else (value,)):
                if not _plainly_good(item, syntax):
                    check_text(item, _path(prefix, field, index), syntax)
        elif field.is_repeated:
            for index, item in enumerate(value):
                _check_message(item, _path(prefix, field, index) + ".")
        elif message.HasField(field.name):
            _check_message(value, _path(prefix, field, 0) + ".")


def _plainly_good(value: str, syntax: TextField) -> bool:
    """The common case in one regex match: no character outside the kind's repertoire (which
    holds no control or format character), within the bound, NFC. Anything else goes through
    ``check_text`` for its named reason."""
    if len(value) > syntax.max_characters:
        return False
    if syntax.kind is TextKind.IDENTIFIER:
        return _OUTSIDE_IDENTIFIER.search(value) is None
    return _OUTSIDE_REPERTOIRE.search(value) is None and unicodedata.is_normalized("NFC", value)


def _path(prefix: str, field: FieldDescriptor, index: int) -> str:
    return f"{prefix}{field.name}" + (f"[{index}]" if field.is_repeated else "")


@functools.lru_cache(maxsize=128)
def _text_bearing_fields(
    descriptor: Descriptor,
) -> tuple[tuple[FieldDescriptor, TextField | None], ...]:
    """The string fields (with their syntax) and message fields (None) of a message type, in
    field order. A string field this table does not know is judged by the strictest rule: a new
    text field is ASCII until someone decides otherwise (the test names the missing entry)."""
    return tuple(
        (field, FIELD_SYNTAX.get(field.full_name, _identifier(64)))
        if field.type == FieldDescriptor.TYPE_STRING
        else (field, None)
        for field in descriptor.fields
        if field.type in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_MESSAGE)
    )


def string_fields_of(descriptor: Descriptor) -> Iterator[FieldDescriptor]:
    """Every string field reachable from ``descriptor`` (each message type once): what
    ``FIELD_SYNTAX`` must cover (tests/unit/ledger/transactions/test_text.py)."""
    seen: set[str] = set()
    pending = [descriptor]
    while pending:
        current = pending.pop()
        if current.full_name in seen:
            continue
        seen.add(current.full_name)
        for field in current.fields:
            if field.type == FieldDescriptor.TYPE_STRING:
                yield field
            elif field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type is not None:
                pending.append(field.message_type)


def _where(field: str, value: str, found: re.Match[str]) -> str:
    # The character by code point, never echoed raw: a bidi override in a log or an error
    # message would spoof it as it spoofs an extract.
    code_point = ord(found.group())
    return f"{field} has U+{code_point:04X} at character {found.start()} of {len(value)}"


def _refuse(reason: RejectionReason, detail: str) -> TransactionRejected:
    return TransactionRejected(reason, detail)
