"""GET /v1/me/settings, the product's hot path, as a service testable without HTTP.

One read of the account (done by the authentication middleware) gives its settings version; the
answer is then a 304 from the ETag alone, or a cached encoded answer, or a cold answer from two
more hot-path reads. No session, no transaction, no ORM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import msgspec
from sqlalchemy import bindparam, select

from family_safety.account_settings.bounds import guardian_limits
from family_safety.account_settings.schemas import effective_settings_out
from family_safety.account_settings.services import settings_etag, stored_values
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import SettingChoice
from family_safety.etags import etag_matches
from family_safety.policy.engine import GuardianLimits, resolve

if TYPE_CHECKING:
    from datetime import date

    from family_safety.account_settings.cache import SettingsAnswerCache
    from family_safety.account_settings.services import SettingsSnapshot
    from family_safety.db.account_records import AccountRecord
    from family_safety.db.hot_reads import HotPathReader
    from family_safety.policy.pack import PolicyPack


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

_encode = msgspec.json.Encoder().encode


class SettingsAnswers:
    """Answers of GET /v1/me/settings for one process: the cache and the reads behind it."""

    def __init__(self, pack: PolicyPack, reader: HotPathReader, cache: SettingsAnswerCache) -> None:
        self._pack = pack
        self._reader = reader
        self._cache = cache

    async def answer(
        self, account: AccountRecord, today: date, if_none_match: str | None
    ) -> NotModified | Answer:
        pack = self._pack
        band = pack.band_for(account.birthdate, today)
        etag = settings_etag(pack, account.id, account.settings_version, band)
        if etag_matches(if_none_match, etag):
            return NotModified(etag)
        body = self._cache.get(account.id, etag)
        if body is None:
            body = await self._read(account, band, today)
            self._cache.put(account.id, etag, body)
        return Answer(etag, body)

    def remember(self, snapshot: SettingsSnapshot) -> Answer:
        """The answer of settings a write has just resolved, kept so that the next read is
        served from memory."""
        body = _encode(snapshot.answer())
        self._cache.put(snapshot.account.id, snapshot.etag, body)
        return Answer(snapshot.etag, body)

    async def _read(self, account: AccountRecord, band: str, today: date) -> bytes:
        choices = dict(await self._reader.all(_CHOICES, {"account_id": account.id}))
        guardians = [
            GuardianLimits(
                str(guardian.guardian_id), guardian.handle, stored_values(guardian.limits)
            )
            for guardian in await guardian_limits(self._reader, account.id, today)
        ]
        effective = resolve(
            self._pack,
            band=band,
            start_band=self._pack.band_for(account.birthdate, account.created_at.date()),
            own_choices=stored_values(choices),
            guardians=guardians,
        )
        return _encode(effective_settings_out(effective, str(account.id)))


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
