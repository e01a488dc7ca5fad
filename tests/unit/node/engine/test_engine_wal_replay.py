"""A restarted validator replays its consensus write-ahead log (node/engine/wal.py): it
re-sends every message it signed at the height, not only the last one, and the votes it had
received count again, so the round moves on with one more vote where a node that forgot them
would wait for ever (consensus/__init__.py, "what the node must persist").

The engine under test is registrar-1 (tests/unit/node/engine_harness.py); registrar-2 proposes
height 1 round 0 and, played by the test, stays silent. registrar-3 and -4 prevote nil, so the
engine prevotes nil (timeout) and precommits nil (polka of nil). registrar-3's nil precommit
arrives, then the engine stops. After the restart registrar-4's nil precommit makes three
precommits with the logged ones: the precommit timeout moves the engine to round 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tirkeu_pb import peer_pb2

from consensus.types import ValidatorId, VoteType
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators
from tests.unit.node.engine_harness import ENGINE_ID, RunningEngine, running_engine

THIRD, FOURTH = VALIDATOR_IDS[2], VALIDATOR_IDS[3]


@pytest.fixture(scope="module")
def chain() -> FourValidators:
    return FourValidators.create()


def _send_nil(
    run: RunningEngine, chain: FourValidators, validator: ValidatorId, kind: VoteType
) -> peer_pb2.SignedVote:
    vote = chain.vote(validator, kind, round_number=0, value=None)
    run.engine.consensus_message(peer_pb2.ConsensusMessage(vote=vote))
    return vote


def _own_vote(run: RunningEngine, kind: int, round_number: int) -> peer_pb2.SignedVote | None:
    for message in list(run.sent.messages):
        vote = message.vote
        position = (vote.kind, vote.height, vote.round)
        if vote.validator == ENGINE_ID and position == (kind, 1, round_number):
            return vote
    return None


def _own_round_1_message(run: RunningEngine) -> peer_pb2.ConsensusMessage | None:
    own = [m for m in list(run.sent.messages) if m.vote.validator == ENGINE_ID]
    return next((m for m in own if m.vote.round >= 1), None)


def _logged(run: RunningEngine, vote: peer_pb2.SignedVote) -> bool | None:
    message = peer_pb2.ConsensusMessage(vote=vote).SerializeToString(deterministic=True)
    return any(encoded == message for _, _, encoded in run.store.wal_entries(1)) or None


def test_a_restarted_validator_resends_its_votes_and_counts_the_logged_ones(
    tmp_path: Path, chain: FourValidators
) -> None:
    directory = tmp_path / "registrar-1"
    with running_engine(directory, chain) as run:
        prevote = run.wait_for(lambda: _own_vote(run, peer_pb2.PREVOTE, 0), "a nil prevote")
        for validator in (THIRD, FOURTH):
            _send_nil(run, chain, validator, VoteType.PREVOTE)
        precommit = run.wait_for(lambda: _own_vote(run, peer_pb2.PRECOMMIT, 0), "a precommit")
        assert prevote.block_hash == precommit.block_hash == b""
        received = _send_nil(run, chain, THIRD, VoteType.PRECOMMIT)
        run.wait_for(lambda: _logged(run, received), "the received precommit in the log")
        assert _own_round_1_message(run) is None  # two precommits: round 0 still

    with running_engine(directory, chain) as run:
        # The prevote was not the last message signed: only the log still holds it.
        resent = run.wait_for(lambda: _own_vote(run, peer_pb2.PREVOTE, 0), "the prevote again")
        assert resent == prevote
        assert run.wait_for(lambda: _own_vote(run, peer_pb2.PRECOMMIT, 0), "it") == precommit
        _send_nil(run, chain, FOURTH, VoteType.PRECOMMIT)
        run.wait_for(lambda: _own_round_1_message(run), "round 1 after the precommit timeout")
