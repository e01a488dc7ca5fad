"""Registry state: keys, a read interface, and an overlay that buffers a block's writes.

State is a flat map from bytes keys to record bytes (ledger/state/records.py). The node keeps it in
LevelDB (ledger/chain/store.py) and hashes it into the state root; the rules only ever see a
`StateReader` and write into a `StateOverlay`, so executing a block changes nothing until the
node commits the overlay's writes in one batch (DESIGN.md §5).

Key layout (UTF-8 after an ASCII prefix; the prefixes are disjoint, so ranges never overlap):
    property/<cadastral number>      Property
    active-encumbrance/<cadastral>   Encumbrance: the property's ACTIVE lease; absent when none
    application/<application id>     Application (id = hex id of the creating transaction)
    transaction/<transaction id>     CommittedTransaction (replay guard, DESIGN.md §3)
    authority/authorities            Authorities (trusted CAs, KTK/State Corporation BINs, ...)
    authority/revocations/<issuer>   IssuerRevocations (per trusted CA fingerprint)
    payment/sha256/<hex digest>      id of the application the payment document was sent with
    payment/reference/<reference>    idem, by the payment system's reference
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Protocol

from ledger.state.records import (
    Application,
    Authorities,
    CommittedTransaction,
    IssuerRevocations,
    Property,
    load_application,
    load_authorities,
    load_committed_transaction,
    load_issuer_revocations,
    load_property,
    save_application,
    save_authorities,
    save_committed_transaction,
    save_issuer_revocations,
    save_property,
    save_record,
)

PROPERTY_PREFIX = b"property/"
# Exists iff the property has an ACTIVE lease encumbrance, so that "no encumbrance" is provable
# as the ABSENCE of a key under the state root (registry extracts, ledger/extract/extract.py).
ACTIVE_ENCUMBRANCE_PREFIX = b"active-encumbrance/"
APPLICATION_PREFIX = b"application/"
TRANSACTION_PREFIX = b"transaction/"
AUTHORITY_PREFIX = b"authority/"
# One payment document pays one application's fee (ADR 0007 D4): indexed by its digest and by
# its reference, so a copy re-exported with another digest is caught by the reference too.
PAYMENT_PREFIX = b"payment/"


class MissingStateRecord(Exception):
    """A record that must exist (written at genesis) is absent: a broken invariant."""


class StateReader(Protocol):
    def get(self, key: bytes) -> bytes | None: ...


def property_key(cadastral_number: str) -> bytes:
    return PROPERTY_PREFIX + cadastral_number.encode()


def active_encumbrance_key(cadastral_number: str) -> bytes:
    return ACTIVE_ENCUMBRANCE_PREFIX + cadastral_number.encode()


def application_key(application_id: str) -> bytes:
    return APPLICATION_PREFIX + application_id.encode()


def transaction_key(transaction_id: str) -> bytes:
    return TRANSACTION_PREFIX + transaction_id.encode()


def payment_digest_key(sha256: bytes) -> bytes:
    return PAYMENT_PREFIX + b"sha256/" + sha256.hex().encode()


def payment_reference_key(reference: str) -> bytes:
    return PAYMENT_PREFIX + b"reference/" + reference.encode()


def read_payment_use(state: StateReader, key: bytes) -> str | None:
    """The id of the application a payment document (`key`: payment_*_key) was sent with."""
    found = state.get(key)
    return None if found is None else found.decode()


def write_payment_use(state: StateOverlay, key: bytes, application_id: str) -> None:
    state.put(key, application_id.encode())


def authority_key(name: str) -> bytes:
    return AUTHORITY_PREFIX + name.encode()


AUTHORITIES_KEY = authority_key("authorities")


def revocations_key(issuer_fingerprint: str) -> bytes:
    return authority_key("revocations/" + issuer_fingerprint)


class MappingState:
    """A StateReader over a plain mapping: genesis state, tests, an in-memory node."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Mapping[bytes, bytes] | None = None) -> None:
        self._entries: dict[bytes, bytes] = dict(entries or {})

    def get(self, key: bytes) -> bytes | None:
        return self._entries.get(key)

    def apply(self, writes: Mapping[bytes, bytes | None]) -> None:
        """Commit an overlay's writes (None deletes), as the node's store does."""
        for key, value in writes.items():
            if value is None:
                self._entries.pop(key, None)
            else:
                self._entries[key] = value

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        return iter(sorted(self._entries.items()))


class StateOverlay:
    """Reads through to `parent`, buffers writes. Nest one per transaction so that a rejected
    transaction is dropped whole: only `absorb` of a finished child changes its parent."""

    __slots__ = ("_parent", "_writes")

    def __init__(self, parent: StateReader) -> None:
        self._parent = parent
        self._writes: dict[bytes, bytes | None] = {}

    def get(self, key: bytes) -> bytes | None:
        if key in self._writes:
            return self._writes[key]
        return self._parent.get(key)

    def put(self, key: bytes, value: bytes) -> None:
        self._writes[key] = value

    def delete(self, key: bytes) -> None:
        self._writes[key] = None

    def child(self) -> StateOverlay:
        return StateOverlay(self)

    def absorb(self, writes: Mapping[bytes, bytes | None]) -> None:
        """Take over a child's writes (the child's transaction was applied)."""
        self._writes.update(writes)

    def writes(self) -> Mapping[bytes, bytes | None]:
        """Buffered writes in key order (None = delete): what the node commits."""
        return MappingProxyType(dict(sorted(self._writes.items())))


# Typed access. Reading a record that fails to decode raises CorruptRecord (a broken invariant).


def read_property(state: StateReader, cadastral_number: str) -> Property | None:
    data = state.get(property_key(cadastral_number))
    return None if data is None else load_property(data)


def write_property(state: StateOverlay, record: Property) -> None:
    """The property and, kept in step with it here so that no rule can forget it, the record of
    its active lease encumbrance (written while ACTIVE, deleted once none is)."""
    state.put(property_key(record.cadastral_number), save_property(record))
    encumbrance_key = active_encumbrance_key(record.cadastral_number)
    active = record.active_lease()
    if active is not None:
        state.put(encumbrance_key, save_record(active))
    elif state.get(encumbrance_key) is not None:
        state.delete(encumbrance_key)


def read_application(state: StateReader, application_id: str) -> Application | None:
    data = state.get(application_key(application_id))
    return None if data is None else load_application(data)


def write_application(state: StateOverlay, record: Application) -> None:
    state.put(application_key(record.application_id), save_application(record))


def read_committed_transaction(
    state: StateReader, transaction_id: str
) -> CommittedTransaction | None:
    data = state.get(transaction_key(transaction_id))
    return None if data is None else load_committed_transaction(data)


def write_committed_transaction(
    state: StateOverlay, transaction_id: str, record: CommittedTransaction
) -> None:
    state.put(transaction_key(transaction_id), save_committed_transaction(record))


def read_authorities(state: StateReader) -> Authorities:
    data = state.get(AUTHORITIES_KEY)
    if data is None:
        raise MissingStateRecord("the authorities record is missing: state has no genesis")
    return load_authorities(data)


def write_authorities(state: StateOverlay, record: Authorities) -> None:
    state.put(AUTHORITIES_KEY, save_authorities(record))


def read_issuer_revocations(
    state: StateReader, issuer_fingerprint: str
) -> IssuerRevocations | None:
    data = state.get(revocations_key(issuer_fingerprint))
    return None if data is None else load_issuer_revocations(data)


def write_issuer_revocations(state: StateOverlay, record: IssuerRevocations) -> None:
    state.put(revocations_key(record.issuer_fingerprint), save_issuer_revocations(record))
