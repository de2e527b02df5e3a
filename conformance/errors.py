"""What can go wrong in a run, drawn once::

Exception
├── PartnerFailure      the partner broke the requirement: Received … / Expected …
└── HarnessError        the harness could not judge: its setup failed, a bug, a bad file
    └── UsageError      the person running it gave something unusable (a file, a URL)
"""

from __future__ import annotations


class PartnerFailure(Exception):
    """The partner broke the requirement being checked."""

    def __init__(self, message: str, *, received: str | None = None, expected: str | None = None):
        super().__init__(message)
        self.message = message
        self.received = received
        self.expected = expected

    def __str__(self) -> str:
        parts = [self.message]
        if self.received is not None:
            parts.append(f"Received: {self.received}")
        if self.expected is not None:
            parts.append(f"Expected: {self.expected}")
        return "\n".join(parts)


class HarnessError(Exception):
    """The harness could not judge the requirement (not the partner's fault, or not provably)."""


class UsageError(HarnessError):
    """An unusable input from the person running the harness (file, option, URL)."""


def expect(condition: bool, message: str, *, received: object, expected: object) -> None:
    """Raise a PartnerFailure unless ``condition`` holds."""
    if not condition:
        raise PartnerFailure(message, received=str(received), expected=str(expected))
