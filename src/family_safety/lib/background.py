"""Work that runs beside the served app for as long as it serves (sweeps, relays, re-reads)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Coroutine
    from typing import Any


@asynccontextmanager
async def running(work: Coroutine[Any, Any, object]) -> AsyncIterator[None]:
    """``work`` as a task while the block runs; cancelled, and waited for, when the block ends.
    Only for work that a cancellation cannot leave half-written (a read loop, a relay, a sweep
    whose each step is one transaction); work that must finish a batch takes a stop event."""
    task = asyncio.create_task(work)
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
