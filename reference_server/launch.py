"""Start the reference server as a real uvicorn process on a free local port (tests, benchmarks)."""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], timeout: float = STARTUP_TIMEOUT
) -> None:
    """Poll ``url`` until it answers 200, the process dies, or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s")


@contextmanager
def running_server(
    env: dict[str, str],
    log: Path,
    cwd: Path | None = None,
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
) -> Iterator[str]:
    """The server under uvicorn (one worker) on ``port`` (default: a free one); stopped on exit,
    always.

    Its output goes to ``log``; when it fails to start, the error carries the log's tail.
    """
    with serving(env, log, cwd, port=port, host=host) as (url, _):
        yield url


PR_SET_PDEATHSIG = 1
# Looked up before any fork: the child may only make the system call, not load a library.
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies, however it dies (a killed test
    or ``prakerja up`` must not leave a server holding its port)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


@contextmanager
def serving(
    env: dict[str, str],
    log: Path,
    cwd: Path | None = None,
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``running_server``, with the server's process too (benchmarks read its CPU time)."""
    port = port or free_port()
    command = [
        sys.executable, "-m", "uvicorn", "reference_server.app:create_app", "--factory",
        "--host", host, "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            preexec_fn=_die_with_parent,
        )
    url = f"http://{host}:{port}"
    try:
        try:
            wait_until_up(f"{url}/health", process)
        except (RuntimeError, TimeoutError) as exc:
            tail = log.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"{exc}; server log:\n{tail}") from exc
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
