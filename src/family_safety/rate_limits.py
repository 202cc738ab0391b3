"""Sliding-window limits on failures (wrong passwords, wrong pairing codes), counted in the
database so they hold across every instance."""

from __future__ import annotations

from math import ceil
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from family_safety.errors import Problem

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime, timedelta

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import InstrumentedAttribute


async def refuse_when_over_limits(
    session: AsyncSession,
    failed_at: InstrumentedAttribute[datetime],
    limits: Iterable[tuple[ColumnElement[bool], int]],
    *,
    window: timedelta,
    now: datetime,
    detail: str,
) -> None:
    """Forget failures older than the window, then answer 429 (with ``Retry-After``, never past
    the window) when any ``(which failures, how many at most)`` limit is reached."""
    since = now - window
    await session.execute(delete(failed_at.class_).where(failed_at <= since))
    for which, limit in limits:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(failed_at)).where(which, failed_at > since)
            )
        ).one()
        if count >= limit:
            await session.commit()  # keep the clean-up
            retry_after = max(1, ceil((oldest + window - now).total_seconds()))
            raise Problem(429, "rate-limited", detail, headers={"Retry-After": str(retry_after)})
