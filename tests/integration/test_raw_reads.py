"""The hot path reads with the database's own driver (sqlite3; asyncpg on PostgreSQL), not the
ORM: what it reads must be what the ORM reads, key by key and type by type (JSON and JSONB
values decoded, UUIDs as UUIDs, times aware), and the answer built from it the ORM's answer."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from uuid import UUID

import asyncpg
import msgspec
import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import async_sessionmaker

from family_safety.db import postgres as postgres_pool
from family_safety.db.account_records import load_account_record
from family_safety.db.engine import create_engine
from family_safety.db.hot_reads import HotPathReader, HotQuery
from family_safety.db.models import Account, SettingChoice
from family_safety.db.postgres import PostgresPool
from family_safety.domain.account_settings.bounds import guardian_limits, linked_guardians
from family_safety.domain.account_settings.cache import SettingsAnswerCache
from family_safety.domain.account_settings.hot_path import Answer, SettingsAnswers, typical_answers
from family_safety.domain.account_settings.services import AccountSettingsService
from family_safety.domain.policy.pack import load_default_pack
from family_safety.lib.clock import utc_today
from tests.conftest import requires_postgres
from tests.helpers import EVERY_DAY, daily, laws_in_force, pair, set_limits

CHOICES = {
    "downloads.allowed": False,
    "content.keyword_filters": ["spoilers", "Ünïcode ✓", 'a "quoted" word'],
    "notifications.quiet_hours": [{"days": EVERY_DAY, "start": "20:30", "end": "08:15"}],
    "comments.who_can_comment": "friends",
}
LIMITS = {
    "screen_time.daily_limit_minutes": {**daily(90), "sat": 150, "sun": None},
    "screen_time.time_away": [{"days": ["sat", "sun"], "start": "23:00", "end": "07:00"}],
    "content.keyword_filters": ["gore"],
    "search.enabled": False,
}
_CHOICES = HotQuery(
    select(SettingChoice.key, SettingChoice.value).where(
        SettingChoice.account_id == bindparam("account_id")
    )
)


@pytest.fixture
async def reads(settings):
    """The hot path's reader and an ORM session on the same database."""
    engine = create_engine(settings)
    postgres = None
    if engine.url.get_backend_name() == "postgresql":
        postgres = PostgresPool.for_engine(engine, 2)
    reader = HotPathReader(engine, postgres)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            yield reader, session
    finally:
        reader.close()
        if postgres is not None:
            await postgres.close()
        await engine.dispose()


def _same_key_by_key(raw: dict, orm: dict) -> None:
    assert raw.keys() == orm.keys()
    for key, value in orm.items():
        assert raw[key] == value, key
        assert type(raw[key]) is type(value), key


async def _family(register):
    teen = await register("teen_15", 15)
    mum = await register("mum", 41)
    dad = await register("dad", 43)
    for guardian in (mum, dad):
        await pair(guardian, teen)
    chosen = await teen.patch("/v1/me/settings", json=CHOICES)
    assert chosen.status_code == 200, chosen.text
    assert (await set_limits(mum, teen.id, LIMITS)).status_code == 200
    assert (await set_limits(dad, teen.id, {"account.private": True})).status_code == 200
    return teen


async def test_the_account_read_raw_is_the_account_the_orm_reads(register, reads):
    reader, session = reads
    teen = await _family(register)
    raw = await load_account_record(reader, UUID(teen.id))
    orm = await session.get(Account, UUID(teen.id))
    assert raw is not None
    for field in fields(raw):
        value = getattr(orm, field.name)
        assert getattr(raw, field.name) == value, field.name
        assert type(getattr(raw, field.name)) is type(value), field.name
    assert isinstance(raw.id, UUID)
    assert isinstance(raw.birthdate, date)
    assert isinstance(raw.created_at, datetime)
    assert raw.created_at.utcoffset() is not None


