"""SubscribeNotifications (api.proto): stored notifications from a height, then live, shared
fairly among the callers of every role (issue 13).

Each open stream holds a worker thread (node/runtime/server.py), so the node serves a bounded
number of them. Before issue 13 one pool of 16 served everyone: four people holding four idle
streams each locked registrars, KTK, First Credit Bureau and auditors out of their para 28/37
deliveries for as long as they kept the connections open. Now (``StreamSlots``):
  - at most ``MAX_STREAMS_PER_CALLER`` streams per certificate;
  - every institutional class of caller (``StreamClass``: the chain's own nodes, registrars,
    auditors, KTK, First Credit Bureau) has ``RESERVED_PER_CLASS`` streams of its own that no
    one else can take;
  - everyone, people included, shares ``SHARED_STREAMS`` more; when they are all taken, a caller
    holding fewer shared streams than the largest holder takes that holder's oldest stream,
    which ends with RESOURCE_EXHAUSTED ``STREAM_EVICTED`` (fair eviction: no group of callers
    keeps another out, people included);
  - a stream that delivered nothing for ``[notifications] idle_seconds`` ends normally, like a
    Kubernetes watch at its timeout: the client resumes from the height after the last
    notification it received. Transport keepalive (node/runtime/server.py) ends streams whose
    client vanished without closing its connection.
The classes and the eviction rule are an inference: the Algorithm (paras 28, 37) says who must be
notified, not how a node shares its connections.
"""

from __future__ import annotations

import enum
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import grpc
from tirkeu_pb import api_pb2

from ledger.identity.roles import Role
from ledger.registry.notifications import load_notification
from node.api.errors import ErrorReason, abort
from node.api.identity import Caller
from node.api.views import notification_message
from node.chain.ledger_node import LedgerNode

# How often an idle notification stream checks that its client is still there (and eviction).
STREAM_IDLE_CHECK_SECONDS = 1.0
MAX_STREAMS_PER_CALLER = 4
RESERVED_PER_CLASS = 4
SHARED_STREAMS = 16
# Stored notifications are read this many blocks at a time, never the whole history at once.
NOTIFICATION_WINDOW_BLOCKS = 16
DEFAULT_IDLE_SECONDS = 900.0
# Trailing metadata of a stream ended by the idle limit: the client resubscribes.
END_METADATA_KEY = "tirkeu-stream-end"


class StreamClass(enum.Enum):
    """Who holds a stream, for the reservations (node/api/identity.py classifies callers)."""

    CHAIN_NODE = "chain-node"  # a genesis validator or KTK's observer
    REGISTRAR = "registrar"
    AUDITOR = "auditor"
    KTK = "ktk"
    CREDIT_BUREAU = "credit-bureau"
    PERSON = "person"  # recipients, spouses, guarantors, representatives
    OTHER = "other"


RESERVED_CLASSES = frozenset(StreamClass) - {StreamClass.PERSON, StreamClass.OTHER}


def stream_class(caller: Caller) -> StreamClass:
    """The most institutional of the caller's roles: a registrar who is also a person reads
    as a registrar."""
    if caller.chain_node:
        return StreamClass.CHAIN_NODE
    for role, kind in (
        (Role.REGISTRAR, StreamClass.REGISTRAR),
        (Role.AUDITOR, StreamClass.AUDITOR),
        (Role.KTK_EMPLOYEE, StreamClass.KTK),
        (Role.FIRST_CREDIT_BUREAU, StreamClass.CREDIT_BUREAU),
        (Role.INDIVIDUAL, StreamClass.PERSON),
    ):
        if role in caller.roles:
            return kind
    return StreamClass.OTHER


@dataclass(eq=False, slots=True)
class StreamTicket:
    """One open stream's slot; ``evicted`` is set when another caller took it."""

    caller: str
    kind: StreamClass
    reserved: bool
    opened: int
    evicted: threading.Event = field(default_factory=threading.Event)


