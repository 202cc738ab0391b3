"""Signing in, rotating refresh tokens, logging out, and counting failed sign-ins."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from family_safety.db import changes
from family_safety.db.changes import ChangeKind
from family_safety.db.engine import READ_ONLY
from family_safety.db.models import Account, RefreshToken, SignInFailure
from family_safety.domain.auth.schemas import SignedIn, TokenPair
from family_safety.lib import problems
from family_safety.lib.clock import utc_now
from family_safety.lib.rate_limits import record_failure, refuse_when_over_limits
from family_safety.lib.security.tokens import InvalidToken, TokenKind

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.lib.config import Settings
    from family_safety.lib.security.passwords import PasswordHasher
    from family_safety.lib.security.tokens import TokenSigner


DEVICE_TOKEN_TTL_SECONDS = 180 * 24 * 3600


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_session_id() -> uuid.UUID:
    """A sign-in session: the family of its refresh tokens, and the ``sid`` of its access tokens."""
    return uuid.UUID(bytes=secrets.token_bytes(16), version=4)


@dataclass(frozen=True, slots=True)
class AuthService:
    session: AsyncSession
    settings: Settings
    hasher: PasswordHasher
    signer: TokenSigner

    async def sign_in(
        self, handle: str, password: str, client_address: str, device_token: str | None = None
    ) -> SignedIn:
        """Read, verify with no transaction open (no pooled connection, no SQLite write lock is
        held while argon2id runs), then write. A valid device token for this handle replaces
        the per-handle limit by a limit on its own failures (OWASP's device cookies)."""
        self.hasher.refuse_when_full()
        now = utc_now()
        handle_digest = _digest(handle)
        await self.session.connection(execution_options=READ_ONLY)  # reads: no SQLite write lock
        account = (
            await self.session.execute(
                select(Account.id, Account.password_hash).where(Account.handle == handle)
            )
        ).one_or_none()
        device = self._trusted_device(device_token, handle_digest, account.id if account else None)
        await self._refuse_when_rate_limited(handle_digest, client_address, now, device=device)
        await self.session.rollback()
        valid, new_hash = await self.hasher.verify(
            password, account.password_hash if account else None
        )
        if account is None or not valid:
            await self._record_failure(handle_digest, client_address, now, device=device)
            raise problems.invalid_credentials()
        if new_hash is not None:
            await self.session.execute(
                update(Account).where(Account.id == account.id).values(password_hash=new_hash)
            )
        pair = self._issue(account.id, _new_session_id(), now)
        await self.session.commit()
        device_token = self.signer.sign(
            TokenKind.DEVICE,
            subject=str(account.id),
            ttl_seconds=DEVICE_TOKEN_TTL_SECONDS,
            hnd=handle_digest,
        )
        return SignedIn(**pair.model_dump(), device_token=device_token)

    def _trusted_device(
        self, device_token: str | None, handle_digest: str, account_id: uuid.UUID | None
    ) -> str | None:
        """The digest naming a device token this service issued for this handle's account, else
        None (an invalid or foreign one is as good as none: the per-handle limit applies)."""
        if device_token is None or account_id is None:
            return None
        try:
            verified = self.signer.verify(TokenKind.DEVICE, device_token)
        except InvalidToken:
            return None
        if verified.subject != str(account_id) or verified.claims.get("hnd") != handle_digest:
            return None
        return _digest(verified.token_id)

    async def refresh(self, refresh_token: str) -> TokenPair:
        now = utc_now()
        token_hash = _digest(refresh_token)
        spent = await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == token_hash,
                RefreshToken.spent_at.is_(None),
                RefreshToken.revoked_at.is_(None),
                RefreshToken.expires_at > now,
            )
            .values(spent_at=now)
            .returning(RefreshToken.account_id, RefreshToken.family_id)
        )
        row = spent.one_or_none()
        if row is None:
            # Unknown, expired, revoked, or spent: a spent one presented again means it leaked,
            # so the whole family ends.
            await self._revoke_family_of(token_hash, now, only_if_reused=True)
            await self.session.commit()
            raise problems.invalid_refresh_token()
        pair = self._issue(row.account_id, row.family_id, now)
        await self.session.commit()
        return pair

    async def logout(self, refresh_token: str) -> None:
        """End every session of the refresh token's account: its refresh tokens fail from now
        on, and so do access tokens issued to them. An unknown token ends nothing."""
        account_id = await self.session.scalar(
            select(RefreshToken.account_id).where(RefreshToken.token_hash == _digest(refresh_token))
        )
        if account_id is not None:
            await self.end_all_sessions(account_id, utc_now())
            await self.session.commit()

    async def check_password(
        self, account_id: uuid.UUID, password: str, client_address: str
    ) -> bool:
        """For changes that need the password again; a wrong one counts as a failed sign-in
        (and is committed), so this cannot be used to guess passwords faster. Verified with no
        transaction open: the caller's writes start a new one."""
        now = utc_now()
        handle, password_hash = (
            await self.session.execute(
                select(Account.handle, Account.password_hash).where(Account.id == account_id)
            )
        ).one()
        handle_digest = _digest(handle)
        await self._refuse_when_rate_limited(handle_digest, client_address, now)
        await self.session.rollback()
        valid, _ = await self.hasher.verify(password, password_hash)
        if not valid:
            await self._record_failure(handle_digest, client_address, now)
        return valid

    async def change_password(
        self, account_id: uuid.UUID, current_password: str, new_password: str, client_address: str
    ) -> TokenPair:
        """Needs the current password; ends every session and starts a new one for the caller."""
        if not await self.check_password(account_id, current_password, client_address):
            raise problems.wrong_password()
        new_hash = await self.hasher.hash(new_password)  # still no transaction open
        now = utc_now()
        await self.session.execute(
            update(Account).where(Account.id == account_id).values(password_hash=new_hash)
        )
        await self.end_all_sessions(account_id, now)
        pair = self._issue(account_id, _new_session_id(), now)
        await self.session.commit()
        return pair

    async def end_all_sessions(self, account_id: uuid.UUID, now: datetime) -> None:
        """Revoke every refresh token of the account, in the caller's transaction; access tokens
        of those sessions are refused from the next request (the middleware checks)."""
        changes.note(self.session, account_id, ChangeKind.SESSIONS)
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def _issue(self, account_id: uuid.UUID, family_id: uuid.UUID, now: datetime) -> TokenPair:
        refresh_token = secrets.token_urlsafe(32)
        self.session.add(
            RefreshToken(
                account_id=account_id,
                family_id=family_id,
                token_hash=_digest(refresh_token),
                created_at=now,
                expires_at=now + timedelta(seconds=self.settings.refresh_token_ttl_seconds),
            )
        )
        ttl = self.settings.access_token_ttl_seconds
        access_token = self.signer.sign(
            TokenKind.ACCESS, subject=str(account_id), ttl_seconds=ttl, sid=str(family_id)
        )
        return TokenPair(
            access_token=access_token,
            token_type="Bearer",  # noqa: S106 - the scheme name, not a secret
            expires_in=ttl,
            refresh_token=refresh_token,
        )

    async def _revoke_family_of(
        self, token_hash: str, now: datetime, *, only_if_reused: bool
    ) -> None:
        query = select(RefreshToken.account_id, RefreshToken.family_id).where(
            RefreshToken.token_hash == token_hash
        )
        if only_if_reused:
            query = query.where(RefreshToken.spent_at.is_not(None))
        found = (await self.session.execute(query)).one_or_none()
        if found is not None:
            account_id, family_id = found
            changes.note(self.session, account_id, ChangeKind.SESSIONS)
            await self.session.execute(
                update(RefreshToken)
                .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    async def _refuse_when_rate_limited(
        self, handle_digest: str, client_address: str, now: datetime, *, device: str | None = None
    ) -> None:
        # From a trusted device, its own failures count instead of the handle's: others'
        # failures cannot lock the holder out. The per-address limit holds either way.
        which = (
            SignInFailure.device_digest == device
            if device is not None
            else SignInFailure.handle_digest == handle_digest
        )
        await refuse_when_over_limits(
            self.session,
            SignInFailure.at,
            [
                (which, self.settings.sign_in_max_failures_per_handle),
                (
                    SignInFailure.client_address == client_address,
                    self.settings.sign_in_max_failures_per_address,
                ),
            ],
            window=self._window,
            now=now,
        )

    @property
    def _window(self) -> timedelta:
        return timedelta(seconds=self.settings.sign_in_window_seconds)

    async def _record_failure(
        self, handle_digest: str, client_address: str, now: datetime, *, device: str | None = None
    ) -> None:
        failure = SignInFailure(
            handle_digest=handle_digest, client_address=client_address, at=now, device_digest=device
        )
        await record_failure(self.session, failure, window=self._window)
