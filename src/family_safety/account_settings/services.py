"""Reading and changing an account's own settings; every rule comes from the policy engine."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
import structlog
from sqlalchemy import bindparam, select

from family_safety.accounts.records import AnyAccount
from family_safety.audit import chain
from family_safety.clock import utc_now
from family_safety.db.models import SettingChoice
from family_safety.errors import Problem, validation_problem
from family_safety.limits.repository import LinkedGuardian, guardian_limits, linked_guardians
from family_safety.policy.catalog import CATALOG, InvalidValue
from family_safety.policy.engine import EffectiveSettings, GuardianLimits, resolve, violations

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import date, datetime
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.account_settings.cache import SettingsAnswerCache
    from family_safety.db.hot_reads import HotPathReader
    from family_safety.policy.pack import PolicyPack

_log = structlog.get_logger("family_safety.settings")

Changes = dict[str, dict[str, Any]]


def settings_etag(pack: PolicyPack, account_id: UUID, settings_version: int, band: str) -> str:
    """Changes whenever the effective settings can: any write bumps the version; birthdays move
    the band; a new pack has a new version."""
    material = f"{account_id}:{settings_version}:{band}:{pack.id}:{pack.version}"
    return '"' + hashlib.sha256(material.encode()).hexdigest()[:32] + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 comparison for If-None-Match / If-Match (weak comparison; ``*`` matches)."""
    if header is None:
        return False
    candidates = {candidate.strip().removeprefix("W/") for candidate in header.split(",")}
    return "*" in candidates or etag in candidates


def parse_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical values for a ``{key: wire value}`` body; 422 naming every bad key."""
    parsed, errors = {}, []
    for key, value in raw.items():
        kind = CATALOG.get(key)
        if kind is None:
            errors.append({"field": key, "message": "unknown setting"})
            continue
        try:
            parsed[key] = kind.parse(value)
        except InvalidValue as exc:
            errors.append({"field": key, "message": str(exc)})
    if errors:
        raise validation_problem(errors)
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


@dataclass(frozen=True, slots=True)
class SettingsSnapshot:
    """An account's effective settings, what they were resolved from, and their ETag."""

    account: AnyAccount
    band: str
    choices: dict[str, SettingChoice]
    guardians: list[LinkedGuardian]
    effective: EffectiveSettings
    etag: str

    def to_wire(self) -> dict[str, Any]:
        return self.effective.to_wire(str(self.account.id))

    def keys_bounded_by(self, link_id: UUID) -> list[str]:
        return [key for g in self.guardians if g.link.id == link_id for key in g.limits]


@dataclass(frozen=True, slots=True)
class SettingsAnswer:
    """GET /v1/me/settings as it goes on the wire."""

    etag: str
    body: bytes


_CHOICES = select(SettingChoice.key, SettingChoice.value).where(
    SettingChoice.account_id == bindparam("account_id")
)


async def read_answer(
    reader: HotPathReader, pack: PolicyPack, account: AnyAccount, today: date
) -> bytes:
    """The encoded effective settings, from two hot-path reads (the holder's choices, and the
    active guardians' limits): no session, no transaction."""
    choices = dict(await reader.all(_CHOICES, {"account_id": account.id}))
    guardians = [
        GuardianLimits(str(guardian.guardian_id), guardian.handle, stored_values(guardian.limits))
        for guardian in await guardian_limits(reader, account.id)
    ]
    band = pack.band_for(account.birthdate, today)
    effective = resolve(
        pack,
        band=band,
        start_band=pack.band_for(account.birthdate, account.created_at.date()),
        own_choices=stored_values(choices),
        guardians=guardians,
    )
    return msgspec.json.encode(effective.to_wire(str(account.id)))


def typical_answers(pack: PolicyPack) -> bytes:
    """Answers as they typically look, in every band, with and without a guardian: the preset
    dictionary the answer cache deflates against."""
    placeholder = "00000000-0000-0000-0000-000000000000"
    answers = []
    for band in pack.band_names:
        guardian = GuardianLimits(placeholder, "guardian_handle", dict(pack.defaults[band]))
        for guardians in ((), (guardian,)):
            effective = resolve(
                pack, band=band, start_band=band, own_choices={}, guardians=guardians
            )
            answers.append(msgspec.json.encode(effective.to_wire(placeholder)))
    return b"".join(answers)


