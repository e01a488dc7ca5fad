"""What the store does about a damaged disk: LevelDB's corruption as one named error, every read
checksummed, and the cheap proof that the stored blocks have no hole (issue 13, ADR 0019).

LevelDB keeps a CRC32C with every log record and table block. Without ``paranoid_checks`` it
drops a log record whose checksum fails while recovering the log at open, silently, and the
node then serves a chain with missing heights; without ``verify_checksums`` a read of a rotten
table block is not checked either. The store turns both on (``open_database``) and every
``plyvel.CorruptionError`` into ``StoreCorrupt``, which the node and the auditor name.

Start-up checks the block sequence without reading a block (node/chain/open.py
``check_continuous``): one seek each for the lowest stored height and for any block above the
tip, and a count of the block keys of the last ``CONTINUITY_WINDOW`` heights (heights are
big-endian, so ``count == last - first + 1`` means no hole in the window). Counting keys still
reads the table blocks that hold them, values included: measured 3.2-5.4 s per million blocks
here (2 shared cores, scripts/bench_startup_check.py), so a full count would break the 2 s
start-up budget of issue 11, while the seeks and the window took 0.21-0.79 s. Below the
window, blocks have long left LevelDB's log (it holds the last few megabytes of writes) for
table files, whose damage the paranoid checks and checksums refuse instead of dropping; each
block's link was checked when ``Store.commit_block`` wrote it; and the auditor
(``tirkeu-audit verify --data-dir``) checks every height and every link.
"""

from __future__ import annotations

import errno
import functools
import os
import struct
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

import plyvel

from ledger.chain.store_keys import BLOCK_PREFIX

CONTINUITY_WINDOW = 100_000  # the latest heights whose block keys start-up counts


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


def _block_key(height: int) -> bytes:
    return BLOCK_PREFIX + struct.pack(">Q", height)


_BLOCK_KEYS_END = b"block0"  # the first key after every block/ key ('0' follows '/')
_BLOCK_KEY_LENGTH = len(BLOCK_PREFIX) + 8


def lowest_block_at_or_above(source: Any, height: int) -> int | None:
    """The lowest stored block height >= ``height`` (one seek: O(log n)); None when none."""
    keys = source.iterator(start=_block_key(height), stop=_BLOCK_KEYS_END, include_value=False)
    for key in keys:
        if len(key) == _BLOCK_KEY_LENGTH:  # other shapes are the auditor's UNKNOWN_KEY
            return _height(key)
    return None


def count_blocks(source: Any, first: int, last: int) -> int:
    """How many of the heights first..last have a block key (keys only, no block is read)."""
    keys = source.iterator(start=_block_key(first), stop=_block_key(last + 1), include_value=False)
    return sum(1 for key in keys if len(key) == _BLOCK_KEY_LENGTH)


def first_missing_height(source: Any, first: int, last: int) -> int | None:
    """The lowest height in first..last with no block (a second pass, on the failure path)."""
    expected = first
    keys = source.iterator(start=_block_key(first), stop=_block_key(last + 1), include_value=False)
    for key in keys:
        if len(key) != _BLOCK_KEY_LENGTH:
            continue
        if _height(key) != expected:
            return expected
        expected += 1
    return expected if expected <= last else None


def _height(key: bytes) -> int:
    return int(struct.unpack(">Q", key[len(BLOCK_PREFIX) :])[0])
