"""The storage encoding of records: deterministic msgpack, driven by the dataclass fields.

A record is a msgpack array `[record name, field 1, field 2, ...]` in the dataclass's field
order; nested records are arrays, enums are stored by name, times as unix milliseconds, dates as
ISO text, absent values as nil, tuples as arrays. No maps: an array has one encoding, so every
node writes byte-identical state. Callers use the named save_*/load_* functions of
ledger.state.records (the one public entry point); this module is their machinery.

Speed: records are encoded and decoded for every transaction (a registrar decision reads and
writes the whole application), so each record class is compiled once into a `_Layout`: its
field getter and one encoder and one decoder per field, chosen from the field's declared type.
The rules are those of the straightforward reading of the types (kept as the reference in
tests/unit/perf/test_codec_bytes.py): the declared type decides only `X | None` (nil or X) and
`tuple[X, ...]` (an array of X); every other value is encoded by what it is at run time (enum,
datetime, date, bool, str, bytes, int, record), and decoded by what the field declares.
"""

from __future__ import annotations

import dataclasses
import enum
import operator
import types
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import msgpack

R = TypeVar("R")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_INT = -(2**63)
_MAX_INT = 2**64 - 1

_Encoder = Callable[[Any], object]
_Decoder = Callable[[object], object]


class CorruptRecord(Exception):
    """Stored bytes that are not the record they should be: an internal invariant is broken."""


