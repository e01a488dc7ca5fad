"""A double vote observed from another validator ends up in a committed block as evidence
naming that validator (issue 3, point 3), and the engine's metrics after that commit show
height, round, mempool size, peers and missed signatures per validator.

The engine under test is registrar-1 (tests/unit/node/engine_harness.py). registrar-4 signs two
different prevotes for height 1, round 0. registrar-2 and -3 (played by the test) vote nil in
rounds 0-2 so that the engine moves on to the first round it proposes in, then prevote and
precommit its block: registrar-4's precommit is missing from the certificate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from tirkeu_pb import peer_pb2

from consensus.types import BlockId, Height, Round, VoteType
from node.chain.evidence import DoubleVote, verify_evidence
from tests.unit.node.bft_fixtures import BLOCK_A, BLOCK_B, VALIDATOR_IDS, FourValidators
from tests.unit.node.engine_harness import ENGINE_ID, RunningEngine, running_engine

EQUIVOCATOR = VALIDATOR_IDS[3]
HONEST = VALIDATOR_IDS[1:3]


@pytest.fixture(scope="module")
def chain() -> FourValidators:
    return FourValidators.create()


def _send_vote(run: RunningEngine, vote: peer_pb2.SignedVote) -> None:
    run.engine.consensus_message(peer_pb2.ConsensusMessage(vote=vote))


def _proposing_round(chain: FourValidators) -> int:
    validator_set = chain.setup.validators.validator_set
    return next(r for r in range(8) if validator_set.proposer(Height(1), Round(r)) == ENGINE_ID)


def _samples(run: RunningEngine) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    exposition = generate_latest(run.metrics.registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def test_a_double_vote_is_committed_as_evidence_naming_the_validator(
    tmp_path: Path, chain: FourValidators
) -> None:
    proposing = _proposing_round(chain)
    assert proposing > 0  # the rounds before it are skipped by the honest validators' nil votes
    with running_engine(tmp_path / "registrar-1", chain) as run:
        for value in (BLOCK_A, BLOCK_B):
            _send_vote(run, chain.vote(EQUIVOCATOR, VoteType.PREVOTE, value=value))
        run.wait_for(lambda: run.evidence.take() or None, "the double vote in the evidence pool")

        for round_number in range(proposing):
            for validator in HONEST:
                for kind in (VoteType.PREVOTE, VoteType.PRECOMMIT):
                    vote = chain.vote(validator, kind, round_number=round_number, value=None)
                    _send_vote(run, vote)
        proposal = run.wait_for(
            lambda: run.own_proposal(height=1, round_number=proposing), "the engine's proposal"
        )
        block_id = BlockId(proposal.block_hash)
        for kind in (VoteType.PREVOTE, VoteType.PRECOMMIT):
            for validator in HONEST:
                _send_vote(run, chain.vote(validator, kind, round_number=proposing, value=block_id))
        committed = run.wait_for(lambda: run.committed[:1] or None, "the commit of height 1")

        block = committed[0].executed.block
        assert block.block_hash == block_id
        assert len(block.evidence) == 1
        proven = verify_evidence(block.evidence[0], chain.chain_id, chain.setup.validators)
        assert proven == DoubleVote(EQUIVOCATOR, 1, 0, VoteType.PREVOTE.value)
        stored = run.store.load_block(1)
        assert stored is not None and stored.evidence == block.evidence
        signers = {s.validator_id for s in committed[0].certificate.signatures}
        assert signers == {ENGINE_ID, *HONEST}
        run.wait_for(lambda: run.evidence.take() == [] or None, "the pool to drop the evidence")

        def peers_counted() -> dict[tuple[str, tuple[tuple[str, str], ...]], float] | None:
            found = _samples(run)
            return found if found[("tirkeu_peers_reachable", ())] == 1 else None

        samples = run.wait_for(peers_counted, "the peer count in the metrics")
        assert samples[("tirkeu_height", ())] == 1
        assert samples[("tirkeu_round", ())] == 0  # height 2 has started at round 0
        assert samples[("tirkeu_mempool_size", ())] == 0
        assert samples[("tirkeu_commit_latency_seconds_count", ())] == 1
        missed = {
            dict(labels)["validator"]: value
            for (name, labels), value in samples.items()
            if name == "tirkeu_missed_signatures_total"
        }
        assert missed == {ENGINE_ID: 0, HONEST[0]: 0, HONEST[1]: 0, EQUIVOCATOR: 1}
