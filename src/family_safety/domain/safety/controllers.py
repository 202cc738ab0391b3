"""Safety's routes: help (resources), report categories and search interventions, reports,
blocks, and the staff's moderation queue."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, TypeVar
from uuid import UUID

import iso3166
from litestar import Controller, MediaType, Request, Response, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_304_NOT_MODIFIED,
)

from family_safety.domain.dependencies import (
    PUBLIC_ROUTE_OPT,
    AppComponents,
    CurrentAccount,
    IfNoneMatch,
    delete_own,
)
from family_safety.domain.safety.categories import categories_for
from family_safety.domain.safety.deps import (
    BLOCK_SERVICE,
    CALLER,
    MODERATION_SERVICE,
    REPORT_SERVICE,
    BlockServiceDep,
    Caller,
    ModerationServiceDep,
    ReportServiceDep,
    staff_only,
)
from family_safety.domain.safety.pack import Intervention, Topic
from family_safety.domain.safety.resources import is_minor, resources_for
from family_safety.domain.safety.schemas import (
    MAX_QUERY,
    BlockOut,
    Categories,
    Channel,
    InterventionList,
    InterventionMatch,
    NewBlock,
    NewReport,
    ReportChange,
    ReportOut,
    ReportStatus,
    Resources,
    StaffReport,
)
from family_safety.lib import problems
from family_safety.lib.clock import utc_now, utc_today
from family_safety.lib.http_caching import ETAG, etag_matches
from family_safety.lib.pagination import Page, RequestedPage, list_route
from family_safety.lib.problems import problem_responses

CountryQuery = Annotated[
    str | None,
    Parameter(
        min_length=2,
        max_length=2,
        description="ISO 3166-1 alpha-2; default: the signed-in caller's country.",
    ),
]
TopicQuery = Annotated[Topic | None, Parameter(description="Only resources for this topic.")]
SearchQuery = Annotated[
    str, Parameter(min_length=1, max_length=MAX_QUERY, description="What was searched for.")
]


class _SafetyController(Controller):
    tags = ["safety"]


class SafetyController(_SafetyController):
    """Help fitted to the caller, report categories, and search interventions."""

    path = "/v1/safety"

    @get(
        "/resources",
        opt={PUBLIC_ROUTE_OPT: True},
        dependencies=CALLER,
        summary="Where to get help, fitted to the caller's age and country",
        description="Public. With a bearer token, adults-only resources are left out for a "
        "caller under 18 and under-18-only ones for a caller 18+, and `country` defaults to the "
        "account's. Without one, every audience is shown.",
        responses=problem_responses(422),
    )
    async def resources(
        self,
        components: AppComponents,
        caller: Caller,
        country: CountryQuery = None,
        topic: TopicQuery = None,
    ) -> Resources:
        if country is not None:
            country = country.upper()
            if country not in iso3166.countries_by_alpha2:
                raise problems.invalid_field("country", "must be a two-letter country code like GB")
        minor = None if caller is None else is_minor(components.pack, caller, utc_today())
        if country is None and caller is not None:
            country = caller.country
        chosen = resources_for(components.safety, is_minor=minor, country=country, topic=topic)
        return Resources.model_validate({"items": [resource.to_wire() for resource in chosen]})

    @get(
        "/report-categories",
        summary="The report categories I may choose",
        responses=problem_responses(401),
    )
    async def report_categories(
        self, current_account: CurrentAccount, components: AppComponents
    ) -> Categories:
        minor = is_minor(components.pack, current_account, utc_today())
        chosen = categories_for(components.safety, is_minor=minor)
        return Categories.model_validate({"items": [category.to_wire() for category in chosen]})

    @get(
        "/search-interventions",
        opt={PUBLIC_ROUTE_OPT: True},
        summary="Every search intervention and its phrases, for matching offline",
        description="Public. Send `If-None-Match` with the last `ETag` to get 304 when the list "
        "did not change.",
        response_headers=[ETAG],
        responses={
            200: ResponseSpec(InterventionList, description="The interventions"),
            304: ResponseSpec(None, description="Not modified"),
        },
    )
    async def interventions(
        self, components: AppComponents, if_none_match: IfNoneMatch = None
    ) -> Response[InterventionList]:
        matcher = components.interventions
        etag = f'"{matcher.version}"'
        if etag_matches(if_none_match, etag):
            return Response(
                None,  # type: ignore[arg-type]
                status_code=HTTP_304_NOT_MODIFIED,
                headers={"ETag": etag},
            )
        return Response(InterventionList.model_validate(matcher.describe()), headers={"ETag": etag})

    @get(
        "/search-interventions/match",
        opt={PUBLIC_ROUTE_OPT: True},
        summary="The intervention a search meets, if any",
        description="Public. A query matches when one of a topic's phrases appears in it as "
        "whole words, after NFKC normalisation, case folding and removal of accents and "
        "punctuation.",
        responses={
            200: ResponseSpec(
                InterventionMatch, description="The intervention, or null", generate_examples=False
            ),
            **problem_responses(422),
        },
    )
    async def match(self, request: Request[Any, Any, Any], q: SearchQuery) -> Response[bytes]:
        """Called on every search of a client app: no dependency is injected, and the answer of
        each intervention is encoded once."""
        intervention = request.app.state.components.interventions.match(q)
        return Response(_match_answer(intervention), media_type=MediaType.JSON)


@cache
def _match_answer(intervention: Intervention | None) -> bytes:
    """A match's answer, encoded (one for each of the pack's interventions, and one for none)."""
    wire = None if intervention is None else intervention.to_wire()
    return InterventionMatch.model_validate({"intervention": wire}).model_dump_json().encode()


T = TypeVar("T")


def _created_or_found(
    model: type, created: str, found: str, *problems_of: int
) -> dict[int, ResponseSpec]:
    """The answers of a POST that creates a thing unless it already stands: 201 with the new one,
    200 with the one found."""
    return {
        201: ResponseSpec(model, description=created),
        200: ResponseSpec(model, description=found),
        **problem_responses(*problems_of),
    }


def _created_or_found_answer(thing: T, created: bool) -> Response[T]:
    return Response(thing, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


class ReportController(_SafetyController):
    """Filing a report, and the reporter's own reports."""

    dependencies = REPORT_SERVICE

    @post(
        "/v1/reports",
        summary="Report an account, content, a comment, a message or a live",
        description="201 with the report and its next steps. The same subject and category "
        "again within 24 hours: 200 with the first report. More than 20 reports an hour: 429. "
        "A teen may `tell_guardians`: they learn the category's title and the time, nothing "
        "else.",
        responses=_created_or_found(
            ReportOut, "Filed", "Already filed within 24 hours", 400, 401, 413, 422, 429
        ),
    )
    async def file(
        self,
        data: JSONBody[NewReport],
        current_account: CurrentAccount,
        report_service: ReportServiceDep,
    ) -> Response[ReportOut]:
        report, created = await report_service.file(current_account, data, utc_now())
        return _created_or_found_answer(report, created)

    @list_route("/v1/me/reports", summary="My reports, oldest first")
    async def mine(self, report_service: ReportServiceDep, page: RequestedPage) -> Page[ReportOut]:
        return await report_service.page(page)

    @get(
        "/v1/me/reports/{report_id:uuid}",
        summary="One of my reports, with its evidence",
        responses=problem_responses(401, 404),
    )
    async def one(
        self,
        report_id: FromPath[UUID],
        current_account: CurrentAccount,
        report_service: ReportServiceDep,
    ) -> ReportOut:
        return await report_service.one(current_account, report_id)


