"""Run the three government sources on one event loop in a thread of this process, one registry.

``running_government`` is for tests and the e2e harness (free ports, stopped on exit);
``serve_government`` is what ``prakerja government serve`` blocks in until interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from simulators.framework.behaviour import Profile
from simulators.framework.serving import running, serve_until_signal
from simulators.government import biometrics as biometrics_source
from simulators.government import dtks as dtks_source
from simulators.government import dukcapil as dukcapil_source
from simulators.government.registry import Registry

DEFAULT_PORTS = (8101, 8102, 8103)


@dataclass(frozen=True)
class GovernmentUrls:
    """Base URLs of the running sources."""

    dukcapil: str
    dtks: str
    biometrics: str

    def env(self) -> dict[str, str]:
        """The variables that point the reference server at these sources."""
        return {
            "PRAKERJA_DUKCAPIL_URL": self.dukcapil,
            "PRAKERJA_DTKS_URL": self.dtks,
            "PRAKERJA_BIOMETRICS_URL": self.biometrics,
        }


def source_apps(
    population: Path | Registry,
    dukcapil: Profile = Profile(),
    dtks: Profile = Profile(),
    biometrics: Profile = Profile(),
) -> list[tuple[str, FastAPI]]:
    """The three source apps (name, app), answering from one population, to serve together."""
    registry = population if isinstance(population, Registry) else Registry.load(population)
    return [
        (dukcapil_source.NAME, dukcapil_source.create_app(registry, dukcapil)),
        (dtks_source.NAME, dtks_source.create_app(registry, dtks)),
        (biometrics_source.NAME, biometrics_source.create_app(registry, biometrics)),
    ]


@contextmanager
def running_government(
    population: Path | Registry,
    *,
    dukcapil: Profile = Profile(),
    dtks: Profile = Profile(),
    biometrics: Profile = Profile(),
    host: str = "127.0.0.1",
    ports: tuple[int, int, int] = (0, 0, 0),
) -> Iterator[GovernmentUrls]:
    """Dukcapil, DTKS and biometrics answering from one population; stopped on exit, always.

    ``population`` is a population CSV file or a ``Registry`` already built (tests:
    ``Registry.from_rows``). Port 0 picks a free port.
    """
    apps = source_apps(population, dukcapil, dtks, biometrics)
    with running(apps, host=host, ports=ports) as urls:
        yield GovernmentUrls(*urls.values())


def serve_government(
    population: Path | Registry,
    *,
    dukcapil: Profile = Profile(),
    dtks: Profile = Profile(),
    biometrics: Profile = Profile(),
    host: str = "127.0.0.1",
    ports: tuple[int, int, int] = DEFAULT_PORTS,
    on_ready: Callable[[GovernmentUrls], None] | None = None,
) -> None:
    """Serve the three sources until SIGINT or SIGTERM, then stop them cleanly."""
    serve_until_signal(
        source_apps(population, dukcapil, dtks, biometrics),
        host=host,
        ports=ports,
        on_ready=None
        if on_ready is None
        else lambda urls: on_ready(GovernmentUrls(*urls.values())),
    )
