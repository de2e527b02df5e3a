"""Kartu Prakerja card numbers: Luhn check digit, validation and issuing from prefix and serial."""

from __future__ import annotations

import pytest

from reference_server.domain import cards

CARD = cards.card_number("5049", 1_234_567)


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        ("7992739871", "3"),  # the textbook example
        ("0", "0"),
        ("1", "8"),
        ("37828224631000", "5"),  # 378282246310005, a published test card
        ("411111111111111", "1"),  # 4111111111111111
        ("555555555555444", "4"),  # 5555555555554444
    ],
)
def test_known_luhn_vectors(payload: str, check: str) -> None:
    assert cards.luhn_check_digit(payload) == check


@pytest.mark.parametrize("payload", ["", "12a4", "１２３", "12 34", "-1"])
def test_check_digit_needs_ascii_digits(payload: str) -> None:
    with pytest.raises(ValueError, match="ASCII digits"):
        cards.luhn_check_digit(payload)


def test_card_number_layout() -> None:
    payload = "504900001234567"
    assert payload + cards.luhn_check_digit(payload) == CARD
    assert len(CARD) == 16
    assert cards.is_valid_card_number(CARD)
    assert cards.card_number("5049", 0).startswith("504900000000000")
    assert cards.card_number("50490000000000", 9)[:15] == "504900000000009"


@pytest.mark.parametrize(
    ("prefix", "serial"),
    [("5049", 10**11), ("5" * 15, 0), ("5" * 16, 0), ("", 1), ("50a9", 1), ("5049", -1)],
)
def test_card_number_refuses_what_does_not_fit(prefix: str, serial: int) -> None:
    with pytest.raises(ValueError):
        cards.card_number(prefix, serial)


def test_largest_serial_fits() -> None:
    assert cards.card_number("5049", 10**11 - 1)[:15] == "504999999999999"


@pytest.mark.parametrize(
    "number",
    [
        "",
        CARD[:-1],
        CARD + "0",
        CARD[:-1] + "x",
        " " + CARD[1:],
        "４" + CARD[1:],
        "4111111111111111 ",
    ],
)
def test_wrong_shape_is_invalid(number: str) -> None:
    assert not cards.is_valid_card_number(number)


def test_published_test_card_is_valid() -> None:
    assert cards.is_valid_card_number("4111111111111111")
    assert not cards.is_valid_card_number("4111111111111112")


def test_every_single_digit_error_is_detected() -> None:
    for serial in (0, 1, 987_654, 10**11 - 1):
        number = cards.card_number("5049", serial)
        for i in range(16):
            for d in "0123456789":
                if d != number[i]:
                    assert not cards.is_valid_card_number(number[:i] + d + number[i + 1 :])


def test_adjacent_transpositions_detected_except_09_and_90() -> None:
    base = "504912345678901"
    missed: set[str] = set()
    for i in range(14):
        for a in "0123456789":
            for b in "0123456789":
                if a == b:
                    continue
                payload = base[:i] + a + b + base[i + 2 :]
                number = payload + cards.luhn_check_digit(payload)
                assert cards.is_valid_card_number(number)
                if cards.is_valid_card_number(number[:i] + b + a + number[i + 2 :]):
                    missed.add(a + b)
    assert missed == {"09", "90"}


def test_09_transposition_is_the_known_blind_spot() -> None:
    payload = "0" * 13 + "09"
    number = payload + cards.luhn_check_digit(payload)
    swapped = "0" * 13 + "90" + number[-1]
    assert cards.is_valid_card_number(number)
    assert cards.is_valid_card_number(swapped)
