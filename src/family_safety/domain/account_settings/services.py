"""Reading and changing an account's own settings; every rule comes from the policy engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import select

from family_safety.db.account_records import AnyAccount
from family_safety.db.models import SettingChoice
from family_safety.domain.account_settings.bounds import (
    LinkedGuardian,
    StoredApproval,
    approvals_of,
    linked_guardians,
)
from family_safety.domain.account_settings.schemas import (
    EffectiveSettingsOut,
    effective_settings_out,
)
from family_safety.domain.audit import chain
from family_safety.domain.laws.repository import read_book
from family_safety.domain.policy.catalog import CATALOG, InvalidValue
from family_safety.domain.policy.engine import (
    Approval,
    EffectiveSettings,
    GuardianLimits,
    needs_approval,
    resolve,
    violations,
)
from family_safety.lib import problems
from family_safety.lib.clock import utc_now
from family_safety.lib.http_caching import etag_matches, etag_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import date, datetime
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.domain.policy.laws import Law
    from family_safety.domain.policy.pack import PolicyPack

_log = structlog.get_logger("family_safety.settings")

Changes = dict[str, dict[str, Any]]


def settings_etag(
    pack: PolicyPack,
    account_id: UUID,
    settings_version: int,
    band: str | None,
    laws: tuple[str, ...] = (),
) -> str:
    """Changes whenever the effective settings can: any write bumps the version; birthdays move
    the band; a new pack has a new version; the laws applied (``policy.laws``) change with a
    law's status, its dates, or the account's country and region."""
    if laws:
        return etag_of(account_id, settings_version, band, pack.id, pack.version, *laws)
    return etag_of(account_id, settings_version, band, pack.id, pack.version)


def parse_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical values for a ``{key: wire value}`` body; 422 naming every bad key."""
    parsed, errors = {}, []
    for key, value in raw.items():
        kind = CATALOG.get(key)
        if kind is None:
            errors.append({"field": key, "message": "is not a setting"})
            continue
        try:
            parsed[key] = kind.parse(value)
        except InvalidValue as exc:
            errors.append({"field": key, "message": str(exc)})
    if errors:
        raise problems.validation(errors)
    return parsed


