"""Listing laws, and the staff's change of a law's status: audited, and announced to every
process so that every account it touches re-resolves at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from family_safety.db.changes import ALL_ACCOUNTS, ChangeKind, note
from family_safety.db.models import LawStatusOverride
from family_safety.domain.audit import chain
from family_safety.domain.laws.repository import read_book
from family_safety.domain.laws.schemas import LawOut
from family_safety.domain.policy.catalog import CATALOG
from family_safety.lib import problems
from family_safety.lib.pagination import Page, decode_cursor, page_of

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.laws.hot_path import LawsInForce
    from family_safety.domain.laws.schemas import LawStatusChange
    from family_safety.domain.policy.laws import Law, LawBook


def law_out(book: LawBook, law: Law, today: date, row: LawStatusOverride | None) -> LawOut:
    rules = []
    for rule in law.rules:
        kind = CATALOG[rule.key]
        wire: dict[str, Any] = {"key": rule.key, "band": rule.band}
        for field in ("default", "gate", "needs_guardian"):
            value = getattr(rule, field)
            if value is not None:
                wire[field] = kind.dump(value)
        rules.append(wire)
    return LawOut(
        id=law.id,
        title=law.title,
        citation=law.citation,
        countries=sorted(law.countries),
        regions=sorted(law.regions),
        status=book.status(law),
        effective_from=law.effective_from,
        effective_until=law.effective_until,
        applies_now=book.applies_now(law, today),
        minimum_age=law.minimum_age,
        rules=rules,
        status_note=None if row is None else row.note,
        status_changed_at=None if row is None else row.changed_at,
    )


@dataclass(frozen=True, slots=True)
class LawService:
    session: AsyncSession
    laws: LawsInForce

    async def page(self, limit: int, cursor: str | None, today: date) -> Page[LawOut]:
        book = await read_book(self.session)
        after = decode_cursor(cursor, str)
        listed = [law for law in book.laws if after is None or law.id > after][: limit + 1]
        rows = await self._rows()
        page = page_of(listed, limit, lambda law: law.id)
        return page.map(lambda law: law_out(book, law, today, rows.get(law.id)))

    async def get(self, law_id: str, today: date) -> LawOut:
        book = await read_book(self.session)
        law = book.get(law_id)
        if law is None:
            raise problems.not_found()
        return law_out(book, law, today, await self.session.get(LawStatusOverride, law_id))

    async def change_status(
        self, staff: AnyAccount, law_id: str, change: LawStatusChange, now: datetime
    ) -> LawOut:
        """Set the law's status: an audit entry of the staff account that changed it, and one
        change on the bus that every process hears (each reads the statuses again)."""
        session = self.session
        book = await read_book(session)
        law = book.get(law_id)
        if law is None:
            raise problems.not_found()
        row = await session.get(LawStatusOverride, law_id, with_for_update=True)
        before = book.status(law)
        before_note = None if row is None else row.note
        if row is None:
            row = LawStatusOverride(law_id=law_id, status=change.status, note=change.note)
            session.add(row)
        row.status, row.note, row.changed_at, row.changed_by = (
            change.status,
            change.note,
            now,
            staff.id,
        )
        await chain.record(
            session,
            account_id=staff.id,
            actor=chain.Actor(chain.ActorRole.SELF, staff.id),
            action="law.status_changed",
            changes={
                f"{law_id}.status": {"from": before, "to": change.status},
                f"{law_id}.note": {"from": before_note, "to": change.note},
            },
            at=now,
        )
        note(session, ALL_ACCOUNTS, ChangeKind.LAWS)
        await session.commit()
        book = await read_book(session)
        self.laws.swap(book)  # this process answers with it at once; others hear the change
        return law_out(book, law, now.date(), row)

    async def _rows(self) -> dict[str, LawStatusOverride]:
        rows = await self.session.scalars(select(LawStatusOverride))
        return {row.law_id: row for row in rows}
