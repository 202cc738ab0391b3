"""The pairing lifecycle: a guardian invites, the teen previews and consents, either side ends."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

import segno
from sqlalchemy import func, select, update

from family_safety.accounts.records import AnyAccount
from family_safety.accounts.schemas import AccountSummary
from family_safety.audit import chain
from family_safety.db.models import (
    Account,
    GuardianLink,
    LinkStatus,
    PairingCodeFailure,
    PairingInvitation,
)
from family_safety.errors import Problem
from family_safety.limits.repository import links_of
from family_safety.notifications.kinds import NotificationKind
from family_safety.notifications.services import notify, party
from family_safety.pagination import Page, decode_cursor, page_of
from family_safety.pairing import lifecycle
from family_safety.pairing.schemas import InvitationCreated, InvitationPreview, Link
from family_safety.policy.catalog import SETTING_KEYS
from family_safety.rate_limits import refuse_when_over_limits
from family_safety.security.tokens import InvalidToken, TokenKind

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.pairing.schemas import InvitationProof
    from family_safety.policy.pack import PolicyPack
    from family_safety.security.tokens import TokenSigner

CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
CODE_LENGTH = 8
INVITATION_TTL = timedelta(minutes=10)
MAX_LIVE_INVITATIONS = 5
MAX_GUARDIANS = 2
WRONG_CODE_WINDOW = timedelta(minutes=10)
MAX_WRONG_CODES = 5
_CODE_SEPARATORS = re.compile(r"[\s-]+")


def _code_hash(normalised_code: str) -> str:
    return hashlib.sha256(normalised_code.encode()).hexdigest()


def normalise_code(typed: str) -> str | None:
    """Case, spaces and the hyphen are ignored; None when it cannot be a code at all."""
    code = _CODE_SEPARATORS.sub("", typed).upper()
    if len(code) != CODE_LENGTH or any(letter not in CODE_ALPHABET for letter in code):
        return None
    return code


def _summary(account: AnyAccount) -> AccountSummary:
    return AccountSummary(id=account.id, handle=account.handle, display_name=account.display_name)


def link_view(link: GuardianLink, guardian: AnyAccount, teen: AnyAccount) -> Link:
    return Link(
        id=link.id,
        guardian=_summary(guardian),
        teen=_summary(teen),
        status=link.status,
        created_at=link.created_at,
        ended_at=link.ended_at,
    )


def _invalid() -> Problem:
    return Problem(400, "invitation-invalid", "This is not a valid pairing invitation.")


@dataclass(frozen=True, slots=True)
class PairingService:
    session: AsyncSession
    pack: PolicyPack
    signer: TokenSigner

    # --- the guardian's side -------------------------------------------------------------

    async def invite(self, guardian: AnyAccount, today: date, now: datetime) -> InvitationCreated:
        if not self._is_adult(guardian, today):
            raise Problem(403, "not-an-adult", "Only accounts aged 18 or over can invite.")
        await chain.lock_account(self.session, guardian.id)
        live = await self.session.scalar(
            select(func.count()).where(
                PairingInvitation.guardian_id == guardian.id,
                PairingInvitation.spent_at.is_(None),
                PairingInvitation.revoked_at.is_(None),
                PairingInvitation.expires_at > now,
            )
        )
        if live >= MAX_LIVE_INVITATIONS:
            raise Problem(
                409,
                "invitation-limit-reached",
                f"At most {MAX_LIVE_INVITATIONS} invitations can be live at once; "
                "revoke one or let it expire.",
            )
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        invitation = PairingInvitation(
            guardian_id=guardian.id,
            code_hash=_code_hash(code),
            created_at=now,
            expires_at=now + INVITATION_TTL,
        )
        self.session.add(invitation)
        await self.session.commit()
        return InvitationCreated(
            id=invitation.id,
            token=self._token(invitation, now),
            code=f"{code[:4]}-{code[4:]}",
            expires_at=invitation.expires_at,
        )

    async def qr_svg(self, guardian: AnyAccount, invitation_id: UUID, now: datetime) -> bytes:
        invitation = await self._own_invitation(guardian, invitation_id)
        self._refuse_unusable(invitation, now)
        qr = segno.make(self._token(invitation, now), error="m")
        return qr.svg_inline(scale=4, title="family_safety pairing invitation").encode()

    async def revoke(self, guardian: AnyAccount, invitation_id: UUID, now: datetime) -> None:
        invitation = await self._own_invitation(guardian, invitation_id)
        if invitation.revoked_at is None and invitation.spent_at is None:
            invitation.revoked_at = now
            await self.session.commit()

    # --- the teen's side -----------------------------------------------------------------

    async def preview(
        self, teen: AnyAccount, proof: InvitationProof, today: date, now: datetime
    ) -> InvitationPreview:
        invitation, guardian = await self._check(teen, proof, today, now)
        return InvitationPreview(
            guardian=_summary(guardian),
            expires_at=invitation.expires_at,
            controls=list(SETTING_KEYS),
        )

    async def redeem(
        self, teen: AnyAccount, proof: InvitationProof, today: date, now: datetime
    ) -> Link:
        """The teen's consent. The invitation is spent by one conditional UPDATE, so of many
        simultaneous redemptions exactly one links the accounts."""
        invitation, guardian = await self._check(teen, proof, today, now)
        spent = await self.session.execute(
            update(PairingInvitation)
            .where(
                PairingInvitation.id == invitation.id,
                PairingInvitation.spent_at.is_(None),
                PairingInvitation.revoked_at.is_(None),
                PairingInvitation.expires_at > now,
            )
            .values(spent_at=now)
            .returning(PairingInvitation.id)
        )
        if spent.one_or_none() is None:
            await self.session.rollback()
            raise _used()
        link = GuardianLink(guardian_id=guardian.id, teen_id=teen.id, created_at=now)
        self.session.add(link)
        await self.session.flush()
        await chain.record(
            self.session,
            account_id=teen.id,
            actor=chain.Actor(chain.ActorRole.SELF, teen.id),
            action="link.created",
            changes={"link": {"from": None, "to": LinkStatus.ACTIVE.value}},
            at=now,
            link_id=link.id,
        )
        data = {"link_id": str(link.id), "teen": party(teen)}
        notify(self.session, guardian.id, NotificationKind.LINK_CREATED, data, now)
        await self.session.commit()
        return link_view(link, guardian, teen)

    # --- links ---------------------------------------------------------------------------

    async def links(
        self, account: AnyAccount, limit: int, cursor: str | None, today: date, now: datetime
    ) -> Page[Link]:
        await lifecycle.catch_up(self.session, self.pack, account, today, now)
        query = links_of(account.id)
        if (after := decode_cursor(cursor, UUID)) is not None:
            query = query.where(GuardianLink.id > after)
        rows = (await self.session.execute(query.limit(limit + 1))).all()
        page = page_of(list(rows), limit, lambda row: row[0].id)
        return Page(items=[link_view(*row) for row in page.items], next_cursor=page.next_cursor)

    async def end(self, account: AnyAccount, link_id: UUID, today: date, now: datetime) -> None:
        """Either side ends the link; ending an ended link changes nothing."""
        link = await self.session.get(GuardianLink, link_id)
        if link is None or account.id not in (link.guardian_id, link.teen_id):
            raise Problem(404, "not-found", "No such link of yours.")
        ended = await lifecycle.end_link(
            self.session,
            self.pack,
            link,
            status=LinkStatus.ENDED,
            ended_by=account,
            now=now,
            today=today,
        )
        if ended:
            await self.session.commit()

    # --- checks --------------------------------------------------------------------------

    async def _check(
        self, teen: AnyAccount, proof: InvitationProof, today: date, now: datetime
    ) -> tuple[PairingInvitation, Account]:
        """Every refusal, in the contract's order; spends nothing."""
        invitation = await self._find(teen, proof, now)
        if not self.pack.is_teen(self.pack.band_for(teen.birthdate, today)):
            raise Problem(
                403, "not-a-teen", "Only accounts aged 13 to 17 can accept an invitation."
            )
        guardian = await self.session.get_one(Account, invitation.guardian_id)
        if not self._is_adult(guardian, today):
            raise Problem(403, "not-an-adult", "This invitation's creator is not an adult.")
        self._refuse_unusable(invitation, now)
        await chain.lock_account(self.session, teen.id)
        links = list(
            await self.session.scalars(
                select(GuardianLink.guardian_id).where(
                    GuardianLink.teen_id == teen.id, GuardianLink.status == LinkStatus.ACTIVE
                )
            )
        )
        if guardian.id in links:
            raise Problem(409, "already-linked", f"You are already linked to @{guardian.handle}.")
        if len(links) >= MAX_GUARDIANS:
            raise Problem(
                409,
                "guardian-limit-reached",
                f"A teen can have at most {MAX_GUARDIANS} guardians.",
            )
        return invitation, guardian

    async def _find(
        self, teen: AnyAccount, proof: InvitationProof, now: datetime
    ) -> PairingInvitation:
        if proof.token is not None:
            try:
                verified = self.signer.verify(
                    TokenKind.PAIRING_INVITATION, proof.token, allow_expired=True
                )
                invitation_id = UUID(str(verified.claims.get("inv")))
            except (InvalidToken, ValueError) as exc:
                raise _invalid() from exc
            invitation = await self.session.get(PairingInvitation, invitation_id)
            if invitation is None or str(invitation.guardian_id) != verified.subject:
                raise _invalid()
            return invitation
        await self._refuse_when_guessing(teen, now)
        code = normalise_code(proof.code or "")
        invitation = (
            await self.session.scalar(
                select(PairingInvitation).where(PairingInvitation.code_hash == _code_hash(code))
            )
            if code
            else None
        )
        if invitation is None:
            self.session.add(PairingCodeFailure(teen_id=teen.id, at=now))
            await self.session.commit()
            raise _invalid()
        return invitation

    async def _refuse_when_guessing(self, teen: AnyAccount, now: datetime) -> None:
        await refuse_when_over_limits(
            self.session,
            PairingCodeFailure.at,
            [(PairingCodeFailure.teen_id == teen.id, MAX_WRONG_CODES)],
            window=WRONG_CODE_WINDOW,
            now=now,
            detail="Too many wrong codes; try again later.",
        )

    def _refuse_unusable(self, invitation: PairingInvitation, now: datetime) -> None:
        if invitation.spent_at is not None:
            raise _used()
        if invitation.revoked_at is not None or invitation.expires_at <= now:
            raise Problem(410, "invitation-expired", "This invitation has expired or was revoked.")

    async def _own_invitation(self, guardian: AnyAccount, invitation_id: UUID) -> PairingInvitation:
        invitation = await self.session.get(PairingInvitation, invitation_id)
        if invitation is None or invitation.guardian_id != guardian.id:
            raise Problem(404, "not-found", "No such invitation of yours.")
        return invitation

    def _token(self, invitation: PairingInvitation, now: datetime) -> str:
        ttl = max(1, int((invitation.expires_at - now).total_seconds()))
        return self.signer.sign(
            TokenKind.PAIRING_INVITATION,
            subject=str(invitation.guardian_id),
            ttl_seconds=ttl,
            inv=str(invitation.id),
        )

    def _is_adult(self, account: AnyAccount, today: date) -> bool:
        return self.pack.is_guardian_band(self.pack.band_for(account.birthdate, today))


def _used() -> Problem:
    return Problem(409, "invitation-used", "This invitation has already been used.")
