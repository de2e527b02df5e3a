"""The partner's files: capabilities and waivers are read strictly, so no typo skips a check."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conformance.errors import UsageError
from conformance.files import Declaration, load_capabilities, load_waivers
from contract.endpoints import Role

TODAY = date(2025, 6, 1)


def _file(tmp_path: Path, text: str, name: str = "f.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_capabilities_are_read_with_their_settings(tmp_path: Path) -> None:
    path = _file(tmp_path, 'role = "pp"\ncapabilities = ["bank"]\ncallback_within_seconds = 45\n')
    declared = load_capabilities(path, Role.PP)
    assert declared.capabilities == frozenset({"bank"})
    assert declared.settings["callback_within_seconds"] == 45
    as_json = _file(tmp_path, '{"capabilities": ["void"]}', "c.json")
    assert load_capabilities(as_json, Role.DP).capabilities == frozenset({"void"})
    assert Declaration.everything(Role.DP).capabilities == frozenset(
        {"quota_check", "void", "webhooks"}
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('capabilities = ["teleport"]', "no capability teleport"),
        ('role = "dp"', "declares role 'dp'"),
        ("capabilities = 3", "must be a list"),
        ("callback_within_seconds = 9999", "from 1 to 600"),
        ("colour = 1", "unknown key 'colour'"),
        ("capabilities = [", "not valid TOML"),
    ],
)
def test_a_bad_capabilities_file_is_refused_with_the_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        load_capabilities(_file(tmp_path, text), Role.PP)


def test_waivers_are_read_with_their_expiry(tmp_path: Path) -> None:
    text = (
        '[[waiver]]\nrequirement = "PP-CB-004"\nreason = "ticket 12"\nexpires = 2025-09-30\n'
        '[[waiver]]\nrequirement = "DP-ERR-001"\ncheck = "x"\nreason = "r"\nexpires = "2025-07-01"\n'
    )
    first, second = load_waivers(_file(tmp_path, text), TODAY)
    assert (first.requirement, first.expires, first.check) == ("PP-CB-004", date(2025, 9, 30), None)
    assert (second.check, second.expires) == ("x", date(2025, 7, 1))
    assert load_waivers(_file(tmp_path, "", "empty.toml"), TODAY) == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('requirement = "PP-XX-999"\nreason = "r"\nexpires = 2025-07-01', "unknown requirement"),
        ('requirement = "PP-CB-004"\nexpires = 2025-07-01', "a reason is required"),
        ('requirement = "PP-CB-004"\nreason = "r"\nexpires = "soon"', "must be a date"),
        ('requirement = "PP-CB-004"\nreason = "r"', "must be a date"),
        ('requirement = "PP-CB-004"\nreason = "r"\nexpires = 2027-01-01', "more than 366 days"),
        (
            'requirement = "PP-CB-004"\nreason = "r"\nexpires = 2025-07-01\nwho = 1',
            "unknown keys who",
        ),
    ],
)
def test_a_bad_waiver_is_refused_with_the_reason(tmp_path: Path, entry: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        load_waivers(_file(tmp_path, f"[[waiver]]\n{entry}\n"), TODAY)
    with pytest.raises(UsageError, match="cannot read"):
        load_waivers(tmp_path / "missing.toml", TODAY)
