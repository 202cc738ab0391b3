"""A real ``family-safety serve`` process on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

STARTUP_TIMEOUT_SECONDS = 120  # a liveness bound: a loaded 2-core CI machine imports slowly


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[str]
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=STARTUP_TIMEOUT_SECONDS)


def start_server(env: dict[str, str], log_path: Path, *args: str, wait: bool = True) -> Server:
    port = free_port()
    log = log_path.open("a")
    process = subprocess.Popen(
        [sys.executable, "-m", "family_safety", "serve", "--port", str(port), *args],
        env={**os.environ, "FAMILY_SAFETY_LOG_LEVEL": "INFO", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    if wait:
        wait_until_live(server)
    return server


def wait_until_live(server: Server) -> None:
    """Until the server answers ``/health/live``; killed, and AssertionError, when it exits or
    does not answer within ``STARTUP_TIMEOUT_SECONDS``."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop(signal.SIGKILL)
    raise AssertionError(f"server did not start:\n{server.log()}")


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    """Started servers, stopped at the end of the test whatever happens."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop(signal.SIGKILL)
