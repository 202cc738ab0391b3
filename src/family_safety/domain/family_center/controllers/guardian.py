"""A guardian's pages: inviting a teen (the code and its QR), a teen's overview, their limits
and the questions they ask."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from family_safety.domain.dependencies import DbSession
from family_safety.domain.family_center import forms
from family_safety.domain.family_center.deps import TEEN_OVERVIEW, TeenOverviewDep, VisitDep
from family_safety.domain.family_center.pages import HOME, NO_STORE, see_other
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.family_center.words import problem_in_words
from family_safety.domain.guardians.limits import replace_limits
from family_safety.domain.links.access import guarded_teen
from family_safety.domain.pairing.deps import PAIRING_SERVICE, PairingServiceDep
from family_safety.domain.screen_time.deps import TIME_REQUEST_SERVICE, TimeRequestServiceDep
from family_safety.domain.setting_requests.deps import (
    SETTING_REQUEST_SERVICE,
    SettingRequestServiceDep,
)
from family_safety.lib.clock import utc_now
from family_safety.lib.problems import Problem

TEEN = PREFIX + "/teens/{teen_id}"


class GuardianPages(Controller):
    path = PREFIX
    dependencies = {
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
        svg = await pairing_service.qr_svg(visit.account, invitation_id, utc_now())
        return Response(svg, media_type="image/svg+xml", headers=NO_STORE)

    @get("/teens/{teen_id:uuid}")
    async def teen(
        self,
        teen_id: FromPath[UUID],
        visit: VisitDep,
        db_session: DbSession,
        teen_overview: TeenOverviewDep,
    ) -> Template:
        # This guardian's active link to this teen, as every /v1/teens/{id} path checks it.
        guarded = await guarded_teen(db_session, visit.account.id, teen_id)
        return await teen_overview.page(visit, guarded)

    @post("/teens/{teen_id:uuid}/limits")
    async def save_limits(
        self,
        teen_id: FromPath[UUID],
        visit: VisitDep,
        db_session: DbSession,
        teen_overview: TeenOverviewDep,
    ) -> Response[Any]:
        guardian = visit.account
        await guarded_teen(db_session, guardian.id, teen_id)
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
        teen_id: FromPath[UUID],
        request_id: FromPath[UUID],
        visit: VisitDep,
        db_session: DbSession,
        time_request_service: TimeRequestServiceDep,
    ) -> Response[Any]:
        guarded = await guarded_teen(db_session, visit.account.id, teen_id)
        approve = (await visit.request.form()).get("decision") == "approve"
        try:
            await time_request_service.decide(
                visit.account,
                guarded.teen,
                guarded.link.id,
                request_id,
                approve=approve,
                minutes=None,
                now=utc_now(),
            )
        except Problem as problem:
            return visit.refused(problem, TEEN.format(teen_id=teen_id))
        return visit.done(
            "Approved: more time given." if approve else "Request denied.",
            TEEN.format(teen_id=teen_id),
        )

    @post("/teens/{teen_id:uuid}/setting-requests/{request_id:uuid}")
    async def decide_setting(
        self,
        teen_id: FromPath[UUID],
        request_id: FromPath[UUID],
        visit: VisitDep,
        db_session: DbSession,
        setting_request_service: SettingRequestServiceDep,
    ) -> Response[Any]:
        guarded = await guarded_teen(db_session, visit.account.id, teen_id)
        approve = (await visit.request.form()).get("decision") == "approve"
        try:
            await setting_request_service.decide(
                visit.account,
                guarded.teen,
                guarded.link.id,
                request_id,
                approve=approve,
                now=utc_now(),
            )
        except Problem as problem:
            return visit.refused(problem, TEEN.format(teen_id=teen_id))
        return visit.done(
            "Approved: the setting is changed." if approve else "Request declined.",
            TEEN.format(teen_id=teen_id),
        )
