"""SHA-256 helpers. Every hash in Tirkeu is SHA-256 (DESIGN.md §3)."""

from __future__ import annotations

import hashlib

DIGEST_SIZE = 32


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
