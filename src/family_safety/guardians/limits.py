"""A linked guardian's limits on a teen, and who controls what as the teen sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import delete, insert, select

from family_safety import problems
from family_safety.account_settings.bounds import limits_by_link, linked_guardians
from family_safety.account_settings.services import parse_settings
from family_safety.audit import chain
from family_safety.db.models import GuardianLimit, GuardianLink
from family_safety.etags import etag_matches, etag_of
from family_safety.guardians.schemas import GuardianControls
from family_safety.links.views import link_view
from family_safety.notifications.kinds import NotificationKind
from family_safety.notifications.services import notify, party
from family_safety.pagination import Page, decode_cursor, page_of
from family_safety.policy.catalog import CATALOG

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.links.access import GuardedTeen


def limits_etag(link: GuardianLink) -> str:
    return etag_of(link.id, link.limits_version)


@dataclass(frozen=True, slots=True)
class LimitsService:
    session: AsyncSession

    async def limits(self, guarded: GuardedTeen) -> dict[str, Any]:
        return (await limits_by_link(self.session, [guarded.link.id])).get(guarded.link.id, {})

    async def replace(
        self,
        guardian: AnyAccount,
        guarded: GuardedTeen,
        raw_limits: Mapping[str, Any],
        if_match: str | None,
        now: datetime,
    ) -> dict[str, Any]:
        """Replace this guardian's limits: 428 without If-Match, 412 when stale, 422 for any
        bad key or value. A limit looser than the age gate is kept for when the gate lifts."""
        if if_match is None:
            raise problems.precondition_required()
        head = await chain.lock_account(self.session, guarded.teen.id)
        # Read again under the teen's lock: the link may have ended since it was first read, and
        # no change by a guardian lands after its link ended. One statement: the link (its row
        # refreshed) with its limits.
        rows = (
            await self.session.execute(
                select(GuardianLink, GuardianLimit.key, GuardianLimit.value)
                .outerjoin(GuardianLimit, GuardianLimit.link_id == GuardianLink.id)
                .where(GuardianLink.id == guarded.link.id)
                .execution_options(populate_existing=True)
            )
        ).all()
        link = guarded.link
        if not rows or not link.is_active_on(now.date()):
            raise problems.not_found()
        if not etag_matches(if_match, limits_etag(link)):
            raise problems.precondition_failed()
        wire = {key: CATALOG[key].dump(value) for key, value in parse_settings(raw_limits).items()}
        current = {key: value for _, key, value in rows if key is not None}
        changes = {
            key: {"from": current.get(key), "to": wire.get(key)}
            for key in CATALOG
            if current.get(key) != wire.get(key)
        }
        if not changes:
            return current
        await self.session.execute(delete(GuardianLimit).where(GuardianLimit.link_id == link.id))
        if wire:
            await self.session.execute(
                insert(GuardianLimit),
                [{"link_id": link.id, "key": key, "value": value} for key, value in wire.items()],
            )
        link.limits_version += 1
        await chain.record(
            self.session,
            account_id=guarded.teen.id,
            actor=chain.Actor(chain.ActorRole.GUARDIAN, guardian.id),
            action="limits.updated",
            changes=changes,
            at=now,
            link_id=link.id,
            locked=head,
        )
        data = {"link_id": str(link.id), "guardian": party(guardian), "keys": list(changes)}
        notify(self.session, guarded.teen.id, NotificationKind.LIMITS_UPDATED, data, now)
        await self.session.commit()
        return wire

    async def my_guardians(
        self, teen: AnyAccount, limit: int, cursor: str | None, today: date
    ) -> Page[GuardianControls]:
        """Who controls what: every active link of this account as teen, with its limits."""
        after = decode_cursor(cursor, UUID)
        guardians = sorted(
            await linked_guardians(self.session, teen.id, today), key=lambda g: g.link.id
        )
        rows = [g for g in guardians if after is None or g.link.id > after][: limit + 1]
        page = page_of(rows, limit, lambda g: g.link.id)
        items = [
            GuardianControls(link=link_view(g.link, g.guardian, teen, today), limits=g.limits)
            for g in page.items
        ]
        return Page(items=items, next_cursor=page.next_cursor)
