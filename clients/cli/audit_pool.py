"""Worker processes for ``tirkeu-audit verify --jobs N`` (issue 11: "verification is
embarrassingly parallel").

The auditor's process reads each block's bytes (LevelDB lets one process open the database)
and hands them to N worker processes, ``PREFETCH_PER_JOB`` blocks per worker ahead of the
height being replayed; each worker computes the block's pure verdicts
(ledger/audit/prefetch.py). The replay stays sequential in the auditor's process, which takes
each block's verdicts in height order as it reaches it.
"""

from __future__ import annotations

import copyreg
import multiprocessing
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ledger.audit.prefetch import BlockVerdicts, block_verdicts
from ledger.audit.source import ChainSource, UnreadableRecord

# Enough blocks queued that a worker never waits for the replay, few enough (blocks of 500
# transactions, a few MiB each with their decoded documents) to keep the auditor's memory flat.
PREFETCH_PER_JOB = 2


def _certificate_from_der(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def _pickle_certificate(
    certificate: x509.Certificate,
) -> tuple[object, tuple[bytes]]:
    # cryptography's certificates do not pickle; a decoded CMS carries them. The DER is the
    # certificate, so the auditor's process gets back exactly the certificate the worker read.
    return _certificate_from_der, (certificate.public_bytes(Encoding.DER),)


def _register_pickling() -> None:
    copyreg.pickle(x509.Certificate, _pickle_certificate)  # type: ignore[arg-type]


class VerdictPool:
    """Blocks' verdicts computed ahead by ``jobs`` processes. Use as a context manager."""

    def __init__(self, source: ChainSource, jobs: int) -> None:
        self._source = source
        self._tip = source.tip_height()
        # "spawn": a fresh interpreter per worker, never a copy of the auditor's open database.
        self._executor = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_register_pickling,
        )
        self._ahead = jobs * PREFETCH_PER_JOB
        self._queued: deque[tuple[int, Future[BlockVerdicts]]] = deque()
        self._next = 1

    def __enter__(self) -> VerdictPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def verdicts(self, height: int) -> BlockVerdicts | None:
        """The verdicts of ``height``, waiting for its worker; None when none was computed
        (the block is missing or unreadable: the audit computes and names it itself)."""
        while self._queued and self._queued[0][0] < height:
            self._queued.popleft()
        self._fill(height)
        if not self._queued or self._queued[0][0] != height:
            return None
        _, future = self._queued.popleft()
        self._fill(height + 1)
        return future.result()

    def _fill(self, height: int) -> None:
        self._next = max(self._next, height)
        while self._next <= self._tip and len(self._queued) < self._ahead:
            height_ahead = self._next
            self._next += 1
            try:
                raw = self._source.block_bytes(height_ahead)
            except UnreadableRecord:  # named by the audit when it reads the block itself
                raw = None
            if raw is not None:
                future = self._executor.submit(block_verdicts, height_ahead, raw)
                self._queued.append((height_ahead, future))
