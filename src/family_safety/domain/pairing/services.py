"""Pairing invitations: a guardian invites, the teen previews and consents, which links them."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from uuid import UUID

import segno
from sqlalchemy import func, select, update

from family_safety.db import outbox
from family_safety.db.models import (
    Account,
    GuardianLink,
    LinkStatus,
    PairingCodeFailure,
    PairingInvitation,
)
from family_safety.db.outbox import EventType
from family_safety.domain.audit import chain
from family_safety.domain.links.repository import active_guardian_ids
from family_safety.domain.links.views import link_view, summary
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify, party
from family_safety.domain.pairing.schemas import InvitationCreated, InvitationPreview
from family_safety.domain.policy.catalog import SETTING_KEYS
from family_safety.lib import problems
from family_safety.lib.rate_limits import record_failure, refuse_when_over_limits
from family_safety.lib.security.tokens import InvalidToken, TokenKind

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.links.schemas import Link
    from family_safety.domain.pairing.schemas import InvitationProof
    from family_safety.domain.policy.pack import PolicyPack
    from family_safety.lib.security.tokens import TokenSigner

CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
CODE_LENGTH = 8
INVITATION_TTL = timedelta(minutes=10)
MAX_LIVE_INVITATIONS = 5
MAX_GUARDIANS = 2
WRONG_CODE_WINDOW = timedelta(minutes=10)
MAX_WRONG_CODES = 5
_CODE_SEPARATORS = re.compile(r"[\s-]+")


INVITATION_PAGE = "/family/pair"
"""The Family Center page that previews an invitation from its link (``?token=``)."""


def invitation_link(base_url: str, token: str) -> str:
    """The link a pairing QR code holds: the preview page, on the service's public base URL."""
    return f"{base_url.rstrip('/')}{INVITATION_PAGE}?{urlencode({'token': token})}"


def _code_hash(normalised_code: str) -> str:
    return hashlib.sha256(normalised_code.encode()).hexdigest()


def normalise_code(typed: str) -> str | None:
    """Case, spaces and the hyphen are ignored; None when it cannot be a code at all."""
    code = _CODE_SEPARATORS.sub("", typed).upper()
    if len(code) != CODE_LENGTH or any(letter not in CODE_ALPHABET for letter in code):
        return None
    return code


