"""GET /v1/me/settings as a service, without HTTP: an answer and its ETag always name the same
state, even when a change lands between reading the account and reading its settings."""

from __future__ import annotations

from uuid import UUID

from family_safety.db.account_records import load_account_record
from family_safety.db.engine import create_engine
from family_safety.db.hot_reads import HotPathReader
from family_safety.db.postgres import PostgresPool
from family_safety.domain.account_settings.cache import SettingsAnswerCache
from family_safety.domain.account_settings.hot_path import (
    Answer,
    NotModified,
    SettingsAnswers,
    typical_answers,
)
from family_safety.domain.policy.pack import load_default_pack
from family_safety.lib.clock import utc_today
from tests.helpers import laws_in_force


async def test_an_answer_read_after_a_change_carries_the_changes_etag(register, settings):
    teen = await register("teen_14", 14)
    engine = create_engine(settings)
    postgres = None
    if engine.url.get_backend_name() == "postgresql":
        postgres = PostgresPool.for_engine(engine, 2)
    reader = HotPathReader(engine, postgres)
    pack = load_default_pack()
    cache = SettingsAnswerCache(1 << 20, typical_answers(pack))
    answers = SettingsAnswers(pack, laws_in_force(reader), reader, cache)
    try:
        stale = await load_account_record(reader, UUID(teen.id))
        changed = await teen.patch("/v1/me/settings", json={"search.enabled": False})
        assert changed.status_code == 200

        answer = await answers.answer(stale, utc_today(), None)

        assert isinstance(answer, Answer)
        assert answer.etag == changed.headers["etag"]
        assert b'"search.enabled":{"value":false' in answer.body
        # The stale version's ETag names no cached answer: asking with it is never a 304 for
        # the new state, and nothing is served under it.
        fresh = await load_account_record(reader, UUID(teen.id))
        assert await answers.answer(fresh, utc_today(), answer.etag) == NotModified(answer.etag)
    finally:
        reader.close()
        if postgres is not None:
            await postgres.close()
        await engine.dispose()
