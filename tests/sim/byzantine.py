"""Byzantine validators: they run the honest core for timing but lie when they send.

They skip the double-sign guard, never serve block sync, and their own commits are not
checked. Behaviours (chosen per node from the seed):

- silent: never sends anything;
- equivocating proposer: when proposer, sends one proposal to some peers and a different
  one (a fresh value, claiming no valid round) to the others;
- double voter: for each vote, also signs a conflicting one (another value proposed in the
  height, or nil, or a fresh value) and sends either vote, or both, peer by peer;
- amnesic: forgets its lock (the "amnesia" attack): prevotes any valid proposal.
"""

from __future__ import annotations

import enum
import random

from consensus import ConsensusCore, Proposal, Round, SigningRecord, ValidatorId, Vote
from consensus.types import NO_ROUND, BlockId, ConsensusMessage
from tests.sim.network import Payload, SyncRequest
from tests.sim.node import CoreFactory, Environment, SimNode


class Behaviour(enum.Enum):
    SILENT = "silent"
    EQUIVOCATING_PROPOSER = "equivocating_proposer"
    DOUBLE_VOTER = "double_voter"
    AMNESIC = "amnesic"


def choose_behaviours(rng: random.Random) -> frozenset[Behaviour]:
    """Silent (10 %), everything at once (50 %: the strongest adversary), else a random mix."""
    roll = rng.random()
    if roll < 0.1:
        return frozenset({Behaviour.SILENT})
    active = (Behaviour.EQUIVOCATING_PROPOSER, Behaviour.DOUBLE_VOTER, Behaviour.AMNESIC)
    if roll < 0.6:
        return frozenset(active)
    chosen = frozenset(b for b in active if rng.random() < 0.5)
    return chosen or frozenset({rng.choice(active)})


class AmnesicCore(ConsensusCore):
    """The core of a validator that ignores its lock (lines 23 and 29 without the lock)."""

    def lock_admits_fresh_proposal_line_23(self, value: BlockId, value_valid: bool) -> bool:
        return value_valid

    def lock_admits_reproposal_line_29(
        self, value: BlockId, value_valid: bool, valid_round: Round
    ) -> bool:
        return value_valid


class ByzantineNode(SimNode):
    byzantine = True
    proposed_value_valid_probability = 0.7

    def __init__(
        self,
        validator_id: ValidatorId,
        env: Environment,
        factory: CoreFactory,
        rng: random.Random,
        behaviours: frozenset[Behaviour],
    ) -> None:
        super().__init__(validator_id, env, factory)
        self.rng = rng
        self.behaviours = behaviours
        # Every value this node has seen proposed, per height: material for double votes.
        self._seen_values: dict[int, list[BlockId]] = {}

    def boot(self) -> None:
        if Behaviour.SILENT in self.behaviours:
            return
        super().boot()

    def on_payload(self, sender: ValidatorId, payload: Payload) -> None:
        if isinstance(payload, SyncRequest):
            return  # never helps anyone catch up
        if isinstance(payload, Proposal):
            self._remember(payload.height, payload.value)
        super().on_payload(sender, payload)

    def _remember(self, height: int, value: BlockId) -> None:
        seen = self._seen_values.setdefault(height, [])
        if value not in seen:
            seen.append(value)

    def sign_and_send(self, message: ConsensusMessage, record: SigningRecord) -> None:
        """No guard, no persistence: sign whatever, send different things to different peers."""
        alternative = self._alternative(message)
        if alternative is None:
            self._sign(message)
            self.broadcast(message)
            return
        self._sign(message)
        self._sign(alternative)
        for peer in self.peers:
            roll = self.rng.random()
            if roll < 0.2:
                both = [message, alternative]
                self.rng.shuffle(both)
                for payload in both:
                    self.env.network.send(self.validator_id, peer, payload)
            else:
                chosen = message if roll < 0.6 else alternative
                self.env.network.send(self.validator_id, peer, chosen)

    def _sign(self, message: ConsensusMessage) -> None:
        self.env.checker.on_signed(self.env.queue.now_ms, self.validator_id, message)
        if isinstance(message, Proposal):
            self._remember(message.height, message.value)

    def _alternative(self, message: ConsensusMessage) -> ConsensusMessage | None:
        if isinstance(message, Proposal):
            if Behaviour.EQUIVOCATING_PROPOSER not in self.behaviours:
                return None
            value = self.env.new_value(self.proposed_value_valid_probability)
            return Proposal(message.height, message.round, value, NO_ROUND, message.proposer)
        if Behaviour.DOUBLE_VOTER not in self.behaviours:
            return None
        candidates: list[BlockId | None] = [
            v for v in self._seen_values.get(message.height, []) if v != message.value
        ]
        if message.value is not None:
            candidates.append(None)
        if not candidates:
            candidates.append(self.env.new_value(self.proposed_value_valid_probability))
        other = self.rng.choice(candidates)
        return Vote(message.vote_type, message.height, message.round, other, message.validator)
