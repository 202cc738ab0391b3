"""Sliding-window limits on failures (wrong passwords, wrong pairing codes), counted in the
database so they hold across every instance; and a budget of work a second, per process
(``TokenBucket``), counted in memory."""

from __future__ import annotations

import time
from math import ceil
from typing import TYPE_CHECKING, Protocol, cast

from sqlalchemy import delete, func, select

from family_safety.lib import problems

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime, timedelta

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import InstrumentedAttribute


class Failure(Protocol):
    at: datetime


async def refuse_when_over_limits(
    session: AsyncSession,
    failed_at: InstrumentedAttribute[datetime],
    limits: Iterable[tuple[ColumnElement[bool], int]],
    *,
    window: timedelta,
    now: datetime,
) -> None:
    """Answer 429 (with ``Retry-After``, never past the window) when any ``(which failures, how
    many at most)`` limit is reached within the window. Reads only."""
    since = now - window
    for which, limit in limits:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(failed_at)).where(which, failed_at > since)
            )
        ).one()
        if count >= limit:
            raise problems.rate_limited(max(1, ceil((oldest + window - now).total_seconds())))


async def record_failure(session: AsyncSession, failure: Failure, *, window: timedelta) -> None:
    """Count a failure in a short transaction of its own, so that it stays counted although the
    request fails: whatever the request's session had read is rolled back first (a failure path
    has written nothing), and failures older than the window are forgotten at the same time. The
    one place, with idempotency claims, where a helper commits."""
    await session.rollback()
    model = type(failure)
    # A failure is a mapped row: on its class, ``at`` is the column (a protocol can't say so).
    failed_at = cast("InstrumentedAttribute[datetime]", model.at)
    await session.execute(delete(model).where(failed_at <= failure.at - window))
    session.add(failure)
    await session.commit()


class TokenBucket:
    """At most ``rate`` takes a second on average, and ``rate`` at once after a quiet second:
    a bucket of ``rate`` tokens refilled at ``rate`` a second, one token a take. In memory, for
    one process and its event loop."""

    __slots__ = ("_level", "_rate", "_refilled_at")

    def __init__(self, rate: float) -> None:
        self._rate = rate
        self._level = rate
        self._refilled_at = time.monotonic()

    def take(self) -> bool:
        """Take a token; False, taking none, when the bucket is empty."""
        now = time.monotonic()
        level = min(self._rate, self._level + (now - self._refilled_at) * self._rate)
        self._refilled_at = now
        if level < 1:
            self._level = level
            return False
        self._level = level - 1
        return True