@dataclass(frozen=True, slots=True)
class PairingService:
    session: AsyncSession
    pack: PolicyPack
    signer: TokenSigner

    # --- the guardian's side -------------------------------------------------------------

    async def invite(self, guardian: AnyAccount, today: date, now: datetime) -> InvitationCreated:
        if not self._is_adult(guardian, today):
            raise problems.not_an_adult(self.pack)
        await chain.lock_account(self.session, guardian.id)
        live = (
            await self.session.execute(
                select(func.count()).where(
                    PairingInvitation.guardian_id == guardian.id,
                    PairingInvitation.spent_at.is_(None),
                    PairingInvitation.revoked_at.is_(None),
                    PairingInvitation.expires_at > now,
                )
            )
        ).scalar_one()
        if live >= MAX_LIVE_INVITATIONS:
            raise problems.invitation_limit_reached(MAX_LIVE_INVITATIONS)
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
            token=self._token(invitation),
            code=f"{code[:4]}-{code[4:]}",
            expires_at=invitation.expires_at,
        )

    async def qr_svg(
        self,
        guardian: AnyAccount,
        invitation_id: UUID,
        now: datetime,
        *,
        link_base: str | None = None,
    ) -> bytes:
        """The invitation as a QR code: its token, or with ``link_base`` (the service's public
        base URL) the link to the page that previews it, which a phone's camera opens."""
        invitation = await self._own_invitation(guardian, invitation_id)
        self._refuse_unusable(invitation, now)
        token = self._token(invitation)
        content = token if link_base is None else invitation_link(link_base, token)
        qr = segno.make(content, error="m")
        svg = io.BytesIO()
        qr.save(
            svg,
            kind="svg",
            xmldecl=True,
            svgns=True,
            scale=4,
            title="family_safety pairing invitation",
        )
        return svg.getvalue()

    async def revoke(self, guardian: AnyAccount, invitation_id: UUID, now: datetime) -> None:
        """Revoke an invitation not yet spent nor revoked, by one conditional UPDATE: when the
        teen's consent spends it meanwhile, exactly one of the two lands."""
        invitation = await self._own_invitation(guardian, invitation_id)
        await self.session.execute(
            update(PairingInvitation)
            .where(
                PairingInvitation.id == invitation.id,
                PairingInvitation.spent_at.is_(None),
                PairingInvitation.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        await self.session.commit()

    async def still_open(self, guardian: AnyAccount, invitation_id: UUID, now: datetime) -> bool:
        """Whether the guardian's invitation can still be used: not spent, revoked nor run
        out (what a page showing it asks before showing it again)."""
        try:
            self._refuse_unusable(await self._own_invitation(guardian, invitation_id), now)
        except problems.Problem:
            return False
        return True

    # --- the teen's side -----------------------------------------------------------------

    async def preview(
        self, teen: AnyAccount, proof: InvitationProof, today: date, now: datetime
    ) -> InvitationPreview:
        invitation, guardian = await self._check(teen, proof, today, now)
        return InvitationPreview(
            guardian=summary(guardian),
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
            # Revoked, expired or spent since it was read: answer what it is now.
            await self.session.rollback()
            await self.session.refresh(invitation)
            self._refuse_unusable(invitation, now)
            raise problems.invitation_used()
        link = GuardianLink(
            guardian_id=guardian.id,
            teen_id=teen.id,
            created_at=now,
            ends_on=self.pack.adult_on(teen.age_birthdate),
        )
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
        outbox.enqueue(
            self.session,
            EventType.LINK_CREATED,
            link_id=link.id,
            guardian_id=guardian.id,
            teen_id=teen.id,
        )
        data = {"link_id": str(link.id), "teen": party(teen)}
        notify(self.session, guardian.id, NotificationKind.LINK_CREATED, data, now)
        # The teen's receipt of what it agreed to: who (data.guardian), when (the notification's
        # created_at) and the keys that guardian may bound (data.controls).
        receipt = {
            "link_id": str(link.id),
            "guardian": party(guardian),
            "controls": list(SETTING_KEYS),
        }
        notify(self.session, teen.id, NotificationKind.LINK_CREATED, receipt, now)
        await self.session.commit()
        return link_view(link, guardian, teen, today)

    # --- checks --------------------------------------------------------------------------

    async def _check(
        self, teen: AnyAccount, proof: InvitationProof, today: date, now: datetime
    ) -> tuple[PairingInvitation, Account]:
        """Every refusal, in the contract's order; spends nothing."""
        invitation = await self._find(teen, proof, now)
        if not self.pack.is_teen(self.pack.band_for(teen.age_birthdate, today)):
            raise problems.not_a_teen(self.pack)
        guardian = await self.session.get_one(Account, invitation.guardian_id)
        if not self._is_adult(guardian, today):
            raise problems.not_an_adult(self.pack)
        self._refuse_unusable(invitation, now)
        await chain.lock_account(self.session, teen.id)
        guardian_ids = await active_guardian_ids(self.session, teen.id, today)
        if guardian.id in guardian_ids:
            raise problems.already_linked(guardian.handle)
        if len(guardian_ids) >= MAX_GUARDIANS:
            raise problems.guardian_limit_reached(MAX_GUARDIANS)
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
                raise problems.invitation_invalid() from exc
            invitation = await self.session.get(PairingInvitation, invitation_id)
            if invitation is None or str(invitation.guardian_id) != verified.subject:
                raise problems.invitation_invalid()
            return invitation
        await refuse_when_over_limits(
            self.session,
            PairingCodeFailure.at,
            [(PairingCodeFailure.teen_id == teen.id, MAX_WRONG_CODES)],
            window=WRONG_CODE_WINDOW,
            now=now,
        )
        code = normalise_code(proof.code or "")
        invitation = (
            await self.session.scalar(
                select(PairingInvitation).where(PairingInvitation.code_hash == _code_hash(code))
            )
            if code
            else None
        )
        if invitation is None:
            failure = PairingCodeFailure(teen_id=teen.id, at=now)
            await record_failure(self.session, failure, window=WRONG_CODE_WINDOW)
            raise problems.invitation_invalid()
        return invitation

    def _refuse_unusable(self, invitation: PairingInvitation, now: datetime) -> None:
        if invitation.spent_at is not None:
            raise problems.invitation_used()
        if invitation.revoked_at is not None or invitation.expires_at <= now:
            raise problems.invitation_expired()

    async def _own_invitation(self, guardian: AnyAccount, invitation_id: UUID) -> PairingInvitation:
        invitation = await self.session.get(PairingInvitation, invitation_id)
        if invitation is None or invitation.guardian_id != guardian.id:
            raise problems.not_found()
        return invitation

    def _token(self, invitation: PairingInvitation) -> str:
        """The invitation's token, the same on every call: its claims are fixed when the
        invitation is created (iat, exp and a jti derived from the invitation's id)."""
        issued_at = int(invitation.created_at.timestamp())
        return self.signer.sign(
            TokenKind.PAIRING_INVITATION,
            subject=str(invitation.guardian_id),
            ttl_seconds=int(invitation.expires_at.timestamp()) - issued_at,
            issued_at=issued_at,
            token_id=f"invitation:{invitation.id}",
            inv=str(invitation.id),
        )

    def _is_adult(self, account: AnyAccount, today: date) -> bool:
        return self.pack.is_guardian_band(self.pack.band_for(account.age_birthdate, today))
