"""The storage encoding of records: deterministic msgpack, driven by the dataclass fields.

A record is a msgpack array `[record name, field 1, field 2, ...]` in the dataclass's field
order; nested records are arrays, enums are stored by name, times as unix milliseconds, dates as
ISO text, absent values as nil, tuples as arrays. No maps: an array has one encoding, so every
node writes byte-identical state. Callers use the named save_*/load_* functions of
ledger.records (the one public entry point); this module is their machinery.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import msgpack

R = TypeVar("R")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_INT = -(2**63)
_MAX_INT = 2**64 - 1


class CorruptRecord(Exception):
    """Stored bytes that are not the record they should be: an internal invariant is broken."""


def save_record(record: object) -> bytes:
    """Any record dataclass (also those of other ledger modules) as deterministic msgpack."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        raise TypeError(f"not a record: {record!r}")
    packed: bytes = msgpack.packb(
        [type(record).__name__, *_encode_fields(record)], use_bin_type=True
    )
    return packed


def load_record(record_type: type[R], data: bytes) -> R:
    """The record of `record_type` that `save_record` wrote; CorruptRecord otherwise."""
    try:
        unpacked = msgpack.unpackb(data, raw=False, strict_map_key=True, use_list=True)
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as error:
        raise CorruptRecord(f"{record_type.__name__}: not msgpack: {error}") from None
    if not isinstance(unpacked, list) or not unpacked or unpacked[0] != record_type.__name__:
        raise CorruptRecord(f"expected a {record_type.__name__} record")
    return typing.cast(R, _decode_fields(record_type, unpacked[1:]))


def unix_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of a tz-aware time, exactly (no rounding)."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone")
    delta = moment - _EPOCH
    if delta.microseconds % 1000:
        raise ValueError(f"{moment.isoformat()} is finer than a millisecond")
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_unix_ms(milliseconds: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=milliseconds)


# Field names and resolved types per record class; a memo only (the types never change).
_FIELD_TYPES: dict[type[Any], tuple[tuple[str, Any], ...]] = {}


def _field_types(record_type: type[Any]) -> tuple[tuple[str, Any], ...]:
    known = _FIELD_TYPES.get(record_type)
    if known is None:
        hints = typing.get_type_hints(record_type)
        known = tuple((f.name, hints[f.name]) for f in dataclasses.fields(record_type))
        _FIELD_TYPES[record_type] = known
    return known


def _encode_fields(record: object) -> list[object]:
    fields = _field_types(typing.cast("type[Any]", type(record)))
    return [_encode(getattr(record, name), kind) for name, kind in fields]


def _encode(value: object, kind: Any) -> object:
    if value is None:
        return None
    kind = getattr(kind, "__supertype__", kind)  # NewType
    origin = typing.get_origin(kind)
    if origin is types.UnionType or origin is typing.Union:
        (inner,) = [a for a in typing.get_args(kind) if a is not type(None)]
        return _encode(value, inner)
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        return [_encode(item, item_kind) for item in typing.cast(tuple[object, ...], value)]
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime):
        return unix_ms(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | str | bytes):
        return value
    if isinstance(value, int):
        if not _MIN_INT <= value <= _MAX_INT:
            raise ValueError(f"{value} does not fit a msgpack integer")
        return value
    if dataclasses.is_dataclass(value):
        return _encode_fields(value)
    raise TypeError(f"cannot encode {type(value).__name__} in a record")


def _decode_fields(record_type: type[Any], items: list[object]) -> object:
    fields = _field_types(record_type)
    if len(items) != len(fields):
        raise CorruptRecord(f"{record_type.__name__}: {len(items)} fields, expected {len(fields)}")
    values = {
        name: _decode(item, kind, name) for (name, kind), item in zip(fields, items, strict=True)
    }
    return record_type(**values)


def _decode(item: object, kind: Any, name: str) -> object:
    base = getattr(kind, "__supertype__", kind)
    origin = typing.get_origin(base)
    if origin is types.UnionType or origin is typing.Union:
        if item is None:
            return None
        (inner,) = [a for a in typing.get_args(base) if a is not type(None)]
        return _decode(item, inner, name)
    if origin is tuple and isinstance(item, list):
        item_kind = typing.get_args(base)[0]
        return tuple(_decode(element, item_kind, name) for element in item)
    try:
        if isinstance(base, type) and issubclass(base, enum.Enum) and isinstance(item, str):
            return base[item]
        if base is datetime and isinstance(item, int) and not isinstance(item, bool):
            return from_unix_ms(item)
        if base is date and isinstance(item, str):
            return date.fromisoformat(item)
    except (KeyError, ValueError, OverflowError):
        raise CorruptRecord(f"field {name!r}: bad value {item!r}") from None
    if base is bool and isinstance(item, bool):
        return item
    if base is int and isinstance(item, int) and not isinstance(item, bool):
        return item
    if base in (str, bytes) and isinstance(item, base):
        return item
    if dataclasses.is_dataclass(base) and isinstance(item, list):
        return _decode_fields(typing.cast("type[Any]", base), item)
    raise CorruptRecord(f"field {name!r}: {item!r} is not a {base!r}")
