"""Fixtures of the server's tests: a fresh partner per test, so tests never share state."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.factories import Partner, Partners


@pytest.fixture
def new_lp(partners: Partners) -> Callable[..., Partner]:
    """Makes training providers (keywords as ``Partners.lp``)."""
    return partners.lp


@pytest.fixture
def lp(partners: Partners) -> Partner:
    """A new training provider with its own PRAT- codes."""
    return partners.lp()


@pytest.fixture
def dp(partners: Partners) -> Partner:
    """A new digital platform with its own test beneficiaries."""
    return partners.dp()
