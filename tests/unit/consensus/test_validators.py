"""Validator set: thresholds by power, round-robin proposer (power not consulted), deterministic
hash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus import Height, InvalidValidatorSet, Round, Validator, ValidatorId, ValidatorSet


def test_quorum_is_strictly_more_than_two_thirds_of_the_power() -> None:
    four = ValidatorSet.with_equal_power(["v0", "v1", "v2", "v3"])
    assert [four.is_quorum(p) for p in range(5)] == [False, False, False, True, True]
    six = ValidatorSet.with_equal_power([f"v{i}" for i in range(6)])
    assert (six.is_quorum(4), six.is_quorum(5)) == (False, True)
    three = ValidatorSet.with_equal_power(["a", "b", "c"])
    assert (three.is_quorum(2), three.is_quorum(3)) == (False, True)


def test_f_plus_one_is_strictly_more_than_one_third_of_the_power() -> None:
    four = ValidatorSet.with_equal_power(["v0", "v1", "v2", "v3"])
    assert [four.is_one_third(p) for p in range(3)] == [False, False, True]
    six = ValidatorSet.with_equal_power([f"v{i}" for i in range(6)])
    assert (six.is_one_third(2), six.is_one_third(3)) == (False, True)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_property_two_quorums_overlap_in_more_than_a_third(total: int, power: int) -> None:
    """The safety argument: any two quorums share more than 1/3 of the power."""
    validators = ValidatorSet((Validator(ValidatorId("only"), total),))
    if validators.is_quorum(power) and power <= total:
        assert validators.is_one_third(2 * power - total)


def test_proposer_rotates_round_robin_from_height_and_round() -> None:
    validators = ValidatorSet.with_equal_power(["v0", "v1", "v2", "v3"])
    by_round = [validators.proposer(Height(1), Round(r)) for r in range(5)]
    assert by_round == ["v1", "v2", "v3", "v0", "v1"]
    assert validators.proposer(Height(2), Round(0)) == "v2"


def test_proposer_rotation_ignores_power_so_one_crashed_proposer_costs_one_round() -> None:
    # The reviewer's case against a rotation weighted by contiguous slots: powers 100/100/100/101
    # gave r1 up to 100 consecutive rounds, so a crashed r1 stalled a height for 100 timeouts.
    validators = ValidatorSet(
        tuple(Validator(ValidatorId(f"r{i}"), p) for i, p in enumerate((100, 100, 100, 101), 1))
    )
    worst = 0
    for height in range(1, 402):
        rounds = 0
        while validators.proposer(Height(height), Round(rounds)) == "r1":
            rounds += 1
        worst = max(worst, rounds)
    assert worst == 1
    assert [validators.proposer(Height(1), Round(r)) for r in range(5)] == [
        "r2",
        "r3",
        "r4",
        "r1",
        "r2",
    ]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=1_000), min_size=1, max_size=10),
    st.integers(min_value=0, max_value=10_000),
)
def test_property_n_consecutive_rounds_have_n_different_proposers(
    powers: list[int], height: int
) -> None:
    """Whatever the powers, f faulty proposers cost at most f round changes at a height."""
    validators = ValidatorSet(
        tuple(Validator(ValidatorId(f"v{i}"), p) for i, p in enumerate(powers))
    )
    proposers = {validators.proposer(Height(height), Round(r)) for r in range(len(powers))}
    assert proposers == set(validators.validator_ids)


def test_proposer_of_a_negative_round_is_an_error() -> None:
    validators = ValidatorSet.with_equal_power(["v0"])
    with pytest.raises(ValueError):
        validators.proposer(Height(1), Round(-1))


def test_validator_set_hash_is_deterministic_and_covers_order_and_power() -> None:
    one = ValidatorSet.with_equal_power(["v0", "v1"])
    assert (
        one.validator_set_hash() == ValidatorSet.with_equal_power(["v0", "v1"]).validator_set_hash()
    )
    assert len(one.validator_set_hash()) == 32
    reordered = ValidatorSet.with_equal_power(["v1", "v0"])
    heavier = ValidatorSet((Validator(ValidatorId("v0"), 2), Validator(ValidatorId("v1"), 1)))
    assert (
        len(
            {one.validator_set_hash(), reordered.validator_set_hash(), heavier.validator_set_hash()}
        )
        == 3
    )
    # Length prefixes: ("ab", "c") and ("a", "bc") must not collide.
    assert (
        ValidatorSet.with_equal_power(["ab", "c"]).validator_set_hash()
        != ValidatorSet.with_equal_power(["a", "bc"]).validator_set_hash()
    )


@pytest.mark.parametrize(
    "validators",
    [
        (),
        (Validator(ValidatorId("a"), 1), Validator(ValidatorId("a"), 1)),
        (Validator(ValidatorId("a"), 0),),
        (Validator(ValidatorId("a"), -3),),
        (Validator(ValidatorId(""), 1),),
        (Validator(ValidatorId("a"), 2**63),),
    ],
    ids=["empty", "duplicate", "zero-power", "negative-power", "empty-id", "power-too-large"],
)
def test_malformed_validator_sets_are_rejected(validators: tuple[Validator, ...]) -> None:
    with pytest.raises(InvalidValidatorSet):
        ValidatorSet(validators)


def test_membership_and_power() -> None:
    validators = ValidatorSet((Validator(ValidatorId("a"), 3), Validator(ValidatorId("b"), 4)))
    assert "a" in validators and "z" not in validators
    assert (validators.power_of(ValidatorId("b")), validators.power_of(ValidatorId("z"))) == (4, 0)
    assert validators.total_power == 7
    assert validators.validator_ids == ("a", "b")
