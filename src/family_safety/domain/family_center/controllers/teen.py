"""A teen's pages: their own settings, pairing with a guardian by code, and asking for time."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Response, get, post
from pydantic import ValidationError

from family_safety.domain.account_settings.deps import SETTINGS_SERVICE, SettingsServiceDep
from family_safety.domain.family_center import forms
from family_safety.domain.family_center.deps import VisitDep
from family_safety.domain.family_center.pages import HOME, local_time, see_other
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.family_center.words import LABELS
from family_safety.domain.pairing.deps import PAIRING_SERVICE, PairingServiceDep
from family_safety.domain.pairing.schemas import InvitationProof
from family_safety.domain.screen_time.deps import TIME_REQUEST_SERVICE, TimeRequestServiceDep
from family_safety.domain.screen_time.schemas import TimeRequestIn
from family_safety.domain.setting_requests.deps import (
    SETTING_REQUEST_SERVICE,
    SettingRequestServiceDep,
)
from family_safety.domain.setting_requests.schemas import SettingRequestIn
from family_safety.lib import problems
from family_safety.lib.clock import utc_now, utc_today
from family_safety.lib.problems import Problem

PAIRING = f"{PREFIX}/pairing"
CODE = "pairing_code"
"""The session key of the code a teen typed, between its preview and their answer."""


class TeenPages(Controller):
    path = PREFIX
    dependencies = {
        **SETTINGS_SERVICE,
        **PAIRING_SERVICE,
        **TIME_REQUEST_SERVICE,
        **SETTING_REQUEST_SERVICE,
    }

    @post("/settings")
    async def save_settings(
        self, visit: VisitDep, settings_service: SettingsServiceDep
    ) -> Response[Any]:
        today = utc_today()
        form = await visit.request.form()
        current = (await settings_service.snapshot(visit.account, today)).answer().settings
        changes = forms.settings_from_form(form, {k: s.value for k, s in current.items()})
        if changes:
            try:
                snapshot = await settings_service.update(visit.account, changes, today, None)
            except Problem as problem:
                return visit.refused(problem)
            visit.components.settings_answers.remember(snapshot)
        return visit.done("Your settings are saved.")

    @post("/pairing")
    async def enter_code(self, visit: VisitDep) -> Response[Any]:
        form = await visit.request.form()
        visit.session[CODE] = form.get("code", "").strip()[:32]
        return see_other(PAIRING)

    @get("/pairing")
    async def preview(self, visit: VisitDep, pairing_service: PairingServiceDep) -> Response[Any]:
        code = visit.session.get(CODE)
        if not code:
            return see_other(HOME)
        now = utc_now()
        try:
            preview = await pairing_service.preview(
                visit.account, InvitationProof(code=code), now.date(), now
            )
        except (Problem, ValidationError) as refused:
            visit.session.pop(CODE, None)
            # A code the proof's schema refuses is no invitation, as the API says it.
            problem = refused if isinstance(refused, Problem) else problems.invitation_invalid()
            return visit.refused(problem)
        return visit.show(
            "pairing_preview.html",
            preview=preview,
            controls=[LABELS[key] for key in preview.controls],
            expires_local=local_time(preview.expires_at, visit.account.timezone),
        )

    @post("/pairing/agree")
    async def agree(self, visit: VisitDep, pairing_service: PairingServiceDep) -> Response[Any]:
        code = visit.session.pop(CODE, None)
        if not code:
            return see_other(HOME)
        now = utc_now()
        try:
            link = await pairing_service.redeem(
                visit.account, InvitationProof(code=code), now.date(), now
            )
        except Problem as problem:
            return visit.refused(problem)
        return visit.done(f"You are now linked with @{link.guardian.handle}.")

    @post("/pairing/not-now")
    async def not_now(self, visit: VisitDep) -> Response[Any]:
        visit.session.pop(CODE, None)
        return see_other(HOME)

    @post("/time-requests")
    async def ask_for_time(
        self, visit: VisitDep, time_request_service: TimeRequestServiceDep
    ) -> Response[Any]:
        form = await visit.request.form()
        try:
            asked = TimeRequestIn.model_validate(
                {
                    "kind": form.get("kind", "extra_time"),
                    "minutes": form.get("minutes", ""),
                    "note": form.get("note", "").strip() or None,
                }
            )
            await time_request_service.ask(
                visit.account, asked.kind, asked.minutes, asked.note, utc_now()
            )
        except (ValidationError, Problem) as refused:
            return visit.refused(refused)
        return visit.done("Your question was sent to your guardians.")

    @post("/setting-requests")
    async def ask_for_setting(
        self, visit: VisitDep, setting_request_service: SettingRequestServiceDep
    ) -> Response[Any]:
        form = await visit.request.form()
        try:
            asked = SettingRequestIn.model_validate(
                {
                    "key": form.get("key", ""),
                    "value": _json_or_none(form.get("value", "")),
                    "note": form.get("note", "").strip() or None,
                }
            )
            await setting_request_service.ask(
                visit.account, str(asked.key), asked.value, asked.note, utc_now()
            )
        except (ValidationError, Problem) as refused:
            return visit.refused(refused)
        return visit.done("Your request was sent to your guardians.")


def _json_or_none(text: str) -> Any:
    """A form's JSON-encoded value (the pages write each choice so), or None when it is not."""
    try:
        return json.loads(text)
    except ValueError:
        return None
