"""Field types shared by the models: codes, money, sequences."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    Strict,
    StringConstraints,
    WithJsonSchema,
)


def storable(value: str) -> str:
    """Refuse text no database can hold: NUL (PostgreSQL) and lone surrogates (no UTF-8 form)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


Storable = AfterValidator(storable)

Code = Annotated[str, StringConstraints(min_length=1, max_length=64), Storable]
"""An identifier sent by a partner (course, schedule, invoice, redeem code…)."""

OptionalCode = Annotated[str, StringConstraints(max_length=64), Storable]

Rupiah = Annotated[int, Strict(), Field(gt=0, le=1_000_000_000, description="Integer rupiah.")]
"""Money: integer rupiah, never a float or a string."""

Url = Annotated[
    str, StringConstraints(min_length=1, max_length=2048, pattern=r"^https?://\S+$"), Storable
]

Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    Storable,
]


def _int_to_str(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


InvoiceCode = Annotated[
    str,
    BeforeValidator(_int_to_str),
    StringConstraints(min_length=1, max_length=64),
    Storable,
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "minLength": 1, "maxLength": 64}, {"type": "integer"}],
            "description": "DP invoice code. The portal documents an integer but its examples "
            "use strings; both are accepted and it is echoed back as a string.",
        }
    ),
]

AttendanceSequence = Annotated[
    int,
    Strict(),
    Field(
        ge=1,
        le=999,
        description="1 = redeem / first attendance, 2-10 = attendance, 999 = post-test.",
    ),
]

AssignmentSequence = Annotated[
    int, Strict(), Field(ge=1, le=999, description="1-998 = TPM, 999 = UK.")
]
