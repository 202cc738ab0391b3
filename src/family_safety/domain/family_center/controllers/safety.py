"""Safety's pages, for both sides: where to get help, the report form with what happens after
a report is sent, and the accounts one blocks (the API's blocks, through the same service)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from pydantic import ValidationError

from family_safety.domain.dependencies import AppComponents, DbSession
from family_safety.domain.family_center.deps import VisitDep
from family_safety.domain.family_center.forms import report_from_form
from family_safety.domain.family_center.pages import (
    LIST_LIMIT,
    Visit,
    flash,
    page,
    refusal,
    see_other,
)
from family_safety.domain.family_center.session import signed_in_account
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.family_center.words import country_name
from family_safety.domain.safety.categories import categories_for
from family_safety.domain.safety.deps import (
    BLOCK_SERVICE,
    REPORT_SERVICE,
    BlockServiceDep,
    ReportServiceDep,
)
from family_safety.domain.safety.pack import EVERY_COUNTRY, Resource
from family_safety.domain.safety.resources import is_minor, resources_for
from family_safety.domain.safety.schemas import NewBlock, NewReport
from family_safety.domain.safety.services.accounts import account_by_handle
from family_safety.lib.clock import utc_now, utc_today
from family_safety.lib.pagination import PageRequest
from family_safety.lib.problems import Problem

REPORT = f"{PREFIX}/report"
BLOCKS = f"{PREFIX}/blocks"
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
    return {"resource": resource, "where": _where(resource)}


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


def _report_form(
    visit: Visit,
    *,
    status_code: int = 200,
    error: str | None = None,
    typed: dict[str, str] | None = None,
) -> Template:
    minor = visit.is_teen()
    return visit.show(
        "report.html",
        status_code=status_code,
        error=error,
        typed=typed or {},
        categories=categories_for(visit.components.safety, is_minor=minor),
        subjects=SUBJECT_WORDS,
        teen=minor,
    )


class SafetyPages(Controller):
    path = PREFIX
    dependencies = {**REPORT_SERVICE, **BLOCK_SERVICE}

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
    async def send(
        self, visit: VisitDep, db_session: DbSession, report_service: ReportServiceDep
    ) -> Response[Any]:
        form = await visit.request.form()
        try:
            new = NewReport.model_validate(report_from_form(form, visit.account.timezone))
            handle = new.subject.handle
            if handle is not None and await account_by_handle(db_session, handle) is None:
                # Nobody has this handle (a typo, or a name from elsewhere): nothing is sent,
                # and the page says so, as POST /v1/me/blocks answers 404 for it.
                return _report_form(
                    visit,
                    status_code=404,
                    error=f"There is no account called @{handle} here. Check their handle, "
                    "or leave it empty and give a link instead.",
                    typed=dict(form),
                )
            report, _ = await report_service.file(visit.account, new, utc_now())
        except (ValidationError, Problem) as refused:
            status_code, words = refusal(refused)
            return _report_form(visit, status_code=status_code, error=words, typed=dict(form))
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

    @get("/blocks")
    async def blocks(self, visit: VisitDep, block_service: BlockServiceDep) -> Template:
        blocked = await block_service.page(PageRequest(visit.account.id, LIST_LIMIT, None))
        return visit.show("blocks.html", blocks=blocked.items)

    @post("/blocks")
    async def block(self, visit: VisitDep, block_service: BlockServiceDep) -> Response[Any]:
        """Block by handle, from the blocks page or a report's next steps (POST /v1/me/blocks)."""
        typed = (await visit.request.form()).get("handle", "").strip().lstrip("@")
        try:
            new = NewBlock.model_validate({"handle": typed})
            block, created = await block_service.block(visit.account, new.handle, utc_now())
        except (ValidationError, Problem) as refused:
            if isinstance(refused, Problem) and refused.slug == "not-found":
                words = f"There is no account called @{typed}. Check their handle."
                flash(visit.request, words, "error")
                return see_other(BLOCKS)
            return visit.refused(refused, BLOCKS)
        handle = block.account.handle
        return visit.done(
            f"You blocked @{handle}." if created else f"You already block @{handle}.", BLOCKS
        )

    @post("/blocks/{account_id:uuid}/unblock")
    async def unblock(
        self, account_id: FromPath[UUID], visit: VisitDep, block_service: BlockServiceDep
    ) -> Response[Any]:
        """Lift a block (DELETE /v1/me/blocks/{account_id}); lifting one that does not stand
        changes nothing, as there. The form names the handle only for the message."""
        handle = (await visit.request.form()).get("handle", "").strip().lstrip("@")
        await block_service.unblock(visit.account, account_id)
        unblocked = f"You unblocked @{handle}." if handle else "Unblocked."
        return visit.done(f"{unblocked} They can contact you again.", BLOCKS)
