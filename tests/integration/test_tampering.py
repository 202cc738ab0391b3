"""What `family-safety audit verify` notices when someone edits the audit trail behind its back."""

from __future__ import annotations

import asyncio
from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db.engine import create_engine
from family_safety.db.models import AuditEntry
from family_safety.domain.audit.services import verify_all
from family_safety.server import cli
from tests.helpers import pair, set_limits


async def _delete_newest_entry(settings, account_id: str) -> None:
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine) as session:
            await session.execute(
                delete(AuditEntry).where(
                    AuditEntry.account_id == UUID(account_id), AuditEntry.seq == 3
                )
            )
            await session.commit()
    finally:
        await engine.dispose()


async def _broken(settings) -> list[tuple[str, int]]:
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine) as session:
            return [(str(chain.account_id), chain.seq) for chain in await verify_all(session)]
    finally:
        await engine.dispose()


async def test_verify_reports_the_newest_audit_entry_deleted(
    register, settings, monkeypatch, capsys
):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    await pair(parent, teen)
    await set_limits(parent, teen.id, {"search.enabled": False})
    await teen.patch("/v1/me/settings", json={"account.private": False})
    assert await _broken(settings) == []

    await _delete_newest_entry(settings, teen.id)
    assert await _broken(settings) == [(teen.id, 3)]

    monkeypatch.setenv("FAMILY_SAFETY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FAMILY_SAFETY_DATA_DIR", str(settings.data_dir))
    assert await asyncio.to_thread(cli.main, ["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"account {teen.id} entry seq 3" in out
    assert "deleted" in out


async def test_a_change_after_the_deletion_does_not_hide_it(register, settings):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    await pair(parent, teen)
    await set_limits(parent, teen.id, {"search.enabled": False})
    await teen.patch("/v1/me/settings", json={"account.private": False})
    await _delete_newest_entry(settings, teen.id)
    await teen.patch("/v1/me/settings", json={"account.private": True})
    assert [seq for account, seq in await _broken(settings) if account == teen.id] != []
