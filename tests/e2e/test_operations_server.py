"""What an operator sees of a real ``family-safety serve`` process: proxies, logs, start-up."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import start_server
from tests.helpers import PASSWORD, expect_problem

pytestmark = pytest.mark.e2e

FEW_FAILURES_PER_ADDRESS = {
    "FAMILY_SAFETY_SIGN_IN_MAX_FAILURES_PER_ADDRESS": "3",
    "FAMILY_SAFETY_SIGN_IN_MAX_FAILURES_PER_HANDLE": "100",
}


def failed_sign_in(client: httpx.Client, n: int, forwarded_for: str) -> httpx.Response:
    credentials = {"handle": f"nobody_{n}", "password": PASSWORD}
    return client.post(
        "/v1/auth/token", json=credentials, headers={"X-Forwarded-For": forwarded_for}
    )


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
