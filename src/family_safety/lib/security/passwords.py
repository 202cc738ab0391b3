"""Password hashing with argon2id (libpass' CryptContext), off the event loop, on a small pool of
its own with a short queue: a flood of sign-ins is refused at once (``HashingOverloaded``) instead
of queueing without bound and taking every thread, connection or lock with it."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from passlib.context import CryptContext

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

DEFAULT_QUEUE = 8


class HashingOverloaded(Exception):
    """Every hashing worker is busy and the queue is full: retry shortly."""


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class PasswordHasher:
    def __init__(
        self,
        *,
        memory_kib: int,
        time_cost: int,
        workers: int | None = None,
        queue: int = DEFAULT_QUEUE,
    ) -> None:
        """``workers`` hash at once (default: one per usable core but one, which stays free to
        serve everyone else's requests); at most ``queue`` more wait; past that,
        ``HashingOverloaded``."""
        self._context = CryptContext(
            schemes=["argon2"],
            argon2__type="ID",
            argon2__memory_cost=memory_kib,
            argon2__time_cost=time_cost,
            argon2__parallelism=1,
        )
        # Verified against when the handle is unknown, so both failures cost the same time.
        self._dummy_hash = self._context.hash(secrets.token_urlsafe(16))
        self.workers = workers or max(1, usable_cores() - 1)
        self.capacity = self.workers + queue
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="argon2")
        self._admitted = 0
        self._lock = threading.Lock()

    @property
    def in_use(self) -> int:
        """Hashes running or waiting."""
        return self._admitted

    @property
    def is_full(self) -> bool:
        """Every worker is busy and the queue is full: a new hash would be refused."""
        return self._admitted >= self.capacity

    def refuse_when_full(self) -> None:
        """Shed a flood before it costs anything else (a database read, a lock): raise
        ``HashingOverloaded`` when every worker is busy and the queue is full."""
        if self.is_full:
            raise HashingOverloaded

    async def hash(self, password: str) -> str:
        return await self._run(self.hash_now, password)

    async def verify(self, password: str, stored_hash: str | None) -> tuple[bool, str | None]:
        """Check ``password``; returns (valid, new hash when the parameters changed)."""
        return await self._run(self.verify_now, password, stored_hash)

    def hash_now(self, password: str) -> str:
        """The work itself, on the calling thread."""
        return self._context.hash(password)

    def verify_now(self, password: str, stored_hash: str | None) -> tuple[bool, str | None]:
        """The work itself, on the calling thread."""
        if stored_hash is None:
            self._context.verify(password, self._dummy_hash)
            return False, None
        return self._context.verify_and_update(password, stored_hash)

    async def _run(self, work: Callable[..., T], *args: object) -> T:
        with self._lock:
            if self._admitted >= self.capacity:
                raise HashingOverloaded
            self._admitted += 1
        try:
            future = self._pool.submit(work, *args)
        except BaseException:
            self._release()
            raise
        # Released when the work ends (or is cancelled before it starts), not when the caller
        # stops waiting: a cancelled request must not free a worker that is still hashing.
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def _release(self, _future: Future[Any] | None = None) -> None:
        with self._lock:
            self._admitted -= 1
