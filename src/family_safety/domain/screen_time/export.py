"""What screen time holds about an account, for its data export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import select

from family_safety.db.models import ScreenTimeDay, TimeGrant
from family_safety.domain.screen_time.grants import grant_of
from family_safety.domain.screen_time.requests import TimeRequestService
from family_safety.domain.screen_time.schemas import grant_out

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount


async def export_of(session: AsyncSession, account: AnyAccount, now: datetime) -> dict[str, Any]:
    """The account's used time per local day, its requests and its grants."""
    days = await session.scalars(
        select(ScreenTimeDay)
        .where(ScreenTimeDay.account_id == account.id)
        .order_by(ScreenTimeDay.day)
    )
    grants = await session.scalars(
        select(TimeGrant).where(TimeGrant.account_id == account.id).order_by(TimeGrant.id)
    )
    exported: dict[str, Any] = msgspec.to_builtins(
        {
            "days": [{"date": day.day, "used_minutes": day.used_seconds // 60} for day in days],
            "time_requests": await TimeRequestService(session).all_of(account, now),
            "time_grants": [grant_out(grant_of(grant)) for grant in grants],
        }
    )
    return exported
