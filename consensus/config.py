"""Timeouts of Algorithm 1: timeoutX(r) = initTimeoutX + r * timeoutDelta (paper, §3)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from consensus.types import Round, TimeoutKind


class InvalidTimeoutConfig(ValueError):
    """A timeout from configuration is negative or zero."""


@dataclass(frozen=True, slots=True)
class TimeoutConfig:
    """Durations in milliseconds; they grow linearly with the round and reset every height."""

    timeout_propose_ms: int = 3000
    timeout_propose_delta_ms: int = 500
    timeout_prevote_ms: int = 1000
    timeout_prevote_delta_ms: int = 500
    timeout_precommit_ms: int = 1000
    timeout_precommit_delta_ms: int = 500

    def __post_init__(self) -> None:
        for config_field in fields(self):
            name = config_field.name
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidTimeoutConfig(f"{name} must be a non-negative integer, got {value!r}")
        if min(self.timeout_propose_ms, self.timeout_prevote_ms, self.timeout_precommit_ms) <= 0:
            raise InvalidTimeoutConfig("initial timeouts must be positive")

    def duration_ms(self, kind: TimeoutKind, round_number: Round) -> int:
        base, delta = {
            TimeoutKind.PROPOSE: (self.timeout_propose_ms, self.timeout_propose_delta_ms),
            TimeoutKind.PREVOTE: (self.timeout_prevote_ms, self.timeout_prevote_delta_ms),
            TimeoutKind.PRECOMMIT: (self.timeout_precommit_ms, self.timeout_precommit_delta_ms),
        }[kind]
        return base + round_number * delta
