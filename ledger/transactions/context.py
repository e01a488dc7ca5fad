"""The block a transaction is judged in: its chain, height and time, and the chain's parameters.

Below the registry rules and the executor, so that both can name it without importing each
other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.calendar import WorkingCalendar
from ledger.chain.genesis import ChainLimits, Genesis, PilotWindow
from ledger.state.records import unix_ms


@dataclass(frozen=True, slots=True)
class BlockContext:
    """What the rules may know about the block being executed, and the chain's parameters."""

    chain_id: str
    height: int
    time: datetime  # the block time, tz-aware UTC, whole milliseconds
    limits: ChainLimits
    calendar: WorkingCalendar
    pilot: PilotWindow

    def __post_init__(self) -> None:
        if self.height < 1:
            raise ValueError(f"block height {self.height} is below 1")
        unix_ms(self.time)  # raises for a naive time or one finer than a millisecond

    @classmethod
    def from_genesis(cls, genesis: Genesis, height: int, time: datetime) -> BlockContext:
        return cls(genesis.chain_id, height, time, genesis.limits, genesis.calendar, genesis.pilot)