class StreamSlots:
    """Open notification streams: per caller, reserved per class, and a shared pool."""

    def __init__(
        self,
        per_caller: int = MAX_STREAMS_PER_CALLER,
        reserved_per_class: int = RESERVED_PER_CLASS,
        shared: int = SHARED_STREAMS,
    ) -> None:
        self._per_caller = per_caller
        self._reserved = reserved_per_class
        self._shared = shared
        self._open: list[StreamTicket] = []
        self._sequence = 0
        self._lock = threading.Lock()

    def take(self, caller: str, kind: StreamClass = StreamClass.OTHER) -> StreamTicket | str:
        """A ticket for a new stream of ``caller``, else why not."""
        with self._lock:
            mine = [t for t in self._open if t.caller == caller]
            if len(mine) >= self._per_caller:
                return f"at most {self._per_caller} notification streams per certificate"
            self._sequence += 1
            reserved_in_use = sum(1 for t in self._open if t.reserved and t.kind is kind)
            if kind in RESERVED_CLASSES and reserved_in_use < self._reserved:
                return self._open_ticket(caller, kind, reserved=True)
            shared = [t for t in self._open if not t.reserved]
            if len(shared) < self._shared:
                return self._open_ticket(caller, kind, reserved=False)
            victim = self._fair_victim(shared, caller)
            if victim is None:
                return (
                    f"the node serves {self._shared} shared notification streams, all held by "
                    f"callers with no more streams than you"
                )
            victim.evicted.set()
            self._open.remove(victim)
            return self._open_ticket(caller, kind, reserved=False)

    def _open_ticket(self, caller: str, kind: StreamClass, *, reserved: bool) -> StreamTicket:
        ticket = StreamTicket(caller, kind, reserved, self._sequence)
        self._open.append(ticket)
        return ticket

    @staticmethod
    def _fair_victim(shared: list[StreamTicket], caller: str) -> StreamTicket | None:
        """The oldest shared stream of the largest holder, if it holds at least two more shared
        streams than ``caller`` (then taking one leaves it no worse off than the newcomer)."""
        held = Counter(t.caller for t in shared)
        top, count = max(held.items(), key=lambda item: (item[1], -min_opened(shared, item[0])))
        if count < held[caller] + 2:
            return None
        return min((t for t in shared if t.caller == top), key=lambda t: t.opened)

    def give_back(self, ticket: StreamTicket) -> None:
        with self._lock:
            if ticket in self._open:  # an evicted ticket was removed already
                self._open.remove(ticket)

    def open_count(self) -> int:
        with self._lock:
            return len(self._open)


def min_opened(tickets: list[StreamTicket], caller: str) -> int:
    return min(t.opened for t in tickets if t.caller == caller)


class NotificationStreams:
    """The SubscribeNotifications call of the Ledger service (node/api/service.py)."""

    def __init__(
        self,
        node: LedgerNode,
        slots: StreamSlots | None = None,
        *,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
    ) -> None:
        self._node = node
        self._slots = slots or StreamSlots()
        self._idle_seconds = idle_seconds

    def subscribe(
        self,
        caller: Caller,
        request: api_pb2.SubscribeNotificationsRequest,
        context: grpc.ServicerContext,
    ) -> Iterator[api_pb2.Notification]:
        """Stored notifications from ``from_height``, then live; ends when the node stops,
        after the idle limit, or with STREAM_EVICTED when a fairer caller took the slot.
        RESOURCE_EXHAUSTED TOO_MANY_STREAMS when no slot can be had."""
        ticket = self._slots.take(caller.certificate.fingerprint, stream_class(caller))
        if isinstance(ticket, str):
            abort(context, ErrorReason.TOO_MANY_STREAMS, ticket)
        try:
            context.send_initial_metadata(())  # tells the client the subscription is in place
            yield from self._notifications(caller, max(request.from_height, 1), context, ticket)
        finally:
            self._slots.give_back(ticket)

    def _notifications(
        self,
        caller: Caller,
        next_height: int,
        context: grpc.ServicerContext,
        ticket: StreamTicket,
    ) -> Iterator[api_pb2.Notification]:
        signal = self._node.signal
        last_delivery = time.monotonic()
        while context.is_active() and not signal.closed:
            if ticket.evicted.is_set():
                abort(
                    context,
                    ErrorReason.STREAM_EVICTED,
                    "another caller holding fewer streams took this one; resubscribe from "
                    f"height {next_height}",
                    metadata={"next_height": str(next_height)},
                )
            if time.monotonic() - last_delivery >= self._idle_seconds:
                context.set_trailing_metadata(
                    ((END_METADATA_KEY, f"idle; resubscribe from height {next_height}"),)
                )
                return
            latest = self._node.meta().height
            while next_height <= latest and context.is_active():
                # A bounded window of blocks per read: a subscription from height 1 never
                # holds the whole history in memory.
                last = min(latest, next_height + NOTIFICATION_WINDOW_BLOCKS - 1)
                with self._node.store.view() as view:
                    stored = view.load_notifications(next_height, last)
                for item in stored:
                    notification = load_notification(item.encoded)
                    if caller.may_read_notification(notification):
                        last_delivery = time.monotonic()
                        yield notification_message(notification, item.index)
                next_height = last + 1
            wait = min(STREAM_IDLE_CHECK_SECONDS, max(self._idle_seconds / 4, 0.05))
            signal.wait_for_height_above(latest, wait)
