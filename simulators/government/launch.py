"""Run the three government sources: uvicorn servers in threads of this process, one registry.

``running_government`` is for tests and the e2e harness (free ports, stopped on exit);
``serve_government`` is what ``prakerja government serve`` blocks in until interrupted.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import uvicorn
from fastapi import FastAPI

from simulators.government import biometrics as biometrics_source
from simulators.government import dtks as dtks_source
from simulators.government import dukcapil as dukcapil_source
from simulators.government.profile import Profile
from simulators.government.registry import Registry

STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
# In-flight requests get this long to finish on shutdown; a hanging one is cut off after it.
GRACEFUL_SECONDS = 1
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


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said out loud: asyncio sets TCP_NODELAY on accepted connections only then;
    # without it every answer (headers and body written apart) waits ~40 ms on delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _ServingThread:
    """Apps under uvicorn, all on one event loop in one daemon thread.

    One loop rather than a thread each: the sources share the interpreter's lock, and loops in
    several threads would take turns at it every switch interval (5 ms) under load. Sockets are
    bound before the thread starts, so there is no race for a port.
    """

    def __init__(self, apps: list[tuple[str, FastAPI]], host: str, ports: tuple[int, ...]) -> None:
        self.sockets: list[socket.socket] = []
        try:
            for port in ports:
                self.sockets.append(_listen(host, port))
        except OSError:
            for sock in self.sockets:
                sock.close()
            raise
        self.urls = [_url(host, sock.getsockname()[1]) for sock in self.sockets]
        self.servers = [
            uvicorn.Server(
                uvicorn.Config(
                    app,
                    log_config=None,  # leave the host process's logging alone
                    log_level="warning",
                    access_log=False,
                    lifespan="off",
                    timeout_graceful_shutdown=GRACEFUL_SECONDS,
                )
            )
            for _, app in apps
        ]
        self.names = [name for name, _ in apps]
        self.thread = threading.Thread(target=self._run, name="government-sources", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        async def serve_all() -> None:
            await asyncio.gather(
                *(
                    server.serve(sockets=[sock])
                    for server, sock in zip(self.servers, self.sockets, strict=True)
                )
            )

        asyncio.run(serve_all())

    def wait_started(self) -> list[str]:
        """Block until every server accepts connections; their URLs."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not all(server.started for server in self.servers):
            if not self.thread.is_alive():
                raise RuntimeError("the government simulators stopped while starting")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the government simulators did not start in {STARTUP_TIMEOUT}s")
            time.sleep(0.01)
        return self.urls

    def stop(self) -> None:
        """Stop the servers (in-flight requests get GRACEFUL_SECONDS) and release the sockets."""
        for server in self.servers:
            server.should_exit = True
        self.thread.join(STOP_TIMEOUT)
        for sock in self.sockets:
            sock.close()


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
    registry = population if isinstance(population, Registry) else Registry.load(population)
    apps = [
        (dukcapil_source.NAME, dukcapil_source.create_app(registry, dukcapil)),
        (dtks_source.NAME, dtks_source.create_app(registry, dtks)),
        (biometrics_source.NAME, biometrics_source.create_app(registry, biometrics)),
    ]
    serving = _ServingThread(apps, host, ports)
    try:
        yield GovernmentUrls(*serving.wait_started())
    finally:
        serving.stop()


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
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with running_government(
            population, dukcapil=dukcapil, dtks=dtks, biometrics=biometrics, host=host, ports=ports
        ) as urls:
            if on_ready is not None:
                on_ready(urls)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
