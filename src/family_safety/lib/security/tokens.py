"""JSON Web Tokens signed by the keyring, one ``typ`` and audience per kind (RFC 8725)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import jwt

from family_safety.lib.security.keyring import (
    SIGNING_ALGORITHM,
    Keyring,
    KeyringError,
    load_keyring,
)

if TYPE_CHECKING:
    from pathlib import Path

# Bigger than any token this service signs; anything larger is refused before parsing.
MAX_TOKEN_LENGTH = 4096
REQUIRED_CLAIMS = ("iss", "aud", "sub", "iat", "exp", "jti")
DEFAULT_KEYRING_CHECK_SECONDS = 10.0


class TokenKind(StrEnum):
    """The ``typ`` header of each token kind; each kind also has its own audience."""

    ACCESS = "at+jwt"
    PAIRING_INVITATION = "pairing+jwt"
    DEVICE = "device+jwt"  # a client that signed in to a handle before (sign-in lock-out)


class InvalidToken(Exception):
    """The token is not one this service issued for this purpose, or it expired."""


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    subject: str
    token_id: str
    issued_at: int
    expires_at: int
    claims: dict[str, Any]


class TokenSigner:
    def __init__(
        self,
        keyring: Keyring,
        *,
        issuer: str,
        keyring_path: Path | None = None,
        check_every_seconds: float = DEFAULT_KEYRING_CHECK_SECONDS,
    ) -> None:
        """With ``keyring_path``, the file is checked at most every ``check_every_seconds`` and
        re-read when it changed (``keys rotate`` on any instance): every instance then signs
        with the new active key and serves every key of the file in its JWKS."""
        self._loaded = keyring
        self._issuer = issuer
        self._keyring_path = keyring_path
        self._check_every = check_every_seconds
        self._last_check = time.monotonic()
        self._file_version: tuple[int, int, int] | None = None  # unknown: the first check reads

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    @property
    def _keyring(self) -> Keyring:
        """The keyring as the file holds it now (re-read when it changed, checked at most
        every ``check_every_seconds``): what signs and verifies."""
        self._reload_when_changed()
        return self._loaded

    def audience(self, kind: TokenKind) -> str:
        return f"{self._issuer}:{kind.value}"

    def sign(
        self,
        kind: TokenKind,
        *,
        subject: str,
        ttl_seconds: int,
        issued_at: int | None = None,
        token_id: str | None = None,
        **claims: Any,
    ) -> str:
        """A signed token. With ``issued_at`` and ``token_id`` fixed, the same claims give the
        same token every time (Ed25519 signatures are deterministic) while the key is unchanged."""
        now = int(time.time()) if issued_at is None else issued_at
        key = self._keyring.active
        payload = {
            **claims,
            "iss": self._issuer,
            "aud": self.audience(kind),
            "sub": subject,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": secrets.token_urlsafe(16) if token_id is None else token_id,
        }
        return jwt.encode(
            payload,
            key.private_key,
            algorithm=SIGNING_ALGORITHM,
            headers={"kid": key.kid, "typ": kind.value},
        )

    def verify(self, kind: TokenKind, token: str, *, allow_expired: bool = False) -> VerifiedToken:
        """Check the signature, kind, issuer, audience and claims. ``allow_expired`` is for
        tokens naming a stored record that carries its own expiry (invitations), so the caller
        can answer "expired" rather than "invalid"."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("token too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("undecodable token") from exc
        if header.get("alg") != SIGNING_ALGORITHM or header.get("typ") != kind.value:
            raise InvalidToken("wrong token type or algorithm")
        kid = header.get("kid")
        key = self._keyring.find(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("unknown signing key")
        try:
            claims = jwt.decode(
                token,
                key.public_key,
                algorithms=[SIGNING_ALGORITHM],
                audience=self.audience(kind),
                issuer=self._issuer,
                options={"require": list(REQUIRED_CLAIMS), "verify_exp": not allow_expired},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("jti"), str):
            raise InvalidToken("malformed claims")
        return VerifiedToken(
            subject=claims["sub"],
            token_id=claims["jti"],
            issued_at=int(claims["iat"]),
            expires_at=int(claims["exp"]),
            claims=claims,
        )

    def _version_of_file(self) -> tuple[int, int, int] | None:
        if self._keyring_path is None:
            return None
        try:
            stat = self._keyring_path.stat()
        except OSError:
            return None
        # Saving replaces the file, so its inode changes even within one mtime tick.
        return stat.st_mtime_ns, stat.st_ino, stat.st_size

    def _reload_when_changed(self) -> None:
        """Re-read the keyring file when it changed; checked at most every ``check_every``
        seconds (one stat). An unreadable file keeps the keys already loaded."""
        if self._keyring_path is None:
            return
        now = time.monotonic()
        if now - self._last_check < self._check_every:
            return
        self._last_check = now
        version = self._version_of_file()
        if version is None or version == self._file_version:
            return
        try:
            self._loaded = load_keyring(self._keyring_path)
        except (KeyringError, OSError):  # keep the keys in hand; the next change retries
            return
        self._file_version = version
