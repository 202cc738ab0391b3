"""Decisions answered from memory: what ``rules.decide`` reads, kept as the settings GET keeps
its answers.

Per account, each process keeps its record (band, time zone, settings version, hold), its
effective settings of that version (as the settings answers resolve them: the same
``SettingsAnswers``, whose listeners hear every resolution), the blocks it made and the roles an
operator granted it. A change forgets what it changes: the account's row (``settings.changed``,
``sessions.ended``), its blocks (``blocks.changed``), its roles (``roles.changed``); in this
process when the changing transaction commits, in others through the change bus (SQLite's
change feed, PostgreSQL's ``NOTIFY``) within the notification window. While those may go unheard
(``MemoryTrust``) nothing is kept, and every decision reads. The subject's screen time for
``app.use`` comes from screen time's own memory (``ScreenTimeStatuses.status_at``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple
from uuid import UUID

from sqlalchemy import bindparam, select

from family_safety.db.account_records import load_account_record
from family_safety.db.changes import ChangeKind
from family_safety.db.hot_reads import HotQuery
from family_safety.db.memory import MemoryRules, ProcessMemory
from family_safety.db.models import AccountRole, Block
from family_safety.domain.decisions.rules import ACTIONS, Known, Unknown, decide
from family_safety.domain.screen_time.days import zone

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime

    from family_safety.db.account_records import AccountRecord
    from family_safety.db.changes import Change
    from family_safety.db.hot_reads import HotPathReader
    from family_safety.domain.account_settings.hot_path import SettingsAnswers
    from family_safety.domain.decisions.rules import Account, Decision, Relationship
    from family_safety.domain.laws.hot_path import LawsInForce
    from family_safety.domain.policy.engine import EffectiveSettings
    from family_safety.domain.policy.pack import PolicyPack
    from family_safety.domain.screen_time.hot_path import ScreenTimeStatuses

_ROLES = HotQuery(select(AccountRole.role).where(AccountRole.account_id == bindparam("account_id")))
_BLOCKS = HotQuery(select(Block.blocked_id).where(Block.blocker_id == bindparam("account_id")))

_ACCOUNT_ROW = frozenset({ChangeKind.SETTINGS, ChangeKind.SESSIONS})


class Question(NamedTuple):
    """One evaluation, its defaults applied: ids as the caller sent them."""

    subject_id: str
    action: str
    resource_id: str | None
    relationship: Relationship
    at: datetime | None  # None: now


class _Settings(NamedTuple):
    settings_version: int
    band: str
    effective: EffectiveSettings


def _account_id(raw: str) -> UUID | None:
    try:
        return UUID(raw)
    except ValueError:
        return None


class Decisions(ProcessMemory):
    """Decisions of one process, and the memory they read."""

    def __init__(
        self,
        pack: PolicyPack,
        reader: HotPathReader,
        settings_answers: SettingsAnswers,
        screen_time: ScreenTimeStatuses,
        laws: LawsInForce,
        rules: MemoryRules,
    ) -> None:
        super().__init__(reader, rules)
        self._pack = pack
        self._settings_answers = settings_answers
        self._screen_time = screen_time
        self._laws = laws
        self._accounts: dict[UUID, AccountRecord] = {}
        self._settings: dict[UUID, _Settings] = {}
        self._blocks: dict[UUID, frozenset[str]] = {}
        self._roles: dict[UUID, frozenset[str]] = {}
        # What a decision reads of an account, whole, by its id's canonical text, for the day it
        # was made (with the record it was made from); forgotten with any part of it (its
        # record, settings or blocks), and not used once other laws apply to it.
        self._known: dict[str, tuple[date, Known, AccountRecord]] = {}
        settings_answers.on_resolved(self._keep_settings)

    # --- what a decision reads --------------------------------------------------------------

    async def roles(self, account_id: UUID) -> frozenset[str]:
        """The roles an operator granted the account."""
        trusted = self._trusted()
        if trusted and (kept := self._roles.get(account_id)) is not None:
            return kept
        forgotten_before = self._forgotten
        roles = frozenset(
            row[0] for row in await self._reader.all(_ROLES, {"account_id": account_id})
        )
        if trusted and self._forgotten == forgotten_before:
            self._keep(self._roles, account_id, roles)
        return roles

    async def account(self, account_id: UUID) -> AccountRecord | None:
        """The account's record; None when no account has this id (not kept: one may come)."""
        trusted = self._trusted()
        if trusted and (kept := self._accounts.get(account_id)) is not None:
            return kept
        forgotten_before = self._forgotten
        record = await load_account_record(self._reader, account_id)
        if record is not None and trusted and self._forgotten == forgotten_before:
            self._keep(self._accounts, account_id, record)
        return record

    async def blocks(self, account_id: UUID) -> frozenset[str]:
        """The ids of the accounts this account blocks."""
        trusted = self._trusted()
        if trusted and (kept := self._blocks.get(account_id)) is not None:
            return kept
        forgotten_before = self._forgotten
        rows = await self._reader.all(_BLOCKS, {"account_id": account_id})
        blocked = frozenset(str(row[0]) for row in rows)
        if trusted and self._forgotten == forgotten_before:
            self._keep(self._blocks, account_id, blocked)
        return blocked

    async def effective(self, account: AccountRecord, today: date) -> EffectiveSettings:
        """The account's effective settings of its settings version, under the laws that apply
        to it today, as the settings GET answers them."""
        band = self._pack.band_for(account.birthdate, today)
        kept = self._settings.get(account.id)
        if (
            kept is not None
            and kept.settings_version == account.settings_version
            and kept.band == band
            and kept.effective.laws == self._applying(account, today)
        ):
            return kept.effective
        # Resolved and heard by ``_keep_settings`` (of this version or a newer one).
        return await self._settings_answers.effective(account, today)

    # --- deciding ---------------------------------------------------------------------------

    async def evaluate(self, questions: Sequence[Question], now: datetime) -> list[Decision]:
        """The decision of each question, in order; each account is read once for them all."""
        known: dict[tuple[str, bool, datetime | None], Account] = {}

        async def party(raw: str, at: datetime | None, *, screen_time: bool) -> Account:
            # Screen time is read for app.use's subject only, at that question's moment.
            key = (raw, screen_time, at if screen_time else None)
            found = known.get(key)
            if found is None:
                found = known[key] = await self._party(raw, at or now, now, screen_time)
            return found

        decisions = []
        for question in questions:
            action = ACTIONS[question.action]
            at = question.at or now
            subject = await party(question.subject_id, at, screen_time=action.screen_time)
            resource = (
                await party(question.resource_id, at, screen_time=False)
                if action.between_two and question.resource_id is not None
                else None
            )
            decisions.append(
                decide(action, subject, resource, relationship=question.relationship, at=at)
            )
        return decisions

    async def _party(self, raw: str, at: datetime, now: datetime, screen_time: bool) -> Account:
        known, record = await self._known_account(raw, now.date())
        if isinstance(known, Known) and record is not None and screen_time:
            status = await self._screen_time.status_at(record, at, now)
            return replace(known, screen_time=status, setting_reasons=known.setting_reasons)
        return known

    def _applying(self, account: AccountRecord, today: date) -> tuple[str, ...]:
        return self._laws.current().applying_ids(account.country, account.region, today)

    async def _known_account(self, raw: str, today: date) -> tuple[Account, AccountRecord | None]:
        """The account as a decision reads it today, and its record; kept until it changes (a
        decision reads accounts by the ids callers send: a canonical one is looked up as
        sent)."""
        kept = self._known.get(raw)
        if (
            kept is not None
            and kept[0] == today
            and self._trusted()
            and kept[1].settings.laws == self._applying(kept[2], today)
        ):
            return kept[1], kept[2]
        account_id = _account_id(raw)
        if account_id is None:
            return Unknown(raw), None
        forgotten_before = self._forgotten
        record = await self.account(account_id)
        if record is None:
            return Unknown(raw), None
        held = (
            None
            if record.held_since is None
            else {
                "law_id": record.held_law_id,
                "title": record.held_title,
                "since": record.held_since,
            }
        )
        known = Known(
            account_id=str(record.id),
            settings=await self.effective(record, today),
            timezone=zone(record.timezone),
            blocks=await self.blocks(record.id),
            held=held,
        )
        if self._trusted() and self._forgotten == forgotten_before:
            self._keep(self._known, known.account_id, (today, known, record))
        return known, record

    # --- memory -----------------------------------------------------------------------------

    def _keep_settings(
        self, account_id: UUID, settings_version: int, effective: EffectiveSettings
    ) -> None:
        """Keep effective settings the settings answers have just resolved."""
        self._keep(
            self._settings, account_id, _Settings(settings_version, effective.band, effective)
        )

    def _forget_change(self, change: Change) -> None:
        kind, account_id = change.kind, change.account_id
        if kind in _ACCOUNT_ROW:
            self._forgotten += 1
            self._accounts.pop(account_id, None)
            self._forget_known(account_id)
        elif kind == ChangeKind.BLOCKS:
            self._forgotten += 1
            self._blocks.pop(account_id, None)
            self._forget_known(account_id)
        elif kind == ChangeKind.ROLES:
            self._forgotten += 1
            self._roles.pop(account_id, None)

    def _forget_known(self, account_id: UUID) -> None:
        # The blocks an account made show in the other side's decisions too: both read them from
        # this account's own entry, so forgetting it is enough.
        self._known.pop(str(account_id), None)

    def _forget_everything(self) -> None:
        self._forgotten += 1
        self._known.clear()
        self._accounts.clear()
        self._settings.clear()
        self._blocks.clear()
        self._roles.clear()
