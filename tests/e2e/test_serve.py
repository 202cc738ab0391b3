"""The README's path for a newcomer, against a real server process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import httpx
import pytest

from tests.conftest import admin_statements, postgres_url, requires_postgres
from tests.e2e.conftest import free_port, start_server
from tests.helpers import PASSWORD, birthdate_for_age

pytestmark = pytest.mark.e2e


def test_first_run_prepares_the_data_dir_once_and_serves_accounts(tmp_path, servers):
    data_dir = tmp_path / "data"
    env = {"FAMILY_SAFETY_DATA_DIR": str(data_dir)}
    server = start_server(env, tmp_path / "first.log")
    servers.append(server)
    assert (data_dir / "family_safety.db").exists()
    assert (data_dir / "keyring.json").stat().st_mode & 0o077 == 0  # owner-only

    with httpx.Client(base_url=server.base_url) as client:
        for handle, age in (("teen_14", 14), ("parent_40", 40)):
            birthdate = birthdate_for_age(age).isoformat()
            body = {"handle": handle, "password": PASSWORD, "birthdate": birthdate}
            assert client.post("/v1/accounts", json=body).status_code == 201
        credentials = {"handle": "teen_14", "password": PASSWORD}
        token = client.post("/v1/auth/token", json=credentials).json()["access_token"]
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["age_band"] == "13-15"
        assert client.get("/health/ready").status_code == 200
    assert server.stop() == 0
    first_log = server.log()
    assert first_log.count("first run") == 1
    assert PASSWORD not in first_log
    assert token not in first_log
    assert birthdate_for_age(14).isoformat() not in first_log

    again = start_server(env, tmp_path / "second.log")
    servers.append(again)
    with httpx.Client(base_url=again.base_url) as client:
        credentials = {"handle": "parent_40", "password": PASSWORD}
        assert client.post("/v1/auth/token", json=credentials).status_code == 200
    assert again.stop() == 0
    assert "first run" not in again.log()


@requires_postgres
def test_refuses_an_unmigrated_postgresql_database(tmp_path, servers):
    name = "family_safety_unmigrated"
    asyncio.run(
        admin_statements(
            [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"]
        )
    )
    try:
        env = {
            "FAMILY_SAFETY_DATABASE_URL": postgres_url(name),
            "FAMILY_SAFETY_DATA_DIR": str(tmp_path),
        }
        server = start_server(env, tmp_path / "refused.log", wait=False)
        servers.append(server)
        assert server.process.wait(timeout=30) != 0
        assert "family-safety db upgrade" in server.log()
        assert_one_clear_line(server.log())
        assert not (tmp_path / "keyring.json").exists()  # the database is checked first
    finally:
        asyncio.run(admin_statements([f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"]))


def assert_one_clear_line(log: str) -> None:
    assert "Traceback" not in log
    assert len(log.strip().splitlines()) == 1, log


def test_an_unreachable_database_stops_the_start_with_one_clear_line(tmp_path, servers):
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/family_safety"
    env = {"FAMILY_SAFETY_DATABASE_URL": unreachable, "FAMILY_SAFETY_DATA_DIR": str(tmp_path)}
    server = start_server(env, tmp_path / "refused.log", wait=False)
    servers.append(server)
    assert server.process.wait(timeout=30) != 0
    log = server.log()
    assert_one_clear_line(log)
    assert "cannot reach the database" in log
    assert not (tmp_path / "keyring.json").exists()


def test_keys_rotate_keeps_the_retired_key_for_verification(tmp_path):
    def rotate() -> list[dict]:
        subprocess.run(
            [sys.executable, "-m", "family_safety", "keys", "rotate"],
            env={**os.environ, "FAMILY_SAFETY_DATA_DIR": str(tmp_path)},
            check=True,
            capture_output=True,
        )
        return json.loads((tmp_path / "keyring.json").read_text())["keys"]

    first = rotate()
    second = rotate()
    assert len(first) == 1
    assert [key["kid"] for key in second] == [second[0]["kid"], first[0]["kid"]]
    assert second[0]["retired_at"] is None
    assert second[1]["retired_at"] is not None
