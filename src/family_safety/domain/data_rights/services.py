"""The holder's data rights: a copy of everything held about the account, and erasure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import msgspec
from sqlalchemy import delete, select

from family_safety.db import outbox
from family_safety.db.models import (
    Account,
    GuardianLink,
    Notification,
    PairingInvitation,
    SettingChoice,
)
from family_safety.db.outbox import EventType
from family_safety.domain.account_settings.bounds import limits_by_link
from family_safety.domain.accounts.services import own_view
from family_safety.domain.audit.services import page_for as audit_page
from family_safety.domain.auth.services import AuthService
from family_safety.domain.data_rights.schemas import Export, ExportedInvitation, ExportedLink
from family_safety.domain.links.lifecycle import end_link
from family_safety.domain.links.repository import links_of
from family_safety.domain.links.views import link_view
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.schemas import NotificationOut
from family_safety.domain.safety import services as safety
from family_safety.domain.screen_time import export as screen_time
from family_safety.domain.setting_requests.services import SettingRequestService
from family_safety.lib import problems
from family_safety.lib.clock import utc_now

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy import Row
    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AccountRecord
    from family_safety.domain.policy.pack import PolicyPack

EXPORT_AUDIT_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class DataRightsService:
    session: AsyncSession
    pack: PolicyPack
    auth: AuthService

    async def export(self, account: AccountRecord, today: date) -> Export:
        """Everything held about the account: what is personal is the holder's own."""
        session = self.session
        links = await self._links(account)
        limits = await limits_by_link(session, [link.id for link, _, _ in links])
        choices = await session.scalars(
            select(SettingChoice).where(SettingChoice.account_id == account.id)
        )
        notifications = await session.scalars(
            select(Notification)
            .where(Notification.account_id == account.id)
            .order_by(Notification.id)
        )
        invitations = await session.scalars(
            select(PairingInvitation).where(PairingInvitation.guardian_id == account.id)
        )
        audit = await audit_page(session, account.id, EXPORT_AUDIT_LIMIT, None)
        held_by_safety = await safety.export_of(session, account.id)
        return Export(
            account=own_view(self.pack, account, today),
            settings_chosen={choice.key: choice.value for choice in choices},
            links=[
                ExportedLink(
                    **link_view(link, guardian, teen, today).model_dump(),
                    limits=limits.get(link.id, {}),
                )
                for link, guardian, teen in links
            ],
            pairing_invitations=[
                ExportedInvitation(
                    id=invitation.id,
                    created_at=invitation.created_at,
                    expires_at=invitation.expires_at,
                    spent=invitation.spent_at is not None,
                    revoked=invitation.revoked_at is not None,
                )
                for invitation in invitations
            ],
            notifications=[
                NotificationOut(
                    id=note.id,
                    # A plain str column; the pydantic model reads it as a NotificationKind.
                    kind=cast("NotificationKind", note.kind),
                    created_at=note.created_at,
                    data=note.data,
                )
                for note in notifications
            ],
            audit=audit.items,
            reports=held_by_safety.reports,
            blocks=held_by_safety.blocks,
            roles=held_by_safety.roles,
            screen_time=await screen_time.export_of(session, account, utc_now()),
            setting_requests=[
                msgspec.to_builtins(request)
                for request in await SettingRequestService(session, self.pack).all_of(
                    account, utc_now()
                )
            ],
        )

    async def erase(
        self, account: AccountRecord, password: str, client_address: str, now: datetime
    ) -> None:
        """End every link (the other side is told), end every session, and delete the account
        with everything that is its own; the reports it filed stay for staff, without it. Other
        accounts' audit chains still verify: they hold ids and setting values, never personal
        data."""
        if not await self.auth.check_password(account.id, password, client_address):
            raise problems.wrong_password()
        ended_by = await self.session.get_one(Account, account.id)
        for link, _, _ in await self._links(account):
            await end_link(self.session, self.pack, link, ended_by=ended_by, now=now)
        await self.auth.end_all_sessions(account.id, now)
        # Reports filed stay for staff, anonymised; blocks (both ways) and roles go.
        await safety.forget(self.session, account.id)
        await self.session.execute(delete(Account).where(Account.id == account.id))
        outbox.enqueue(self.session, EventType.ACCOUNT_DELETED, account_id=account.id)
        await self.session.commit()

    async def _links(self, account: AccountRecord) -> list[Row[GuardianLink, Account, Account]]:
        return list(await self.session.execute(links_of(account.id)))
