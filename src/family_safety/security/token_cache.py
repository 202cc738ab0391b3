"""Verified access tokens, remembered until they expire so each is verified once per process.

Keyed by a digest of the token (16 bytes, not the token itself); bounded, oldest first out.
Revocation is not decided here: the account row read on every request decides that.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING

from family_safety.security.tokens import TokenKind

if TYPE_CHECKING:
    from family_safety.security.tokens import TokenSigner, VerifiedToken


class VerifiedTokenCache:
    def __init__(self, signer: TokenSigner, max_entries: int) -> None:
        self._signer = signer
        self._max_entries = max_entries
        self._verified: dict[bytes, VerifiedToken] = {}

    def verify_access_token(self, token: str) -> VerifiedToken:
        """As ``TokenSigner.verify``; raises InvalidToken."""
        key = hashlib.blake2b(token.encode(), digest_size=16).digest()
        cached = self._verified.get(key)
        if cached is not None and cached.expires_at > time.time():
            return cached
        verified = self._signer.verify(TokenKind.ACCESS, token)
        if len(self._verified) >= self._max_entries:
            del self._verified[next(iter(self._verified))]
        self._verified[key] = verified
        return verified