def save_record(record: object) -> bytes:
    """Any record dataclass (also those of other ledger modules) as deterministic msgpack."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        raise TypeError(f"not a record: {record!r}")
    layout = _layout(type(record))
    packed: bytes = msgpack.packb([layout.name, *_encode_with(layout, record)], use_bin_type=True)
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


# Compiled record classes. A memo only: a class's fields and types never change, and compiling
# twice (two threads at once) yields equal layouts, so the dicts need no lock.


@dataclasses.dataclass(frozen=True, slots=True)
class _Layout:
    name: str  # the class name, the array's first element
    field_names: tuple[str, ...]
    field_values: Callable[[Any], tuple[object, ...]]  # the record's fields, in order
    encoders: tuple[_Encoder, ...]
    decoders: tuple[_Decoder, ...]
    positional: bool  # the constructor takes the fields in order (no init=False, kw_only)


_LAYOUTS: dict[type[Any], _Layout] = {}


def _layout(record_type: type[Any]) -> _Layout:
    layout = _LAYOUTS.get(record_type)
    if layout is None:
        layout = _compile_layout(record_type)
        _LAYOUTS[record_type] = layout
    return layout


def _compile_layout(record_type: type[Any]) -> _Layout:
    hints = typing.get_type_hints(record_type)
    fields = dataclasses.fields(record_type)
    names = tuple(f.name for f in fields)
    return _Layout(
        name=record_type.__name__,
        field_names=names,
        field_values=_field_getter(names),
        encoders=tuple(_compile_encoder(hints[name]) for name in names),
        decoders=tuple(_compile_decoder(hints[name], name) for name in names),
        positional=all(f.init and not f.kw_only for f in fields),
    )


def _field_getter(names: tuple[str, ...]) -> Callable[[Any], tuple[object, ...]]:
    if not names:
        return lambda record: ()
    if len(names) == 1:
        (name,) = names
        return lambda record: (getattr(record, name),)
    return operator.attrgetter(*names)


# Encoding.


def _encode_with(layout: _Layout, record: object) -> list[object]:
    return [
        encode(value)
        for encode, value in zip(layout.encoders, layout.field_values(record), strict=True)
    ]


def _encode_fields(record: object) -> list[object]:
    return _encode_with(_layout(type(record)), record)


def _compile_encoder(kind: Any) -> _Encoder:
    kind = getattr(kind, "__supertype__", kind)  # NewType
    origin = typing.get_origin(kind)
    if origin is types.UnionType or origin is typing.Union:
        inner = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(inner) != 1:
            return _unsupported_encoder(kind)
        return _compile_encoder(inner[0])  # every encoder maps None to nil first
    if origin is tuple:
        item_kinds = typing.get_args(kind)
        if not item_kinds:
            return _unsupported_encoder(kind)
        encode_item = _compile_encoder(item_kinds[0])

        def encode_tuple(value: Any) -> object:
            if value is None:
                return None
            return [encode_item(item) for item in value]

        return encode_tuple
    return _encode_value


def _unsupported_encoder(kind: Any) -> _Encoder:
    def refuse(value: Any) -> object:
        if value is None:
            return None
        raise TypeError(f"cannot encode a field of type {kind!r} in a record")

    return refuse


def _encode_value(value: object) -> object:
    """A value by what it is at run time; str and bytes, most fields, need no conversion."""
    if value is None:
        return None
    value_type = type(value)
    if value_type is str or value_type is bytes:
        return value
    convert = _VALUE_ENCODERS.get(value_type)
    if convert is None:
        convert = _value_encoder(value_type)
        _VALUE_ENCODERS[value_type] = convert
    return convert(value)


_VALUE_ENCODERS: dict[type[Any], _Encoder] = {}


def _value_encoder(value_type: type[Any]) -> _Encoder:
    """The conversion for every value of `value_type`; the order of the tests matters (an
    IntEnum is an int, a datetime a date, a bool an int)."""
    if issubclass(value_type, enum.Enum):
        return _enum_name
    if issubclass(value_type, datetime):
        return unix_ms
    if issubclass(value_type, date):
        return _iso_date
    if issubclass(value_type, bool | str | bytes):
        return _same
    if issubclass(value_type, int):
        return _checked_int
    if dataclasses.is_dataclass(value_type):
        return _encode_fields

    def refuse(value: object) -> object:
        raise TypeError(f"cannot encode {value_type.__name__} in a record")

    return refuse


def _enum_name(value: enum.Enum) -> str:
    return value.name


def _iso_date(value: date) -> str:
    return value.isoformat()


def _same(value: object) -> object:
    return value


def _checked_int(value: int) -> int:
    if not _MIN_INT <= value <= _MAX_INT:
        raise ValueError(f"{value} does not fit a msgpack integer")
    return value


# Decoding. The items come from msgpack.unpackb only, so an int is exactly int (or bool), a
# text exactly str, a bin exactly bytes, an array exactly list.


def _decode_fields(record_type: type[Any], items: list[object]) -> object:
    layout = _layout(record_type)
    if len(items) != len(layout.decoders):
        raise CorruptRecord(
            f"{record_type.__name__}: {len(items)} fields, expected {len(layout.decoders)}"
        )
    values = [decode(item) for decode, item in zip(layout.decoders, items, strict=True)]
    if layout.positional:
        return record_type(*values)
    return record_type(**dict(zip(layout.field_names, values, strict=True)))


def _compile_decoder(kind: Any, name: str) -> _Decoder:
    base = getattr(kind, "__supertype__", kind)  # NewType
    origin = typing.get_origin(base)
    if origin is types.UnionType or origin is typing.Union:
        inner = [a for a in typing.get_args(base) if a is not type(None)]
        if len(inner) != 1:
            return _unsupported_decoder(base, name)
        decode_present = _compile_decoder(inner[0], name)

        def decode_optional(item: object) -> object:
            return None if item is None else decode_present(item)

        return decode_optional
    if origin is tuple:
        item_kinds = typing.get_args(base)
        if not item_kinds:
            return _unsupported_decoder(base, name)
        decode_item = _compile_decoder(item_kinds[0], name)

        def decode_tuple(item: object) -> object:
            if type(item) is list:
                return tuple([decode_item(element) for element in item])
            raise _not_a(name, item, base)

        return decode_tuple
    return _leaf_decoder(base, name)


def _unsupported_decoder(kind: Any, name: str) -> _Decoder:
    """A union of several types, or a bare tuple: no record has one; nil still decodes."""

    def refuse(item: object) -> object:
        if item is None:
            return None
        raise TypeError(f"field {name!r}: cannot decode a field of type {kind!r}")

    return refuse


def _leaf_decoder(base: Any, name: str) -> _Decoder:
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return _enum_decoder(base, name)
    if base is datetime:
        return _time_decoder(name)
    if base is date:
        return _date_decoder(name)
    if base in (bool, int, str, bytes):
        return _exact_decoder(base, name)
    if dataclasses.is_dataclass(base):
        record_type = typing.cast("type[Any]", base)

        def decode_record(item: object) -> object:
            if type(item) is list:
                return _decode_fields(record_type, item)
            raise _not_a(name, item, base)

        return decode_record

    def refuse(item: object) -> object:
        raise _not_a(name, item, base)

    return refuse


def _enum_decoder(enum_type: type[enum.Enum], name: str) -> _Decoder:
    members = enum_type.__members__  # by name, aliases included, as enum_type[...] looks up

    def decode_enum(item: object) -> object:
        if type(item) is str:
            member = members.get(item)
            if member is not None:
                return member
            raise _bad_value(name, item)
        raise _not_a(name, item, enum_type)

    return decode_enum


def _time_decoder(name: str) -> _Decoder:
    def decode_time(item: object) -> object:
        if type(item) is int:
            try:
                return _EPOCH + timedelta(milliseconds=item)
            except OverflowError:
                raise _bad_value(name, item) from None
        raise _not_a(name, item, datetime)

    return decode_time


def _date_decoder(name: str) -> _Decoder:
    def decode_date(item: object) -> object:
        if type(item) is str:
            try:
                return date.fromisoformat(item)
            except ValueError:
                raise _bad_value(name, item) from None
        raise _not_a(name, item, date)

    return decode_date


def _exact_decoder(base: type[Any], name: str) -> _Decoder:
    """bool, int, str, bytes: taken as they are when msgpack produced exactly that type."""

    def decode_exact(item: object) -> object:
        if type(item) is base:
            return item
        raise _not_a(name, item, base)

    return decode_exact


def _bad_value(name: str, item: object) -> CorruptRecord:
    return CorruptRecord(f"field {name!r}: bad value {item!r}")


def _not_a(name: str, item: object, base: Any) -> CorruptRecord:
    return CorruptRecord(f"field {name!r}: {item!r} is not a {base!r}")
