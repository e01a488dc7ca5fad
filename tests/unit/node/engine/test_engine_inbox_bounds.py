"""What one Byzantine validator can make the engine's inbox hold is bounded (review finding #2):
only heights current+1 .. current+LATER_HEIGHTS are kept, each validator has its own share of a
height (per round and kind, and a few rounds ahead of the current one), and copies of one signed
message count once. Entries are counted, never time.

The inbox screens what the peer service verified; signatures play no part in the bounds, so the
messages here are built unsigned (the engine-level tests sign theirs).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tirkeu_pb import peer_pb2

from node.engine.inbox import (
    LATER_HEIGHTS,
    MAX_QUEUED_MESSAGES,
    ROUNDS_AHEAD,
    ROUNDS_AHEAD_LATER,
    SAME_KIND_PER_ROUND,
    Admission,
    EngineInbox,
)
from node.engine.inbox import Synced as SyncedItem

BYZANTINE, HONEST = "registrar-4", "registrar-2"
KINDS = (peer_pb2.PREVOTE, peer_pb2.PRECOMMIT)
# A later height: rounds 0 .. ROUNDS_AHEAD_LATER (first come), both vote kinds and a proposal.
KEPT_PER_VALIDATOR_AND_LATER_HEIGHT = (1 + ROUNDS_AHEAD_LATER) * 3 * SAME_KIND_PER_ROUND


def vote(
    validator: str, height: int, round_number: int = 0, value: int = 1, kind: int = peer_pb2.PREVOTE
) -> peer_pb2.ConsensusMessage:
    signed = peer_pb2.SignedVote(
        kind=kind,  # type: ignore[arg-type]
        height=height,
        round=round_number,
        block_hash=value.to_bytes(32, "big"),
        validator=validator,
        signature=b"s",
    )
    return peer_pb2.ConsensusMessage(vote=signed)


def proposal(
    validator: str, height: int, round_number: int, value: int
) -> peer_pb2.ConsensusMessage:
    signed = peer_pb2.SignedProposal(
        height=height,
        round=round_number,
        valid_round=-1,
        block_hash=value.to_bytes(32, "big"),
        proposer=validator,
        signature=b"s",
        block=b"block",
    )
    return peer_pb2.ConsensusMessage(proposal=signed)


def offer(inbox: EngineInbox, message: peer_pb2.ConsensusMessage, round_now: int = 0) -> Admission:
    """What the engine does with a message that needs no block check: screen, then accept."""
    admission = inbox.screen(message, round_now)
    if admission in (Admission.CURRENT, Admission.LATER):
        inbox.accept(message)
    return admission


def inbox_at(height: int) -> EngineInbox:
    inbox = EngineInbox(validator_count=4)
    inbox.enter_height(height)
    return inbox


def test_a_flood_of_future_heights_from_one_validator_keeps_two_heights() -> None:
    inbox = inbox_at(10)
    for height in range(11, 20_011):
        for round_number in range(3):
            offer(inbox, vote(BYZANTINE, height, round_number, value=height))
    assert inbox.kept_count() == LATER_HEIGHTS * (1 + ROUNDS_AHEAD_LATER)
    assert {m.vote.height for m in inbox.enter_height(11)} == {11}
    assert inbox.kept_count() == 1 + ROUNDS_AHEAD_LATER  # height 12 is still kept
    assert offer(inbox, vote(BYZANTINE, 14)) is Admission.TOO_FAR_AHEAD
    assert offer(inbox, vote(BYZANTINE, 13)) is Admission.LATER  # current + 2 now


def test_the_old_api_keeps_no_more_than_two_heights() -> None:
    inbox = EngineInbox(validator_count=4)
    message = peer_pb2.ConsensusMessage()
    kept = [inbox.keep_for_later(height, message) for height in range(1, 2_001)]
    assert kept.count(True) == 2  # heights 1 and 2, one copy each
    assert inbox.kept_count() == 2


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 2),  # later height offset
            st.integers(0, 50),  # round
            st.sampled_from((0, *KINDS)),  # 0: a proposal
            st.integers(1, 1_000),  # value
        ),
        max_size=300,
    )
)
def test_any_flood_within_the_kept_heights_is_bounded_per_validator(
    flood: list[tuple[int, int, int, int]],
) -> None:
    inbox = inbox_at(5)
    for offset, round_number, kind, value in flood:
        height = 5 + offset
        message = (
            proposal(BYZANTINE, height, round_number, value)
            if kind == 0
            else vote(BYZANTINE, height, round_number, value, kind)
        )
        offer(inbox, message)
    assert inbox.kept_count() <= LATER_HEIGHTS * KEPT_PER_VALIDATOR_AND_LATER_HEIGHT
    # ... and the honest validator's share of each later height is untouched.
    for height in (6, 7):
        assert offer(inbox, vote(HONEST, height)) is Admission.LATER


def test_a_validator_filling_the_next_height_does_not_crowd_out_an_honest_one() -> None:
    inbox = inbox_at(1)
    refused = 0
    for value in range(1, 50_001):
        for kind in KINDS:
            if offer(inbox, vote(BYZANTINE, 2, round_number=value % 7, value=value, kind=kind)) in (
                Admission.OVER_ROUND_QUOTA,
                Admission.TOO_MANY_ROUNDS_AHEAD,
            ):
                refused += 1
    assert refused > 0
    assert inbox.kept_count() <= KEPT_PER_VALIDATOR_AND_LATER_HEIGHT
    honest = [vote(HONEST, 2, kind=kind) for kind in KINDS]
    assert [offer(inbox, message) for message in honest] == [Admission.LATER] * 2
    kept = inbox.enter_height(2)
    assert all(message in kept for message in honest)


def test_copies_of_one_signed_message_count_once() -> None:
    inbox = inbox_at(1)
    first = vote(HONEST, 2)
    assert offer(inbox, first) is Admission.LATER
    copy = peer_pb2.ConsensusMessage()
    copy.CopyFrom(first)
    copy.vote.signature = b"another encoding of the same signature"
    for _ in range(100):
        assert offer(inbox, copy) is Admission.DUPLICATE
    assert inbox.kept_count() == 1


def test_current_height_future_rounds_are_limited_per_validator() -> None:
    inbox = inbox_at(3)
    admitted = [
        offer(inbox, vote(BYZANTINE, 3, round_number, value=round_number, kind=kind))
        for round_number in range(1, 10_001)
        for kind in KINDS
    ]
    assert admitted.count(Admission.CURRENT) == ROUNDS_AHEAD * len(KINDS)
    assert admitted.count(Admission.TOO_MANY_ROUNDS_AHEAD) == len(admitted) - ROUNDS_AHEAD * 2
    # Another validator, far ahead (line 55 needs its messages), still has its own share.
    assert offer(inbox, vote(HONEST, 3, round_number=9_000)) is Admission.CURRENT
    # Once this node's round passes them, the next rounds fit again.
    assert offer(inbox, vote(BYZANTINE, 3, 20, value=20), round_now=ROUNDS_AHEAD) is (
        Admission.CURRENT
    )


def test_rounds_at_or_below_the_current_one_are_capped_per_round_and_kind() -> None:
    inbox = inbox_at(3)
    admitted = [offer(inbox, vote(BYZANTINE, 3, 2, value=v), round_now=7) for v in range(1, 500)]
    assert admitted.count(Admission.CURRENT) == SAME_KIND_PER_ROUND
    assert set(admitted[SAME_KIND_PER_ROUND:]) == {Admission.OVER_ROUND_QUOTA}
    precommit = vote(BYZANTINE, 3, 2, value=1, kind=peer_pb2.PRECOMMIT)
    assert offer(inbox, precommit, round_now=7) is Admission.CURRENT  # another kind


def test_more_senders_than_validators_are_refused() -> None:
    inbox = inbox_at(1)
    outcomes = [offer(inbox, vote(f"stranger-{i}", 1)) for i in range(10)]
    assert outcomes.count(Admission.CURRENT) == 4
    assert set(outcomes[4:]) == {Admission.TOO_MANY_SENDERS}


def test_old_heights_are_stale_and_entering_a_height_drops_lower_ones() -> None:
    inbox = inbox_at(4)
    offer(inbox, vote(HONEST, 5))
    offer(inbox, vote(HONEST, 6))
    assert inbox.enter_height(6) == [vote(HONEST, 6)]
    assert inbox.kept_count() == 0
    assert offer(inbox, vote(HONEST, 5)) is Admission.STALE


def test_the_queue_bounds_consensus_messages_but_never_drops_synced_blocks() -> None:
    inbox = EngineInbox(validator_count=4)
    message = vote(HONEST, 1)
    accepted = [inbox.put_message(message) for _ in range(MAX_QUEUED_MESSAGES + 10)]
    assert accepted.count(True) == MAX_QUEUED_MESSAGES
    inbox.put_synced("peer", [])
    for _ in range(MAX_QUEUED_MESSAGES):
        assert inbox.take(0) == message
    assert inbox.put_message(message)  # room again once taken
    assert isinstance(inbox.take(0), SyncedItem)
    assert inbox.take(0) == message
