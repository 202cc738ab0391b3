"""A linked guardian's limits on a teen, and the guardian's views of that teen."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import delete

from family_safety.account_settings.services import (
    AccountSettingsService,
    SettingsSnapshot,
    etag_matches,
    parse_settings,
)
from family_safety.accounts.records import AnyAccount
from family_safety.audit import chain
from family_safety.db.models import Account, GuardianLimit, GuardianLink
from family_safety.errors import Problem
from family_safety.limits.repository import active_link, limits_by_link, linked_guardians
from family_safety.limits.schemas import GuardianControls
from family_safety.notifications.kinds import NotificationKind
from family_safety.notifications.services import notify, party
from family_safety.pagination import Page, decode_cursor, page_of
from family_safety.pairing import lifecycle
from family_safety.pairing.services import link_view
from family_safety.policy.catalog import CATALOG

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.policy.pack import PolicyPack


def limits_etag(link: GuardianLink) -> str:
    material = f"{link.id}:{link.limits_version}"
    return '"' + hashlib.sha256(material.encode()).hexdigest()[:32] + '"'


@dataclass(frozen=True, slots=True)
class GuardedTeen:
    """A teen as seen by one of its guardians, through their active link."""

    teen: AnyAccount
    link: GuardianLink


@dataclass(frozen=True, slots=True)
class LimitsService:
    session: AsyncSession
    pack: PolicyPack

    async def guarded_teen(
        self, guardian: AnyAccount, teen_id: UUID, today: date, now: datetime
    ) -> GuardedTeen:
        """The guardian's active link to this teen, read from the database on every request;
        404 alike for a teen that does not exist and one that is not this guardian's."""
        link = await active_link(self.session, guardian_id=guardian.id, teen_id=teen_id)
        teen = await self.session.get(Account, teen_id) if link else None
        if teen is not None and not self.pack.is_teen(self.pack.band_for(teen.birthdate, today)):
            await lifecycle.catch_up(self.session, self.pack, teen, today, now)  # ends it at 18
            teen = None
        if link is None or teen is None:
            raise Problem(404, "not-found", "No teen of yours has this id.")
        return GuardedTeen(teen, link)

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
            raise Problem(
                428, "precondition-required", "Send If-Match with the ETag of the limits you read."
            )
        await chain.lock_account(self.session, guarded.teen.id)
        await self.session.refresh(guarded.link)
        if not etag_matches(if_match, limits_etag(guarded.link)):
            raise Problem(
                412, "precondition-failed", "The limits changed since that ETag; fetch them again."
            )
        wire = {key: CATALOG[key].dump(value) for key, value in parse_settings(raw_limits).items()}
        current = await self.limits(guarded)
        changes = {
            key: {"from": current.get(key), "to": wire.get(key)}
            for key in CATALOG
            if current.get(key) != wire.get(key)
        }
        if not changes:
            return current
        link = guarded.link
        await self.session.execute(delete(GuardianLimit).where(GuardianLimit.link_id == link.id))
        self.session.add_all(
            GuardianLimit(link_id=link.id, key=key, value=value) for key, value in wire.items()
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
        )
        data = {"link_id": str(link.id), "guardian": party(guardian), "keys": list(changes)}
        notify(self.session, guarded.teen.id, NotificationKind.LIMITS_UPDATED, data, now)
        await self.session.commit()
        return wire

    async def teen_settings(self, guarded: GuardedTeen, today: date) -> SettingsSnapshot:
        return await AccountSettingsService(self.session, self.pack).snapshot(guarded.teen, today)

    async def my_guardians(
        self, teen: AnyAccount, limit: int, cursor: str | None
    ) -> Page[GuardianControls]:
        """Who controls what: every active link of this account as teen, with its limits."""
        after = decode_cursor(cursor, UUID)
        guardians = sorted(await linked_guardians(self.session, teen.id), key=lambda g: g.link.id)
        rows = [g for g in guardians if after is None or g.link.id > after][: limit + 1]
        page = page_of(rows, limit, lambda g: g.link.id)
        items = [
            GuardianControls(link=link_view(g.link, g.guardian, teen), limits=g.limits)
            for g in page.items
        ]
        return Page(items=items, next_cursor=page.next_cursor)
