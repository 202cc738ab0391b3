"""``family-safety serve --server granian``: the same app as under uvicorn, from start-up to a
clean stop, in a real process."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, start_server
from tests.helpers import PASSWORD, birthdate_for_age, expect_problem, failed_sign_in

pytestmark = pytest.mark.e2e

# Loaded by the server's interpreter at start (PYTHONPATH): it logs when the app's own start-up
# and shut-down hooks run, which granian's lifespan handling must call in every worker.
LIFESPAN_PROBE = """
import structlog

from family_safety.server import app as _app

_factory = _app.app_from_environment
_log = structlog.get_logger("tests.lifespan_probe")


def app_from_environment():
    app = _factory()
    app.on_startup.append(lambda: _log.info("app started"))
    app.on_shutdown.append(lambda: _log.info("app stopped"))
    return app


_app.app_from_environment = app_from_environment
"""


def granian_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    probe = tmp_path / "probe"
    probe.mkdir(exist_ok=True)
    (probe / "sitecustomize.py").write_text(LIFESPAN_PROBE)
    path = os.pathsep.join(filter(None, [str(probe), os.environ.get("PYTHONPATH")]))
    return {
        "FAMILY_SAFETY_DATA_DIR": str(tmp_path / "data"),
        "FAMILY_SAFETY_LOG_JSON": "true",
        "PYTHONPATH": path,
        **extra,
    }


def log_lines(server: Server) -> list[dict]:
    return [json.loads(line) for line in server.log().splitlines() if line.strip()]  # all JSON


def probe_events(server: Server) -> list[str]:
    return [line["event"] for line in log_lines(server) if line["logger"] == "tests.lifespan_probe"]


def worker_pids(server: Server) -> list[int]:
    return [int(pid) for pid in re.findall(r"Spawning worker-\d+ with PID: (\d+)", server.log())]


def running(pid: int) -> bool:
    """Whether ``pid`` still runs (an exited process nobody has reaped yet does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def gone(pid: int, within_seconds: float = 10) -> bool:
    deadline = time.monotonic() + within_seconds
    while time.monotonic() < deadline:
        if not running(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def granian_servers(servers):
    """``servers``, and whatever worker one of them leaves behind killed too."""
    yield servers
    for server in servers:
        server.stop(signal.SIGKILL)
        for pid in worker_pids(server):
            if not gone(pid, within_seconds=5):
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def test_granian_serves_the_app_and_a_sigterm_stops_it_cleanly(tmp_path, granian_servers):
    server = start_server(granian_env(tmp_path), tmp_path / "server.log", "--server", "granian")
    granian_servers.append(server)
    [worker] = worker_pids(server)
    birthdate = birthdate_for_age(14).isoformat()
    with httpx.Client(base_url=server.base_url) as client:
        assert client.get("/health/live").status_code == 200
        body = {"handle": "teen_14", "password": PASSWORD, "birthdate": birthdate}
        assert client.post("/v1/accounts", json=body).status_code == 201
        credentials = {"handle": "teen_14", "password": PASSWORD}
        token = client.post("/v1/auth/token", json=credentials).json()["access_token"]
        mine = client.get(
            "/v1/me/settings",
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "trace-7"},
        )
        assert mine.status_code == 200, mine.text
        assert mine.json()["age_band"] == "13-15"
        assert mine.headers["x-request-id"] == "trace-7"
    assert server.stop(signal.SIGTERM) == 0
    assert gone(worker)

    lines = log_lines(server)
    assert any(line["logger"] == "_granian" for line in lines)  # granian's own, as JSON
    assert probe_events(server) == ["app started", "app stopped"]
    # RequestLog is the one access log: one line per request, no second one from granian.
    requests = [line for line in lines if line["event"] == "request"]
    assert [line["route"] for line in requests if line["route"] != "/health/live"] == [
        "/v1/accounts",
        "/v1/auth/token",
        "/v1/me/settings",
    ]
    assert [line["status"] for line in requests if line["request_id"] == "trace-7"] == [200]
    assert not any("granian.access" in line["logger"] for line in lines)
    log = server.log()
    for secret in (token, PASSWORD, birthdate):
        assert secret not in log


def test_every_granian_worker_runs_the_lifespan_and_a_sigint_stops_them_all(
    tmp_path, granian_servers
):
    server = start_server(
        granian_env(tmp_path), tmp_path / "server.log", "--server", "granian", "--workers", "2"
    )
    granian_servers.append(server)
    workers = worker_pids(server)
    assert len(workers) == 2
    deadline = time.monotonic() + 30  # the second worker may still be starting
    while server.log().count('"app started"') < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.stop(signal.SIGINT) == 0
    assert all(gone(pid) for pid in workers)
    assert sorted(probe_events(server)) == ["app started"] * 2 + ["app stopped"] * 2


def test_a_killed_granian_server_leaves_no_worker_behind(tmp_path, granian_servers):
    server = start_server(granian_env(tmp_path), tmp_path / "server.log", "--server", "granian")
    granian_servers.append(server)
    [worker] = worker_pids(server)
    assert server.stop(signal.SIGKILL) == -signal.SIGKILL
    assert gone(worker)  # it was told (SIGTERM) when its parent died


FEW_FAILURES_PER_ADDRESS = {
    "FAMILY_SAFETY_SIGN_IN_MAX_FAILURES_PER_ADDRESS": "2",
    "FAMILY_SAFETY_SIGN_IN_MAX_FAILURES_PER_HANDLE": "100",
}


@pytest.mark.parametrize("named_proxy", [False, True])
def test_under_granian_a_forwarded_address_counts_only_from_a_named_proxy(
    tmp_path, granian_servers, named_proxy
):
    proxy = ["--forwarded-allow-ips", "127.0.0.1"] if named_proxy else []
    env = granian_env(tmp_path, **FEW_FAILURES_PER_ADDRESS)
    server = start_server(env, tmp_path / "server.log", "--server", "granian", *proxy)
    granian_servers.append(server)
    with httpx.Client(base_url=server.base_url) as client:
        for n in range(2):
            response = failed_sign_in(client, n, forwarded_for=f"203.0.113.{n}")
            expect_problem(response, 401, "invalid-credentials")
        # Behind the named proxy each forwarded client counts alone; else the real peer does.
        third = failed_sign_in(client, 2, "203.0.113.99")
        if named_proxy:
            expect_problem(third, 401, "invalid-credentials")
        else:
            expect_problem(third, 429, "rate-limited")
    assert server.stop() == 0