@dataclass(frozen=True, slots=True)
class AccountSettingsService:
    session: AsyncSession
    pack: PolicyPack
    answers: SettingsAnswerCache | None = None

    async def snapshot(self, account: AnyAccount, today: date) -> SettingsSnapshot:
        choices = await self._choices(account)
        guardians = await linked_guardians(self.session, account.id)
        return self._resolve(account, account.settings_version, today, choices, guardians)

    def remember(self, snapshot: SettingsSnapshot) -> SettingsAnswer:
        body = msgspec.json.encode(snapshot.to_wire())
        if self.answers is not None:
            self.answers.put(snapshot.account.id, snapshot.etag, body)
        return SettingsAnswer(snapshot.etag, body)

    async def update(
        self, account: AnyAccount, raw_changes: Mapping[str, Any], today: date, if_match: str | None
    ) -> SettingsSnapshot:
        """Apply every change or none: 412 when ``If-Match`` names an older version, 422 for any
        unknown key or bad value, then 403 for any value looser than a bound."""
        version, band = await self._lock_and_check_precondition(account, today, if_match)
        parsed = parse_settings(raw_changes)
        guardians = await linked_guardians(self.session, account.id)
        engine_guardians = _engine_guardians(guardians)
        locked = {}
        for key, value in parsed.items():
            parties = violations(
                self.pack, band=band, guardians=engine_guardians, key=key, value=value
            )
            if parties:
                locked[key] = parties
        if locked:
            raise _setting_locked(locked)
        choices = await self._choices(account)
        now = utc_now()
        changes = self._choose(account, choices, parsed, now)
        version = await self._commit(account, version, changes, "settings.changed", now)
        return self._resolve(account, version, today, choices, guardians)

    async def reset(
        self, account: AnyAccount, key: str, today: date, if_match: str | None
    ) -> SettingsSnapshot:
        """Forget the holder's choice for ``key``: it follows the default again."""
        version, _ = await self._lock_and_check_precondition(account, today, if_match)
        if key not in CATALOG:
            raise validation_problem([{"field": key, "message": "unknown setting"}])
        choices = await self._choices(account)
        changes: Changes = {}
        if (current := choices.pop(key, None)) is not None:
            changes[key] = {"from": current.value, "to": None}
            await self.session.delete(current)
        version = await self._commit(account, version, changes, "settings.reset", utc_now())
        guardians = await linked_guardians(self.session, account.id)
        return self._resolve(account, version, today, choices, guardians)

    async def keep_as_own_choices(
        self, snapshot: SettingsSnapshot, keys: Iterable[str], now: datetime
    ) -> Changes:
        """Make the current effective value of each key the holder's own choice, in the caller's
        transaction (used when a guardian's bound goes away: nothing loosens silently)."""
        effective = snapshot.effective.settings
        values = {key: effective[key].value for key in keys}
        return self._choose(snapshot.account, snapshot.choices, values, now)

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
    ) -> tuple[int, str]:
        """Serialise writers of this account, then compare ``If-Match`` with the current version.
        Returns that version and the account's band today."""
        version = await chain.lock_account(self.session, account.id)
        band = self.pack.band_for(account.birthdate, today)
        if if_match is not None and not etag_matches(
            if_match, settings_etag(self.pack, account.id, version, band)
        ):
            raise Problem(
                412, "precondition-failed", "The settings changed since that ETag; fetch them again"
            )
        return version, band

    def _resolve(
        self,
        account: AnyAccount,
        settings_version: int,
        today: date,
        choices: dict[str, SettingChoice],
        guardians: list[LinkedGuardian],
    ) -> SettingsSnapshot:
        band = self.pack.band_for(account.birthdate, today)
        start_band = self.pack.band_for(account.birthdate, account.created_at.date())
        effective = resolve(
            self.pack,
            band=band,
            start_band=start_band,
            own_choices=stored_values({key: choice.value for key, choice in choices.items()}),
            guardians=_engine_guardians(guardians),
        )
        etag = settings_etag(self.pack, account.id, settings_version, band)
        return SettingsSnapshot(account, band, choices, guardians, effective, etag)

    async def _choices(self, account: AnyAccount) -> dict[str, SettingChoice]:
        rows = await self.session.scalars(
            select(SettingChoice).where(SettingChoice.account_id == account.id)
        )
        return {row.key: row for row in rows}


def _engine_guardians(guardians: Iterable[LinkedGuardian]) -> list[GuardianLimits]:
    return [
        GuardianLimits(str(g.guardian.id), g.guardian.handle, stored_values(g.limits))
        for g in guardians
    ]


def describe_party(party: Mapping[str, str]) -> str:
    if party["kind"] == "age_gate":
        return f"the {party['band']} age band"
    return f"guardian @{party['handle']}"


def _setting_locked(locked: Mapping[str, list[Mapping[str, str]]]) -> Problem:
    parts = [
        f"{key} is bounded by " + " and ".join(describe_party(party) for party in parties)
        for key, parties in locked.items()
    ]
    return Problem(
        403,
        "setting-locked",
        "; ".join(parts) + ".",
        errors=[{"field": key, "message": "looser than its bound"} for key in locked],
    )
