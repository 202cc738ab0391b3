"""A guardian's page of one linked teen: the limits form (each limit with what else bounds it),
today's screen time, the last days' chart, the questions waiting and the history since the link.
Shown when the page is opened and again, with the words of its problem, when a save is refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from family_safety.domain.audit import services as audit
from family_safety.domain.family_center import forms
from family_safety.domain.family_center.chart import days_chart
from family_safety.domain.family_center.pages import LIST_LIMIT
from family_safety.domain.family_center.words import (
    LABELS,
    action_words,
    age_assurance_words,
    law_shown,
    minutes_words,
    value_words,
)
from family_safety.domain.guardians.limits import limits_etag
from family_safety.domain.policy.catalog import CATALOG
from family_safety.domain.screen_time.usage import DaysAsked
from family_safety.lib.clock import utc_now

if TYPE_CHECKING:
    from litestar.response import Template
    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.domain.account_settings.services import (
        AccountSettingsService,
        SettingsSnapshot,
    )
    from family_safety.domain.components import Components
    from family_safety.domain.family_center.pages import Visit
    from family_safety.domain.guardians.limits import LimitsService
    from family_safety.domain.links.access import GuardedTeen
    from family_safety.domain.screen_time.requests import TimeRequestService
    from family_safety.domain.screen_time.usage import UsageService
    from family_safety.domain.setting_requests.services import SettingRequestService


@dataclass(frozen=True, slots=True)
class TeenOverview:
    db_session: AsyncSession
    settings_service: AccountSettingsService
    limits_service: LimitsService
    usage_service: UsageService
    time_request_service: TimeRequestService
    setting_request_service: SettingRequestService

    async def page(
        self, visit: Visit, guarded: GuardedTeen, *, status_code: int = 200, form_error: str = ""
    ) -> Template:
        now = utc_now()
        teen = guarded.teen
        snapshot = await self.settings_service.snapshot(teen, now.date())
        mine = await self.limits_service.limits(guarded)
        days = await self.usage_service.days(teen, DaysAsked(None, None, 7, None), now)
        requests = await self.time_request_service.requests(teen, LIST_LIMIT, None, now)
        setting_requests = await self.setting_request_service.pending(teen)
        history = await audit.page_for(self.db_session, teen.id, LIST_LIMIT, None)
        return visit.show(
            "guardian_teen.html",
            status_code=status_code,
            teen=teen,
            assurance=age_assurance_words(
                teen,
                visit.components.pack.settings_band(teen.age_birthdate, now.date()),
                name=teen.display_name,
            ),
            link=guarded.link,
            rows=_limit_rows(visit.components, snapshot, guarded, mine),
            etag=limits_etag(guarded.link),
            form_error=form_error,
            status=await visit.components.screen_time_statuses.status(teen, now),
            chart=days_chart(days.items),
            pending=[r for r in requests.items if r.status == "pending"],
            setting_requests=[
                {
                    "request": r,
                    "label": LABELS.get(r.key, r.key),
                    "value": value_words(r.key, r.value),
                }
                for r in setting_requests
            ],
            history=list(reversed(history.items)),
            action_words=action_words,
            minutes_words=minutes_words,
            labels=LABELS,
        )


def _limit_rows(
    components: Components, snapshot: SettingsSnapshot, guarded: GuardedTeen, mine: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each limit's field, the teen's value now, and what else bounds it (their age, the
    teen's other guardians)."""
    answer = snapshot.answer()
    gates = components.pack.gates.get(snapshot.band, {})
    others = [g for g in snapshot.guardians if g.link.id != guarded.link.id]
    rows = []
    for field in forms.limit_fields(mine):
        key = field.key
        notes = []
        if key in gates:
            kind, gate = CATALOG[key], gates[key]
            words = value_words(key, kind.dump(gate))
            notes.append(
                f"Locked by age ({snapshot.band}): {words}"
                if kind.is_single_value(gate)
                else f"Age limit ({snapshot.band}): {words} or stricter"
            )
        notes += [
            f"@{g.guardian.handle} set: {value_words(key, g.limits[key])}"
            for g in others
            if key in g.limits
        ]
        rows.append(
            {
                "field": field,
                "now": value_words(key, answer.settings[key].value),
                "notes": notes,
                "law": law_shown(answer.settings[key]),
            }
        )
    return rows
