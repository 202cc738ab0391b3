"""GET /v1/me/settings, the product's hot path, as a service testable without HTTP.

One read of the account (done by the authentication middleware) gives its settings version; the
answer is then a 304 from the ETag alone, or a cached encoded answer, or a cold answer from two
more hot-path reads. No session, no transaction, no ORM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import msgspec
from sqlalchemy import bindparam, select

from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import Account, SettingChoice
from family_safety.domain.account_settings.bounds import guardian_approvals, guardian_limits
from family_safety.domain.account_settings.schemas import effective_settings_out
from family_safety.domain.account_settings.services import (
    engine_approvals,
    settings_etag,
    start_band,
    stored_values,
)
from family_safety.domain.policy.engine import GuardianLimits, resolve
from family_safety.lib.http_caching import etag_matches

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date
    from uuid import UUID

    from family_safety.db.account_records import AccountRecord, AnyAccount
    from family_safety.db.hot_reads import HotPathReader
    from family_safety.domain.account_settings.cache import SettingsAnswerCache
    from family_safety.domain.account_settings.services import SettingsSnapshot
    from family_safety.domain.laws.hot_path import LawsInForce
    from family_safety.domain.policy.engine import EffectiveSettings
    from family_safety.domain.policy.laws import Law
    from family_safety.domain.policy.pack import PolicyPack

    Resolved = Callable[[UUID, int, EffectiveSettings], None]


class NotModified(NamedTuple):
    etag: str


class Answer(NamedTuple):
    etag: str
    body: bytes  # JSON


_CHOICES = HotQuery(
    select(SettingChoice.key, SettingChoice.value).where(
        SettingChoice.account_id == bindparam("account_id")
    )
)

_VERSION = HotQuery(select(Account.settings_version).where(Account.id == bindparam("account_id")))

_encode = msgspec.json.Encoder().encode


class SettingsAnswers:
    """Answers of GET /v1/me/settings for one process: the cache and the reads behind it."""

    def __init__(
        self,
        pack: PolicyPack,
        laws: LawsInForce,
        reader: HotPathReader,
        cache: SettingsAnswerCache,
    ) -> None:
        self._pack = pack
        self._laws = laws
        self._reader = reader
        self._cache = cache
        self._listeners: list[Resolved] = []

    def __len__(self) -> int:
        """The answers kept in memory."""
        return len(self._cache)

    async def answer(
        self, account: AccountRecord, today: date, if_none_match: str | None
    ) -> NotModified | Answer:
        if self._laws.pending:  # a law's status change heard: read it before answering
            await self._laws.settled()
        remembered = self.remembered(account, today, if_none_match)
        if remembered is not None:
            return remembered
        pack = self._pack
        band = pack.settings_band(account.age_birthdate, today)
        laws = self._laws.current().applying(account.country, account.region, today)
        version, body = await self._read(account, band, today, laws)
        # The answer's own version: a change committed since the account was read must not be
        # cached, or answered, under the older ETag.
        etag = settings_etag(pack, account.id, version, band, tuple(law.id for law in laws))
        self._cache.put(account.id, etag, body)
        return Answer(etag, body)

    def remembered(
        self, account: AccountRecord, today: date, if_none_match: str | None
    ) -> NotModified | Answer | None:
        """As ``answer`` when the ETag or the cache answers it; else None, with no read (also
        while a law's status change is being read)."""
        if self._laws.pending:
            return None
        pack = self._pack
        band = pack.settings_band(account.age_birthdate, today)
        laws = self._laws.current().applying_ids(account.country, account.region, today)
        etag = settings_etag(pack, account.id, account.settings_version, band, laws)
        if etag_matches(if_none_match, etag):
            return NotModified(etag)
        body = self._cache.get(account.id, etag)
        return None if body is None else Answer(etag, body)

    def remember(self, snapshot: SettingsSnapshot) -> Answer:
        """The answer of settings a write has just resolved, kept so that the next read is
        served from memory."""
        body = _encode(snapshot.answer())
        self._cache.put(snapshot.account.id, snapshot.etag, body)
        return Answer(snapshot.etag, body)

    def laws_of(self, account: AnyAccount, today: date) -> tuple[str, ...] | None:
        """The ids of the laws that apply to the account today (from memory); None while a
        law's status change is being read."""
        if self._laws.pending:
            return None
        return self._laws.current().applying_ids(account.country, account.region, today)

    def on_resolved(self, listener: Resolved) -> None:
        """Tell ``listener`` of every account's effective settings this resolves (the account's
        id, the settings version they are of, the settings), as it resolves them: what keeps a
        part of them (screen time's limits) needs neither a read nor the encoded answer."""
        self._listeners.append(listener)

    async def effective(self, account: AnyAccount, today: date) -> EffectiveSettings:
        """The account's effective settings today, read and resolved now (listeners hear of
        them), of its settings version or a newer one, never an older; their answer is kept, as
        ``answer`` keeps it."""
        band = self._pack.settings_band(account.age_birthdate, today)
        book = await self._laws.settled()
        laws = book.applying(account.country, account.region, today)
        version, effective = await self._resolve(account, band, today, laws)
        body = _encode(effective_settings_out(effective, str(account.id)))
        etag = settings_etag(self._pack, account.id, version, band, effective.laws)
        self._cache.put(account.id, etag, body)
        return effective

    async def _read(
        self, account: AccountRecord, band: str, today: date, laws: tuple[Law, ...]
    ) -> tuple[int, bytes]:
        """The account's settings version and its encoded answer, read in one snapshot."""
        version, effective = await self._resolve(account, band, today, laws)
        return version, _encode(effective_settings_out(effective, str(account.id)))

    async def _resolve(
        self, account: AnyAccount, band: str, today: date, laws: tuple[Law, ...]
    ) -> tuple[int, EffectiveSettings]:
        """The account's settings version and its effective settings, read in one snapshot."""
        parameters = {"account_id": account.id}
        async with self._reader.snapshot() as reads:
            version_row = await reads.all(_VERSION, parameters)
            choices = dict(await reads.all(_CHOICES, parameters))
            limits = await guardian_limits(reads, account.id, today)
            approvals = await guardian_approvals(reads, account.id, today)
        version = version_row[0][0] if version_row else account.settings_version
        guardians = [
            GuardianLimits(
                str(guardian.guardian_id), guardian.handle, stored_values(guardian.limits)
            )
            for guardian in limits
        ]
        effective = resolve(
            self._pack,
            band=band,
            start_band=start_band(self._pack, account),
            own_choices=stored_values(choices),
            guardians=guardians,
            laws=laws,
            approvals=engine_approvals(approvals),
        )
        for listener in self._listeners:
            listener(account.id, version, effective)
        return version, effective


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
            answers.append(_encode(effective_settings_out(effective, placeholder)))
    return b"".join(answers)
