"""Rules upgrades (issue 12, ADR 0012): quorum-approved, naming the act that orders them, in
force from their activation height; before it every block keeps the old version; a node
without the version refuses to build a block context at that height; from version 2 the pilot
window can be amended (order para 8 as amended)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from tirkeu_pb import transaction_pb2 as pb

from ledger.governance.rules import (
    RulesVersionUnsupported,
    block_context_at,
    rules_version_at,
    sign_upgrade,
)
from ledger.rejections import Rejection, RejectionReason
from tests.registry_fixtures import TEST_CHAIN_ID
from tests.unit.ledger.governance.test_validator_changes import NAMES, Chain

AUTHORITY = "Order of the State Corporation No. 17 of 2027-04-01, amending para 8"
NOON = datetime.fromisoformat("2026-05-05T07:00:00+00:00")


def _upgrade(chain: Chain, *, version: int = 2, at: int = 0, authority: str = AUTHORITY,
             pilot_until: str = "", approvers: tuple[str, ...] = NAMES[:3],
             sequence: int = 0) -> object:  # fmt: skip
    upgrade = pb.RulesUpgrade(
        rules_version=version,
        activation_height=at or chain.ledger.height + 3,
        authority=authority,
        pilot_in_force_until=pilot_until,
        sequence=sequence,
    )
    keys = {n: chain.nodes[n].key for n in approvers}
    signed = sign_upgrade(upgrade, TEST_CHAIN_ID, keys)
    return chain.ledger.apply(chain.builder.envelope(signed, chain.parties.registrar))


def _reason(outcome: object) -> RejectionReason:
    assert isinstance(outcome, Rejection), outcome
    return outcome.reason


def test_an_upgrade_is_in_force_from_its_height_and_amends_the_pilot_window() -> None:
    chain = Chain()
    genesis_pilot = chain.ledger.genesis.pilot
    activation = chain.ledger.height + 4
    applied = _upgrade(chain, at=activation, pilot_until="2028-12-31")
    assert not isinstance(applied, Rejection), applied
    state = chain.ledger.state
    assert rules_version_at(state, activation - 1) == 1
    assert rules_version_at(state, activation) == 2
    before = block_context_at(chain.ledger.genesis, state, activation - 1, NOON)
    after = block_context_at(chain.ledger.genesis, state, activation, NOON)
    assert before.pilot == genesis_pilot
    assert after.pilot.in_force_until == date(2028, 12, 31)
    assert after.pilot.in_force_from == genesis_pilot.in_force_from
    # A node without version 2 will not execute the block at the activation height.
    with pytest.raises(RulesVersionUnsupported) as stopped:
        block_context_at(chain.ledger.genesis, state, activation, NOON, supported=(1,))
    assert (stopped.value.height, stopped.value.version) == (activation, 2)
    block_context_at(chain.ledger.genesis, state, activation - 1, NOON, supported=(1,))


def test_an_upgrade_needs_a_quorum_an_authority_a_later_version_and_time() -> None:
    chain = Chain()
    no_quorum = _upgrade(chain, approvers=NAMES[:2])
    assert _reason(no_quorum) is RejectionReason.VALIDATOR_APPROVAL_NO_QUORUM
    assert _reason(_upgrade(chain, authority=" ")) is RejectionReason.RULES_UPGRADE_INVALID
    assert _reason(_upgrade(chain, version=1)) is RejectionReason.RULES_UPGRADE_INVALID
    too_soon = _upgrade(chain, at=chain.ledger.height + 2)  # the block itself is height + 1
    assert _reason(too_soon) is RejectionReason.RULES_UPGRADE_INVALID
    bad_day = _upgrade(chain, pilot_until="2028-02-30")
    assert _reason(bad_day) is RejectionReason.RULES_UPGRADE_INVALID
    assert _reason(_upgrade(chain, sequence=1)) is RejectionReason.RULES_UPGRADE_STALE
    assert not isinstance(_upgrade(chain), Rejection)
    # Scheduled: the next upgrade must go higher and carry the next sequence number.
    assert _reason(_upgrade(chain, sequence=1)) is RejectionReason.RULES_UPGRADE_INVALID
    assert not isinstance(_upgrade(chain, version=3, sequence=1), Rejection)


def test_an_altered_approval_of_an_upgrade_is_refused() -> None:
    chain = Chain()
    upgrade = pb.RulesUpgrade(
        rules_version=2, activation_height=10, authority=AUTHORITY, sequence=0
    )
    signed = sign_upgrade(upgrade, TEST_CHAIN_ID, {n: chain.nodes[n].key for n in NAMES})
    signed.activation_height = 11  # approvals were for height 10
    outcome = chain.ledger.apply(chain.builder.envelope(signed, chain.parties.registrar))
    assert _reason(outcome) is RejectionReason.VALIDATOR_APPROVAL_INVALID
