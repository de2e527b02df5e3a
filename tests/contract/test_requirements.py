"""The requirement catalogue holds together: stable IDs, known capabilities, a mode per role."""

from __future__ import annotations

from contract import VERSION
from contract.requirements import (
    CAPABILITIES,
    CATALOGUE_VERSION,
    CERTIFIED_ROLES,
    ID_PATTERN,
    REQUIREMENTS,
    Mode,
    for_partner,
    modes_of,
)
from contract.roles import Role


def test_every_requirement_is_well_formed_and_its_capability_exists() -> None:
    assert CATALOGUE_VERSION.startswith(VERSION + "+r")
    for requirement in REQUIREMENTS.values():
        assert ID_PATTERN.match(requirement.id)
        assert requirement.id.split("-")[0] in {r.value.upper() for r in requirement.roles} | {"WH"}
        assert requirement.statement.endswith(".") and requirement.clause
        for role in requirement.roles:
            assert requirement.capability is None or requirement.capability in CAPABILITIES[role]


def test_capabilities_decide_what_applies() -> None:
    everything = frozenset(CAPABILITIES[Role.PP])
    assert {r.id for r in for_partner(Role.PP, Mode.SERVER, everything)} >= {
        "PP-REC-001",
        "WH-ACK-001",
    }
    bare = {r.id for r in for_partner(Role.PP, Mode.SERVER, frozenset())}
    assert "PP-REC-001" not in bare and "WH-ACK-001" not in bare and "PP-DISB-003" in bare
    assert all(modes_of(role) for role in CERTIFIED_ROLES)
    assert modes_of(Role.JP) == (Mode.SERVER, Mode.CLIENT)
