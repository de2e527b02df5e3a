"""Run digital platform simulators (and the providers they carry) on one event loop.

``platform_apps`` builds them; ``running_platforms`` is for tests and ``prakerja up`` (free ports
by default, stopped on exit); ``running_partners`` serves platforms and providers together, each
platform carrying the providers its config names by instance (``options['carries']``) and
learning their URLs once they listen; ``serve_platforms`` is what ``prakerja platforms serve``
blocks in until interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import MappingProxyType

from fastapi import FastAPI

from simulators.framework.registry import SimConfig
from simulators.framework.serving import running, serve_until_signal
from simulators.platform.kinds import DIGITAL_PLATFORM
from simulators.provider.launch import provider_apps

FIRST_PORT = 8201  # prakerja up: 8201-8207


def platform_apps(configs: Sequence[SimConfig]) -> list[tuple[str, FastAPI]]:
    """One app per config, named by its instance (names must be unique)."""
    names = [config.instance for config in configs]
    if len(names) != len(set(names)):
        raise ValueError(f"instance names must be unique: {names}")
    return [(config.instance, DIGITAL_PLATFORM.factory(config)) for config in configs]


@contextmanager
def running_platforms(
    configs: Sequence[SimConfig], *, host: str = "127.0.0.1", ports: Sequence[int] | None = None
) -> Iterator[dict[str, str]]:
    """The platforms, serving until the block ends; yields instance name → base URL."""
    with running(platform_apps(configs), host=host, ports=ports) as urls:
        yield urls


@dataclass(frozen=True)
class PartnerUrls:
    """Base URLs of running platforms and providers, by instance name."""

    platforms: dict[str, str]
    providers: dict[str, str]


@contextmanager
def running_partners(
    platforms: Sequence[SimConfig],
    providers: Sequence[SimConfig],
    *,
    host: str = "127.0.0.1",
    platform_ports: Sequence[int] | None = None,
    provider_ports: Sequence[int] | None = None,
) -> Iterator[PartnerUrls]:
    """Platforms and providers on one loop; a platform carries the providers named in its
    ``options['carries']`` (instance names), whatever ports they get."""
    listening: dict[str, str] = {}
    known = {config.instance for config in providers}
    if known & {config.instance for config in platforms}:
        raise ValueError("platform and provider instance names must differ")
    wired = []
    for config in platforms:
        carries = tuple(config.options.get("carries", ()))
        unknown = sorted(set(carries) - known)
        if unknown:
            raise ValueError(f"{config.instance} carries unknown providers: {unknown}")

        def carried_urls(carried: tuple[str, ...] = carries) -> list[str]:
            return [listening[name] for name in carried if name in listening]

        options = {**config.options, "providers": carried_urls}
        wired.append(replace(config, options=MappingProxyType(options)))
    apps = platform_apps(wired) + provider_apps(providers)
    ports: list[int] | None = None
    if platform_ports is not None or provider_ports is not None:
        ports = [
            *(platform_ports or [0] * len(platforms)),
            *(provider_ports or [0] * len(providers)),
        ]
    with running(apps, host=host, ports=ports) as urls:
        split = PartnerUrls(
            platforms={c.instance: urls[c.instance] for c in platforms},
            providers={c.instance: urls[c.instance] for c in providers},
        )
        listening.update(split.providers)
        yield split


def serve_platforms(
    configs: Sequence[SimConfig],
    *,
    host: str = "127.0.0.1",
    ports: Sequence[int] | None = None,
    on_ready: Callable[[dict[str, str]], None] | None = None,
) -> None:
    """Serve the platforms until SIGINT or SIGTERM, then stop them cleanly."""
    chosen = ports if ports is not None else [FIRST_PORT + i for i in range(len(configs))]
    serve_until_signal(platform_apps(configs), host=host, ports=chosen, on_ready=on_ready)
