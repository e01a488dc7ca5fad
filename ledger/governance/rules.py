"""Rules versions (issue 12, docs/adr/0012-rules-versions-and-the-pilot-window.md).

Every block header names the registry rules it was executed with. Genesis starts at version 1;
a ``RulesUpgrade`` — approved by more than 2/3 of the validators' power in force, submitted by a
registrar, naming the State Corporation's act — schedules version V from an activation height H
at least ``EFFECTIVE_DISTANCE`` ahead. Blocks before H keep their version for ever: the auditor
and every replay execute each block with the version its height had.

The versions this software can execute are ``KNOWN_RULES_VERSIONS``:
  1  the rules of genesis (the pilot window of genesis, order para 8);
  2  as 1, and an upgrade may amend the pilot window's last day (order para 8 as amended):
     from its activation height the window ends on the upgrade's ``pilot_in_force_until``.
A committed upgrade to a version this software does not know is still recorded (the quorum
decided it); a node that reaches its height without the version stops there
(``RulesVersionUnsupported``), never executing a block under rules it does not have.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass, replace
from datetime import date, datetime

from cryptography.hazmat.primitives.asymmetric import ec
from tirkeu_pb import transaction_pb2

from ledger.chain.blocks import GENESIS_RULES_VERSION
from ledger.chain.genesis import Genesis, PilotWindow
from ledger.governance.schedule import EFFECTIVE_DISTANCE, certifying_validators, read_schedule
from ledger.governance.validator_changes import (
    Approval,
    ChangeProblem,
    InvalidChange,
    verify_quorum_approvals,
)
from ledger.identity.signatures import sign_ecdsa_p256
from ledger.registry.common import RuleInput, RuleOutcome, require_sole_registrar
from ledger.rejections import RejectionReason
from ledger.state.access import StateOverlay, StateReader, authority_key
from ledger.state.codec import load_record, save_record
from ledger.transactions.context import BlockContext
from ledger.transactions.envelope import reject

KNOWN_RULES_VERSIONS = (1, 2)
PILOT_AMENDMENT_VERSION = 2  # the first version in which an upgrade may move the pilot's end
UPGRADE_DOMAIN_TAG = b"tirkeu/rules-upgrade/v1"
RULES_KEY = authority_key("rules-schedule")
MAX_AUTHORITY_CHARACTERS = 500


class RulesVersionUnsupported(Exception):
    """This node reached a height whose rules version its software does not have."""

    def __init__(self, height: int, version: int, supported: tuple[int, ...]) -> None:
        super().__init__(
            f"height {height} runs rules version {version}; this node has {list(supported)}"
        )
        self.height = height
        self.version = version
        self.supported = supported


@dataclass(frozen=True, slots=True)
class ScheduledRules:
    version: int
    from_height: int
    authority: str  # the act that ordered it
    pilot_in_force_until: str  # ISO date, or "" (unchanged)


@dataclass(frozen=True, slots=True)
class RulesSchedule:
    upgrades: tuple[ScheduledRules, ...]  # in commit order, ascending versions and heights

    def version_at(self, height: int) -> int:
        version = GENESIS_RULES_VERSION
        for upgrade in self.upgrades:
            if upgrade.from_height <= height:
                version = upgrade.version
        return version

    def pilot_at(self, genesis_pilot: PilotWindow, height: int) -> PilotWindow:
        pilot = genesis_pilot
        for upgrade in self.upgrades:
            if upgrade.from_height <= height and upgrade.pilot_in_force_until:
                last_day = date.fromisoformat(upgrade.pilot_in_force_until)
                pilot = PilotWindow(pilot.in_force_from, last_day)
        return pilot


def read_rules_schedule(state: StateReader) -> RulesSchedule:
    data = state.get(RULES_KEY)
    return RulesSchedule(()) if data is None else _decode(data)


@functools.lru_cache(maxsize=8)
def _decode(data: bytes) -> RulesSchedule:
    return load_record(RulesSchedule, data)


def rules_version_at(state: StateReader, height: int) -> int:
    return read_rules_schedule(state).version_at(height)


def block_context_at(
    genesis: Genesis,
    state: StateReader,
    height: int,
    time: datetime,
    *,
    supported: tuple[int, ...] = KNOWN_RULES_VERSIONS,
) -> BlockContext:
    """The context a block at ``height`` executes in on ``state`` (the state it follows): the
    pilot window as amended up to that height. Raises RulesVersionUnsupported when the version
    in force there is not in ``supported``: the caller must not execute the block."""
    schedule = read_rules_schedule(state)
    version = schedule.version_at(height)
    if version not in supported:
        raise RulesVersionUnsupported(height, version, supported)
    context = BlockContext.from_genesis(genesis, height, time)
    return replace(context, pilot=schedule.pilot_at(genesis.pilot, height))


def upgrade_sign_bytes(chain_id: str, upgrade: transaction_pb2.RulesUpgrade) -> bytes:
    """What each approval signs: tag | u16+chain id | u64 sequence | u32 version | u64
    activation height | u16+authority | u16+pilot date (all text UTF-8)."""
    parts = [UPGRADE_DOMAIN_TAG]
    encoded_chain = chain_id.encode("utf-8")
    parts += [struct.pack(">H", len(encoded_chain)), encoded_chain]
    parts.append(
        struct.pack(">QIQ", upgrade.sequence, upgrade.rules_version, upgrade.activation_height)
    )
    for text in (upgrade.authority, upgrade.pilot_in_force_until):
        encoded = text.encode("utf-8")
        parts += [struct.pack(">H", len(encoded)), encoded]
    return b"".join(parts)


def apply_rules_upgrade(state: StateOverlay, rule_input: RuleInput) -> RuleOutcome:
    require_sole_registrar(rule_input.transaction)
    message = rule_input.transaction.body.rules_upgrade
    height = rule_input.block.height
    schedule = read_rules_schedule(state)
    latest = schedule.upgrades[-1] if schedule.upgrades else None
    invalid = RejectionReason.RULES_UPGRADE_INVALID
    if message.sequence != len(schedule.upgrades):
        raise reject(
            RejectionReason.RULES_UPGRADE_STALE,
            f"sequence {message.sequence}, the next upgrade is {len(schedule.upgrades)}",
        )
    current = GENESIS_RULES_VERSION if latest is None else latest.version
    if message.rules_version <= current:
        raise reject(invalid, f"version {message.rules_version} is not above {current}")
    earliest = height + EFFECTIVE_DISTANCE
    if message.activation_height < earliest:
        raise reject(invalid, f"activation height {message.activation_height} is before {earliest}")
    authority = message.authority.strip()
    if not authority or len(authority) > MAX_AUTHORITY_CHARACTERS:
        raise reject(invalid, "the upgrade must name the act that orders it (authority)")
    pilot_until = message.pilot_in_force_until
    if pilot_until:
        _check_pilot_amendment(message.rules_version, pilot_until, rule_input)
    approvals = tuple(Approval(a.validator_id, bytes(a.signature)) for a in message.approvals)
    signed = upgrade_sign_bytes(rule_input.block.chain_id, message)
    in_force = certifying_validators(read_schedule(state).in_force(height))
    try:
        verify_quorum_approvals(signed, approvals, in_force)
    except InvalidChange as error:
        reason = (
            RejectionReason.VALIDATOR_APPROVAL_NO_QUORUM
            if error.problem is ChangeProblem.NO_QUORUM
            else RejectionReason.VALIDATOR_APPROVAL_INVALID
        )
        raise reject(reason, error.detail) from None
    upgrade = ScheduledRules(
        message.rules_version, message.activation_height, authority, pilot_until
    )
    state.put(RULES_KEY, save_record(RulesSchedule((*schedule.upgrades, upgrade))))
    return RuleOutcome()


def _check_pilot_amendment(version: int, pilot_until: str, rule_input: RuleInput) -> None:
    invalid = RejectionReason.RULES_UPGRADE_INVALID
    if version < PILOT_AMENDMENT_VERSION:
        raise reject(invalid, f"rules version {version} cannot amend the pilot window")
    try:
        last_day = date.fromisoformat(pilot_until)
    except ValueError:
        raise reject(invalid, f"pilot_in_force_until {pilot_until!r} is not an ISO date") from None
    if last_day.isoformat() != pilot_until or last_day < rule_input.block.pilot.in_force_from:
        raise reject(invalid, f"pilot_in_force_until {pilot_until!r} is not a day of the window")


def sign_upgrade(
    upgrade: transaction_pb2.RulesUpgrade,
    chain_id: str,
    approvers: dict[str, ec.EllipticCurvePrivateKey],
) -> transaction_pb2.RulesUpgrade:
    """``upgrade`` with an approval of each of ``approvers`` (validator id: node key) added."""
    signed = upgrade_sign_bytes(chain_id, upgrade)
    result = transaction_pb2.RulesUpgrade()
    result.CopyFrom(upgrade)
    for validator_id, key in approvers.items():
        result.approvals.add(validator_id=validator_id, signature=sign_ecdsa_p256(key, signed))
    return result
