"""The genesis file: the chain's identity, its authorities, calendar, limits and pilot window.

JSON, written once by whoever creates the network (`genesis_document` builds it) and read by
every node and auditor (`load_genesis`). Everything is checked on load, and a bad field is named
in `InvalidGenesis`: every IIN/BIN has a valid check digit (Algorithm para 2(4), 2(7)), every
authority is a CA, every validator certificate is a node certificate that chains to them.
`genesis_records` gives the initial state (the authorities record).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledger.calendar import InvalidCalendar, WorkingCalendar
from ledger.identity.certificates import (
    CertificateInfo,
    CertificateKind,
    MalformedCertificate,
    load_certificate,
    load_certificates_pem,
)
from ledger.identity.chains import verify_chain
from ledger.identity.identifiers import InvalidIdentifier, has_valid_check_digit
from ledger.identity.revocation import CertificateRejected, TrustStore
from ledger.state.access import MappingState, StateOverlay, write_authorities
from ledger.state.records import Authorities, Validator

DEFAULT_MAX_TRANSACTION_BYTES = 262_144
DEFAULT_MAX_EXPIRY_BLOCKS = 100_000
DEFAULT_MAX_BLOCK_TRANSACTIONS = 1000
# Blocks are bounded in bytes, not only in count (issue 13): a proposal travels in one gRPC
# message, and a block larger than the peers' receive limit stalls every round. 2 MiB holds
# eight transactions of the largest size (256 KiB: an application with its CMS-signed scans) or
# some two hundred ordinary ones (~10 KiB: a body, two or three CMS signatures with GOST
# certificates), and fits the default 4 MiB gRPC limit with room for the proposal around it.
DEFAULT_MAX_BLOCK_BYTES = 2 * 1024 * 1024
# Room a block keeps for all but its transactions: the header (~300 bytes), the last commit
# (~250 bytes per precommit; 64 validators, node/runtime/server.py PEER_STREAM_SLOTS, take
# 16 KiB) and MAX_EVIDENCE_PER_BLOCK evidence items (two signed votes, ~1 KiB each). A
# transaction larger than ``max_block_bytes`` minus this can never be proposed (inference).
BLOCK_OVERHEAD_RESERVE_BYTES = 64 * 1024
# The largest block a genesis may allow: every channel (clients/channel.py MAX_MESSAGE_BYTES,
# 64 MiB) must carry the largest legal block with its proposal or certificate around it.
MAX_BLOCK_BYTES_CEILING = 32 * 1024 * 1024
KAZAKHSTAN_UTC_OFFSET_HOURS = 5
SATURDAY_AND_SUNDAY = (6, 7)


class InvalidGenesis(ValueError):
    """A genesis file that cannot start a chain; `field` names the offending field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"genesis field {field!r}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class ChainLimits:
    max_transaction_bytes: int
    max_expiry_blocks: int  # how far ahead of the current height a body's expiry may be
    max_block_transactions: int
    max_block_bytes: int = DEFAULT_MAX_BLOCK_BYTES  # the encoded Block, header to evidence

    @property
    def largest_fitting_transaction(self) -> int:
        """The largest envelope any block can carry: above it a transaction is refused
        (TRANSACTION_EXCEEDS_BLOCK) instead of waiting in the mempool for a block it never
        fits (issue 13)."""
        return self.max_block_bytes - BLOCK_OVERHEAD_RESERVE_BYTES


@dataclass(frozen=True, slots=True)
class PilotWindow:
    """Order para 8: the pilot's rules apply in this window (local days, both inclusive)."""

    in_force_from: date
    in_force_until: date

    def is_in_force(self, day: date) -> bool:
        return self.in_force_from <= day <= self.in_force_until


@dataclass(frozen=True, slots=True)
class GenesisValidator:
    validator_id: str
    certificate: CertificateInfo
    power: int


