"""The signed-in account of every request, kept in memory while nothing says it changed.

Each process keeps the account row (its settings version, band, time zone) of each live sign-in
session it has served, so the hot path needs no database round trip. A change event
(`family_safety.db.changes`) to an account's settings or sessions forgets it (screen time and
notifications leave the row as it was): in this process at once, when the changing
transaction commits; from other processes on SQLite on the next request (``PRAGMA data_version``
moved: the change feed names the accounts to forget); from other instances on PostgreSQL when
their ``NOTIFY`` arrives (the window measured in BENCHMARKS.md). While the PostgreSQL listener
is down nothing is trusted: every request reads the database, and the memory is emptied when it
is back, so a lost notification never leaves a stale answer. ``FAMILY_SAFETY_FRESHNESS=read``
reads every time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from family_safety.db.account_records import load_signed_in_account
from family_safety.db.changes import ChangeKind

if TYPE_CHECKING:
    from uuid import UUID

    from family_safety.db.account_records import SignedInAccount
    from family_safety.db.changes import Change, ChangeBus, MemoryTrust
    from family_safety.db.hot_reads import HotPathReader


_CHANGES_OF_THE_ACCOUNT = frozenset({ChangeKind.SETTINGS, ChangeKind.SESSIONS})


class SignedInAccounts:
    def __init__(
        self, reader: HotPathReader, bus: ChangeBus, trust: MemoryTrust, *, max_entries: int
    ) -> None:
        self._reader = reader
        self._trusted = trust.watch(self._clear)
        self._max_entries = max_entries
        self._size = 0
        self._forgotten = 0  # counts every forgetting: a read that overlapped one is not kept
        # Most accounts have one sign-in session: its account, a dict by session only for more.
        self._by_account: dict[UUID, SignedInAccount | dict[UUID, SignedInAccount]] = {}
        bus.on_change(self._forget_change)

    async def load(self, account_id: UUID, session_id: UUID) -> SignedInAccount | None:
        """The account of this sign-in session, or None when it is gone or the session ended."""
        trusted = self._trusted()
        if trusted and (record := self._kept(account_id, session_id)) is not None:
            return record
        forgotten_before = self._forgotten
        record = await load_signed_in_account(self._reader, account_id, session_id)
        if record is not None and trusted and self._forgotten == forgotten_before:
            self._remember(record)
        return record

    def remembered(self, account_id: UUID, session_id: UUID) -> SignedInAccount | None:
        """As ``load`` when the account is in memory and memory is trusted; else None, with no
        read (``load`` reads)."""
        return self._kept(account_id, session_id) if self._trusted() else None

    def forget(self, account_id: UUID) -> None:
        self._forgotten += 1
        kept = self._by_account.pop(account_id, None)
        if kept is not None:
            self._size -= len(kept) if isinstance(kept, dict) else 1

    def __len__(self) -> int:
        return self._size

    def _forget_change(self, change: Change) -> None:
        # Only these change what is kept (the account row, its sign-in sessions); a usage report
        # or a notification leaves the signed-in account as it was.
        if change.kind in _CHANGES_OF_THE_ACCOUNT:
            self.forget(change.account_id)

    def _kept(self, account_id: UUID, session_id: UUID) -> SignedInAccount | None:
        kept = self._by_account.get(account_id)
        if isinstance(kept, dict):
            return kept.get(session_id)
        if kept is not None and kept.session_id == session_id:
            return kept
        return None

    def _remember(self, account: SignedInAccount) -> None:
        if self._size >= self._max_entries:
            evicted = self._by_account.pop(next(iter(self._by_account)))
            self._size -= len(evicted) if isinstance(evicted, dict) else 1
        kept = self._by_account.get(account.id)
        if kept is None or (not isinstance(kept, dict) and kept.session_id == account.session_id):
            self._size += kept is None
            self._by_account[account.id] = account
        elif isinstance(kept, dict):
            self._size += account.session_id not in kept
            kept[account.session_id] = account
        else:  # a second session of the account
            self._size += 1
            self._by_account[account.id] = {kept.session_id: kept, account.session_id: account}

    def _clear(self) -> None:
        self._forgotten += 1
        self._by_account.clear()
        self._size = 0
