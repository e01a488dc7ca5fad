"""Vote counting by power, one vote per validator per value, equivocation as evidence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus import BlockId, Height, Round, Validator, ValidatorId, ValidatorSet, Vote, VoteType
from consensus.vote_set import AddVoteOutcome, UnknownValidator, VoteOutOfPlace, VoteSet
from tests.unit.consensus.builders import A, B

WEIGHTED = ValidatorSet(
    (
        Validator(ValidatorId("a"), 1),
        Validator(ValidatorId("b"), 2),
        Validator(ValidatorId("c"), 3),
        Validator(ValidatorId("d"), 4),
    )
)


def prevote(validator: str, value: BlockId | None, round_number: int = 0) -> Vote:
    return Vote(VoteType.PREVOTE, Height(1), Round(round_number), value, ValidatorId(validator))


def new_set(validators: ValidatorSet = WEIGHTED) -> VoteSet:
    return VoteSet(validators, Height(1), Round(0), VoteType.PREVOTE)


def test_counts_by_power_not_by_head() -> None:
    votes = new_set()
    votes.add(prevote("d", A))
    votes.add(prevote("c", A))
    assert votes.power_for(A) == 7
    assert votes.has_quorum_for(A)  # 7 of 10 is more than 2/3
    assert votes.values_with_quorum() == (A,)


def test_exactly_two_thirds_is_not_a_quorum() -> None:
    six = ValidatorSet.with_equal_power([f"v{i}" for i in range(6)])
    votes = new_set(six)
    for i in range(4):
        votes.add(prevote(f"v{i}", A))
    assert votes.power_for(A) == 4
    assert not votes.has_quorum_for(A)  # 4 of 6 is 2/3, not more
    votes.add(prevote("v4", A))
    assert votes.has_quorum_for(A)


def test_the_same_vote_twice_is_a_duplicate_and_counts_once() -> None:
    votes = new_set()
    assert votes.add(prevote("d", A)).outcome is AddVoteOutcome.ADDED
    assert votes.add(prevote("d", A)).outcome is AddVoteOutcome.DUPLICATE
    assert votes.power_for(A) == 4
    assert votes.total_power == 4


def test_a_different_second_vote_is_equivocation_reported_with_the_first() -> None:
    votes = new_set()
    votes.add(prevote("d", A))
    result = votes.add(prevote("d", B))
    assert result.outcome is AddVoteOutcome.EQUIVOCATION
    assert result.counted_vote == prevote("d", A)
    assert [(e.first, e.second) for e in votes.equivocations] == [
        (prevote("d", A), prevote("d", B))
    ]
    # Repeating the conflicting vote (gossip) is not reported again.
    assert votes.add(prevote("d", B)).outcome is AddVoteOutcome.DUPLICATE
    assert len(votes.equivocations) == 1


def test_an_equivocator_counts_once_towards_any_value_and_once_per_value() -> None:
    """Paper semantics: senders of matching messages; see the vote_set module docstring."""
    votes = new_set()
    votes.add(prevote("d", A))
    votes.add(prevote("d", None))
    assert votes.total_power == 4  # "2f + 1 ⟨PREVOTE, ∗⟩" counts d once
    assert (votes.power_for(A), votes.power_for(None)) == (4, 4)
    assert votes.first_vote_of(ValidatorId("d")) == prevote("d", A)


def test_votes_for_is_the_commit_certificate_shape() -> None:
    votes = new_set()
    for validator in ("a", "c", "d"):
        votes.add(prevote(validator, A))
    votes.add(prevote("b", None))
    assert sorted(v.validator for v in votes.votes_for(A)) == ["a", "c", "d"]
    assert len(votes.votes()) == 4


def test_unknown_validator_is_rejected_and_nothing_changes() -> None:
    votes = new_set()
    with pytest.raises(UnknownValidator):
        votes.add(prevote("mallory", A))
    assert votes.total_power == 0


def test_a_vote_of_another_round_or_type_does_not_belong() -> None:
    votes = new_set()
    with pytest.raises(VoteOutOfPlace):
        votes.add(prevote("a", A, round_number=1))
    with pytest.raises(VoteOutOfPlace):
        votes.add(Vote(VoteType.PRECOMMIT, Height(1), Round(0), A, ValidatorId("a")))


VALUES: list[BlockId | None] = [A, B, None]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from(VALUES)), max_size=30))
def test_property_tallies_match_a_recount(ballots: list[tuple[str, BlockId | None]]) -> None:
    votes = new_set()
    for validator, value in ballots:
        votes.add(prevote(validator, value))
    power = {v.validator_id: v.power for v in WEIGHTED.validators}
    voters = {validator for validator, _ in ballots}
    assert votes.total_power == sum(power[ValidatorId(v)] for v in voters)
    for value in VALUES:
        for_value = {validator for validator, voted in ballots if voted == value}
        assert votes.power_for(value) == sum(power[ValidatorId(v)] for v in for_value)
    distinct = {(validator, value) for validator, value in ballots}
    assert len(votes.equivocations) == len(distinct) - len(voters)
    # Two values can both have a quorum only if more than 1/3 of the power equivocated.
    equivocators = {e.first.validator for e in votes.equivocations}
    if len([v for v in votes.values_with_quorum()]) > 1:
        assert WEIGHTED.is_one_third(sum(power[v] for v in equivocators))
