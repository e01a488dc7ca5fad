"""A validator can make the engine hold messages of only a few rounds above its current one
(node/engine/inbox.py, ROUNDS_AHEAD), yet line 55's round skip (consensus/rules.py: f+1 senders
of a higher round) still works: the cap is per validator, so the honest validators' messages of
the higher round still arrive, and each skip makes room for the next rounds.

The engine under test is registrar-1 (tests/unit/node/engine_harness.py); registrar-4 floods
prevotes of rounds 1..400 at height 1; registrar-2 and -3 (f+1 = 2 of 4) are in round 20.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tirkeu_pb import peer_pb2

from consensus.types import VoteType
from node.engine.inbox import ROUNDS_AHEAD
from tests.unit.node.bft_fixtures import VALIDATOR_IDS, FourValidators
from tests.unit.node.engine_harness import ENGINE_ID, RunningEngine, running_engine

AHEAD, TARGET = VALIDATOR_IDS[1:3], 20
FLOODER = VALIDATOR_IDS[3]


@pytest.fixture(scope="module")
def chain() -> FourValidators:
    return FourValidators.create()


def _send(run: RunningEngine, votes: list[peer_pb2.SignedVote]) -> None:
    for vote in votes:
        run.engine.consensus_message(peer_pb2.ConsensusMessage(vote=vote))


def _own_prevote(run: RunningEngine, round_number: int) -> peer_pb2.SignedVote | None:
    for message in list(run.sent.messages):
        vote = message.vote
        position = (vote.validator, vote.kind, vote.height, vote.round)
        if position == (ENGINE_ID, peer_pb2.PREVOTE, 1, round_number):
            return vote
    return None


def _logged_from(run: RunningEngine, validator: str) -> int:
    return sum(
        1
        for height, _, encoded in run.store.wal_entries(1)
        if height == 1 and peer_pb2.ConsensusMessage.FromString(encoded).vote.validator == validator
    )


def _flood(chain: FourValidators) -> list[peer_pb2.SignedVote]:
    return [
        chain.vote(FLOODER, VoteType.PREVOTE, round_number=r, value=None) for r in range(1, 401)
    ]


def test_a_round_flood_is_bounded_and_f_plus_1_still_skips_ahead(
    tmp_path: Path, chain: FourValidators
) -> None:
    with running_engine(tmp_path / "registrar-1", chain) as run:
        _send(run, _flood(chain))
        _send(
            run, [chain.vote(v, VoteType.PREVOTE, round_number=TARGET, value=None) for v in AHEAD]
        )
        run.wait_for(lambda: _own_prevote(run, TARGET), f"the engine's prevote in round {TARGET}")
        assert _logged_from(run, FLOODER) == ROUNDS_AHEAD


def test_validators_far_ahead_pull_the_engine_along_a_few_rounds_per_regossip(
    tmp_path: Path, chain: FourValidators
) -> None:
    # As peers re-gossip: every message they signed at the height, oldest first, again and again.
    gossip = [
        chain.vote(v, VoteType.PREVOTE, round_number=r, value=None)
        for v in AHEAD
        for r in range(TARGET + 1)
    ]
    assert TARGET > 2 * ROUNDS_AHEAD  # beyond what the first windows admit: it goes in steps
    with running_engine(tmp_path / "registrar-1", chain) as run:
        _send(run, _flood(chain))
        for _ in range(4):
            _send(run, gossip)
        run.wait_for(lambda: _own_prevote(run, TARGET), f"the engine's prevote in round {TARGET}")
        assert _logged_from(run, FLOODER) == ROUNDS_AHEAD
