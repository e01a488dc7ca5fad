"""Validator-set changes by transaction (issue 12, ADR 0011): quorum of the set in force, in
force two heights after the block that commits it, one change at a time, each approval good
once; the set at each height is what state says."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from clients.pki.authority import IssuedCertificate
from ledger.chain.genesis import genesis_document, load_genesis
from ledger.governance.schedule import (
    HeightOutsideSchedule,
    read_schedule,
    validators_at,
)
from ledger.governance.validator_changes import (
    Approval,
    ChangeKind,
    ValidatorChange,
    change_message,
    sign_approval,
)
from ledger.identity.roles import is_validator
from ledger.rejections import Rejection, RejectionReason
from ledger.state.access import read_authorities
from tests.pki_fixtures import KTK_BIN, KTK_HEAD_IIN, REGISTRAR_IIN, STATE_CORPORATION_BIN
from tests.registry_fixtures import (
    FIRST_CREDIT_BUREAU_BIN,
    GENESIS_TIME,
    TEST_CHAIN_ID,
    EnvelopeBuilder,
    InMemoryLedger,
)
from tests.unit.ledger.registry.story import shared_parties

NAMES = ("registrar-1", "registrar-2", "registrar-3", "registrar-4")


class Chain:
    """Four equal validators and one registrar, on an in-memory ledger."""

    def __init__(self) -> None:
        self.parties = shared_parties()
        authority = self.parties.authority
        self.nodes: dict[str, IssuedCertificate] = {n: authority.issue_node(n) for n in NAMES}
        document = genesis_document(
            chain_id=TEST_CHAIN_ID,
            genesis_time=GENESIS_TIME,
            trusted_certificate_authorities_pem=[authority.chain_pem.decode()],
            ktk_bin=KTK_BIN,
            state_corporation_bin=STATE_CORPORATION_BIN,
            first_credit_bureau_bin=FIRST_CREDIT_BUREAU_BIN,
            registrar_iins=[REGISTRAR_IIN],
            ktk_head_iins=[KTK_HEAD_IIN],
            validators=[(n, c.pem.decode(), 1) for n, c in self.nodes.items()],
        )
        self.ledger = InMemoryLedger(load_genesis(json.dumps(document).encode()))
        self.builder = EnvelopeBuilder(TEST_CHAIN_ID)

    def change(
        self, kind: ChangeKind, name: str, *, der: bytes = b"", power: int = 0
    ) -> ValidatorChange:
        sequence = read_schedule(self.ledger.state).changes_committed
        return ValidatorChange(kind, name, der, power, sequence)

    def approvals(self, change: ValidatorChange, *approvers: str) -> tuple[Approval, ...]:
        return tuple(sign_approval(self.nodes[n].key, n, TEST_CHAIN_ID, change) for n in approvers)

    def submit(self, change: ValidatorChange, approvals: tuple[Approval, ...]) -> object:
        message = change_message(change, approvals)
        return self.ledger.apply(self.builder.envelope(message, self.parties.registrar))

    def ids_at(self, height: int) -> tuple[str, ...]:
        return tuple(validators_at(self.ledger.state, height).validator_set.validator_ids)

    def empty_blocks(self, count: int) -> None:
        for _ in range(count):
            self.ledger.apply_block([])


def _reason(outcome: object) -> RejectionReason:
    assert isinstance(outcome, Rejection), outcome
    return outcome.reason


def test_an_added_validator_is_in_force_two_heights_after_the_block_that_commits_it() -> None:
    chain = Chain()
    newcomer = chain.parties.authority.issue_node("registrar-5")
    change = chain.change(ChangeKind.ADD, "registrar-5", der=newcomer.der, power=1)
    outcome = chain.submit(change, chain.approvals(change, *NAMES[:3]))
    assert not isinstance(outcome, Rejection), outcome
    committed_at = chain.ledger.height
    assert chain.ids_at(committed_at + 1) == NAMES
    assert chain.ids_at(committed_at + 2) == (*NAMES, "registrar-5")
    # Peer rights follow the schedule: the newcomer may connect before its set is in force.
    assert is_validator(newcomer.info, read_authorities(chain.ledger.state))
    chain.empty_blocks(2)
    assert chain.ids_at(chain.ledger.height) == (*NAMES, "registrar-5")
    # The next change drops from state the sets no later block needs.
    chain.nodes["registrar-5"] = newcomer
    removal = chain.change(ChangeKind.REMOVE, "registrar-1")
    four_of_five = chain.approvals(removal, *NAMES[1:], "registrar-5")
    assert not isinstance(chain.submit(removal, four_of_five), Rejection)
    with pytest.raises(HeightOutsideSchedule):
        validators_at(chain.ledger.state, committed_at + 1)
    assert chain.ids_at(chain.ledger.height + 2) == (*NAMES[1:], "registrar-5")


def test_approvals_of_no_more_than_two_thirds_of_the_power_in_force_are_refused() -> None:
    chain = Chain()
    change = chain.change(ChangeKind.REMOVE, "registrar-1")
    rejected = chain.submit(change, chain.approvals(change, "registrar-1", "registrar-2"))
    assert _reason(rejected) is RejectionReason.VALIDATOR_APPROVAL_NO_QUORUM
    assert chain.ids_at(chain.ledger.height + 2) == NAMES  # nothing changed


def test_one_altered_approval_signature_fails_the_change_beside_a_quorum() -> None:
    chain = Chain()
    change = chain.change(ChangeKind.REMOVE, "registrar-1")
    good = chain.approvals(change, *NAMES)
    forged = Approval(
        good[3].validator_id, good[3].signature[:-1] + bytes([good[3].signature[-1] ^ 1])
    )
    rejected = chain.submit(change, (*good[:3], forged))
    assert _reason(rejected) is RejectionReason.VALIDATOR_APPROVAL_INVALID
    # An approval of another change (here: another validator) is no approval of this one.
    other = chain.change(ChangeKind.REMOVE, "registrar-2")
    rejected = chain.submit(change, chain.approvals(other, *NAMES[:3]))
    assert _reason(rejected) is RejectionReason.VALIDATOR_APPROVAL_INVALID


def test_one_change_at_a_time_and_each_approval_good_once() -> None:
    chain = Chain()
    change = chain.change(ChangeKind.REWEIGHT, "registrar-2", power=3)
    approvals = chain.approvals(change, *NAMES[:3])
    assert not isinstance(chain.submit(change, approvals), Rejection)
    later = chain.change(ChangeKind.REMOVE, "registrar-4")
    rejected = chain.submit(later, chain.approvals(later, *NAMES[:3]))
    assert _reason(rejected) is RejectionReason.VALIDATOR_CHANGE_PENDING
    chain.empty_blocks(1)
    assert (
        validators_at(chain.ledger.state, chain.ledger.height + 1).validator_set.power_of(
            "registrar-2"  # type: ignore[arg-type]
        )
        == 3
    )
    # The same approvals again: their sequence number is used up.
    assert _reason(chain.submit(change, approvals)) is RejectionReason.VALIDATOR_CHANGE_STALE
    # Now registrar-2 holds 3 of 6: registrar-1, -3 and -4 together (3 of 6) are no quorum.
    removal = chain.change(ChangeKind.REMOVE, "registrar-4")
    no_quorum = chain.submit(
        removal, chain.approvals(removal, "registrar-1", "registrar-3", "registrar-4")
    )
    assert _reason(no_quorum) is RejectionReason.VALIDATOR_APPROVAL_NO_QUORUM
    applied = chain.submit(removal, chain.approvals(removal, *NAMES[:3]))  # 5 of 6
    assert not isinstance(applied, Rejection), applied


def test_a_rotated_key_replaces_the_certificate_from_height_plus_two() -> None:
    chain = Chain()
    replacement = chain.parties.authority.issue_node("registrar-3")
    change = chain.change(ChangeKind.ROTATE_KEY, "registrar-3", der=replacement.der)
    assert not isinstance(chain.submit(change, chain.approvals(change, *NAMES[:3])), Rejection)
    height = chain.ledger.height
    old = validators_at(chain.ledger.state, height + 1).certificates["registrar-3"]  # type: ignore[index]
    new = validators_at(chain.ledger.state, height + 2).certificates["registrar-3"]  # type: ignore[index]
    assert old.der == chain.nodes["registrar-3"].der
    assert new.der == replacement.der


@pytest.mark.parametrize(
    ("kind", "name", "use_existing_certificate", "power"),
    [
        (ChangeKind.ADD, "registrar-2", False, 1),  # already a member
        (ChangeKind.REMOVE, "registrar-9", False, 0),  # not a member
        (ChangeKind.ADD, "registrar-5", True, 1),  # another validator's certificate
        (ChangeKind.ROTATE_KEY, "registrar-1", True, 0),  # the same certificate again
    ],
)
def test_impossible_changes_are_refused_by_name(
    kind: ChangeKind, name: str, use_existing_certificate: bool, power: int
) -> None:
    chain = Chain()
    der = (
        chain.nodes["registrar-1"].der
        if use_existing_certificate
        else (chain.parties.authority.issue_node(name).der if kind is ChangeKind.ADD else b"")
    )
    change = chain.change(kind, name, der=der, power=power)
    rejected = chain.submit(change, chain.approvals(change, *NAMES))
    assert _reason(rejected) is RejectionReason.VALIDATOR_CHANGE_INVALID


def test_a_change_is_submitted_by_a_registrar_only() -> None:
    chain = Chain()
    change = chain.change(ChangeKind.REMOVE, "registrar-1")
    message = change_message(change, chain.approvals(change, *NAMES))
    envelope = chain.builder.envelope(message, chain.parties.ktk_officer)
    assert _reason(chain.ledger.apply(envelope)) is RejectionReason.NOT_REGISTRAR


def test_a_malformed_change_names_its_field() -> None:
    chain = Chain()
    change = chain.change(ChangeKind.REMOVE, "registrar-1")
    with_power = replace(change, power=2)  # a removal carries no power
    rejected = chain.submit(with_power, chain.approvals(with_power, *NAMES))
    assert _reason(rejected) is RejectionReason.VALIDATOR_CHANGE_INVALID
    assert "power" in str(rejected)
