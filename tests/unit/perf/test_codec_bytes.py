"""The compiled record codec (ledger/state/codec.py) writes exactly the bytes the original,
type-walking codec wrote, and reads them back the same way: state roots of existing chains must
not change. Two witnesses (records in tests/unit/perf/codec_corpus.py):

- golden digests of records that use every kind of field the codec knows, computed with the
  codec as it was before it was compiled (commit a5c2f7b); their classes are the test's own, so
  that a record gaining a field (a format change of its own) does not touch these digests;
- that original codec, kept below verbatim but for names as `reference_save`/`reference_load`,
  against a realistic corpus and generated records of every record class the ledger and the
  node store (hypothesis), and against corrupted encodings: the same record, or both refuse.
"""

from __future__ import annotations

import dataclasses
import enum
import random
import types
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.hashing import sha256_hex
from ledger.state.codec import CorruptRecord, load_record, save_record
from tests.unit.perf.codec_corpus import (
    REALISTIC_CORPUS,
    RECORD_TYPES,
    SHAPE_TYPES,
    SHAPES_CORPUS,
)

# sha256 of save_record(record) for SHAPES_CORPUS, in order, computed with the codec of commit
# a5c2f7b (before it was compiled).
GOLDEN_SHA256 = (
    "db452a16862a81bbe8a266a479ad2ef39ca163d6ee941edb103d898fad2d5320",  # Leaf, 70,680 bytes
    "f26c658ca6ef580ca67385531776ea352b7d8d6665a2a8fc45ab787099ddbf22",  # Leaf, 47 bytes
    "043b5419a321e2b3310f271e1cd84da7db8f02ea094e4e6370ae88f296de83ca",  # Branch, 141,461 bytes
    "7088568fe6cf498780f9866c40e6ca4f5cdf405bf0150a4cca873b21fe1c8915",  # Branch, 60 bytes
    "4164f25c0804250eceea680b696c306ba132ccd6808fa8489081c6b18fdcf596",  # Branch, 75 bytes
    "865f2bf0e8a55097703ec0b235e1ed25a766ab7023b69b0b5de10217b15a0001",  # Empty, 7 bytes
)


# The codec before it was compiled (commit a5c2f7b), verbatim but for names: the reference.

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def reference_save(record: object) -> bytes:
    hints_fields = _reference_fields(type(record))
    items = [_reference_encode(getattr(record, name), kind) for name, kind in hints_fields]
    packed: bytes = msgpack.packb([type(record).__name__, *items], use_bin_type=True)
    return packed


def reference_load(record_type: type[Any], data: bytes) -> object:
    try:
        unpacked = msgpack.unpackb(data, raw=False, strict_map_key=True, use_list=True)
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError):
        raise CorruptRecord("not msgpack") from None
    if not isinstance(unpacked, list) or not unpacked or unpacked[0] != record_type.__name__:
        raise CorruptRecord("wrong record")
    return _reference_decode_fields(record_type, unpacked[1:])


def _reference_fields(record_type: type[Any]) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(record_type)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(record_type))


def _reference_encode(value: object, kind: Any) -> object:
    if value is None:
        return None
    kind = getattr(kind, "__supertype__", kind)
    origin = typing.get_origin(kind)
    if origin is types.UnionType or origin is typing.Union:
        (inner,) = [a for a in typing.get_args(kind) if a is not type(None)]
        return _reference_encode(value, inner)
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        return [_reference_encode(item, item_kind) for item in typing.cast(Any, value)]
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime):
        delta = value - _EPOCH
        if value.tzinfo is None or delta.microseconds % 1000:
            raise ValueError("not a whole millisecond with a time zone")
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | str | bytes):
        return value
    if isinstance(value, int):
        if not -(2**63) <= value <= 2**64 - 1:
            raise ValueError("does not fit")
        return value
    if dataclasses.is_dataclass(value):
        return [_reference_encode(getattr(value, n), k) for n, k in _reference_fields(type(value))]
    raise TypeError(f"cannot encode {type(value).__name__}")


def _reference_decode_fields(record_type: type[Any], items: list[object]) -> object:
    fields = _reference_fields(record_type)
    if len(items) != len(fields):
        raise CorruptRecord("field count")
    values = {
        name: _reference_decode(item, kind)
        for (name, kind), item in zip(fields, items, strict=True)
    }
    return record_type(**values)


def _reference_decode(item: object, kind: Any) -> object:
    base = getattr(kind, "__supertype__", kind)
    origin = typing.get_origin(base)
    if origin is types.UnionType or origin is typing.Union:
        if item is None:
            return None
        (inner,) = [a for a in typing.get_args(base) if a is not type(None)]
        return _reference_decode(item, inner)
    if origin is tuple and isinstance(item, list):
        return tuple(_reference_decode(element, typing.get_args(base)[0]) for element in item)
    try:
        if isinstance(base, type) and issubclass(base, enum.Enum) and isinstance(item, str):
            return base[item]
        if base is datetime and isinstance(item, int) and not isinstance(item, bool):
            return _EPOCH + timedelta(milliseconds=item)
        if base is date and isinstance(item, str):
            return date.fromisoformat(item)
    except (KeyError, ValueError, OverflowError):
        raise CorruptRecord("bad value") from None
    if base is bool and isinstance(item, bool):
        return item
    if base is int and isinstance(item, int) and not isinstance(item, bool):
        return item
    if base in (str, bytes) and isinstance(item, base):
        return item
    if dataclasses.is_dataclass(base) and isinstance(item, list):
        return _reference_decode_fields(typing.cast(Any, base), item)
    raise CorruptRecord("not the declared type")