class BlockController(_SafetyController):
    path = "/v1/me/blocks"
    dependencies = BLOCK_SERVICE

    @post(
        summary="Block an account",
        description="201 with the block; 200 when it already stands. Blocking oneself: 422; an "
        "unknown handle: 404; at most 10,000 blocks: 409 `block-limit-reached`.",
        responses=_created_or_found(
            BlockOut, "Blocked", "Already blocked", 400, 401, 404, 409, 413, 422
        ),
    )
    async def block(
        self,
        data: JSONBody[NewBlock],
        current_account: CurrentAccount,
        block_service: BlockServiceDep,
    ) -> Response[BlockOut]:
        block, created = await block_service.block(current_account, data.handle, utc_now())
        return _created_or_found_answer(block, created)

    @list_route(summary="Accounts I block, oldest first")
    async def blocks(self, block_service: BlockServiceDep, page: RequestedPage) -> Page[BlockOut]:
        return await block_service.page(page)

    @delete_own(
        "/{account_id:uuid}",
        summary="Unblock an account",
        description="204, whether or not the block stood. A path id that is not a UUID: 404.",
    )
    async def unblock(
        self,
        account_id: FromPath[UUID],
        current_account: CurrentAccount,
        block_service: BlockServiceDep,
    ) -> None:
        await block_service.unblock(current_account, account_id)


class ModerationController(Controller):
    """The staff's queue. Anyone else: 403 (guard)."""

    path = "/v1/moderation/reports"
    tags = ["moderation"]
    guards = [staff_only]
    dependencies = MODERATION_SERVICE

    @list_route(
        summary="The report queue, most urgent first (staff)",
        description="`urgent`, then `high`, then `normal`; oldest first within each. Each report "
        "names its reporter (`{id, handle, display_name}`, null once that account is deleted) "
        "and, for `minor_exploitation`, the NCMEC escalation.",
        problems_of=(401, 403, 422),
    )
    async def queue(
        self,
        moderation_service: ModerationServiceDep,
        *,
        status: Annotated[ReportStatus | None, QueryParameter()] = None,
        channel: Annotated[Channel | None, QueryParameter()] = None,
        page: RequestedPage,
    ) -> Page[StaffReport]:
        return await moderation_service.queue(status, channel, page)

    @patch(
        "/{report_id:uuid}",
        summary="Change a report's status, or record its escalation filed (staff)",
        description="`{status, resolution?}` (the reporter is told the new status, nothing "
        'else) or `{escalation: "filed"}` for a report that requires one.',
        responses=problem_responses(400, 401, 403, 404, 413, 422),
    )
    async def change(
        self,
        report_id: FromPath[UUID],
        data: JSONBody[ReportChange],
        moderation_service: ModerationServiceDep,
    ) -> StaffReport:
        return await moderation_service.change(report_id, data, utc_now())
