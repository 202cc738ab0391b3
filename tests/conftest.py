"""Shared fixtures: a fresh, migrated database per test, on SQLite and (when
``FAMILY_SAFETY_TEST_DATABASE_URL`` is set) on PostgreSQL too."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from family_safety.db import migrations
from family_safety.lib.config import Settings

POSTGRES_URL_VARIABLE = "FAMILY_SAFETY_TEST_DATABASE_URL"

# Properties are judged on what they find, never on how long an example took: a busy machine
# (CI, parallel workers) must not fail a property. Timing lives in the benchmarks.
hypothesis_settings.register_profile("service", deadline=None)
hypothesis_settings.load_profile("service")


requires_postgres = pytest.mark.skipif(
    not os.environ.get(POSTGRES_URL_VARIABLE), reason=f"set {POSTGRES_URL_VARIABLE} to run"
)


def database_kinds() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_URL_VARIABLE) else ["sqlite"]


def postgres_url(database: str) -> str:
    url = Settings(database_url=os.environ[POSTGRES_URL_VARIABLE]).resolved_database_url
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def admin_statements(statements: list[str]) -> None:
    engine = create_async_engine(postgres_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "family_safety.db"
    asyncio.run(migrations.upgrade(Settings(database_url=f"sqlite+aiosqlite:///{path}")))
    return path


def own_database_name(purpose: str) -> str:
    """A database name no other run, and no other pytest-xdist worker of this run, will use: two
    of them against one server never share or drop each other's databases."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"family_safety_{purpose}_{worker}_{secrets.token_hex(4)}"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database of this run's (this worker's) own: session fixtures run once
    per xdist worker, so each worker migrates and drops its own template."""
    name = own_database_name("template")
    asyncio.run(admin_statements([f"CREATE DATABASE {name}"]))
    try:
        asyncio.run(migrations.upgrade(Settings(database_url=postgres_url(name))))
        yield name
    finally:
        asyncio.run(admin_statements([f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"]))


@pytest.fixture(params=database_kinds())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database holding the current schema, dropped after the test."""
    if request.param == "sqlite":
        path = tmp_path / "family_safety.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = own_database_name("test")
    asyncio.run(admin_statements([f"CREATE DATABASE {name} TEMPLATE {template}"]))
    try:
        yield postgres_url(name)
    finally:
        asyncio.run(admin_statements([f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"]))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        log_level="WARNING",
        # Webhook tests drive the worker themselves (tests/integration/test_webhooks.py).
        webhook_worker=False,
    )
