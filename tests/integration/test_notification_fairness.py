"""Issue 13, point 3, over a real node process: notification streams are shared fairly.

Four people holding four streams each (every stream the node used to serve) do not lock out
a registrar, an auditor, KTK or First Credit Bureau: they still open streams and receive their
para 28/37 deliveries. A stream that delivers nothing for ``[notifications] idle_seconds`` is
ended by the node (trailing metadata ``tirkeu-stream-end``), so abandoned streams free their
slots.
"""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from tirkeu_pb import api_pb2

from tests.integration.harness import NodeProcess
from tests.integration.story_helpers import BANK_EMPLOYEE_IIN, Story
from tests.registry_fixtures import AUDITOR_IIN, FIRST_CREDIT_BUREAU_BIN

pytestmark = pytest.mark.integration
FOURTH_PERSON_IIN = "930825400114"
FIFTH_PERSON_IIN = "950101300006"  # valid check digit; not a party of the story
STREAM_SECONDS = 120  # every stream call's deadline: nothing here waits unbounded
IDLE_SECONDS = 2
STREAMS_PER_PERSON = 4  # node/api/notifications.py MAX_STREAMS_PER_CALLER
END_METADATA_KEY = "tirkeu-stream-end"  # node/api/notifications.py


def _subscribe(node: NodeProcess, person: object, from_height: int = 1) -> grpc.Call:
    call = node.ledger(person).SubscribeNotifications(  # type: ignore[arg-type]
        api_pb2.SubscribeNotificationsRequest(from_height=from_height), timeout=STREAM_SECONDS
    )
    call.initial_metadata()  # returns once the node accepted the stream, or ended it
    return call  # type: ignore[no-any-return]


def _open(call: grpc.Call) -> bool:
    return bool(call.is_active())


def _first(call: grpc.Call, wanted: int | None) -> object:
    """The first notification on ``call`` (of channel ``wanted`` when given); the call's own
    deadline bounds the wait."""
    for notification in call:  # type: ignore[attr-defined]
        if wanted is None or notification.channel == wanted:
            return notification
    raise AssertionError(f"the stream ended without a delivery: {call.code()}")


def _end_code(call: grpc.Call) -> grpc.StatusCode:
    """How ``call`` ended, reading what it delivered first (gRPC gives the status only after
    the messages before it); its deadline bounds the wait."""
    try:
        for _ in call:  # type: ignore[attr-defined]
            pass
    except grpc.RpcError:
        pass
    return call.code()


def test_people_holding_streams_do_not_lock_institutions_out(tmp_path: Path) -> None:
    node = NodeProcess(tmp_path / "node")
    parties = node.parties
    authority = parties.authority
    people = [
        parties.recipient,
        parties.spouse,
        parties.guarantor,
        authority.issue_individual("Fourth Person", FOURTH_PERSON_IIN),
    ]
    auditor = authority.issue_individual("Auditor", AUDITOR_IIN)
    bureau = authority.issue_employee(
        "Bureau Clerk", BANK_EMPLOYEE_IIN, FIRST_CREDIT_BUREAU_BIN, "First Credit Bureau LLP"
    )
    try:
        node.start()
        held = [_subscribe(node, p) for p in people for _ in range(STREAMS_PER_PERSON)]
        assert all(_open(call) for call in held)

        institutions = {
            "registrar": _subscribe(node, parties.registrar),
            "auditor": _subscribe(node, auditor),
            "ktk": _subscribe(node, parties.ktk_officer),
            "bureau": _subscribe(node, bureau),
            # The chain's own node certificate (how KTK's observer reads): everything.
            "chain node": _subscribe(node, parties.validator),
        }
        refused = {name: call.details() for name, call in institutions.items() if not _open(call)}
        assert refused == {}

        story = Story.on(node)
        try:
            _, lease_id = story.registered_lease()  # para 28: the recipient's cabinets
            pair_id = story.commit(story.termination(lease_id), parties.ktk_officer)
            story.commit(story.videoconference(pair_id), parties.registrar)
            story.send(pair_id)
            checks = story.attestation(pair_id, with_videoconference=False)
            story.commit(checks, parties.registrar)
            story.decide(pair_id, "register")  # para 37: First Credit Bureau
        finally:
            story.client.close()

        bureau_channel = api_pb2.NotificationChannel.Value("FIRST_CREDIT_BUREAU")
        assert _first(institutions["registrar"], None) is not None
        assert _first(institutions["auditor"], None) is not None
        assert _first(institutions["bureau"], bureau_channel) is not None
        assert _first(institutions["chain node"], None) is not None
        # KTK reads no notification (ADR 0007 D8), but its stream stays open, not refused.
        assert _open(institutions["ktk"])
        # The people's streams were not evicted: nobody asked for more than the shared pool.
        assert all(_open(call) for call in held)
        # A fifth person still gets a stream: the oldest stream of a largest holder (the
        # recipient's first) is evicted for it, with a named reason, and no other.
        fifth = _subscribe(node, authority.issue_individual("Fifth Person", FIFTH_PERSON_IIN))
        assert _open(fifth)
        assert _end_code(held[0]) is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "resubscribe" in held[0].details()
        assert all(_open(call) for call in held[1:])
        held.append(fifth)
        for call in [*held, *institutions.values()]:
            call.cancel()  # type: ignore[no-untyped-call]
    finally:
        node.close()


def test_an_idle_stream_is_ended_after_the_idle_limit(tmp_path: Path) -> None:
    node = NodeProcess(tmp_path / "node")
    with node.config_path.open("a") as config:
        config.write(f"\n[notifications]\nidle_seconds = {IDLE_SECONDS}\n")
    try:
        node.start()
        # Far above the chain: nothing will be delivered, the stream only idles.
        call = _subscribe(node, node.parties.registrar, from_height=1_000_000)
        assert _open(call)
        assert list(call) == []  # type: ignore[call-overload]
        assert call.code() is grpc.StatusCode.OK
        trailing = dict(call.trailing_metadata())
        assert "idle" in trailing[END_METADATA_KEY]
        # Its slot is free again: a new stream opens.
        assert _open(_subscribe(node, node.parties.registrar))
    finally:
        node.close()