async def test_json_values_read_raw_are_the_values_the_orm_reads(register, reads):
    reader, session = reads
    teen = await _family(register)
    teen_id = UUID(teen.id)
    orm_choices = dict(
        (
            await session.execute(
                select(SettingChoice.key, SettingChoice.value).where(
                    SettingChoice.account_id == teen_id
                )
            )
        ).all()
    )
    raw_choices = dict(await reader.all(_CHOICES, {"account_id": teen_id}))
    _same_key_by_key(raw_choices, orm_choices)
    assert raw_choices.keys() == CHOICES.keys()
    async with reader.snapshot() as snapshot:
        raw_limits = {
            each.guardian_id: each.limits
            for each in await guardian_limits(snapshot, teen_id, utc_today())
        }
    orm_limits = {
        each.guardian.id: each.limits
        for each in await linked_guardians(session, teen_id, utc_today())
    }
    assert raw_limits.keys() == orm_limits.keys()
    assert len(raw_limits) == 2
    for guardian_id, limits in orm_limits.items():
        _same_key_by_key(raw_limits[guardian_id], limits)
    assert sorted(len(limits) for limits in raw_limits.values()) == [1, len(LIMITS)]


async def test_the_hot_answer_is_the_answer_the_orm_resolves(register, reads):
    reader, session = reads
    teen = await _family(register)
    pack = load_default_pack()
    record = await load_account_record(reader, UUID(teen.id))
    cache = SettingsAnswerCache(1 << 20, typical_answers(pack))
    hot = SettingsAnswers(pack, laws_in_force(reader), reader, cache)
    answer = await hot.answer(record, utc_today(), None)
    assert isinstance(answer, Answer)
    account = await session.get(Account, UUID(teen.id))
    snapshot = await AccountSettingsService(session, pack).snapshot(account, utc_today())
    from_orm = msgspec.json.decode(msgspec.json.encode(snapshot.answer()))
    from_hot = msgspec.json.decode(answer.body)
    assert answer.etag == snapshot.etag
    assert from_hot.keys() == from_orm.keys()
    _same_key_by_key(from_hot["settings"], from_orm["settings"])
    assert from_hot == from_orm
    # The values came through: a choice, a guardian's JSON limits and the other guardian's bound.
    settings = from_hot["settings"]
    assert settings["content.keyword_filters"]["value"] == [
        *CHOICES["content.keyword_filters"],
        *LIMITS["content.keyword_filters"],
    ]
    assert settings["screen_time.time_away"]["value"] == LIMITS["screen_time.time_away"]
    assert settings["account.private"]["value"] is True


@requires_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_raw_pool_waits_its_time_then_says_so_as_the_orm_would(settings, monkeypatch):
    monkeypatch.setattr(postgres_pool, "WAIT_SECONDS", 0.2)
    engine = create_engine(settings)
    pool = PostgresPool.for_engine(engine, 1)
    try:
        async with pool.connection():
            with pytest.raises(PoolTimeoutError):  # 503, as the ORM's pool timeout
                async with pool.connection():
                    pass
        with pytest.raises(OperationalError):  # 503, as the ORM's driver errors
            async with pool.connection() as connection:
                await connection.fetch("SELECT * FROM no_such_table")
        async with pool.connection() as connection:  # each connection went back, usable
            assert await connection.fetchval("SELECT 1") == 1
    finally:
        await pool.close()
        await engine.dispose()


@requires_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_raw_pool_says_whether_a_read_would_wait(settings):
    """What the hot routes ask before they read (they never wait for a connection)."""
    engine = create_engine(settings)
    pool = PostgresPool.for_engine(engine, 1)
    reader = HotPathReader(engine, pool)
    try:
        assert not reader.reads_at_once()  # not open yet: the first read opens it, and waits
        async with pool.connection():
            assert not reader.reads_at_once()  # its one connection is taken
        assert reader.reads_at_once()  # back, idle
    finally:
        await pool.close()
        await engine.dispose()


@requires_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_connection_the_server_closed_while_idle_is_replaced_not_a_503(settings):
    """After a database restart every idle connection of the pool is dead, and the pool runs no
    pre-ping: the first read, snapshot or write on each is retried on a new connection."""
    engine = create_engine(settings)
    pool = PostgresPool.for_engine(engine, 1)
    reader = HotPathReader(engine, pool)
    one = HotQuery(select(bindparam("n", type_=Account.settings_version.type)))
    admin = await asyncpg.connect(pool.dsn)

    async def kill_the_idle_connection() -> None:
        async with pool.connection() as idle:
            pid = idle.get_server_pid()
        await admin.execute("SELECT pg_terminate_backend($1)", pid)

    try:
        for n in range(3):
            await kill_the_idle_connection()
            assert await reader.all(one, {"n": n}) == [(n,)]
            await kill_the_idle_connection()
            async with reader.snapshot() as reads:
                assert await reads.all(one, {"n": n}) == [(n,)]
    finally:
        await admin.close()
        await pool.close()
        await engine.dispose()
