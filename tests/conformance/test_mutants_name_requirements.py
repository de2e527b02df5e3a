"""Every mutant of every simulator names a requirement of the catalogue, of the simulator's role:
the matrix test can hold each one to the check meant for it."""

from __future__ import annotations

from contract.requirements import REQUIREMENTS
from contract.roles import Role
from simulators.framework.registry import kinds


def test_every_mutant_names_a_requirement_of_its_role() -> None:
    named = [(kind, mutant) for kind in kinds() for mutant in kind.mutants]
    assert named, "no simulator registered a mutant"
    for kind, mutant in named:
        where = f"{kind.name}/{mutant.name}"
        assert mutant.requirement in REQUIREMENTS, f"{where} names no known requirement"
        assert Role(kind.role) in REQUIREMENTS[mutant.requirement].roles, where
