"""Every migration runs up and down on both databases, and the models match the migrations."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from family_safety.db import migrations
from family_safety.db.engine import create_engine
from family_safety.db.models import metadata


async def _tables(settings) -> set[str]:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_round_trip_upgrade_downgrade_upgrade(settings):
    model_tables = set(metadata.tables)
    assert model_tables <= await _tables(settings)
    await migrations.downgrade(settings, "base")
    assert not model_tables & await _tables(settings)
    await migrations.upgrade(settings)
    assert model_tables <= await _tables(settings)


async def test_models_match_the_migrations(settings):
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                # SQLite reflects advanced-alchemy's GUID as NUMERIC: compare types on PostgreSQL.
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync, opts={"compare_type": sync.dialect.name != "sqlite"}
                    ),
                    metadata,
                )
            )
    finally:
        await engine.dispose()
    assert differences == []
