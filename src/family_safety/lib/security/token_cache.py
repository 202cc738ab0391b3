"""Verified access tokens, remembered until they expire so each is verified once per process.

Keyed by a 16-byte digest of the token (never the token itself), holding only what a request
needs: about 390 bytes an entry, measured with tracemalloc (BENCHMARKS.md), so the default
200,000 entries take about 75 MiB. Bounded, oldest first out; expired entries are purged as new
ones come (every token lives as long, so the oldest entries expire first). Whether the token's
session is still alive is not decided here: the account read on every request decides that.

A refused token is remembered too, for ``REFUSED_SECONDS`` (at most ``REFUSED_ENTRIES`` of
them): a signature check costs more than a whole answer from memory, and a request the hot routes
hand to Litestar is checked twice, so a flood of one forged or expired token costs one check a
few seconds, not two a request (BENCHMARKS.md, "Refused tokens"). A token refused because its
key was not yet known here (rotated in by another instance) is refused that much longer at most.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, NamedTuple
from uuid import UUID

from family_safety.lib.security.tokens import InvalidToken, TokenKind

if TYPE_CHECKING:
    from family_safety.lib.security.tokens import TokenSigner


class AccessGrant(NamedTuple):
    account_id: UUID
    session_id: UUID
    expires_at: int


REFUSED_SECONDS = 5.0
REFUSED_ENTRIES = 10_000


class VerifiedTokenCache:
    def __init__(self, signer: TokenSigner, max_entries: int) -> None:
        self._signer = signer
        self._max_entries = max_entries
        self._grants: dict[bytes, AccessGrant] = {}
        self._refused: dict[bytes, float] = {}  # digest: until when it is refused unchecked

    def verify_access_token(self, token: str) -> AccessGrant:
        """As ``TokenSigner.verify`` for an access token; raises InvalidToken."""
        key = hashlib.blake2b(token.encode(), digest_size=16).digest()
        grant = self._grants.get(key)
        now = time.time()
        if grant is not None and grant.expires_at > now:
            return grant
        if self._refused.get(key, 0.0) > now:
            raise InvalidToken("refused a moment ago")
        try:
            grant = self._verified(token)
        except InvalidToken:
            self._refuse(key, now)
            raise
        self._purge_expired(now)
        if len(self._grants) >= self._max_entries:
            del self._grants[next(iter(self._grants))]
        self._grants[key] = grant
        return grant

    def _verified(self, token: str) -> AccessGrant:
        verified = self._signer.verify(TokenKind.ACCESS, token)
        try:
            return AccessGrant(
                UUID(verified.subject), UUID(str(verified.claims.get("sid"))), verified.expires_at
            )
        except ValueError as exc:
            raise InvalidToken("malformed subject or session") from exc

    def _refuse(self, key: bytes, now: float) -> None:
        """Remember a refused token; the oldest entries, the first to expire, leave first."""
        refused = self._refused
        while refused:
            oldest = next(iter(refused))
            if len(refused) < REFUSED_ENTRIES and refused[oldest] > now:
                break
            del refused[oldest]
        refused[key] = now + REFUSED_SECONDS

    def _purge_expired(self, now: float) -> None:
        """Drop expired entries from the oldest end (amortised: each entry is dropped once)."""
        grants = self._grants
        while grants:
            oldest = next(iter(grants))
            if grants[oldest].expires_at > now:
                return
            del grants[oldest]

    def __len__(self) -> int:
        return len(self._grants)
