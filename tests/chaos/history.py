"""The client-side history: every operation the load asked for, every attempt at it, every answer.

An operation is one transaction (one envelope, one id) the story wants committed; an attempt is
one SubmitTransaction of that same envelope to one node (a retry re-sends the same bytes, so the
id never changes). The checker reads only this and the nodes' databases.

May import: the standard library only.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

# Answers as the client saw them.
COMMITTED = "COMMITTED"
PENDING = "PENDING"
REJECTED = "REJECTED"
UNKNOWN = "UNKNOWN"
NO_ANSWER = "NO_ANSWER"  # a gRPC error: the transaction may or may not have been admitted


@dataclass(slots=True)
class Attempt:
    node: str
    sent_at: float  # seconds since the run started
    answered_at: float = 0.0
    answer: str = ""  # COMMITTED / PENDING / REJECTED / NO_ANSWER
    reason: str = ""  # the rejection reason, or the gRPC status code for NO_ANSWER
    height: int = 0
    retry: bool = False  # the same envelope was sent before


@dataclass(slots=True)
class Operation:
    op_id: int
    kind: str  # the story step, e.g. "lease_application", "register_decision"
    transaction_id: str
    expiry_height: int
    group: str = ""  # conflicting operations share a group; exactly one of them must commit
    story: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    lookups: int = 0  # GetTransaction calls made to follow it up
    final: str = ""  # the client's settled view: COMMITTED / REJECTED / "" (unsettled)
    final_reason: str = ""
    final_height: int = 0
    settled_by_lookup_at: str = ""  # the node whose GetTransaction settled it, if one did
    envelope: bytes = b""

    def reported_committed(self) -> bool:
        return any(a.answer == COMMITTED for a in self.attempts) or self.final == COMMITTED

    def answered(self, answer: str) -> bool:
        return any(a.answer == answer for a in self.attempts)


class History:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._operations: list[Operation] = []

    def now(self) -> float:
        return round(time.monotonic() - self.started, 3)

    def new_operation(
        self,
        kind: str,
        transaction_id: str,
        expiry_height: int,
        envelope: bytes,
        *,
        group: str = "",
        story: int = 0,
    ) -> Operation:
        with self._lock:
            operation = Operation(
                len(self._operations) + 1,
                kind,
                transaction_id,
                expiry_height,
                group,
                story,
                envelope=envelope,
            )
            self._operations.append(operation)
            return operation

    def operations(self) -> list[Operation]:
        with self._lock:
            return list(self._operations)

    def to_json(self) -> list[dict[str, Any]]:
        documents = []
        for operation in self.operations():
            document = asdict(operation)
            del document["envelope"]  # the id names it; the bytes would swell the report
            documents.append(document)
        return documents
