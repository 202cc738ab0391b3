"""A guardian's pages: inviting a teen (the code and its QR), a teen's overview, their limits
and the questions they ask."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from family_safety.domain.dependencies import DbSession, public_base_url
from family_safety.domain.family_center import forms
from family_safety.domain.family_center.deps import (
    GUARDED_TEEN,
    TEEN_OVERVIEW,
    TeenOverviewDep,
    VisitDep,
)
from family_safety.domain.family_center.pages import HOME, NO_STORE, see_other
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.family_center.words import problem_in_words
from family_safety.domain.guardians.limits import replace_limits
from family_safety.domain.links.access import Guarded, guarded_teen
from family_safety.domain.pairing.deps import PAIRING_SERVICE, PairingServiceDep
from family_safety.domain.screen_time.deps import TIME_REQUEST_SERVICE, TimeRequestServiceDep
from family_safety.domain.setting_requests.deps import (
    SETTING_REQUEST_SERVICE,
    SettingRequestServiceDep,
)
from family_safety.lib.clock import utc_now
from family_safety.lib.problems import Problem

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from family_safety.domain.family_center.pages import Visit
    from family_safety.domain.links.access import GuardedTeen

TEEN = PREFIX + "/teens/{teen_id}"


class GuardianPages(Controller):
    path = PREFIX
    dependencies = {
        **GUARDED_TEEN,
        **PAIRING_SERVICE,
        **TIME_REQUEST_SERVICE,
        **SETTING_REQUEST_SERVICE,
        **TEEN_OVERVIEW,
    }

    @post("/invitations")
    async def invite(self, visit: VisitDep, pairing_service: PairingServiceDep) -> Response[Any]:
        now = utc_now()
        try:
            created = await pairing_service.invite(visit.account, now.date(), now)
        except Problem as problem:
            return visit.refused(problem)
        # The code is shown once, as the API answers it once; it lives in the encrypted cookie
        # until it expires.
        visit.session["invitation"] = {
            "id": str(created.id),
            "code": created.code,
            "expires_at": created.expires_at.isoformat(),
        }
        return see_other(HOME)

    @get("/invitations/{invitation_id:uuid}/qr.svg")
    async def qr(
        self, invitation_id: FromPath[UUID], visit: VisitDep, pairing_service: PairingServiceDep
    ) -> Response[bytes]:
        # The link to the preview page, so a phone's camera opens it (the code is typed).
        link_base = public_base_url(visit.request, visit.components)
        svg = await pairing_service.qr_svg(
            visit.account, invitation_id, utc_now(), link_base=link_base
        )
        return Response(svg, media_type="image/svg+xml", headers=NO_STORE)

    @get("/teens/{teen_id:uuid}")
    async def teen(
        self, guarded: Guarded, visit: VisitDep, teen_overview: TeenOverviewDep
    ) -> Template:
        return await teen_overview.page(visit, guarded)

    @post("/teens/{teen_id:uuid}/limits")
    async def save_limits(
        self,
        guarded: Guarded,
        visit: VisitDep,
        db_session: DbSession,
        teen_overview: TeenOverviewDep,
    ) -> Response[Any]:
        guardian, teen_id = visit.account, guarded.teen.id
        # The change is a lean write on a connection of its own: this session's read ends first
        # (on SQLite it would hold the write lock the change waits for).
        await db_session.rollback()
        form = await visit.request.form()
        limits = forms.limits_from_form(form)
        try:
            await visit.components.writer.run(
                replace_limits(guardian, teen_id, limits, form.get("etag"), utc_now())
            )
        except Problem as problem:
            # 412: the page is shown again with the current values and a fresh ETag.
            guarded = await guarded_teen(db_session, guardian.id, teen_id)
            return await teen_overview.page(
                visit,
                guarded,
                status_code=problem.status_code,
                form_error=problem_in_words(problem),
            )
        return visit.done("Limits saved.", TEEN.format(teen_id=teen_id))

    @post("/teens/{teen_id:uuid}/time-requests/{request_id:uuid}")
    async def decide(
        self,
        request_id: FromPath[UUID],
        guarded: Guarded,
        visit: VisitDep,
        time_request_service: TimeRequestServiceDep,
    ) -> Response[Any]:
        # The page's buttons give the minutes asked (the API may give others).
        decide = partial(time_request_service.decide, minutes=None)
        said = ("Approved: more time given.", "Request denied.")
        return await _answer(visit, guarded, request_id, decide, said)

    @post("/teens/{teen_id:uuid}/setting-requests/{request_id:uuid}")
    async def decide_setting(
        self,
        request_id: FromPath[UUID],
        guarded: Guarded,
        visit: VisitDep,
        setting_request_service: SettingRequestServiceDep,
    ) -> Response[Any]:
        decide = setting_request_service.decide
        said = ("Approved: the setting is changed.", "Request declined.")
        return await _answer(visit, guarded, request_id, decide, said)


async def _answer(
    visit: Visit,
    guarded: GuardedTeen,
    request_id: UUID,
    decide: Callable[..., Awaitable[object]],
    said: tuple[str, str],
) -> Response[Any]:
    """A guardian's Approve or Deny button on a teen's request (more time, a setting), decided
    by its service's ``decide``: back to the teen's page, saying what was done (``said``: when
    approved, when not) or why it was not."""
    teen_id = guarded.teen.id
    approve = (await visit.request.form()).get("decision") == "approve"
    try:
        await decide(
            visit.account,
            guarded.teen,
            guarded.link.id,
            request_id,
            approve=approve,
            now=utc_now(),
        )
    except Problem as problem:
        return visit.refused(problem, TEEN.format(teen_id=teen_id))
    return visit.done(said[0] if approve else said[1], TEEN.format(teen_id=teen_id))
