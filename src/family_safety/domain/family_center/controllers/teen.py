"""A teen's pages: their own settings, pairing with a guardian by code, and asking for time."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import QueryParameter
from pydantic import ValidationError

from family_safety.domain.account_settings.deps import SETTINGS_SERVICE, SettingsServiceDep
from family_safety.domain.family_center import forms
from family_safety.domain.family_center.deps import VisitDep
from family_safety.domain.family_center.pages import HOME, Visit, flash, local_time, see_other
from family_safety.domain.family_center.session import signed_in_account
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.family_center.words import LABELS
from family_safety.domain.pairing.deps import PAIRING_SERVICE, PairingServiceDep
from family_safety.domain.pairing.schemas import InvitationProof
from family_safety.domain.pairing.services import INVITATION_PAGE
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
PROOF = "pairing_proof"
"""The session key of the invitation a teen typed (``{"code"}``) or opened from its QR code's
link (``{"token"}``), between its preview and their answer (kept across signing in)."""
MAX_TOKEN = 4096


def _proof(visit_session: dict[str, Any]) -> InvitationProof | None:
    kept = visit_session.get(PROOF)
    if not isinstance(kept, dict):
        return None
    try:
        return InvitationProof.model_validate(kept)
    except ValidationError:
        return None


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
        visit.session[PROOF] = {"code": form.get("code", "").strip()[:32]}
        return see_other(PAIRING)

    @get(INVITATION_PAGE.removeprefix(PREFIX))
    async def open_link(
        self,
        request: Request[Any, Any, Any],
        token: Annotated[str, QueryParameter(max_length=MAX_TOKEN)] = "",
    ) -> Response[Any]:
        """The link a pairing QR code holds: keep its token for the preview, after signing in
        when the browser is not signed in yet."""
        if not token:
            return see_other(PREFIX)
        signed_in = await signed_in_account(request)
        request.session[PROOF] = {"token": token}
        if signed_in is None:
            flash(request, "Sign in to see who invited you.")
            return see_other(PREFIX)
        return see_other(PAIRING)

    @get("/pairing")
    async def preview(self, visit: VisitDep, pairing_service: PairingServiceDep) -> Response[Any]:
        proof = _proof(visit.session)
        if proof is None and PROOF not in visit.session:
            return see_other(HOME)
        now = utc_now()
        try:
            if proof is None:  # what was typed is no code: no invitation, as the API says it
                raise problems.invitation_invalid()
            preview = await pairing_service.preview(visit.account, proof, now.date(), now)
        except (Problem, ValidationError) as refused:
            visit.session.pop(PROOF, None)
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
        proof = _proof(visit.session)
        visit.session.pop(PROOF, None)
        if proof is None:
            return see_other(HOME)
        now = utc_now()
        try:
            link = await pairing_service.redeem(visit.account, proof, now.date(), now)
        except Problem as problem:
            return visit.refused(problem)
        return visit.done(f"You are now linked with @{link.guardian.handle}.")

    @post("/pairing/not-now")
    async def not_now(self, visit: VisitDep) -> Response[Any]:
        visit.session.pop(PROOF, None)
        return see_other(HOME)

    @post("/time-requests")
    async def ask_for_time(
        self, visit: VisitDep, time_request_service: TimeRequestServiceDep
    ) -> Response[Any]:
        async def ask(form: FormMultiDict) -> None:
            fields = {"kind": form.get("kind", "extra_time"), "minutes": form.get("minutes", "")}
            asked = TimeRequestIn.model_validate({**fields, "note": _note(form)})
            await time_request_service.ask(
                visit.account, asked.kind, asked.minutes, asked.note, utc_now()
            )

        return await _ask_guardians(visit, ask, "Your question was sent to your guardians.")

    @post("/setting-requests")
    async def ask_for_setting(
        self, visit: VisitDep, setting_request_service: SettingRequestServiceDep
    ) -> Response[Any]:
        async def ask(form: FormMultiDict) -> None:
            fields = {"key": form.get("key", ""), "value": _json_or_none(form.get("value", ""))}
            asked = SettingRequestIn.model_validate({**fields, "note": _note(form)})
            await setting_request_service.ask(
                visit.account, str(asked.key), asked.value, asked.note, utc_now()
            )

        return await _ask_guardians(visit, ask, "Your request was sent to your guardians.")


async def _ask_guardians(
    visit: Visit, ask: Callable[[FormMultiDict], Awaitable[None]], sent: str
) -> Response[Any]:
    """A teen's request to their guardians (more time, a setting) from a page's form, made by
    ``ask``: back home, saying it was ``sent``, or why not (a bad form, a refusal)."""
    try:
        await ask(await visit.request.form())
    except (ValidationError, Problem) as refused:
        return visit.refused(refused)
    return visit.done(sent)


def _note(form: FormMultiDict) -> str | None:
    """The form's note to the guardians, None when left empty."""
    return form.get("note", "").strip() or None


def _json_or_none(text: str) -> Any:
    """A form's JSON-encoded value (the pages write each choice so), or None when it is not."""
    try:
        return json.loads(text)
    except ValueError:
        return None
