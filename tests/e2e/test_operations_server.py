"""What an operator sees of a real ``family-safety serve`` process: proxies, logs, start-up."""

from __future__ import annotations

import json
import re
import socket

import httpx
import pytest

from tests.e2e.conftest import start_server
from tests.helpers import PASSWORD, birthdate_for_age, expect_problem, failed_sign_in

pytestmark = pytest.mark.e2e

FEW_FAILURES_PER_ADDRESS = {
    "FAMILY_SAFETY_SIGN_IN_MAX_FAILURES_PER_ADDRESS": "3",
    "FAMILY_SAFETY_SIGN_IN_MAX_FAILURES_PER_HANDLE": "100",
}


def test_a_spoofed_forwarded_address_does_not_dodge_the_per_address_limit_by_default(
    database_url, tmp_path, servers
):
    env = {
        "FAMILY_SAFETY_DATABASE_URL": database_url,
        "FAMILY_SAFETY_DATA_DIR": str(tmp_path),
        **FEW_FAILURES_PER_ADDRESS,
    }
    server = start_server(env, tmp_path / "server.log")
    servers.append(server)
    with httpx.Client(base_url=server.base_url) as client:
        for n in range(3):
            response = failed_sign_in(client, n, forwarded_for=f"203.0.113.{n}")
            expect_problem(response, 401, "invalid-credentials")
        # Every failure was counted against the real peer, whatever the header said.
        expect_problem(failed_sign_in(client, 3, "203.0.113.99"), 429, "rate-limited")


def test_behind_a_named_proxy_each_client_is_counted_and_no_forwarded_value_is_a_5xx(
    database_url, tmp_path, servers
):
    env = {
        "FAMILY_SAFETY_DATABASE_URL": database_url,
        "FAMILY_SAFETY_DATA_DIR": str(tmp_path),
        **FEW_FAILURES_PER_ADDRESS,
    }
    server = start_server(env, tmp_path / "server.log", "--forwarded-allow-ips", "127.0.0.1")
    servers.append(server)
    with httpx.Client(base_url=server.base_url) as client:
        for n in range(3):
            expect_problem(failed_sign_in(client, n, "203.0.113.7"), 401, "invalid-credentials")
        expect_problem(failed_sign_in(client, 3, "203.0.113.7"), 429, "rate-limited")
        # Another client behind the same proxy is counted on its own.
        expect_problem(failed_sign_in(client, 4, "203.0.113.8"), 401, "invalid-credentials")
        for n, forwarded in enumerate(("x" * 200, "2001:db8::1%" + "e" * 100, "not an address")):
            response = failed_sign_in(client, 10 + n, forwarded)
            expect_problem(response, 401, "invalid-credentials")


def test_every_log_line_is_json_and_each_request_logs_one_line_without_secrets(tmp_path, servers):
    env = {"FAMILY_SAFETY_DATA_DIR": str(tmp_path), "FAMILY_SAFETY_LOG_JSON": "true"}
    server = start_server(env, tmp_path / "server.log")
    servers.append(server)
    birthdate = birthdate_for_age(14).isoformat()
    with httpx.Client(base_url=server.base_url) as client:
        body = {"handle": "sam", "password": PASSWORD, "birthdate": birthdate}
        assert client.post("/v1/accounts", json=body).status_code == 201
        credentials = {"handle": "sam", "password": PASSWORD}
        token = client.post("/v1/auth/token", json=credentials).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        me = client.get("/v1/me", headers={**bearer, "X-Request-ID": "trace-42"})
        assert me.status_code == 200
        assert me.headers["x-request-id"] == "trace-42"
        odd = client.get("/v1/me", headers={**bearer, "X-Request-ID": "no spaces, please"})
        generated = odd.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", generated)
        assert client.get("/v1/nothing-here").status_code == 404
    assert server.stop() == 0

    log = server.log()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # all JSON
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # uvicorn's too
    requests = [line for line in lines if line["event"] == "request"]
    traced = [line for line in requests if line["request_id"] == "trace-42"]
    assert len(traced) == 1
    assert traced[0]["method"] == "GET"
    assert traced[0]["route"] == "/v1/me"
    assert traced[0]["status"] == 200
    assert traced[0]["duration_ms"] >= 0
    assert [line["status"] for line in requests if line["request_id"] == generated] == [200]
    assert [line["status"] for line in requests if line["route"] is None] == [404]
    # One line per request (start_server's own health checks aside), and no other access log.
    assert len([line for line in requests if line["route"] != "/health/live"]) == 5
    for secret in (token, "Bearer", PASSWORD, birthdate):
        assert secret not in log


def test_header_bytes_the_http_parser_refuses_are_a_400_and_one_json_log_line(tmp_path, servers):
    """uvicorn answers these itself, before the application sees them: a plain-text 400 (the
    README says so); what is checked is that it is a 400, not a crash, and logged as JSON."""
    env = {"FAMILY_SAFETY_DATA_DIR": str(tmp_path), "FAMILY_SAFETY_LOG_JSON": "true"}
    server = start_server(env, tmp_path / "server.log")
    servers.append(server)
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n")
        answer = connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400")
    with httpx.Client(base_url=server.base_url) as client:
        assert client.get("/health/live").status_code == 200  # still serving
    assert server.stop() == 0
    for line in server.log().splitlines():
        json.loads(line)
