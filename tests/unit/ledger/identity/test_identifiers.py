"""IIN and BIN check digits (Algorithm para 2(4), 2(7))."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.identity.identifiers import (
    InvalidIdentifier,
    complete_with_check_digit,
    has_valid_check_digit,
    parse_bin,
    parse_iin,
)

eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


def test_known_iin_check_digit_first_weights() -> None:
    # 9,0,0,1,0,1,3,0,0,0,0 weighted 1..11: 9+0+0+4+0+6+21+0+0+0+0 = 40; 40 mod 11 = 7.
    assert complete_with_check_digit("90010130000") == "900101300007"
    assert has_valid_check_digit("900101300007")
    assert not has_valid_check_digit("900101300008")


def test_second_weights_used_when_first_sum_gives_ten() -> None:
    # 1,0,0,0,0,0,0,0,0,0,1: first weights 1 + 11 = 12 -> 1 (not 10). Find a number whose first
    # pass gives 10: digits "00000000010" -> 10*1 = 10 -> second weights: 10th weight is 1 -> 1.
    assert complete_with_check_digit("00000000010") == "000000000101"


@given(eleven_digits)
def test_completed_numbers_are_valid_and_every_other_last_digit_is_not(prefix: str) -> None:
    completed = complete_with_check_digit(prefix)
    if completed is None:
        assert all(not has_valid_check_digit(prefix + str(digit)) for digit in range(10))
        return
    assert has_valid_check_digit(completed)
    for digit in range(10):
        if str(digit) != completed[-1]:
            assert not has_valid_check_digit(prefix + str(digit))


@pytest.mark.parametrize("text", ["", "12345", "90010130000７", "9001013000071", "90010130000a"])
def test_malformed_identifiers_are_rejected_by_name(text: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_iin(text)
    with pytest.raises(InvalidIdentifier):
        parse_bin(text)
