"""A full disk on one node, made for real and without faking the file system.

Two ways, chosen once at set-up:

- ``tmpfs`` (when this user may mount, e.g. root in a container): the node's data directory is a
  small tmpfs of its own; "full" remounts it with a size just above what it holds, so the node's
  next LevelDB write fails with ENOSPC, exactly as on a full disk; "healed" remounts it large.
- ``fsize`` (otherwise): ``RLIMIT_FSIZE`` of the node process (prlimit), so any write past the
  limit fails with EFBIG (Python ignores SIGXFSZ, so the write fails instead of killing the
  process). Every file of the node, its log included, is affected, like a full shared disk.

May import: the standard library only.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
from pathlib import Path

TMPFS_HEALTHY_SIZE = "2g"  # tmpfs takes memory only as it fills; the ledger stays far below
_PAGE = 4096
FILLER_NAME = "chaos-disk-filler"  # in the data directory, beside ledger/; not LevelDB's


class DiskFiller:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.mode = "fsize"
        data_dir.mkdir(parents=True, exist_ok=True)
        if not any(data_dir.iterdir()) and _mount(data_dir, TMPFS_HEALTHY_SIZE):
            self.mode = "tmpfs"

    def fill(self, pid: int | None) -> str:
        """Make the disk full now; returns what was done, for the nemesis log."""
        if self.mode == "tmpfs":
            # Shrink the file system to a little above what it holds (a remount below the
            # blocks in use is refused, and the node writes meanwhile: retry with more room),
            # then take that room with a filler file until the kernel says ENOSPC.
            for margin_pages in (16, 64, 256, 1024, 4096):
                size = (_used_bytes(self.data_dir) // _PAGE + margin_pages) * _PAGE
                if _remount(self.data_dir, str(size)):
                    break
            else:
                raise RuntimeError(f"could not shrink the tmpfs at {self.data_dir}")
            filled = _fill(self.data_dir / FILLER_NAME)
            return f"tmpfs shrunk to {size} bytes, the last {filled} bytes taken: ENOSPC"
        if pid is None:
            return "no process to limit"
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (1, 1))
        return "RLIMIT_FSIZE=1 byte on the node process: EFBIG"

    def heal(self, pid: int | None) -> None:
        if self.mode == "tmpfs":
            (self.data_dir / FILLER_NAME).unlink(missing_ok=True)
            if not _remount(self.data_dir, TMPFS_HEALTHY_SIZE):
                raise RuntimeError(f"could not grow the tmpfs at {self.data_dir} again")
        elif pid is not None:
            with contextlib.suppress(ProcessLookupError):
                unlimited = resource.RLIM_INFINITY
                resource.prlimit(pid, resource.RLIMIT_FSIZE, (unlimited, unlimited))

    def close(self) -> None:
        if self.mode == "tmpfs":
            subprocess.run(["umount", "-l", str(self.data_dir)], check=False, capture_output=True)


def _mount(path: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    completed = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        check=False,
        capture_output=True,
    )
    return completed.returncode == 0


def _remount(path: Path, size: str) -> bool:
    completed = subprocess.run(
        ["mount", "-o", f"remount,size={size}", str(path)], check=False, capture_output=True
    )
    return completed.returncode == 0


def _fill(path: Path) -> int:
    written = 0
    block = b"\0" * _PAGE
    with path.open("wb", buffering=0) as filler:
        while True:
            try:
                written += filler.write(block)
            except OSError:  # ENOSPC: full
                return written


def _used_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize
