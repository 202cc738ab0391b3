"""The statuses staff set, read into a ``LawBook`` (the shipped laws with those statuses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import select

from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import LawStatusOverride
from family_safety.domain.policy.laws import LawBook, StatusInForce, load_shipped_laws

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.hot_reads import HotPathReader

_STATUSES = HotQuery(
    select(LawStatusOverride.law_id, LawStatusOverride.status, LawStatusOverride.changed_at)
)


def book_of(rows: Iterable[tuple[str, str, datetime]]) -> LawBook:
    """The shipped laws with the statuses of rows (a row of a law no longer shipped is left)."""
    return LawBook(
        load_shipped_laws(),
        {
            law_id: StatusInForce(cast("Any", status), changed_at.date())
            for law_id, status, changed_at in rows
        },
    )


async def read_book(session: AsyncSession) -> LawBook:
    """The law book as the session's transaction sees it."""
    rows = await session.execute(_STATUSES.statement)
    return book_of((row[0], row[1], row[2]) for row in rows)


async def read_book_hot(reader: HotPathReader) -> LawBook:
    """The law book, read without a session (at start, and when another instance changed it)."""
    return book_of((row[0], row[1], row[2]) for row in await reader.all(_STATUSES, {}))
