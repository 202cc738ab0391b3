"""The holder's data rights: a copy of everything held about the account, and erasure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from family_safety.accounts.services import own_view
from family_safety.audit.services import page_for as audit_page
from family_safety.auth.services import AuthService
from family_safety.db.models import (
    Account,
    GuardianLink,
    LinkStatus,
    Notification,
    PairingInvitation,
    SettingChoice,
)
from family_safety.errors import Problem
from family_safety.limits.repository import limits_by_link, links_of
from family_safety.pairing import lifecycle
from family_safety.pairing.services import link_view

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.accounts.records import AccountRecord
    from family_safety.components import Components

EXPORT_AUDIT_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class DataRightsService:
    session: AsyncSession
    components: Components

    async def export(self, account: AccountRecord, today: date) -> dict[str, Any]:
        """Everything held about the account, as JSON: what is personal is the holder's own."""
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
        return {
            "account": own_view(self.components.pack, account, today).model_dump(mode="json"),
            "settings_chosen": {choice.key: choice.value for choice in choices},
            "links": [
                {
                    **link_view(link, guardian, teen).model_dump(mode="json"),
                    "limits": limits.get(link.id, {}),
                }
                for link, guardian, teen in links
            ],
            "pairing_invitations": [
                {
                    "id": str(invitation.id),
                    "created_at": invitation.created_at.isoformat(),
                    "expires_at": invitation.expires_at.isoformat(),
                    "spent": invitation.spent_at is not None,
                    "revoked": invitation.revoked_at is not None,
                }
                for invitation in invitations
            ],
            "notifications": [
                {
                    "id": str(note.id),
                    "kind": note.kind,
                    "created_at": note.created_at.isoformat(),
                    "data": note.data,
                }
                for note in notifications
            ],
            "audit": [entry.model_dump(mode="json") for entry in audit.items],
        }

    async def erase(
        self, account: AccountRecord, password: str, client_address: str, today: date, now: datetime
    ) -> None:
        """End every link (the other side is told), end every session, and delete the account
        with everything that is its own. Other accounts' audit chains still verify: they hold
        ids and setting values, never personal data."""
        auth = AuthService(
            self.session,
            self.components.settings,
            self.components.hasher,
            self.components.signer,
        )
        if not await auth.check_password(account.id, password, client_address):
            raise Problem(403, "wrong-password", "The password is wrong.")
        for link, _, _ in await self._links(account):
            if link.status == LinkStatus.ACTIVE:
                await lifecycle.end_link(
                    self.session,
                    self.components.pack,
                    link,
                    status=LinkStatus.ENDED,
                    ended_by=await self.session.get_one(Account, account.id),
                    now=now,
                    today=today,
                )
        await auth.end_all_sessions(account.id, now)
        await self.session.execute(delete(Account).where(Account.id == account.id))
        await self.session.commit()

    async def _links(self, account: AccountRecord) -> list[tuple[GuardianLink, Account, Account]]:
        return [tuple(row) for row in await self.session.execute(links_of(account.id))]
