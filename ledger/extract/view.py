"""The human view of a registry extract, computed from the proven bytes alone.

The view in extract.json is what a person reads; the verifier recomputes it from the header,
the certificate and the proven records and refuses the extract when a single value differs
(ledger/extract/extract.py). So the view must be a pure, deterministic function of those bytes, made
only of JSON types (dicts, lists, strings, integers, booleans, null), and equal after a JSON
round trip.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from ledger.chain.blocks import BlockHeader, CommitCertificate
from ledger.state.records import Encumbrance, Property, from_unix_ms

JsonValue = Any  # dict[str, JsonValue] | list[JsonValue] | str | int | bool | None


def plain(value: object) -> JsonValue:
    """A record as JSON values: fields by name, enums by name, times and dates in ISO 8601,
    bytes in lowercase hex, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    raise TypeError(f"no JSON view of {type(value).__name__}")


def statement(cadastral_number: str, record: Property | None, lease: Encumbrance | None) -> str:
    """The extract's answer in one sentence."""
    if record is None:
        return (
            f"No property with cadastral number {cadastral_number} is registered "
            "(proof of absence)."
        )
    holder = f"{record.holder.identifier_kind.name} {record.holder.identifier}"
    if lease is None:
        return (
            f"Property {cadastral_number} is held by {holder} and carries no active "
            "encumbrance (proof of absence)."
        )
    return (
        f"Property {cadastral_number} is held by {holder} and carries an ACTIVE lease "
        f"encumbrance: lessor BIN {lease.lessor_bin}, lessee IIN {lease.lessee_iin}, registered "
        f"at height {lease.registered_height}."
    )


def extract_view(
    cadastral_number: str,
    header: BlockHeader,
    certificate: CommitCertificate,
    record: Property | None,
    lease: Encumbrance | None,
) -> dict[str, JsonValue]:
    return {
        "statement": statement(cadastral_number, record, lease),
        "chain_id": header.chain_id,
        "height": header.height,
        "block_hash": header.block_hash.hex(),
        "block_time": plain(from_unix_ms(header.time_unix_ms)),
        "state_root": header.state_root.hex(),
        "certified_by": [signature.validator_id for signature in certificate.signatures],
        "property": None if record is None else plain(record),
        "active_encumbrance": None if lease is None else plain(lease),
    }


def first_difference(expected: JsonValue, found: JsonValue, path: str = "view") -> str | None:
    """The path of the first value that differs (``view.property.address``), or None."""
    if isinstance(expected, Mapping) and isinstance(found, Mapping):
        for key in sorted(set(expected) | set(found)):
            if key not in expected or key not in found:
                return f"{path}.{key}"
            difference = first_difference(expected[key], found[key], f"{path}.{key}")
            if difference is not None:
                return difference
        return None
    if _is_list(expected) and _is_list(found):
        if len(expected) != len(found):
            return path
        for index, (left, right) in enumerate(zip(expected, found, strict=True)):
            difference = first_difference(left, right, f"{path}[{index}]")
            if difference is not None:
                return difference
        return None
    # bool is an int: true must not pass for 1.
    if type(expected) is not type(found) or expected != found:
        return path
    return None


def _is_list(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)