def stored_values(rows: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical values of stored wire values; one the catalogue now refuses is skipped."""
    canonical = {}
    for key, value in rows.items():
        try:
            canonical[key] = CATALOG[key].parse(value)
        except (KeyError, InvalidValue):
            _log.warning("ignoring a stored value the catalogue refuses", key=key)
    return canonical


def start_band(pack: PolicyPack, account: AnyAccount) -> str:
    """The band the account was in when it was created: the engine keeps its defaults where
    they are stricter (a birthday never loosens a value by itself)."""
    band = pack.band_for(account.birthdate, account.created_at.date())
    # An account exists only once it was old enough: it had a band when it was created.
    assert band is not None
    return band


@dataclass(frozen=True, slots=True)
class SettingsSnapshot:
    """An account's effective settings, what they were resolved from, and their ETag."""

    account: AnyAccount
    band: str
    choices: dict[str, SettingChoice]
    guardians: list[LinkedGuardian]
    effective: EffectiveSettings
    etag: str

    def answer(self) -> EffectiveSettingsOut:
        return effective_settings_out(self.effective, str(self.account.id))

    def keys_bounded_by(self, link_id: UUID) -> list[str]:
        return [key for g in self.guardians if g.link.id == link_id for key in g.limits]


@dataclass(frozen=True, slots=True)
class AccountSettingsService:
    session: AsyncSession
    pack: PolicyPack

    async def snapshot(
        self, account: AnyAccount, today: date, *, links_active_on: date | None = None
    ) -> SettingsSnapshot:
        """The account's settings today, bounded by the links active on ``links_active_on``
        (today unless said: a link that has just ended is read as on its last day)."""
        choices = await self._choices(account)
        guardians = await linked_guardians(self.session, account.id, links_active_on or today)
        laws = await self._laws(account, today)
        approvals = await self._approvals(account, links_active_on or today)
        return self._resolve(
            account, account.settings_version, today, choices, guardians, laws, approvals
        )

    async def update(
        self, account: AnyAccount, raw_changes: Mapping[str, Any], today: date, if_match: str | None
    ) -> SettingsSnapshot:
        """Apply every change or none: 412 when ``If-Match`` names an older version, 422 for any
        unknown key or bad value, then 403 for any value looser than a bound."""
        version, band, laws = await self._lock_and_check_precondition(account, today, if_match)
        parsed = parse_settings(raw_changes)
        guardians = await linked_guardians(self.session, account.id, today)
        bounds = engine_guardians(guardians)
        approvals = await self._approvals(account, today)
        locked, needed = {}, {}
        for key, value in parsed.items():
            parties = violations(
                self.pack, band=band, guardians=bounds, key=key, value=value, laws=laws
            )
            if parties:
                locked[key] = parties
            elif asked := needs_approval(
                self.pack, band=band, key=key, value=value, laws=laws, approvals=approvals
            ):
                needed[key] = asked
        if locked:
            raise problems.setting_locked(locked)
        if needed:
            raise problems.needs_guardian_approval(needed)
        choices = await self._choices(account)
        now = utc_now()
        changes = self._choose(account, choices, parsed, now)
        version = await self._commit(account, version, changes, "settings.changed", now)
        return self._resolve(account, version, today, choices, guardians, laws, approvals)

    async def reset(
        self, account: AnyAccount, key: str, today: date, if_match: str | None
    ) -> SettingsSnapshot:
        """Forget the holder's choice for ``key``: it follows the default again."""
        version, _, laws = await self._lock_and_check_precondition(account, today, if_match)
        if key not in CATALOG:
            raise problems.invalid_field(key, "is not a setting")
        choices = await self._choices(account)
        changes: Changes = {}
        if (current := choices.pop(key, None)) is not None:
            changes[key] = {"from": current.value, "to": None}
            await self.session.delete(current)
        version = await self._commit(account, version, changes, "settings.reset", utc_now())
        guardians = await linked_guardians(self.session, account.id, today)
        approvals = await self._approvals(account, today)
        return self._resolve(account, version, today, choices, guardians, laws, approvals)

    def keep_as_own_choices(
        self, snapshot: SettingsSnapshot, keys: Iterable[str], now: datetime
    ) -> Changes:
        """Make the current effective value of each key the holder's own choice, in the caller's
        transaction (used when a guardian's bound goes away: nothing loosens silently)."""
        effective = snapshot.effective.settings
        values = {key: effective[key].value for key in keys}
        return self._choose(snapshot.account, snapshot.choices, values, now)

    async def choose_in_transaction(
        self, account: AnyAccount, values: Mapping[str, Any], now: datetime
    ) -> Changes:
        """Make each canonical value the holder's own choice, in the caller's transaction (a
        guardian's approval sets the teen's choice at once); the caller audits and commits."""
        return self._choose(account, await self._choices(account), values, now)

    async def own_choice(self, account: AnyAccount, key: str) -> Any | None:
        """The holder's canonical choice for key, or None when it follows the default."""
        row = await self.session.get(SettingChoice, (account.id, key))
        return None if row is None else stored_values({key: row.value}).get(key)

    def _choose(
        self,
        account: AnyAccount,
        choices: dict[str, SettingChoice],
        values: Mapping[str, Any],
        now: datetime,
    ) -> Changes:
        changes: Changes = {}
        for key, value in values.items():
            wire = CATALOG[key].dump(value)
            current = choices.get(key)
            if current is not None and current.value == wire:
                continue
            changes[key] = {"from": current.value if current else None, "to": wire}
            if current is None:
                choice = SettingChoice(account_id=account.id, key=key, value=wire, chosen_at=now)
                self.session.add(choice)
                choices[key] = choice
            else:
                current.value, current.chosen_at = wire, now
        return changes

    async def _commit(
        self, account: AnyAccount, version: int, changes: Changes, action: str, now: datetime
    ) -> int:
        """Audit and commit the changes; returns the settings version the account now has."""
        if not changes:
            return version
        version = await chain.record(
            self.session,
            account_id=account.id,
            actor=chain.Actor(chain.ActorRole.SELF, account.id),
            action=action,
            changes=changes,
            at=now,
        )
        await self.session.commit()
        return version

    async def _lock_and_check_precondition(
        self, account: AnyAccount, today: date, if_match: str | None
    ) -> tuple[int, str, tuple[Law, ...]]:
        """Serialise writers of this account, then compare ``If-Match`` with the current version.
        Returns that version, the account's band today and the laws that apply to it."""
        version = (await chain.lock_account(self.session, account.id)).settings_version
        band = self.pack.settings_band(account.age_birthdate, today)
        laws = await self._laws(account, today)
        ids = tuple(law.id for law in laws)
        if if_match is not None and not etag_matches(
            if_match, settings_etag(self.pack, account.id, version, band, ids)
        ):
            raise problems.precondition_failed()
        return version, band, laws

    def _resolve(
        self,
        account: AnyAccount,
        settings_version: int,
        today: date,
        choices: dict[str, SettingChoice],
        guardians: list[LinkedGuardian],
        laws: tuple[Law, ...],
        approvals: Mapping[str, Approval],
    ) -> SettingsSnapshot:
        band = self.pack.settings_band(account.age_birthdate, today)
        effective = resolve(
            self.pack,
            band=band,
            start_band=start_band(self.pack, account),
            own_choices=stored_values({key: choice.value for key, choice in choices.items()}),
            guardians=engine_guardians(guardians),
            laws=laws,
            approvals=approvals,
        )
        etag = settings_etag(self.pack, account.id, settings_version, band, effective.laws)
        return SettingsSnapshot(account, band, choices, guardians, effective, etag)

    async def _laws(self, account: AnyAccount, today: date) -> tuple[Law, ...]:
        """The laws that apply to the account today, as this transaction sees their statuses."""
        book = await read_book(self.session)
        return book.applying(account.country, account.region, today)

    async def _approvals(self, account: AnyAccount, today: date) -> dict[str, Approval]:
        """The approvals in force for the account's ``needs_guardian`` bounds, by setting key
        (the engine's input: see ``policy.engine.Approval``)."""
        return engine_approvals(await approvals_of(self.session, account.id, today))

    async def _choices(self, account: AnyAccount) -> dict[str, SettingChoice]:
        rows = await self.session.scalars(
            select(SettingChoice).where(SettingChoice.account_id == account.id)
        )
        return {row.key: row for row in rows}


def engine_guardians(guardians: Iterable[LinkedGuardian]) -> list[GuardianLimits]:
    return [
        GuardianLimits(str(g.guardian.id), g.guardian.handle, stored_values(g.limits))
        for g in guardians
    ]


def engine_approvals(stored: Iterable[StoredApproval]) -> dict[str, Approval]:
    """The engine's approvals, one a key: the loosest value approved (the first approved of
    equal ones)."""
    found: dict[str, Approval] = {}
    for approval in stored:
        kind = CATALOG.get(approval.key)
        if kind is None:
            continue
        parsed = stored_values({approval.key: approval.value})
        if approval.key not in parsed:
            continue
        value = parsed[approval.key]
        current = found.get(approval.key)
        if current is None or (
            kind.at_least_as_strict(current.value, value)
            and not kind.at_least_as_strict(value, current.value)
        ):
            found[approval.key] = Approval(str(approval.guardian_id), approval.handle, value)
    return found
