"""Serve many simulator apps from one process: uvicorn servers on one event loop in one thread.

One loop rather than a thread each: the apps share the interpreter's lock, and loops in several
threads would take turns at it every switch interval (5 ms) under load. Sockets are bound before
the thread starts, so there is no race for a port; port 0 picks a free one.

``running(apps)`` is for tests and ``prakerja up`` (stopped on exit, always);
``serve_until_signal(apps)`` blocks until SIGINT or SIGTERM and then stops cleanly.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

import uvicorn
from fastapi import FastAPI

STARTUP_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
# In-flight requests get this long to finish on shutdown; a hanging one is cut off after it.
GRACEFUL_SECONDS = 1


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket (TCP_NODELAY on its accepted connections)."""
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


def url_of(host: str, port: int) -> str:
    """The base URL of a host and port."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ServingThread:
    """Apps under uvicorn, all on one event loop in one daemon thread."""

    def __init__(
        self, apps: Sequence[tuple[str, FastAPI]], host: str, ports: Sequence[int]
    ) -> None:
        if len(ports) != len(apps):
            raise ValueError(f"{len(apps)} apps but {len(ports)} ports")
        self.sockets: list[socket.socket] = []
        try:
            for port in ports:
                self.sockets.append(listen(host, port))
        except OSError:
            for sock in self.sockets:
                sock.close()
            raise
        self.names = [name for name, _ in apps]
        self.urls = [url_of(host, sock.getsockname()[1]) for sock in self.sockets]
        self.servers = [
            uvicorn.Server(
                uvicorn.Config(
                    app,
                    log_config=None,  # leave the host process's logging alone
                    log_level="warning",
                    access_log=False,
                    lifespan="on",
                    timeout_graceful_shutdown=GRACEFUL_SECONDS,
                )
            )
            for _, app in apps
        ]
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="simulators", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        async def serve_all() -> None:
            await asyncio.gather(
                *(
                    server.serve(sockets=[sock])
                    for server, sock in zip(self.servers, self.sockets, strict=True)
                )
            )

        try:
            asyncio.run(serve_all())
        except BaseException as exc:  # surfaced by wait_started
            self.error = exc

    def wait_started(self) -> list[str]:
        """Block until every server accepts connections; their URLs, in the apps' order."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not all(server.started for server in self.servers):
            if not self.thread.is_alive():
                raise RuntimeError(f"the simulators stopped while starting: {self.error!r}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the simulators did not start in {STARTUP_TIMEOUT}s")
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
def running(
    apps: Sequence[tuple[str, FastAPI]],
    *,
    host: str = "127.0.0.1",
    ports: Sequence[int] | None = None,
) -> Iterator[dict[str, str]]:
    """Serve ``apps`` (name, app) until the block ends; yields name → base URL."""
    serving = ServingThread(apps, host, ports if ports is not None else [0] * len(apps))
    try:
        urls = serving.wait_started()
        yield dict(zip(serving.names, urls, strict=True))
    finally:
        serving.stop()


def serve_until_signal(
    apps: Sequence[tuple[str, FastAPI]],
    *,
    host: str = "127.0.0.1",
    ports: Sequence[int] | None = None,
    on_ready: Callable[[dict[str, str]], None] | None = None,
) -> None:
    """Serve ``apps`` until SIGINT or SIGTERM, then stop them cleanly."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with running(apps, host=host, ports=ports) as urls:
            if on_ready is not None:
                on_ready(urls)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
