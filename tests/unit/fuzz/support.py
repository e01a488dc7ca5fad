"""What every fuzz test of this folder shares: the Hypothesis profiles, the inputs a peer or a
client could send (arbitrary bytes, and structure-aware mutations of real valid objects), and the
one assertion: only the decoder's named errors escape.

Profiles (docs/reliability.md, "## Fuzzing"):
- ``tirkeu-fuzz-ci`` (default): FUZZ_CI_EXAMPLES examples per decoder, derandomized so that a CI
  failure reproduces, no deadline (the machine is shared; a slow example is not a failure).
- ``tirkeu-fuzz-long``: selected by ``TIRKEU_FUZZ_EXAMPLES=N`` in the environment, N examples per
  decoder, randomized (a long run looks for what the derandomized CI run cannot).

Sizes are bounded (MAX_FUZZ_BYTES) so that no example can take unbounded time: a decoder that
hangs on a small input hangs the test, which is the failure we want to see.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ_CI_EXAMPLES = 200
LONG_RUN_VARIABLE = "TIRKEU_FUZZ_EXAMPLES"
MAX_FUZZ_BYTES = 4096  # arbitrary inputs; mutations of valid objects may be a little longer
VECTORS = Path(__file__).resolve().parents[3] / "proto" / "vectors"

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "tirkeu-fuzz-ci",
    max_examples=FUZZ_CI_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_HEALTH,
)
settings.register_profile(
    "tirkeu-fuzz-long",
    max_examples=int(os.environ.get(LONG_RUN_VARIABLE) or FUZZ_CI_EXAMPLES),
    deadline=None,
    derandomize=False,
    database=None,
    suppress_health_check=_HEALTH,
)
FUZZ = settings(
    settings.get_profile(
        "tirkeu-fuzz-long" if os.environ.get(LONG_RUN_VARIABLE) else "tirkeu-fuzz-ci"
    )
)

E = TypeVar("E", bound=BaseException)
R = TypeVar("R")


def only_named(
    decode: Callable[[], R], named: tuple[type[BaseException], ...]
) -> R | BaseException:
    """The decoder's result, or the named error it raised; any other exception propagates and
    fails the test with the decoder's own traceback (the escape to fix)."""
    try:
        return decode()
    except named as error:
        return error


def vectors(name: str) -> Any:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


# --- arbitrary and mutated bytes ----------------------------------------------------------------

arbitrary_bytes = st.binary(max_size=MAX_FUZZ_BYTES)

