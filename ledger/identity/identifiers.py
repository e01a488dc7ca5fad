"""Kazakh individual (IIN, ЖСН) and business (BIN, БСН) identification numbers.

Both are 12 digits whose last digit is a check digit (Algorithm para 2(4), 2(7)). The check
digit is the weighted sum of the first eleven digits modulo 11, with weights 1..11; when that
gives 10 the sum is taken again with weights 3..11, 1, 2; when that also gives 10 the number is
not valid (no such number is ever issued).
"""

from __future__ import annotations

import re
from typing import NewType

Iin = NewType("Iin", str)
Bin = NewType("Bin", str)

_FIRST_WEIGHTS = tuple(range(1, 12))
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# ASCII digits only: str.isdigit and `\d` take the digits of every script ("８７..." or
# Arabic-Indic), which would give one person two IINs (ADR 0018).
_ELEVEN_DIGITS = re.compile("[0-9]{11}", re.ASCII)
_TWELVE_DIGITS = re.compile("[0-9]{12}", re.ASCII)


class InvalidIdentifier(ValueError):
    """An IIN or BIN that is not twelve digits or whose check digit is wrong."""


def compute_check_digit(first_eleven: str) -> int | None:
    """The check digit for eleven leading digits, or None when no valid number exists."""
    if _ELEVEN_DIGITS.fullmatch(first_eleven) is None:
        raise InvalidIdentifier(f"expected 11 digits, got {first_eleven!r}")
    digits = [int(character) for character in first_eleven]
    check = sum(w * d for w, d in zip(_FIRST_WEIGHTS, digits, strict=True)) % 11
    if check == 10:
        check = sum(w * d for w, d in zip(_SECOND_WEIGHTS, digits, strict=True)) % 11
        if check == 10:
            return None
    return check


def has_valid_check_digit(number: str) -> bool:
    if _TWELVE_DIGITS.fullmatch(number) is None:
        return False
    expected = compute_check_digit(number[:11])
    return expected is not None and expected == int(number[11])


def parse_iin(text: str) -> Iin:
    """An IIN from outside input; raises InvalidIdentifier naming what is wrong."""
    if not has_valid_check_digit(text):
        raise InvalidIdentifier(f"IIN {text!r} is not 12 digits with a valid check digit")
    return Iin(text)


def parse_bin(text: str) -> Bin:
    """A BIN from outside input; raises InvalidIdentifier naming what is wrong."""
    if not has_valid_check_digit(text):
        raise InvalidIdentifier(f"BIN {text!r} is not 12 digits with a valid check digit")
    return Bin(text)


def complete_with_check_digit(first_eleven: str) -> str | None:
    """Twelve digits with the check digit appended (for test PKI issuance), or None."""
    check = compute_check_digit(first_eleven)
    return None if check is None else first_eleven + str(check)
