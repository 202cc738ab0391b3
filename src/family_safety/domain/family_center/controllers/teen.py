"""A teen's pages: their own settings, pairing with a guardian by code, and asking for time."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from pydantic import ValidationError

from family_safety.domain.account_settings.deps import SETTINGS_SERVICE, SettingsServiceDep
from family_safety.domain.dependencies import AppComponents
from family_safety.domain.family_center import forms
from family_safety.domain.family_center.pages import (
    HOME,
    flash,
    local_time,
    page,
    refusal,
    see_other,
)
from family_safety.domain.family_center.session import PageAccount
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.family_center.words import LABELS, problem_in_words, problem_words
from family_safety.domain.pairing.deps import PAIRING_SERVICE, PairingServiceDep
from family_safety.domain.pairing.schemas import InvitationProof
from family_safety.domain.screen_time.deps import SCREEN_TIME_SERVICE, ScreenTimeServiceDep
from family_safety.domain.screen_time.schemas import TimeRequestIn
from family_safety.lib.clock import utc_now, utc_today
from family_safety.lib.problems import Problem

PAIRING = f"{PREFIX}/pairing"
CODE = "pairing_code"
"""The session key of the code a teen typed, between its preview and their answer."""


class TeenPages(Controller):
    path = PREFIX
    dependencies = {**SETTINGS_SERVICE, **PAIRING_SERVICE, **SCREEN_TIME_SERVICE}

    @post("/settings")
    async def save_settings(
        self,
        request: Request[Any, Any, Any],
        page_account: PageAccount,
        components: AppComponents,
        settings_service: SettingsServiceDep,
    ) -> Response[Any]:
        today = utc_today()
        form = await request.form()
        current = (await settings_service.snapshot(page_account, today)).answer().settings
        changes = forms.settings_from_form(form, {k: s.value for k, s in current.items()})
        if changes:
            try:
                snapshot = await settings_service.update(page_account, changes, today, None)
            except Problem as problem:
                flash(request, problem_in_words(problem), "error")
                return see_other(HOME)
            components.settings_answers.remember(snapshot)
        flash(request, "Your settings are saved.")
        return see_other(HOME)

    @post("/pairing")
    async def enter_code(
        self, request: Request[Any, Any, Any], page_account: PageAccount
    ) -> Response[Any]:
        form = await request.form()
        request.session[CODE] = form.get("code", "").strip()[:32]
        return see_other(PAIRING)

    @get("/pairing")
    async def preview(
        self,
        request: Request[Any, Any, Any],
        page_account: PageAccount,
        pairing_service: PairingServiceDep,
    ) -> Response[Any]:
        code = request.session.get(CODE)
        if not code:
            return see_other(HOME)
        now = utc_now()
        try:
            preview = await pairing_service.preview(
                page_account, InvitationProof(code=code), now.date(), now
            )
        except (Problem, ValidationError) as refused:
            request.session.pop(CODE, None)
            words = (
                problem_in_words(refused)
                if isinstance(refused, Problem)
                else problem_words("invitation-invalid", "")
            )
            flash(request, words, "error")
            return see_other(HOME)
        return page(
            request,
            "pairing_preview.html",
            page_account,
            preview=preview,
            controls=[LABELS[key] for key in preview.controls],
            expires_local=local_time(preview.expires_at, page_account.timezone),
        )

    @post("/pairing/agree")
    async def agree(
        self,
        request: Request[Any, Any, Any],
        page_account: PageAccount,
        pairing_service: PairingServiceDep,
    ) -> Response[Any]:
        code = request.session.pop(CODE, None)
        if not code:
            return see_other(HOME)
        now = utc_now()
        try:
            link = await pairing_service.redeem(
                page_account, InvitationProof(code=code), now.date(), now
            )
        except Problem as problem:
            flash(request, problem_in_words(problem), "error")
            return see_other(HOME)
        flash(request, f"You are now linked with @{link.guardian.handle}.")
        return see_other(HOME)

    @post("/pairing/not-now")
    async def not_now(
        self, request: Request[Any, Any, Any], page_account: PageAccount
    ) -> Response[Any]:
        request.session.pop(CODE, None)
        return see_other(HOME)

    @post("/time-requests")
    async def ask_for_time(
        self,
        request: Request[Any, Any, Any],
        page_account: PageAccount,
        screen_time_service: ScreenTimeServiceDep,
    ) -> Response[Any]:
        form = await request.form()
        try:
            asked = TimeRequestIn.model_validate(
                {
                    "kind": form.get("kind", "extra_time"),
                    "minutes": form.get("minutes", ""),
                    "note": form.get("note", "").strip() or None,
                }
            )
            await screen_time_service.ask(
                page_account, asked.kind, asked.minutes, asked.note, utc_now()
            )
        except (ValidationError, Problem) as refused:
            flash(request, refusal(refused)[1], "error")
            return see_other(HOME)
        flash(request, "Your question was sent to your guardians.")
        return see_other(HOME)