# Generated records: a strategy for any record class, from its declared field types.

_ZONES = (UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-3, minutes=-30)))
_MOMENTS = st.builds(
    lambda ms, zone: (_EPOCH + timedelta(milliseconds=ms)).astimezone(zone),
    st.integers(min_value=0, max_value=4_102_444_800_000),
    st.sampled_from(_ZONES),
)


def strategy_for(kind: Any) -> st.SearchStrategy[Any]:
    kind = getattr(kind, "__supertype__", kind)
    origin = typing.get_origin(kind)
    if origin is types.UnionType or origin is typing.Union:
        (inner,) = [a for a in typing.get_args(kind) if a is not type(None)]
        return st.none() | strategy_for(inner)
    if origin is tuple:
        return st.lists(strategy_for(typing.get_args(kind)[0]), max_size=3).map(tuple)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return st.sampled_from(kind)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        datetime: _MOMENTS,
        date: st.dates(),
        bool: st.booleans(),
        int: st.integers(min_value=-(2**63), max_value=2**64 - 1),
        str: st.text(max_size=12),
        bytes: st.binary(max_size=40),
    }
    if kind in simple:
        return simple[kind]
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = {f.name: strategy_for(hints[f.name]) for f in dataclasses.fields(kind)}
        return st.builds(typing.cast(Any, kind), **fields)
    raise TypeError(f"no strategy for {kind!r}")


any_record = st.sampled_from(RECORD_TYPES + SHAPE_TYPES).flatmap(strategy_for)


def test_every_kind_of_field_encodes_to_the_bytes_of_the_original_codec() -> None:
    digests = tuple(sha256_hex(save_record(record)) for record in SHAPES_CORPUS)
    assert digests == GOLDEN_SHA256
    for record in SHAPES_CORPUS:
        assert load_record(type(record), save_record(record)) == record


def test_realistic_records_encode_and_load_as_the_reference_does() -> None:
    for record in REALISTIC_CORPUS + SHAPES_CORPUS:
        data = save_record(record)
        assert data == reference_save(record)
        assert load_record(type(record), data) == record == reference_load(type(record), data)


@settings(max_examples=300, deadline=None)
@given(any_record)
def test_any_record_encodes_as_the_reference_does_and_loads_back(record: Any) -> None:
    data = save_record(record)
    assert data == reference_save(record)
    assert load_record(type(record), data) == record
    assert reference_load(type(record), data) == record


_REPLACEMENTS: tuple[object, ...] = (
    None,
    True,
    False,
    0,
    -1,
    2**63,
    2**64 - 1,
    1.5,
    "",
    "x",
    "REGISTER",
    "2026-13-01",
    "2026-05-04",
    b"",
    b"x",
    [],
    [None],
    ["x"],
    {"a": 1},
)


@settings(max_examples=300, deadline=None)
@given(any_record, st.randoms(use_true_random=False), st.sampled_from(_REPLACEMENTS))
def test_a_corrupted_record_is_read_as_the_reference_reads_it(
    record: Any, chooser: random.Random, replacement: object
) -> None:
    """One element anywhere in the array tree replaced: the same record, or both refuse."""
    tree = msgpack.unpackb(save_record(record), raw=False)
    _replace_somewhere(tree, chooser, replacement)
    data = msgpack.packb(tree, use_bin_type=True)
    assert _outcome(lambda: load_record(type(record), data)) == _outcome(
        lambda: reference_load(type(record), data)
    )


def _replace_somewhere(tree: list[Any], chooser: random.Random, replacement: object) -> None:
    """Walks down from the record's array (past its name) and replaces one element."""
    node, first = tree, 1
    while len(node) > first:
        index = chooser.randrange(first, len(node))
        child = node[index]
        if isinstance(child, list) and child and chooser.random() < 0.6:
            node, first = child, 0
            continue
        node[index] = replacement
        return


def _outcome(load: typing.Callable[[], object]) -> object:
    try:
        return load()
    except CorruptRecord:
        return CorruptRecord


def test_what_cannot_be_stored_is_refused_as_before() -> None:
    record = REALISTIC_CORPUS[0]
    naive = dataclasses.replace(record, registered_at=datetime(2026, 5, 4))
    with pytest.raises(ValueError):
        save_record(naive)
    too_large = dataclasses.replace(record, height=2**64)
    with pytest.raises(ValueError):
        save_record(too_large)
    with pytest.raises(TypeError):
        save_record(dataclasses.replace(record, height=1.5))
    with pytest.raises(TypeError):
        save_record(type(record))
