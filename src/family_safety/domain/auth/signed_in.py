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
from family_safety.db.memory import MemoryRules, ProcessMemory
from family_safety.domain.ages import holds
from family_safety.domain.ages.birthdays import apply_birthdays, band_change_due
from family_safety.domain.ages.holds import hold_change_due, may_pass_while_held, review_hold_now
from family_safety.lib import problems

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from family_safety.db.account_records import SignedInAccount
    from family_safety.db.changes import Change
    from family_safety.db.hot_reads import HotPathReader
    from family_safety.domain.components import Components


_CHANGES_OF_THE_ACCOUNT = frozenset({ChangeKind.SETTINGS, ChangeKind.SESSIONS})


class SignedInAccounts(ProcessMemory):
    def __init__(self, reader: HotPathReader, rules: MemoryRules) -> None:
        super().__init__(reader, rules)
        self._size = 0
        # Most accounts have one sign-in session: its account, a dict by session only for more.
        self._by_account: dict[UUID, SignedInAccount | dict[UUID, SignedInAccount]] = {}

    async def load(
        self, account_id: UUID, session_id: UUID, *, waits: bool = True
    ) -> SignedInAccount | None:
        """The account of this sign-in session, or None when it is gone or the session ended.
        ``waits=False``: None too when it is not in memory and a read would wait for a pooled
        connection (``HotPathReader.reads_at_once``)."""
        trusted = self._trusted()
        if trusted and (record := self._kept(account_id, session_id)) is not None:
            return record
        if not waits and not self._reader.reads_at_once():
            return None
        forgotten_before = self._forgotten
        record = await load_signed_in_account(self._reader, account_id, session_id)
        if record is not None and trusted and self._forgotten == forgotten_before:
            self._remember(record)
        return record

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

    def _forget_everything(self) -> None:
        self._forgotten += 1
        self._by_account.clear()
        self._size = 0


async def signed_in_account(
    components: Components,
    account_id: UUID,
    session_id: UUID,
    now: datetime,
    *,
    from_memory: bool = False,
) -> SignedInAccount | None:
    """The one account check of every way in (bearer tokens, the pages' cookie, the lane): the
    account of a live sign-in session, with what its birthdays and its hold change written
    first; None when the account is gone or the session ended.

    ``from_memory`` (the lane, which never waits for the database and writes nothing): None also
    when the account is not in memory and a read would wait for a connection, when a change of
    age band or of its hold is due, and when it is held (the caller hands the request to the
    check that applies or refuses it)."""
    signed_in = components.signed_in
    account = await signed_in.load(account_id, session_id, waits=not from_memory)
    if account is None:
        return None
    today = now.date()
    band_due = band_change_due(components.pack, account, today)
    laws = holds.applying_laws(components, today)
    hold_due = hold_change_due(account, laws, today)
    if from_memory:
        return None if band_due or hold_due or account.held_since is not None else account
    if not band_due and not hold_due:
        return account
    if band_due:
        await apply_birthdays(components.sessions, components.pack, account.id, now)
    if hold_due:
        await review_hold_now(components.sessions, account.id, laws, now)
    signed_in.forget(account.id)
    return await signed_in.load(account_id, session_id)


def refuse_if_held(account: SignedInAccount, method: str, path: str) -> None:
    """403 ``account-held``, naming the law, for a held account on any path it may not use
    (``ages.holds.may_pass_while_held``). Cheap: the hold is on the account in memory."""
    if account.held_since is not None and not may_pass_while_held(method, path):
        raise problems.account_held(account.held_title or "the minimum age")
