"""Coordinated Byzantine validators: f of them, one shared plan, two halves of the honest.

The strongest attack on Tendermint's agreement is a coalition, not f independent liars.
Per (height, round) the coalition splits the honest validators into two halves, A and B,
and then:

- when one of its members proposes, the proposal equivocates: half A is shown one block
  and half B another (both valid, so honest validators prevote them, paper lines 22-27);
- every member prevotes and precommits, toward each half, the block that half was shown,
  so each half sees its own block backed by f extra votes (the "double voters");
- when an honest validator proposes block V, the coalition backs V toward one half and nil
  toward the other, so one half can lock V (lines 36-43) while the other does not: the
  split-lock state from which a lock-ignoring core forks in a later round (in a third of
  such rounds it backs V toward both, the step that completes such a fork);
- a random share of its messages reaches only part of a half (withheld per peer), so a
  block can be committed by some honest validators while others only hold the lock.

With n = 3f + 1 each half has at most 2f honest, f + 1 plus f Byzantine is a quorum for at
most one half per round, and the lock (lines 23, 29) keeps the other half from joining a
second block later: safety must hold. The mutation tests in test_simulator.py show that the
checker does catch the fork when the lock or the quorum threshold is broken.

Members run the honest core for timing only: what they send is decided here. They never
relay other validators' messages and never serve block sync; re-gossip repeats exactly the
lie a peer was told before, so loss does not blunt the attack.
"""

from __future__ import annotations

import enum
import random

from consensus import Height, Proposal, Round, SigningRecord, ValidatorId, Vote
from consensus.types import NO_ROUND, BlockId, ConsensusMessage, VoteType
from tests.sim.network import Payload, SyncRequest
from tests.sim.node import CoreFactory, Environment, SimNode


class HalvesEvery(enum.Enum):
    """How often the coalition redraws the two halves (drawn per seed)."""

    RUN = "run"  # one split for the whole run: the same half is courted every time
    HEIGHT = "height"
    ROUND = "round"


Half = int  # 0 = A, 1 = B
_BOTH = 2  # an honest proposal backed toward both halves: it lets a mutant decide twice
_MessageKey = tuple[Height, Round, str]


def _key(message: ConsensusMessage) -> _MessageKey:
    kind = "proposal" if isinstance(message, Proposal) else message.vote_type.value
    return (message.height, message.round, kind)


