"""Password hashing with argon2id (libpass' CryptContext), always off the event loop."""

from __future__ import annotations

import secrets

import anyio.to_thread
from passlib.context import CryptContext


class PasswordHasher:
    def __init__(self, *, memory_kib: int, time_cost: int) -> None:
        self._context = CryptContext(
            schemes=["argon2"],
            argon2__type="ID",
            argon2__memory_cost=memory_kib,
            argon2__time_cost=time_cost,
            argon2__parallelism=1,
        )
        # Verified against when the handle is unknown, so both failures cost the same time.
        self._dummy_hash = self._context.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._context.hash, password)

    async def verify(self, password: str, stored_hash: str | None) -> tuple[bool, str | None]:
        """Check ``password``; returns (valid, new hash when the parameters changed)."""
        if stored_hash is None:
            await anyio.to_thread.run_sync(self._context.verify, password, self._dummy_hash)
            return False, None
        return await anyio.to_thread.run_sync(
            self._context.verify_and_update, password, stored_hash
        )
