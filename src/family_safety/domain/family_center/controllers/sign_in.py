"""Signing in, registering and signing out: the pages' session (session.py)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from pydantic import ValidationError

from family_safety.domain.accounts import services as accounts
from family_safety.domain.accounts.schemas import TIMEZONES, NewAccount
from family_safety.domain.auth.deps import AUTH_SERVICE, AuthServiceDep
from family_safety.domain.auth.schemas import SignedIn
from family_safety.domain.auth.services import DEVICE_TOKEN_TTL_SECONDS
from family_safety.domain.dependencies import AppComponents, ClientAddress, DbSession
from family_safety.domain.family_center.controllers.teen import PAIRING, PROOF
from family_safety.domain.family_center.deps import VisitDep
from family_safety.domain.family_center.pages import HOME, page, refusal, see_other
from family_safety.domain.family_center.session import signed_in_account, start_session
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.family_center.words import COUNTRIES
from family_safety.lib.clock import utc_now
from family_safety.lib.config import Environment
from family_safety.lib.problems import Problem

DEVICE_COOKIE = "family_device"
PLACES: dict[str, Any] = {"countries": COUNTRIES, "timezones": TIMEZONES}
"""What the registration form offers to choose from."""


def _signed_in(
    request: Request[Any, Any, Any], components: AppComponents, signed: SignedIn
) -> Redirect:
    """Home, with the page session started and this browser remembered as a device of the
    account: its device token lets it keep signing in while others' wrong guesses lock the
    handle (as ``device_token`` does in the API). An invitation opened from its link before
    signing in is previewed next."""
    proof = (request.session or {}).get(PROOF)
    start_session(request, components, signed)
    if proof is not None:
        request.session[PROOF] = proof
    cookie = Cookie(
        key=DEVICE_COOKIE,
        value=signed.device_token,
        path=PREFIX,
        max_age=DEVICE_TOKEN_TTL_SECONDS,
        httponly=True,
        samesite="lax",
        secure=components.settings.environment != Environment.DEVELOPMENT,
    )
    to = HOME if proof is None else PAIRING
    return Redirect(to, status_code=HTTP_303_SEE_OTHER, cookies=[cookie])


def _refused(
    request: Request[Any, Any, Any],
    refused: Problem | ValidationError,
    error: str,
    **typed: str,
) -> Template:
    """The sign-in page again, with why its form (``error`` names which) was refused and what
    was typed in it (never the password)."""
    status_code, words = refusal(refused)
    context: dict[str, Any] = {error: words, **typed}  # the page's context, never its account
    return page(request, "sign_in.html", status_code=status_code, **PLACES, **context)


class SignInPages(Controller):
    path = PREFIX
    dependencies = AUTH_SERVICE

    @get("/")
    async def start(self, request: Request[Any, Any, Any]) -> Response[Any]:
        if await signed_in_account(request) is not None:
            return see_other(HOME)
        return page(request, "sign_in.html", **PLACES)

    @post("/sign-in")
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        auth_service: AuthServiceDep,
        components: AppComponents,
        client_address: ClientAddress,
    ) -> Response[Any]:
        form = await request.form()
        handle, password = form.get("handle", "").strip(), form.get("password", "")
        try:
            pair = await auth_service.sign_in(
                handle, password, client_address, request.cookies.get(DEVICE_COOKIE)
            )
        except Problem as problem:
            return _refused(request, problem, "sign_in_error", handle=handle)
        return _signed_in(request, components, pair)

    @post("/register")
    async def register(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        auth_service: AuthServiceDep,
        components: AppComponents,
        client_address: ClientAddress,
    ) -> Response[Any]:
        form = await request.form()
        fields = {
            "handle": form.get("handle", "").strip(),
            "password": form.get("password", ""),
            "birthdate": form.get("birthdate", ""),
        }
        for optional in ("country", "timezone", "display_name"):
            if typed := form.get(optional, "").strip():
                fields[optional] = typed
        try:
            new = NewAccount.model_validate(fields)
            await accounts.register(
                db_session, components, new, client_address=client_address, now=utc_now()
            )
            pair = await auth_service.sign_in(new.handle, new.password, client_address)
        except (ValidationError, Problem) as refused:
            kept = {f"new_{name}": value for name, value in fields.items() if name != "password"}
            return _refused(request, refused, "register_error", **kept)
        return _signed_in(request, components, pair)

    @post("/sign-out")
    async def sign_out(self, visit: VisitDep, auth_service: AuthServiceDep) -> Response[Any]:
        """Ends the sign-in exactly as POST /v1/auth/logout does (every session of the
        account), then forgets the cookie."""
        refresh_token = visit.session.get("refresh_token")
        if refresh_token:
            await auth_service.logout(refresh_token)
        visit.request.clear_session()
        return see_other(PREFIX)
