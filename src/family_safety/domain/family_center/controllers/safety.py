"""Safety's pages, for both sides: where to get help, and the report form with what happens
after a report is sent."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from pydantic import ValidationError

from family_safety.domain.family_center.deps import VisitDep
from family_safety.domain.family_center.forms import report_from_form
from family_safety.domain.family_center.pages import Visit, refusal, see_other
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.safety.categories import categories_for
from family_safety.domain.safety.deps import REPORT_SERVICE, ReportServiceDep
from family_safety.domain.safety.resources import resources_for
from family_safety.domain.safety.schemas import NewReport
from family_safety.lib.clock import utc_now
from family_safety.lib.problems import Problem

REPORT = f"{PREFIX}/report"
SUBJECT_WORDS = {
    "account": "An account",
    "content": "A video or post",
    "comment": "A comment",
    "message": "A message",
    "live": "A LIVE",
}


def _report_form(visit: Visit, *, status_code: int = 200, error: str | None = None) -> Template:
    minor = visit.is_teen()
    return visit.show(
        "report.html",
        status_code=status_code,
        error=error,
        categories=categories_for(visit.components.safety, is_minor=minor),
        subjects=SUBJECT_WORDS,
        teen=minor,
    )


class SafetyPages(Controller):
    path = PREFIX
    dependencies = REPORT_SERVICE

    @get("/help")
    async def get_help(self, visit: VisitDep) -> Template:
        resources = resources_for(
            visit.components.safety,
            is_minor=visit.is_teen(),
            country=visit.account.country,
            topic=None,
        )
        return visit.show("help.html", resources=resources)

    @get("/report")
    async def form(self, visit: VisitDep) -> Template:
        return _report_form(visit)

    @post("/report")
    async def send(self, visit: VisitDep, report_service: ReportServiceDep) -> Response[Any]:
        form = await visit.request.form()
        try:
            new = NewReport.model_validate(report_from_form(form, visit.account.timezone))
            report, _ = await report_service.file(visit.account, new, utc_now())
        except (ValidationError, Problem) as refused:
            status_code, words = refusal(refused)
            return _report_form(visit, status_code=status_code, error=words)
        return see_other(f"{REPORT}/{report.id}")

    @get("/report/{report_id:uuid}")
    async def sent(
        self, report_id: FromPath[UUID], visit: VisitDep, report_service: ReportServiceDep
    ) -> Template:
        report = await report_service.one(visit.account, report_id)
        titles = {c.id: c.title for c in visit.components.safety.categories}
        return visit.show(
            "report_sent.html",
            report=report,
            title=titles.get(report.category, report.category),
        )
