"""Safety's pages, for both sides: where to get help, and the report form with what happens
after a report is sent."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from pydantic import ValidationError

from family_safety.db.account_records import AccountRecord
from family_safety.domain.dependencies import AppComponents
from family_safety.domain.family_center.forms import report_from_form
from family_safety.domain.family_center.pages import page, refusal, see_other
from family_safety.domain.family_center.session import PageAccount
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.safety.categories import categories_for
from family_safety.domain.safety.deps import REPORT_SERVICE, ReportServiceDep
from family_safety.domain.safety.resources import is_minor, resources_for
from family_safety.domain.safety.schemas import NewReport
from family_safety.lib.clock import utc_now, utc_today
from family_safety.lib.problems import Problem

REPORT = f"{PREFIX}/report"
SUBJECT_WORDS = {
    "account": "An account",
    "content": "A video or post",
    "comment": "A comment",
    "message": "A message",
    "live": "A LIVE",
}


def _report_form(
    request: Request[Any, Any, Any],
    account: AccountRecord,
    components: AppComponents,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Template:
    minor = is_minor(components.pack, account, utc_today())
    return page(
        request,
        "report.html",
        account,
        status_code=status_code,
        error=error,
        categories=categories_for(components.safety, is_minor=minor),
        subjects=SUBJECT_WORDS,
        teen=minor,
    )


class SafetyPages(Controller):
    path = PREFIX
    dependencies = REPORT_SERVICE

    @get("/help")
    async def get_help(
        self, request: Request[Any, Any, Any], page_account: PageAccount, components: AppComponents
    ) -> Template:
        resources = resources_for(
            components.safety,
            is_minor=is_minor(components.pack, page_account, utc_today()),
            country=page_account.country,
            topic=None,
        )
        return page(request, "help.html", page_account, resources=resources)

    @get("/report")
    async def form(
        self, request: Request[Any, Any, Any], page_account: PageAccount, components: AppComponents
    ) -> Template:
        return _report_form(request, page_account, components)

    @post("/report")
    async def send(
        self,
        request: Request[Any, Any, Any],
        page_account: PageAccount,
        components: AppComponents,
        report_service: ReportServiceDep,
    ) -> Response[Any]:
        try:
            new = NewReport.model_validate(
                report_from_form(await request.form(), page_account.timezone)
            )
            report, _ = await report_service.file(page_account, new, utc_now())
        except (ValidationError, Problem) as refused:
            status_code, words = refusal(refused)
            return _report_form(
                request, page_account, components, status_code=status_code, error=words
            )
        return see_other(f"{REPORT}/{report.id}")

    @get("/report/{report_id:uuid}")
    async def sent(
        self,
        request: Request[Any, Any, Any],
        report_id: FromPath[UUID],
        page_account: PageAccount,
        components: AppComponents,
        report_service: ReportServiceDep,
    ) -> Template:
        report = await report_service.one(page_account, report_id)
        titles = {c.id: c.title for c in components.safety.categories}
        return page(
            request,
            "report_sent.html",
            page_account,
            report=report,
            title=titles.get(report.category, report.category),
        )
