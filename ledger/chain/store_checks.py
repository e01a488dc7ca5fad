"""What the store does about a damaged disk: LevelDB's corruption as one named error, every read
checksummed, and the cheap proof that the stored blocks have no hole (issue 13, ADR 0019).

LevelDB keeps a CRC32C with every log record and table block. Without ``paranoid_checks`` it
drops a log record whose checksum fails while recovering the log at open, silently, and the
node then serves a chain with missing heights; without ``verify_checksums`` a read of a rotten
table block is not checked either. The store turns both on (``open_database``) and every
``plyvel.CorruptionError`` into ``StoreCorrupt``, which the node and the auditor name.

The block sequence is proved continuous from the keys alone (``scan_block_heights``): heights
are big-endian, so keys come in numeric order, and ``count == last - first + 1`` over distinct
heights means no height between is missing. Measured on 1,000,000 blocks (2 shared cores): ~0.35 s,
within the 2 s start-up budget of issue 11; decoding every block to check each hash link would
take minutes. The hash links themselves were checked when each block was written
(``Store.commit_block`` refuses a block that does not follow the stored tip), so what can break
them later is damage to the bytes, which the checksums catch when they are read, and the auditor
(``tirkeu-audit verify --data-dir``) re-checks every link.
"""

from __future__ import annotations

import errno
import functools
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import plyvel

BLOCK_KEY_PREFIX = b"block/"


class StoreInvariantError(RuntimeError):
    """The database does not hold what the chain promises (a gap, a wrong link): stop."""


class StoreUnavailable(Exception):
    """The database cannot be opened: another process holds it, or the files are unreadable."""


class StoreCorrupt(StoreUnavailable):
    """LevelDB found a record or table block whose checksum fails: the files are damaged."""


class StoreWriteFailed(Exception):
    """LevelDB could not write (the batch is not applied). ``disk_full``: out of space or over
    the file-size limit, a condition the operator fixes by freeing space; the node stops
    cleanly rather than go on with a state it could not persist."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.disk_full = any(os.strerror(code) in detail for code in _FULL_DISK_ERRORS)


# LevelDB reports only the text of errno (plyvel.IOError has no errno): out of space, over
# RLIMIT_FSIZE (EFBIG), over a disk quota.
_FULL_DISK_ERRORS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
_P = ParamSpec("_P")
_R = TypeVar("_R")


def write_errors_named(write: Callable[_P, _R]) -> Callable[_P, _R]:
    """A store write whose LevelDB I/O error becomes ``StoreWriteFailed``."""

    @functools.wraps(write)
    def named(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return write(*args, **kwargs)
        except plyvel.IOError as error:
            raise StoreWriteFailed(_text(error)) from error
        except plyvel.CorruptionError as error:
            raise StoreCorrupt(_text(error)) from error

    return named


def open_database(path: str) -> plyvel.DB:
    """The database at ``path`` (created when absent), refusing a damaged log or table."""
    try:
        return plyvel.DB(path, create_if_missing=True, paranoid_checks=True)
    except plyvel.CorruptionError as error:
        raise StoreCorrupt(f"LevelDB reports damage in {path}: {_text(error)}") from error


def _text(error: BaseException) -> str:
    detail = error.args[0] if error.args else error
    return detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)


class CheckedSource:
    """A plyvel DB or snapshot whose reads verify checksums and raise ``StoreCorrupt``."""

    __slots__ = ("_source",)

    def __init__(self, source: Any) -> None:
        self._source = source

    def get(self, key: bytes) -> bytes | None:
        try:
            value: bytes | None = self._source.get(key, verify_checksums=True)
        except plyvel.CorruptionError as error:
            raise StoreCorrupt(f"reading {key[:40]!r}: {_text(error)}") from error
        return value

    def iterator(self, **options: Any) -> Iterator[Any]:
        items = self._source.iterator(verify_checksums=True, fill_cache=False, **options)
        try:
            yield from items
        except plyvel.CorruptionError as error:
            raise StoreCorrupt(f"iterating the database: {_text(error)}") from error
        finally:
            items.close()


@dataclass(frozen=True, slots=True)
class BlockHeights:
    """The stored block keys: the lowest and highest height, how many, and the keys that are
    not a height (not 8 bytes)."""

    first: int | None
    last: int | None
    count: int
    malformed: int

    @property
    def continuous(self) -> bool:
        if self.first is None or self.last is None:
            return self.count == 0 and self.malformed == 0
        return self.malformed == 0 and self.count == self.last - self.first + 1


def scan_block_heights(source: Any) -> BlockHeights:
    """Count the block keys without reading a block (keys only: ~0.35 s per million)."""
    first: bytes | None = None
    last: bytes | None = None
    count = malformed = 0
    expected_length = len(BLOCK_KEY_PREFIX) + 8
    for key in source.iterator(prefix=BLOCK_KEY_PREFIX, include_value=False):
        if len(key) != expected_length:
            malformed += 1
            continue
        if first is None:
            first = key
        last = key
        count += 1
    return BlockHeights(_height(first), _height(last), count, malformed)


def first_missing_height(source: Any, first: int, last: int) -> int | None:
    """The lowest height in first..last with no block (a second pass, on the failure path)."""
    expected = first
    stop = BLOCK_KEY_PREFIX + struct.pack(">Q", last + 1)
    start = BLOCK_KEY_PREFIX + struct.pack(">Q", first)
    for key in source.iterator(start=start, stop=stop, include_value=False):
        if len(key) != len(BLOCK_KEY_PREFIX) + 8:
            continue
        if _height(key) != expected:
            return expected
        expected += 1
    return expected if expected <= last else None


def _height(key: bytes | None) -> int | None:
    return None if key is None else int(struct.unpack(">Q", key[len(BLOCK_KEY_PREFIX) :])[0])