@dataclass(frozen=True, slots=True)
class Genesis:
    chain_id: str
    genesis_time: datetime
    trusted_certificate_authorities: tuple[CertificateInfo, ...]
    ktk_bin: str
    state_corporation_bin: str
    first_credit_bureau_bin: str
    registrar_iins: tuple[str, ...]
    auditor_iins: tuple[str, ...]
    validators: tuple[GenesisValidator, ...]
    ktk_head_iins: tuple[str, ...]  # para 19; ADR 0007 D6
    calendar: WorkingCalendar
    limits: ChainLimits
    pilot: PilotWindow

    def authorities(self) -> Authorities:
        return Authorities(
            trusted_certificate_authorities=tuple(
                a.der for a in self.trusted_certificate_authorities
            ),
            ktk_bin=self.ktk_bin,
            state_corporation_bin=self.state_corporation_bin,
            first_credit_bureau_bin=self.first_credit_bureau_bin,
            registrar_iins=tuple(sorted(self.registrar_iins)),
            auditor_iins=tuple(sorted(self.auditor_iins)),
            validators=tuple(
                Validator(v.validator_id, v.certificate.der, v.power) for v in self.validators
            ),
            ktk_head_iins=tuple(sorted(self.ktk_head_iins)),
        )


def genesis_records(genesis: Genesis) -> dict[bytes, bytes]:
    """The state before block 1."""
    overlay = StateOverlay(MappingState())
    write_authorities(overlay, genesis.authorities())
    records: dict[bytes, bytes] = {}
    for key, value in overlay.writes().items():
        if value is None:
            raise RuntimeError("genesis deletes nothing")
        records[key] = value
    return records


def load_genesis(data: bytes) -> Genesis:
    """Parse and check a genesis file (UTF-8 JSON). Raises InvalidGenesis naming the field."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        # RecursionError: json's parser recurses once per nesting level ("[[[[...").
        raise InvalidGenesis("(file)", f"not UTF-8 JSON: {error}") from None
    reader = _Reader(document, "")
    authorities = _authorities(reader)
    genesis_time = _utc_time(reader.text("genesis_time"), "genesis_time")
    genesis = Genesis(
        chain_id=_chain_id(reader.text("chain_id")),
        genesis_time=genesis_time,
        trusted_certificate_authorities=authorities,
        ktk_bin=_identifier(reader.text("ktk_bin"), "ktk_bin"),
        state_corporation_bin=_identifier(
            reader.text("state_corporation_bin"), "state_corporation_bin"
        ),
        first_credit_bureau_bin=_identifier(
            reader.text("first_credit_bureau_bin"), "first_credit_bureau_bin"
        ),
        registrar_iins=_identifiers(reader, "registrar_iins", allow_empty=False),
        auditor_iins=_identifiers(reader, "auditor_iins", allow_empty=True),
        validators=_validators(reader, authorities, genesis_time),
        ktk_head_iins=_identifiers(reader, "ktk_head_iins", allow_empty=False),
        calendar=_calendar(reader.section("calendar", required=False)),
        limits=_limits(reader.section("limits", required=False)),
        pilot=_pilot(reader.section("pilot", required=True)),
    )
    return genesis


def genesis_document(
    *,
    chain_id: str,
    genesis_time: datetime,
    trusted_certificate_authorities_pem: Sequence[str],
    ktk_bin: str,
    state_corporation_bin: str,
    first_credit_bureau_bin: str,
    registrar_iins: Sequence[str],
    ktk_head_iins: Sequence[str],
    validators: Sequence[tuple[str, str, int]],  # (id, certificate PEM, power)
    auditor_iins: Sequence[str] = (),
    holidays: Sequence[date] = (),
    extra_working_days: Sequence[date] = (),
    pilot_in_force_from: date | None = None,
    pilot_in_force_until: date | None = None,
    max_transaction_bytes: int = DEFAULT_MAX_TRANSACTION_BYTES,
    max_expiry_blocks: int = DEFAULT_MAX_EXPIRY_BLOCKS,
    max_block_transactions: int = DEFAULT_MAX_BLOCK_TRANSACTIONS,
    max_block_bytes: int | None = None,
) -> dict[str, Any]:
    """A genesis document for `json.dumps` (tools that create clusters). By default the pilot
    is in force for twelve months from the genesis day (order para 8). ``max_block_bytes`` is
    written only when given: without it the file reads DEFAULT_MAX_BLOCK_BYTES, as genesis
    files written before the field existed do."""
    limits: dict[str, int] = {
        "max_transaction_bytes": max_transaction_bytes,
        "max_expiry_blocks": max_expiry_blocks,
        "max_block_transactions": max_block_transactions,
    }
    if max_block_bytes is not None:
        limits["max_block_bytes"] = max_block_bytes
    first_day = pilot_in_force_from or genesis_time.astimezone(UTC).date()
    last_day = pilot_in_force_until or first_day.replace(year=first_day.year + 1) - timedelta(1)
    return {
        "chain_id": chain_id,
        "genesis_time": genesis_time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "trusted_certificate_authorities": list(trusted_certificate_authorities_pem),
        "ktk_bin": ktk_bin,
        "state_corporation_bin": state_corporation_bin,
        "first_credit_bureau_bin": first_credit_bureau_bin,
        "registrar_iins": list(registrar_iins),
        "auditor_iins": list(auditor_iins),
        "ktk_head_iins": list(ktk_head_iins),
        "validators": [
            {"id": name, "certificate_pem": pem, "power": power} for name, pem, power in validators
        ],
        "calendar": {
            "utc_offset_hours": KAZAKHSTAN_UTC_OFFSET_HOURS,
            "weekend_days": list(SATURDAY_AND_SUNDAY),
            "holidays": [day.isoformat() for day in holidays],
            "extra_working_days": [day.isoformat() for day in extra_working_days],
        },
        "limits": limits,
        "pilot": {"in_force_from": first_day.isoformat(), "in_force_until": last_day.isoformat()},
    }


class _Reader:
    """Typed access to one JSON object, naming fields by their path for errors."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise InvalidGenesis(path or "(file)", "expected a JSON object")
        self.values: dict[str, object] = value
        self.path = path

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str, default: object = None, *, required: bool = True) -> object:
        if key not in self.values:
            if required:
                raise InvalidGenesis(self.name(key), "missing")
            return default
        return self.values[key]

    def text(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str):
            raise InvalidGenesis(self.name(key), "expected a string")
        return value

    def integer(self, key: str, default: int) -> int:
        value = self.raw(key, default, required=False)
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidGenesis(self.name(key), "expected an integer")
        return value

    def items(self, key: str, *, required: bool = True) -> list[object]:
        value = self.raw(key, [], required=required)
        if not isinstance(value, list):
            raise InvalidGenesis(self.name(key), "expected a list")
        return value

    def section(self, key: str, *, required: bool) -> _Reader:
        return _Reader(self.raw(key, {}, required=required), self.name(key))


