"""Safety's pages, for both sides: where to get help, and the report form with what happens
after a report is sent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from pydantic import ValidationError

from family_safety.domain.dependencies import AppComponents
from family_safety.domain.family_center.deps import VisitDep
from family_safety.domain.family_center.forms import report_from_form
from family_safety.domain.family_center.pages import Visit, page, refusal, see_other
from family_safety.domain.family_center.session import signed_in_account
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.family_center.words import country_name
from family_safety.domain.safety.categories import categories_for
from family_safety.domain.safety.deps import REPORT_SERVICE, ReportServiceDep
from family_safety.domain.safety.pack import EVERY_COUNTRY, Resource
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


def _where(resource: Resource) -> str:
    """Where a resource helps, in words: "United Kingdom", "the European Union", "Anywhere"."""
    if resource.countries == (EVERY_COUNTRY,):
        return "Anywhere"
    return resource.area or ", ".join(country_name(code) for code in resource.countries)


def _card(resource: Resource) -> dict[str, Any]:
    tel = resource.phone.replace(" ", "") if resource.phone else None
    return {"resource": resource, "where": _where(resource), "tel": tel}


def _help_groups(resources: Iterable[Resource], country: str | None) -> list[dict[str, Any]]:
    """The help page's sections: the account's country's first (when it has one), then what
    helps anywhere, then every other place's, by name."""
    mine: list[Resource] = []
    anywhere: list[Resource] = []
    elsewhere: dict[str, list[Resource]] = {}
    for resource in resources:
        if country is not None and country in resource.countries:
            mine.append(resource)
        elif resource.countries == (EVERY_COUNTRY,):
            anywhere.append(resource)
        else:
            elsewhere.setdefault(_where(resource), []).append(resource)
    groups: list[tuple[str, list[Resource]]] = []
    if mine and country is not None:
        groups.append((f"In {country_name(country)}", mine))
    if anywhere:
        groups.append(("Wherever you are", anywhere))
    groups.extend(
        (f"In {where}", found)
        for where, found in sorted(elsewhere.items(), key=lambda item: item[0].removeprefix("the "))
    )
    return [{"heading": heading, "cards": [_card(r) for r in found]} for heading, found in groups]


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
    async def get_help(
        self, request: Request[Any, Any, Any], components: AppComponents
    ) -> Template:
        """Help for anyone, signed in or not: the account's country's first."""
        account = await signed_in_account(request)
        minor = None if account is None else is_minor(components.pack, account, utc_today())
        resources = resources_for(components.safety, is_minor=minor, country=None, topic=None)
        country = account.country if account is not None else None
        return page(request, "help.html", account, groups=_help_groups(resources, country))

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