class Coalition:
    """The shared brain of the Byzantine validators in coordinated mode."""

    def __init__(
        self,
        rng: random.Random,
        env: Environment,
        members: tuple[ValidatorId, ...],
        honest: tuple[ValidatorId, ...],
    ) -> None:
        self.rng = rng
        self.env = env
        self.members = frozenset(members)
        self.honest = honest
        self.halves_every = rng.choice(tuple(HalvesEvery))
        # Share of (message, peer) pairs not sent at all: 0 is the clean two-halves attack.
        self.withhold_probability = rng.choice((0.0, 0.0, 0.15, 0.35))
        self._halves: dict[tuple[int, int], dict[ValidatorId, Half]] = {}
        # Per (height, round) the coalition proposed in: (value, valid round) per half.
        self._proposals: dict[tuple[Height, Round], tuple[tuple[BlockId, Round], ...]] = {}
        # Per (height, round) with an honest proposer: its value, and the half that is backed.
        self._honest_values: dict[tuple[Height, Round], BlockId] = {}
        self._backed_half: dict[tuple[Height, Round], Half] = {}
        # Per (height, round, half): the one member a precommit goes to, or None for all.
        self._precommit_audience: dict[tuple[Height, Round, Half], ValidatorId | None] = {}

    def describe(self) -> str:
        return (
            f"coalition {sorted(self.members)}: halves redrawn per {self.halves_every.value}, "
            f"withholding {self.withhold_probability:.0%}"
        )

    # ------------------------------------------------------------------ halves

    def half_of(self, peer: ValidatorId, height: Height, round_number: Round) -> Half:
        scope = {
            HalvesEvery.RUN: (0, 0),
            HalvesEvery.HEIGHT: (height, 0),
            HalvesEvery.ROUND: (height, round_number),
        }[self.halves_every]
        halves = self._halves.get(scope)
        if halves is None:
            shuffled = list(self.honest)
            self.rng.shuffle(shuffled)
            # Sizes differ by at most one; which half is the larger one is drawn too.
            cut = (len(shuffled) + self.rng.randint(0, 1)) // 2
            cut = min(max(cut, 1), len(shuffled) - 1) if len(shuffled) > 1 else 1
            halves = {v: (0 if i < cut else 1) for i, v in enumerate(shuffled)}
            self._halves[scope] = halves
        return halves.get(peer, 0)

    # ------------------------------------------------------------------ what each half sees

    def equivocated(self, height: Height, round_number: Round) -> bool:
        """Whether the coalition showed the two halves different blocks in this round."""
        return (height, round_number) in self._proposals

    def learn_proposal(self, proposal: Proposal) -> None:
        """A member received an honest proposal: the value the coalition may back."""
        if proposal.proposer not in self.members:
            self._honest_values.setdefault((proposal.height, proposal.round), proposal.value)

    def proposal_for(self, proposal: Proposal, half: Half) -> Proposal:
        """Two valid blocks per round: the core's own (honest-looking) one and a fresh one."""
        where = (proposal.height, proposal.round)
        pair = self._proposals.get(where)
        if pair is None:
            own = (proposal.value, proposal.valid_round)
            fresh = (self.env.new_value(1.0), NO_ROUND)
            pair = (own, fresh) if self.rng.random() < 0.5 else (fresh, own)
            self._proposals[where] = pair
            self.env.count("coalition equivocating proposals")
        value, valid_round = pair[half]
        return Proposal(proposal.height, proposal.round, value, valid_round, proposal.proposer)

    def vote_value_for(self, vote: Vote, half: Half) -> BlockId | None:
        where = (vote.height, vote.round)
        pair = self._proposals.get(where)
        if pair is not None:
            return pair[half][0]
        honest_value = self._honest_values.get(where)
        if honest_value is None:
            return vote.value  # nothing proposed seen yet: vote as the core does
        backed = self._backed_half.setdefault(where, self.rng.randint(0, 2))
        return honest_value if backed in (half, _BOTH) else None

    def hears_precommit(self, vote: Vote, peer: ValidatorId, half: Half) -> bool:
        """Half the time a precommit goes to one member of the half only: that one can
        commit while the rest of its half holds only the lock (and, in a core that ignores
        the lock, can be led to a second block in the next round)."""
        where = (vote.height, vote.round, half)
        if where not in self._precommit_audience:
            members = sorted(
                v for v in self.honest if self.half_of(v, vote.height, vote.round) == half
            )
            single = self.rng.random() < 0.5 and len(members) > 1
            self._precommit_audience[where] = self.rng.choice(members) if single else None
            if single:
                self.env.count("coalition precommits to one member of a half")
        audience = self._precommit_audience[where]
        return audience is None or audience == peer

    def message_for(self, message: ConsensusMessage, peer: ValidatorId) -> ConsensusMessage | None:
        """What a member tells ``peer`` instead of ``message``; None withholds it."""
        half = 0 if peer in self.members else self.half_of(peer, message.height, message.round)
        if peer not in self.members and self.rng.random() < self.withhold_probability:
            return None
        if (
            isinstance(message, Vote)
            and message.vote_type is VoteType.PRECOMMIT
            and peer not in self.members
            and not self.hears_precommit(message, peer, half)
        ):
            return None
        if isinstance(message, Proposal):
            return self.proposal_for(message, half)
        value = self.vote_value_for(message, half)
        return Vote(message.vote_type, message.height, message.round, value, message.validator)


class CoalitionNode(SimNode):
    """One member of the coalition: honest core for timing, the coalition for content."""

    byzantine = True

    def __init__(
        self,
        validator_id: ValidatorId,
        env: Environment,
        factory: CoreFactory,
        coalition: Coalition,
    ) -> None:
        super().__init__(validator_id, env, factory)
        self.coalition = coalition
        # What each peer was told per (height, round, kind): re-gossip repeats it exactly.
        self._told: dict[tuple[ValidatorId, _MessageKey], ConsensusMessage | None] = {}

    def on_payload(self, sender: ValidatorId, payload: Payload) -> None:
        if isinstance(payload, SyncRequest):
            return  # never helps anyone catch up
        if isinstance(payload, Proposal):
            self.coalition.learn_proposal(payload)
        super().on_payload(sender, payload)

    def sign_and_send(self, message: ConsensusMessage, record: SigningRecord) -> None:
        """No guard, no persistence: each peer gets the coalition's version for its half."""
        self._tell(message)

    def broadcast(self, payload: Payload) -> None:
        """Re-gossip: repeat our own lies; never relay what honest validators said."""
        if isinstance(payload, Proposal | Vote) and self._sender(payload) == self.validator_id:
            self._tell(payload)

    def _tell(self, message: ConsensusMessage) -> None:
        key = _key(message)
        for peer in self.peers:
            told_key = (peer, key)
            if told_key not in self._told:
                lie = self.coalition.message_for(message, peer)
                if lie is not None:
                    self.env.checker.on_signed(self.env.queue.now_ms, self.validator_id, lie)
                self._told[told_key] = lie
            told = self._told[told_key]
            if told is not None:
                self.env.network.send(self.validator_id, peer, told)
