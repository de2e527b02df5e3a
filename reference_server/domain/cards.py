"""Kartu Prakerja card numbers: 16 digits, the last a Luhn (mod 10) check digit.

A beneficiary selected in a wave is issued a card number. The first 15 digits are an issuer prefix
followed by a zero-padded serial; the 16th is the Luhn check digit over those 15, so a mistyped
digit (and almost every swap of two adjacent digits, all but 09 <-> 90) is caught before any lookup.
"""

from __future__ import annotations

import re

CARD_LENGTH = 16
_DIGITS = re.compile(r"[0-9]+")


def _luhn_sum(payload: str) -> int:
    """Luhn sum of ``payload`` as if a check digit followed it (rightmost payload digit doubled)."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total


def luhn_check_digit(digits15: str) -> str:
    """The Luhn check digit to append to a string of ASCII digits (15 for a card)."""
    if not _DIGITS.fullmatch(digits15):
        raise ValueError("Luhn payload must be one or more ASCII digits")
    return str((10 - _luhn_sum(digits15) % 10) % 10)


def is_valid_card_number(number: str) -> bool:
    """Whether ``number`` is 16 ASCII digits whose last is the Luhn check digit of the rest."""
    if len(number) != CARD_LENGTH or not _DIGITS.fullmatch(number):
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def card_number(prefix: str, serial: int) -> str:
    """Card number from a digit prefix and a serial zero-padded to 15 digits, plus the check digit."""
    if not _DIGITS.fullmatch(prefix):
        raise ValueError("card prefix must be one or more ASCII digits")
    if serial < 0:
        raise ValueError("card serial must not be negative")
    width = CARD_LENGTH - 1 - len(prefix)
    serial_text = str(serial)
    if width < 1 or len(serial_text) > width:
        raise ValueError(
            f"prefix {prefix!r} and serial {serial} do not fit in {CARD_LENGTH - 1} digits"
        )
    payload = prefix + serial_text.zfill(width)
    return payload + luhn_check_digit(payload)
