"""Run job portal simulators: their configs from the portal specs, served on one event loop."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from simulators.framework.behaviour import Profile
from simulators.framework.registry import SimConfig
from simulators.framework.serving import running
from simulators.jobportal.kinds import JOB_PORTAL
from simulators.jobportal.portals import PORTALS, spec_of

DEFAULT_PORTS = {spec.instance: 8501 + n for n, spec in enumerate(PORTALS)}


def portal_config(
    instance: str,
    *,
    sandbox_url: str | None = None,
    client_code: str | None = None,
    sign_key: str | None = None,
    webhook_key: str | None = None,
    profile: Profile | None = None,
    mutant: str | None = None,
    **options: Any,
) -> SimConfig:
    """A portal's config: its spec's behaviour profile unless another is given."""
    spec = spec_of(instance)
    if mutant is not None:
        JOB_PORTAL.mutant(mutant)  # refuse an unknown name before anything starts
    return SimConfig(
        instance=instance,
        profile=profile if profile is not None else spec.profile,
        mutant=mutant,
        sandbox_url=sandbox_url,
        client_code=client_code,
        sign_key=sign_key,
        webhook_key=webhook_key,
        options=dict(options),
    )


@contextmanager
def running_portals(
    configs: Sequence[SimConfig], *, ports: Mapping[str, int] | None = None
) -> Iterator[dict[str, str]]:
    """Serve the portals until the block ends; yields instance → base URL (port 0: any)."""
    apps = [(config.instance, JOB_PORTAL.factory(config)) for config in configs]
    chosen = [(ports or {}).get(config.instance, 0) for config in configs]
    with running(apps, ports=chosen) as urls:
        yield urls
