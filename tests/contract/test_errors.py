"""The error catalogue: every code has exactly one name, so no module reaches the wrong one."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from contract import errors
from contract.errors import CATALOGUE, ErrorCode


def test_every_catalogued_error_has_its_own_name() -> None:
    source = Path(errors.__file__).read_text(encoding="utf-8")
    assigned = Counter(
        target.id
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    )
    assert not [name for name, n in assigned.items() if n > 1], "a name is assigned twice"
    named = {value.code for value in vars(errors).values() if isinstance(value, ErrorCode)}
    assert named == set(CATALOGUE), f"codes no name reaches: {sorted(set(CATALOGUE) - named)}"
