"""The profile page, for both sides: display name, country and time zone, changed through the
service behind ``PATCH /v1/me``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.response import Template
from pydantic import ValidationError

from family_safety.domain.accounts.schemas import TIMEZONES, ProfileChange
from family_safety.domain.dependencies import DbSession
from family_safety.domain.family_center.deps import VisitDep
from family_safety.domain.family_center.pages import Visit, refusal
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.family_center.words import COUNTRIES
from family_safety.domain.profile.services import change_profile
from family_safety.lib.clock import utc_now
from family_safety.lib.problems import Problem

PROFILE = f"{PREFIX}/profile"


def _profile_form(
    visit: Visit, shown: dict[str, Any], *, status_code: int = 200, error: str | None = None
) -> Template:
    return visit.show(
        "profile.html",
        status_code=status_code,
        error=error,
        countries=COUNTRIES,
        timezones=TIMEZONES,
        teen=visit.is_teen(),
        **shown,
    )


class ProfilePages(Controller):
    path = PREFIX

    @get("/profile")
    async def form(self, visit: VisitDep) -> Template:
        account = visit.account
        # The handle shows as the name until one is chosen: the field is empty then.
        name = None if account.display_name == account.handle else account.display_name
        shown = {"display_name": name, "country": account.country, "timezone": account.timezone}
        return _profile_form(visit, shown)

    @post("/profile")
    async def save(self, visit: VisitDep, db_session: DbSession) -> Response[Any]:
        form = await visit.request.form()
        # Every field is named: an empty one goes back to its default (handle, none, UTC).
        typed = {
            name: form.get(name, "").strip() or None
            for name in ("display_name", "country", "timezone")
        }
        try:
            change = ProfileChange.model_validate(typed)
            await change_profile(db_session, visit.components, visit.account.id, change, utc_now())
        except (ValidationError, Problem) as refused:
            status_code, words = refusal(refused)
            return _profile_form(visit, typed, status_code=status_code, error=words)
        return visit.done("Your profile is saved.", PROFILE)
