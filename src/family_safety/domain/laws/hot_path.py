"""The laws in force in this process: the law book, swapped whole when a status changes.

The settings answers ask it, on every request, which laws apply to the account (one memoised
lookup: no read). A status change is written by one instance, which swaps its own book at once;
every other process hears ``ChangeKind.LAWS`` on the change bus (or misses changes, when its
listener drops) and reads the statuses again, one small read. The settings ETag names the laws
applied, so every cached answer whose laws changed is an old ETag from then on: the next read
resolves it again, and the lane answers from memory only what is current.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog

from family_safety.db.changes import ChangeKind
from family_safety.domain.laws.repository import book_of, read_book_hot

if TYPE_CHECKING:
    from family_safety.db.changes import Change, ChangeBus, MemoryTrust
    from family_safety.db.hot_reads import HotPathReader
    from family_safety.domain.policy.laws import LawBook

_log = structlog.get_logger("family_safety.laws")


class LawsInForce:
    def __init__(self, reader: HotPathReader, bus: ChangeBus, trust: MemoryTrust) -> None:
        self.book: LawBook = book_of(())  # the shipped statuses until load() has read the table
        self._reader = reader
        self._reloading: set[asyncio.Task[None]] = set()  # reads of changes heard
        self._background: set[asyncio.Task[None]] = set()  # reads after changes may be missed
        self._generation = 0  # counts the books swapped in, so an older read never wins
        bus.on_change(self._heard)
        # When changes may have been missed (a listener dropped), read again, without holding
        # answers back: nothing says a status changed.
        self._trusted = trust.watch(lambda: self._reload_soon(self._background))

    def current(self) -> LawBook:
        """The book to answer with now (a missed change, once noticed, reads the statuses)."""
        self._trusted()
        return self.book

    @property
    def pending(self) -> bool:
        """Whether a change was heard whose statuses are still being read: what answers from
        memory alone must not answer now (``settled`` waits for them)."""
        self._trusted()
        return bool(self._reloading)

    async def settled(self) -> LawBook:
        """The book, once every change heard so far has been read."""
        while self._reloading:
            await asyncio.gather(*self._reloading, return_exceptions=True)
        return self.book

    async def load(self) -> None:
        """Read the statuses and swap the book (at start, and when they may have changed)."""
        generation = self._generation = self._generation + 1
        book = await read_book_hot(self._reader)
        if generation == self._generation:
            self.book = book

    async def reload_every(self, seconds: float) -> None:
        """Read the statuses again every ``seconds`` (where no change is heard), until cancelled."""
        while True:
            await asyncio.sleep(seconds)
            await self._load_logged()

    def swap(self, book: LawBook) -> None:
        """The book of a status change this process has just committed."""
        self._generation += 1
        self.book = book

    def _heard(self, change: Change) -> None:
        if change.kind == ChangeKind.LAWS:
            self._reload_soon(self._reloading)

    def _reload_soon(self, tasks: set[asyncio.Task[None]]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(self._load_logged())
        except RuntimeError:  # no loop (a change published outside the app): read at start
            return
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def _load_logged(self) -> None:
        try:
            await self.load()
        except Exception:  # the old book stays; the next change or trust epoch reads again
            _log.exception("could not read the laws' statuses")
