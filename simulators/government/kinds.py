"""The government sources as simulator kinds (role ``gov``): Dukcapil, DTKS and biometrics.

Each answers from a population (``SimConfig.options``: ``registry``, a built ``Registry``, or
``population``, a population CSV path). They have no mutants: the reference server is what they
test, not themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from simulators.framework.registry import SimConfig, SimulatorKind, register
from simulators.government.registry import Registry

if TYPE_CHECKING:
    from fastapi import FastAPI

ROLE = "gov"


def registry_of(config: SimConfig) -> Registry:
    """The population a source answers from."""
    given = config.options.get("registry")
    if isinstance(given, Registry):
        return given
    population = config.options.get("population")
    if population is None:
        raise ValueError("a government source needs options['registry'] or ['population']")
    return Registry.load(Path(str(population)))


def _dukcapil(config: SimConfig) -> FastAPI:
    from simulators.government import dukcapil

    return dukcapil.create_app(registry_of(config), config.profile)


def _dtks(config: SimConfig) -> FastAPI:
    from simulators.government import dtks

    return dtks.create_app(registry_of(config), config.profile)


def _biometrics(config: SimConfig) -> FastAPI:
    from simulators.government import biometrics

    return biometrics.create_app(registry_of(config), config.profile)


DUKCAPIL = register(
    SimulatorKind(
        name="dukcapil",
        role=ROLE,
        summary="Civil registry: does a NIK exist and match what the applicant declared.",
        factory=_dukcapil,
    )
)
DTKS = register(
    SimulatorKind(
        name="dtks",
        role=ROLE,
        summary="Social-assistance registry: is a NIK a recipient.",
        factory=_dtks,
    )
)
BIOMETRICS = register(
    SimulatorKind(
        name="biometrics",
        role=ROLE,
        summary="Liveness of a selfie and its match with the civil-registry photo.",
        factory=_biometrics,
    )
)
KINDS = {kind.name: kind for kind in (DUKCAPIL, DTKS, BIOMETRICS)}