_EXTREME_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF)


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[bytes]) -> bytes:
    """A valid object's bytes after one to four mutations: a flipped bit, a byte set to an
    extreme, a truncation, a deleted, duplicated or inserted run, a splice with another seed, or
    an overlong varint (protobuf) / length (DER) where a length was."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        size = len(data)
        at = draw(st.integers(0, max(size - 1, 0)))
        operation = draw(st.integers(0, 7))
        if operation == 0 and size:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif operation == 1 and size:
            data[at] = draw(st.sampled_from(_EXTREME_BYTES))
        elif operation == 2:
            del data[at:]
        elif operation == 3:
            del data[at : at + draw(st.integers(1, 64))]
        elif operation == 4:
            run = bytes(data[at : at + draw(st.integers(1, 64))])
            data[at:at] = run * draw(st.integers(1, 3))
        elif operation == 5:
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif operation == 6:
            other = draw(st.sampled_from(seeds))
            data = data[:at] + other[draw(st.integers(0, max(len(other) - 1, 0))) :]
        else:
            data[at:at] = b"\xff" * draw(st.integers(1, 10)) + b"\x7f"
    return bytes(data)


def bytes_of(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """Half arbitrary bytes, half mutations of the seeds, plus the seeds themselves."""
    return st.one_of(st.sampled_from(seeds), mutated(seeds), arbitrary_bytes)


# --- protobuf field extremes --------------------------------------------------------------------

_INT_EXTREMES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), -1, 0, 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), -1, 0, 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), -1, 0, 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), -1, 0, 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), -1, 0, 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), -1, 0, 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 1, 2**31, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 1, 2**31, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 1, 2**63, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 1, 2**63, 2**64 - 1),
}
# Text a hostile client would try: empty, NUL, bidi override, non-ASCII digits, long, odd forms.
EXTREME_TEXTS = (
    "",
    "\x00",
    "a\x00b",
    "\u202e1/45",
    "٢١:٣١٨:٠٢٣:١٢٤٥:١/٤٥",
    "２１:３１８:０２３:１２４５:１/４５",
    "x" * 5000,
    "e\u0301",
    "\ufeff",
    "\U0001f600",
    "-1",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    " 54.30 ",
)
EXTREME_BYTES = (b"", b"\x00", b"\x00" * 31, b"\xff" * 32, b"\xff" * 33, b"\x30\x80" * 8)


def _fields(message: Message) -> list[tuple[Message, Any]]:
    """Every field of ``message`` and of the sub-messages it has set, with its holder."""
    found: list[tuple[Message, Any]] = []
    for field in message.DESCRIPTOR.fields:
        found.append((message, field))
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        if field.is_repeated:
            for item in getattr(message, field.name):
                if isinstance(item, Message):
                    found.extend(_fields(item))
        elif message.HasField(field.name):
            found.extend(_fields(getattr(message, field.name)))
    return found


def _set_extreme(draw: st.DrawFn, holder: Message, field: Any) -> None:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        holder.ClearField(field.name)
        return
    if field.type == FieldDescriptor.TYPE_ENUM:
        value: object = draw(st.sampled_from((0, -1, 1, 99, 2**31 - 1)))
    elif field.type == FieldDescriptor.TYPE_BOOL:
        value = draw(st.booleans())
    elif field.type == FieldDescriptor.TYPE_STRING:
        value = draw(st.one_of(st.sampled_from(EXTREME_TEXTS), st.text(max_size=64)))
    elif field.type == FieldDescriptor.TYPE_BYTES:
        value = draw(st.one_of(st.sampled_from(EXTREME_BYTES), st.binary(max_size=64)))
    elif field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        value = draw(st.sampled_from((0.0, -1.0, float("inf"), float("nan"))))
    else:
        value = draw(st.sampled_from(_INT_EXTREMES[field.type]))
    if field.is_repeated:
        repeated = getattr(holder, field.name)
        del repeated[:]
        repeated.extend([value] * draw(st.integers(0, 3)))
    else:
        setattr(holder, field.name, value)


M = TypeVar("M", bound=Message)


@st.composite
def with_extreme_fields(draw: st.DrawFn, seeds: Sequence[M]) -> M:
    """A copy of one seed message with one to three of its fields (at any depth) set to an
    extreme value: the bounds of its integer type, hostile text, wrong-length bytes, an unknown
    enum number, a cleared sub-message."""
    seed = draw(st.sampled_from(seeds))
    message = type(seed)()
    message.CopyFrom(seed)
    for _ in range(draw(st.integers(1, 3))):
        holder, field = draw(st.sampled_from(_fields(message)))
        _set_extreme(draw, holder, field)
    return message


# --- JSON documents (genesis files, extracts) ---------------------------------------------------

JSON_EXTREMES: tuple[object, ...] = (
    None,
    True,
    -1,
    0,
    2**64,
    -(2**70),
    1.5,
    float("inf"),
    "",
    "\x00",
    "zz",
    "\u202e",
    "x" * 5000,
    [],
    {},
    [[[[[[[[]]]]]]]],
)


def _paths(value: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


def _replace(value: object, path: tuple[str | int, ...], new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    if isinstance(value, list):
        return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]
    return value


def _without(value: object, path: tuple[str | int, ...]) -> object:
    if len(path) == 1 and isinstance(value, dict):
        return {k: v for k, v in value.items() if k != path[0]}
    if len(path) == 1 and isinstance(value, list):
        return [v for i, v in enumerate(value) if i != path[0]]
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_without(v, rest) if k == head else v) for k, v in value.items()}
    if isinstance(value, list):
        return [(_without(v, rest) if i == head else v) for i, v in enumerate(value)]
    return value


@st.composite
def mutated_json(draw: st.DrawFn, seeds: Sequence[object]) -> object:
    """A seed document with one to three values (at any depth) replaced by an extreme JSON
    value or removed, or a text value mutated character by character."""
    document = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(document)))
        operation = draw(st.integers(0, 2))
        if operation == 0 and path:
            document = _without(document, path)
        elif operation == 1:
            document = _replace(document, path, draw(st.sampled_from(JSON_EXTREMES)))
        else:
            document = _replace(document, path, draw(st.text(max_size=80)))
    return document


def json_bytes_of(seeds: Sequence[object]) -> st.SearchStrategy[bytes]:
    """What a file could hold: mutated documents, mutated bytes of the seeds, deep nesting."""
    encoded = [json.dumps(seed).encode() for seed in seeds]
    return st.one_of(
        mutated_json(seeds).map(lambda d: json.dumps(d, allow_nan=True).encode()),
        mutated(encoded),
        st.integers(1, 200_000).map(lambda depth: b"[" * depth + b"]" * depth),
        arbitrary_bytes,
    )
