"""The pages every signed-in account has: home (a guardian's or a teen's, by age), the history
of changes, and ending a link (either side may)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from family_safety.domain.account_settings.deps import SETTINGS_SERVICE, SettingsServiceDep
from family_safety.domain.audit import services as audit
from family_safety.domain.dependencies import DbSession
from family_safety.domain.family_center import forms
from family_safety.domain.family_center.deps import VisitDep
from family_safety.domain.family_center.pages import (
    HOME,
    LIST_LIMIT,
    Visit,
    local_time,
    see_other,
)
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.family_center.words import (
    LABELS,
    action_words,
    age_assurance_words,
    law_shown,
    minutes_words,
    notification_words,
    party_words,
    value_words,
)
from family_safety.domain.guardians.deps import LIMITS_SERVICE, LimitsServiceDep
from family_safety.domain.links.deps import LINK_SERVICE, LinkServiceDep
from family_safety.domain.notifications import services as notifications
from family_safety.domain.pairing.deps import PAIRING_SERVICE, PairingServiceDep
from family_safety.domain.policy.catalog import CATALOG
from family_safety.domain.screen_time.deps import TIME_REQUEST_SERVICE, TimeRequestServiceDep
from family_safety.lib.clock import utc_now, utc_today

if TYPE_CHECKING:
    from family_safety.db.account_records import AccountRecord
    from family_safety.domain.policy.schemas import EffectiveSettingView

NEWS_SHOWN = 5
QUESTIONS_SHOWN = 5
ANSWER_WORDS = {
    "pending": "Waiting for an answer",
    "approved": "Yes",
    "denied": "No",
    "cancelled": "Cancelled",
    "expired": "Ran out",
}


async def _whats_new(
    db_session: DbSession, account: AccountRecord, teens: dict[str, str]
) -> list[dict[str, Any]]:
    """The latest notifications, newest first, in words."""
    me = str(account.id)
    return [
        {"at": n.created_at, "words": notification_words(n.kind, n.data or {}, me, teens)}
        for n in await notifications.latest(db_session, account.id, NEWS_SHOWN)
    ]


def _set_by(setting: EffectiveSettingView) -> str:
    """Who decided a setting's value, for its holder: "Set by @mum", "Set by your age",
    "Set by law: ..." (the page links the law's title to its citation)."""
    if law_shown(setting) is not None:
        return "Set by law:"
    bound = setting.bound
    if bound is not None and bound.value == setting.value:
        return "Set by " + " and ".join(party_words(party) for party in bound.set_by)
    if setting.law is not None:
        return f"Set by law: {setting.law.title}"
    return "Your choice" if setting.source == "self" else "Starting setting"


def _setting_row(key: str, setting: EffectiveSettingView) -> dict[str, Any]:
    """One of a teen's settings as their home shows it, with the control to change it."""
    bound = setting.bound.value if setting.bound else None
    choices = forms.allowed_choices(key, bound) if setting.can_change else None
    return {
        "key": key,
        "id": "s-" + key.replace(".", "-").replace("_", "-"),
        "label": LABELS[key],
        "value": value_words(key, setting.value),
        "current": forms.choice_value(setting.value),
        "set_by": _set_by(setting),
        "law": law_shown(setting),
        "choices": choices if choices and len(choices) > 1 else None,
        # More hidden words is always stricter: a teen may add their own.
        "words": "\n".join(setting.value) if key == forms.KEYWORDS else None,
        # More windows are always stricter: a teen may add a daily one.
        "window": key in forms.WINDOW_KEYS,
        # Fewer minutes is always stricter: a teen may choose a smaller daily limit.
        "minutes": forms.uniform_minutes(setting.value) if key == forms.DAILY_LIMIT else None,
    }


async def _open_invitation(
    visit: Visit, pairing_service: PairingServiceDep
) -> tuple[dict[str, str], datetime] | None:
    """The invitation this page made, while it can still be used: one a teen used, or that
    ran out or was revoked, is forgotten (its code and QR would only be refused)."""
    invitation = visit.session.get("invitation")
    if not invitation:
        return None
    if await pairing_service.still_open(visit.account, UUID(invitation["id"]), utc_now()):
        return invitation, datetime.fromisoformat(invitation["expires_at"])
    visit.session.pop("invitation", None)
    return None


async def _guardian_home(
    visit: Visit,
    db_session: DbSession,
    link_service: LinkServiceDep,
    pairing_service: PairingServiceDep,
) -> Template:
    guardian = visit.account
    links = await link_service.page(guardian, LIST_LIMIT, None, utc_today())
    teens = [
        link for link in links.items if link.guardian.id == guardian.id and link.status == "active"
    ]
    invitation, expires_at = await _open_invitation(visit, pairing_service) or (None, None)
    handles = {str(link.teen.id): link.teen.handle for link in links.items}
    return visit.show(
        "guardian_home.html",
        teens=teens,
        news=await _whats_new(db_session, guardian, handles),
        invitation=invitation,
        expires_local=local_time(expires_at, guardian.timezone),
    )


class HomePages(Controller):
    path = PREFIX
    dependencies = {
        **LINK_SERVICE,
        **SETTINGS_SERVICE,
        **LIMITS_SERVICE,
        **TIME_REQUEST_SERVICE,
        **PAIRING_SERVICE,
    }

    @get("/home")
    async def home(
        self,
        visit: VisitDep,
        db_session: DbSession,
        link_service: LinkServiceDep,
        settings_service: SettingsServiceDep,
        limits_service: LimitsServiceDep,
        time_request_service: TimeRequestServiceDep,
        pairing_service: PairingServiceDep,
    ) -> Template:
        if not visit.is_teen():
            return await _guardian_home(visit, db_session, link_service, pairing_service)
        teen, today, now = visit.account, utc_today(), utc_now()
        answer = (await settings_service.snapshot(teen, today)).answer()
        guardians = await limits_service.my_guardians(teen, LIST_LIMIT, None, today)
        asked = await time_request_service.requests(teen, LIST_LIMIT, None, now)
        status = await visit.components.screen_time_statuses.status(teen, now)
        return visit.show(
            "teen_home.html",
            settings=[_setting_row(key, setting) for key, setting in answer.settings.items()],
            askable=_askable(visit, answer.settings, today) if guardians.items else [],
            guardians=[
                {
                    "link": g.link,
                    "limits": [(LABELS[k], value_words(k, v)) for k, v in g.limits.items()],
                }
                for g in guardians.items
            ],
            status=status,
            time_away_until=local_time(status.time_away.until, teen.timezone),
            minutes_words=minutes_words,
            questions=list(reversed(asked.items))[:QUESTIONS_SHOWN],
            answer_words=ANSWER_WORDS,
            news=await _whats_new(db_session, teen, {}),
            assurance=age_assurance_words(teen, answer.age_band),
        )

    @get("/history")
    async def history(self, visit: VisitDep, db_session: DbSession) -> Template:
        entries = await audit.page_for(db_session, visit.account.id, LIST_LIMIT, None)
        return visit.show(
            "history.html",
            history=list(reversed(entries.items)),
            action_words=action_words,
            labels=LABELS,
        )

    @get("/links/{link_id:uuid}/end")
    async def confirm_end_link(
        self, link_id: FromPath[UUID], visit: VisitDep, link_service: LinkServiceDep
    ) -> Response[Any]:
        """Asked before a link ends: who is on the other side and what ending changes, with
        **Yes, end the link** and a way back."""
        link = await link_service.one(visit.account, link_id, utc_today())
        if link.status != "active":
            return visit.done("This link has already ended.")
        as_guardian = link.guardian.id == visit.account.id
        return visit.show(
            "end_link.html",
            link=link,
            other=link.teen if as_guardian else link.guardian,
            as_guardian=as_guardian,
            back=f"{PREFIX}/teens/{link.teen.id}" if as_guardian else HOME,
        )

    @post("/links/{link_id:uuid}/end")
    async def end_link(
        self, link_id: FromPath[UUID], visit: VisitDep, link_service: LinkServiceDep
    ) -> Response[Any]:
        """Ends the link once confirmed on the page above; a form without the confirmation
        (an old page's one-click button) is sent to that page first."""
        if (await visit.request.form()).get("confirm") != "yes":
            return see_other(f"{PREFIX}/links/{link_id}/end")
        await link_service.end(visit.account, link_id, utc_now())
        return visit.done("The link has ended.")


def _askable(visit: Visit, settings: Any, today: Any) -> list[dict[str, Any]]:
    """The settings a guardian's approval could loosen for this teen: each key with a
    ``needs_guardian`` bound, and the values looser than what the teen has now."""
    pack = visit.components.pack
    band = pack.band_for(visit.account.age_birthdate, today)
    rows = []
    for key, bound in pack.needs_guardian.get(band or "", {}).items():
        kind = CATALOG[key]
        now = settings[key].value
        members = getattr(kind, "members", ())
        looser = [
            (json.dumps(kind.dump(value)), value_words(key, kind.dump(value)))
            for value in members
            if not kind.at_least_as_strict(value, bound) and not kind.at_least_as_strict(value, now)
        ]
        if looser:
            rows.append(
                {"key": key, "id": key.replace(".", "-"), "label": LABELS[key], "choices": looser}
            )
    return rows
