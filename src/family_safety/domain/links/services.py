"""Listing an account's links, and ending one from either side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from family_safety.db.models import Account, GuardianLink
from family_safety.domain.links.lifecycle import end_link
from family_safety.domain.links.repository import links_of
from family_safety.domain.links.views import link_view
from family_safety.lib import problems
from family_safety.lib.pagination import Page, decode_cursor, page_of

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.links.schemas import Link
    from family_safety.domain.policy.pack import PolicyPack


@dataclass(frozen=True, slots=True)
class LinkService:
    session: AsyncSession
    pack: PolicyPack

    async def page(
        self, account: AnyAccount, limit: int, cursor: str | None, today: date
    ) -> Page[Link]:
        query = links_of(account.id)
        if (after := decode_cursor(cursor, UUID)) is not None:
            query = query.where(GuardianLink.id > after)
        rows = (await self.session.execute(query.limit(limit + 1))).all()
        page = page_of(list(rows), limit, lambda row: row[0].id)
        return Page(
            items=[link_view(*row, today) for row in page.items], next_cursor=page.next_cursor
        )

    async def one(self, account: AnyAccount, link_id: UUID, today: date) -> Link:
        """One of the account's links, from either side; 404 for anyone else's."""
        row = (
            await self.session.execute(links_of(account.id).where(GuardianLink.id == link_id))
        ).first()
        if row is None:
            raise problems.not_found()
        return link_view(*row, today)

    async def end(self, account: AnyAccount, link_id: UUID, now: datetime) -> None:
        """Either side ends the link; ending an ended link changes nothing."""
        link = await self.session.get(GuardianLink, link_id)
        if link is None or account.id not in (link.guardian_id, link.teen_id):
            raise problems.not_found()
        ended_by = await self.session.get_one(Account, account.id)
        if await end_link(self.session, self.pack, link, ended_by=ended_by, now=now):
            await self.session.commit()
