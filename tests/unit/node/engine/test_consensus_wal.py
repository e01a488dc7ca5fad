"""The consensus write-ahead log (node/engine/wal.py) over a real LevelDB store: what is
logged reads back in order after the database is closed and reopened, each message once per
height, and decided heights are pruned."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tirkeu_pb import peer_pb2

from ledger.chain.store import Store
from node.engine.wal import ConsensusWal, CorruptWalEntry


def _vote(
    height: int, round_number: int, validator: str = "registrar-2"
) -> peer_pb2.ConsensusMessage:
    vote = peer_pb2.SignedVote(
        kind=peer_pb2.PREVOTE,
        height=height,
        round=round_number,
        block_hash=b"",
        validator=validator,
        signature=b"sig-%d-%d" % (height, round_number),
    )
    return peer_pb2.ConsensusMessage(vote=vote)


def _proposal(height: int, round_number: int) -> peer_pb2.ConsensusMessage:
    proposal = peer_pb2.SignedProposal(
        height=height,
        round=round_number,
        valid_round=-1,
        block_hash=bytes([round_number]) * 32,
        proposer="registrar-3",
        signature=b"sig",
        block=b"block bytes",
    )
    return peer_pb2.ConsensusMessage(proposal=proposal)


def test_logged_messages_read_back_in_order_after_reopening(tmp_path: Path) -> None:
    logged = [_vote(3, 0), _proposal(3, 1), _vote(4, 0), _vote(3, 1, "registrar-4"), _vote(3, 2)]
    with Store(tmp_path) as store:
        wal = ConsensusWal(store)
        assert all(wal.append(message) for message in logged)

    with Store(tmp_path) as store:
        wal = ConsensusWal(store)
        assert wal.messages_of(3) == [logged[0], logged[1], logged[3], logged[4]]
        assert wal.messages_of(4) == [logged[2]]
        assert wal.messages_of(5) == []


def test_a_message_is_logged_once_per_height_also_across_a_restart(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        wal = ConsensusWal(store)
        assert wal.append(_vote(3, 0))
        assert not wal.append(_vote(3, 0))  # a peer's re-gossip of the same vote

    with Store(tmp_path) as store:
        wal = ConsensusWal(store)
        assert not wal.append(_vote(3, 0))
        assert wal.append(_vote(3, 1))  # logged after the earlier ones, not over them
        assert wal.messages_of(3) == [_vote(3, 0), _vote(3, 1)]


def test_forgetting_decided_heights_prunes_them_from_the_store(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        wal = ConsensusWal(store)
        for height in (3, 4, 5, 6):
            wal.append(_vote(height, 0))
        wal.forget_below(5)
        assert wal.messages_of(3) == [] and wal.messages_of(4) == []
        assert wal.append(_vote(5, 1))

    with Store(tmp_path) as store:
        assert [height for height, _, _ in store.wal_entries(0)] == [5, 5, 6]
        wal = ConsensusWal(store)
        assert wal.messages_of(5) == [_vote(5, 0), _vote(5, 1)]
        assert wal.append(_vote(4, 0))  # forgotten, so new again (the engine never logs it)


def test_a_logged_entry_that_does_not_decode_is_a_named_error(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.save_wal_entry(3, 0, b"\xff\xff\xff", sync=True)
        with pytest.raises(CorruptWalEntry):
            ConsensusWal(store).messages_of(3)


_APPENDS = st.lists(
    st.tuples(
        st.integers(1, 3), st.integers(0, 4), st.sampled_from(["registrar-2", "registrar-3"])
    ),
    max_size=25,
)


@settings(max_examples=25, deadline=None)
@given(appends=_APPENDS, restart_at=st.integers(0, 25))
def test_each_height_reads_back_its_distinct_messages_in_first_logged_order(
    appends: list[tuple[int, int, str]], restart_at: int
) -> None:
    messages = [_vote(height, round_number, who) for height, round_number, who in appends]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory)
        with Store(path) as store:
            wal = ConsensusWal(store)
            for message in messages[:restart_at]:
                wal.append(message)
        with Store(path) as store:
            wal = ConsensusWal(store)
            for message in messages[restart_at:]:
                wal.append(message)
            for height in (1, 2, 3):
                expected: list[peer_pb2.ConsensusMessage] = []
                for message in messages:
                    if message.vote.height == height and message not in expected:
                        expected.append(message)
                assert wal.messages_of(height) == expected
