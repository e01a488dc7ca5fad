"""Values the consensus core speaks in: heights, rounds, steps, proposals and votes.

Names follow "The latest gossip on BFT consensus" (Buchman, Kwon, Milosevic 2018,
arXiv 1807.04938v3, Algorithm 1). A value is opaque to the core: it is the 32-byte id of
a block (``id(v)`` in the paper); ``None`` stands for the paper's ``nil``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NewType

Height = NewType("Height", int)
Round = NewType("Round", int)
ValidatorId = NewType("ValidatorId", str)
BlockId = NewType("BlockId", bytes)

BLOCK_ID_SIZE = 32
# lockedRound / validRound before anything is locked (Algorithm 1, lines 7 and 9).
NO_ROUND = Round(-1)


class Step(enum.IntEnum):
    """step_p (Algorithm 1, line 4). Ordered, because line 36 tests ``step_p >= prevote``."""

    PROPOSE = 0
    PREVOTE = 1
    PRECOMMIT = 2


class VoteType(enum.Enum):
    PREVOTE = "prevote"
    PRECOMMIT = "precommit"


class TimeoutKind(enum.Enum):
    PROPOSE = "propose"
    PREVOTE = "prevote"
    PRECOMMIT = "precommit"


@dataclass(frozen=True, slots=True)
class Proposal:
    """⟨PROPOSAL, h, round, v, validRound⟩ signed by ``proposer``."""

    height: Height
    round: Round
    value: BlockId
    valid_round: Round
    proposer: ValidatorId


@dataclass(frozen=True, slots=True)
class Vote:
    """⟨PREVOTE | PRECOMMIT, h, round, id(v)⟩ signed by ``validator``; ``value=None`` is nil."""

    vote_type: VoteType
    height: Height
    round: Round
    value: BlockId | None
    validator: ValidatorId


ConsensusMessage = Proposal | Vote


def is_block_id(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == BLOCK_ID_SIZE


def short_id(value: BlockId | None) -> str:
    """A short printable form of a block id, for logs and simulator traces."""
    return "nil" if value is None else value[:4].hex()
