"""Run training provider simulators: many instances on one event loop in a thread of this process.

``provider_apps`` builds them (for a caller that serves them beside others on one loop);
``running_providers`` is for tests and ``prakerja up`` (free ports by default, stopped on exit);
``serve_providers`` is what ``prakerja providers serve`` blocks in until interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from fastapi import FastAPI

from simulators.framework.registry import SimConfig
from simulators.framework.serving import running, serve_until_signal
from simulators.provider.kinds import TRAINING_PROVIDER

FIRST_PORT = 8301  # prakerja up: 8301-8309


def provider_apps(configs: Sequence[SimConfig]) -> list[tuple[str, FastAPI]]:
    """One app per config, named by its instance (names must be unique)."""
    names = [config.instance for config in configs]
    if len(names) != len(set(names)):
        raise ValueError(f"instance names must be unique: {names}")
    return [(config.instance, TRAINING_PROVIDER.factory(config)) for config in configs]


@contextmanager
def running_providers(
    configs: Sequence[SimConfig], *, host: str = "127.0.0.1", ports: Sequence[int] | None = None
) -> Iterator[dict[str, str]]:
    """The providers, serving until the block ends; yields instance name → base URL.

    Port 0 (the default) picks a free port; a provider's registered redirect URI is
    ``<its URL>/callback``, so register it once the URL is known (tests) or choose the ports.
    """
    with running(provider_apps(configs), host=host, ports=ports) as urls:
        yield urls


def serve_providers(
    configs: Sequence[SimConfig],
    *,
    host: str = "127.0.0.1",
    ports: Sequence[int] | None = None,
    on_ready: Callable[[dict[str, str]], None] | None = None,
) -> None:
    """Serve the providers until SIGINT or SIGTERM, then stop them cleanly."""
    chosen = ports if ports is not None else [FIRST_PORT + i for i in range(len(configs))]
    serve_until_signal(provider_apps(configs), host=host, ports=chosen, on_ready=on_ready)