def _chain_id(value: str) -> str:
    """Every body names it, and body text is canonical (ADR 0018): a chain id outside printable
    ASCII, or over 128 characters, would make every transaction of the chain refused."""
    if not value.isascii() or not value.isprintable() or len(value) > 128:
        raise InvalidGenesis("chain_id", "must be printable ASCII of at most 128 characters")
    return _nonempty(value, "chain_id")


def _nonempty(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidGenesis(field, "must not be empty")
    return value


def _utc_time(text: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidGenesis(field, f"{text!r} is not an ISO 8601 time") from None
    if moment.utcoffset() != timedelta(0):
        raise InvalidGenesis(field, f"{text!r} must be UTC (Z)")
    if moment.microsecond % 1000:
        raise InvalidGenesis(field, "finer than a millisecond")
    return moment.astimezone(UTC)


def _iso_date(value: object, field: str) -> date:
    if not isinstance(value, str):
        raise InvalidGenesis(field, "expected an ISO date string")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidGenesis(field, f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def _identifier(value: object, field: str) -> str:
    if not isinstance(value, str) or not has_valid_check_digit(value):
        raise InvalidGenesis(field, f"{value!r} is not 12 digits with a valid check digit")
    return value


def _identifiers(reader: _Reader, key: str, *, allow_empty: bool) -> tuple[str, ...]:
    values = reader.items(key, required=not allow_empty)
    if not values and not allow_empty:
        raise InvalidGenesis(reader.name(key), "must list at least one")
    numbers = tuple(_identifier(v, f"{reader.name(key)}[{i}]") for i, v in enumerate(values))
    if len(set(numbers)) != len(numbers):
        raise InvalidGenesis(reader.name(key), "lists a number twice")
    return numbers


def _authorities(reader: _Reader) -> tuple[CertificateInfo, ...]:
    found: list[CertificateInfo] = []
    entries = reader.items("trusted_certificate_authorities")
    for index, pem in enumerate(entries):
        field = f"trusted_certificate_authorities[{index}]"
        if not isinstance(pem, str):
            raise InvalidGenesis(field, "expected a PEM string")
        try:
            certificates = load_certificates_pem(pem.encode())
        except (MalformedCertificate, InvalidIdentifier) as error:
            raise InvalidGenesis(field, str(error)) from None
        for certificate in certificates:
            if not certificate.is_ca:
                raise InvalidGenesis(field, f"{certificate.subject!r} is not a CA")
            if all(known.fingerprint != certificate.fingerprint for known in found):
                found.append(certificate)
    if not found:
        raise InvalidGenesis("trusted_certificate_authorities", "must list at least one CA")
    return tuple(found)


def _validators(
    reader: _Reader, authorities: tuple[CertificateInfo, ...], genesis_time: datetime
) -> tuple[GenesisValidator, ...]:
    trust = TrustStore(authorities)
    validators: list[GenesisValidator] = []
    for index, entry in enumerate(reader.items("validators")):
        item = _Reader(entry, f"validators[{index}]")
        validator_id = _nonempty(item.text("id"), item.name("id"))
        try:
            certificate = load_certificate(item.text("certificate_pem").encode())
            verify_chain(certificate, trust, genesis_time)
        except (MalformedCertificate, InvalidIdentifier, CertificateRejected) as error:
            raise InvalidGenesis(item.name("certificate_pem"), str(error)) from None
        if certificate.kind is not CertificateKind.NODE:
            raise InvalidGenesis(item.name("certificate_pem"), "not a node certificate")
        power = item.integer("power", 1)
        if power <= 0:
            raise InvalidGenesis(item.name("power"), "must be positive")
        validators.append(GenesisValidator(validator_id, certificate, power))
    if not validators:
        raise InvalidGenesis("validators", "must list at least one validator")
    if len({v.validator_id for v in validators}) != len(validators):
        raise InvalidGenesis("validators", "two validators share an id")
    if len({v.certificate.fingerprint for v in validators}) != len(validators):
        raise InvalidGenesis("validators", "two validators share a certificate")
    return tuple(validators)


def _calendar(reader: _Reader) -> WorkingCalendar:
    weekend = reader.raw("weekend_days", list(SATURDAY_AND_SUNDAY), required=False)
    if not isinstance(weekend, list) or not all(
        isinstance(day, int) and not isinstance(day, bool) for day in weekend
    ):
        raise InvalidGenesis(reader.name("weekend_days"), "expected a list of ISO weekdays")
    holidays = reader.items("holidays", required=False)
    extra = reader.items("extra_working_days", required=False)
    try:
        return WorkingCalendar(
            utc_offset_hours=reader.integer("utc_offset_hours", KAZAKHSTAN_UTC_OFFSET_HOURS),
            weekend_days=frozenset(weekend),
            holidays=frozenset(
                _iso_date(d, f"{reader.name('holidays')}[{i}]") for i, d in enumerate(holidays)
            ),
            extra_working_days=frozenset(
                _iso_date(d, f"{reader.name('extra_working_days')}[{i}]")
                for i, d in enumerate(extra)
            ),
        )
    except InvalidCalendar as error:
        raise InvalidGenesis(reader.path, str(error)) from None


def _limits(reader: _Reader) -> ChainLimits:
    limits = ChainLimits(
        max_transaction_bytes=reader.integer(
            "max_transaction_bytes", DEFAULT_MAX_TRANSACTION_BYTES
        ),
        max_expiry_blocks=reader.integer("max_expiry_blocks", DEFAULT_MAX_EXPIRY_BLOCKS),
        max_block_transactions=reader.integer(
            "max_block_transactions", DEFAULT_MAX_BLOCK_TRANSACTIONS
        ),
        max_block_bytes=reader.integer("max_block_bytes", DEFAULT_MAX_BLOCK_BYTES),
    )
    for name in ("max_transaction_bytes", "max_expiry_blocks", "max_block_transactions"):
        if getattr(limits, name) <= 0:
            raise InvalidGenesis(reader.name(name), "must be positive")
    smallest = 2 * BLOCK_OVERHEAD_RESERVE_BYTES
    if not smallest <= limits.max_block_bytes <= MAX_BLOCK_BYTES_CEILING:
        raise InvalidGenesis(
            reader.name("max_block_bytes"),
            f"{limits.max_block_bytes} is outside {smallest}..{MAX_BLOCK_BYTES_CEILING}",
        )
    return limits


def _pilot(reader: _Reader) -> PilotWindow:
    first = _iso_date(reader.raw("in_force_from"), reader.name("in_force_from"))
    last = _iso_date(reader.raw("in_force_until"), reader.name("in_force_until"))
    if last < first:
        raise InvalidGenesis(reader.name("in_force_until"), "is before in_force_from")
    return PilotWindow(first, last)
