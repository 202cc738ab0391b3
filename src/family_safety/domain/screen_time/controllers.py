"""Screen time routes by role, usage, requests and grants: the holder's own (`/v1/me/...`) and a
linked guardian's view of a teen (`/v1/teens/{teen_id}/...`, beside the guardians' own
TeenController). Teens get 403 on a guardian's routes (guard); other adults 404 (the ``guarded``
dependency)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import Body, FromPath, JSONBody, QueryParameter, SkipValidation
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from family_safety.db.account_records import AccountRecord
from family_safety.domain.components import Components
from family_safety.domain.dependencies import AppComponents, CurrentAccount, delete_own
from family_safety.domain.links.access import GUARDED_TEEN, Guarded
from family_safety.domain.requests.routes import ask_route, decision_route
from family_safety.domain.screen_time.deps import (
    GRANT_SERVICE,
    TIME_REQUEST_SERVICE,
    USAGE_SERVICE,
    GrantServiceDep,
    TimeRequestServiceDep,
    UsageServiceDep,
)
from family_safety.domain.screen_time.schemas import (
    DayOut,
    DecisionIn,
    GrantOut,
    StatusOut,
    TimeRequestIn,
    TimeRequestOut,
)
from family_safety.domain.screen_time.usage import DaysAsked, merge_usage, reported_days
from family_safety.lib.clock import utc_now
from family_safety.lib.guards import guardians_only
from family_safety.lib.pagination import (
    CURSOR_SCOPE,
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    RequestedPage,
    list_route,
)
from family_safety.lib.problems import problem_responses

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler

From = Annotated[
    date | None,
    QueryParameter(name="from", description="The first day (included); default: 6 days before to."),
]
To = Annotated[
    date | None,
    QueryParameter(
        description="The last day (included), at most 30 days after from; default: today."
    ),
]


def _days_asked(
    start: From = None, to: To = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> DaysAsked:
    return DaysAsked(start, to, limit, cursor)


Days = NamedDependency[SkipValidation[DaysAsked]]


def _days_route(
    *, summary: str, problems_of: tuple[int, ...] = (401, 422)
) -> Callable[[Callable[..., Any]], HTTPRouteHandler]:
    """The GET of an account's screen time day by day: its ``from``, ``to``, ``limit`` and
    ``cursor`` come as ``asked`` (``Days``), its cursors are scoped to the caller and the list."""
    return get(
        "/days",
        summary=summary,
        responses=problem_responses(*problems_of),
        middleware=CURSOR_SCOPE,
        dependencies={"asked": Provide(_days_asked, sync_to_thread=False)},
    )


_INSTANT = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME)
USAGE_REPORT_SCHEMA = {
    "properties": {
        "device_id": Schema(
            type=OpenAPIType.STRING, pattern="^[A-Za-z0-9._-]{1,64}$", examples=["phone-1"]
        ),
        "intervals": Schema(
            type=OpenAPIType.ARRAY,
            max_items=100,
            items=Schema(
                type=OpenAPIType.OBJECT,
                properties={"start": _INSTANT, "end": _INSTANT},
                required=["start", "end"],
                additional_properties=False,
            ),
        ),
    },
    "required": ["device_id", "intervals"],
    "additional_properties": False,
}
"""The body as ``screen_time.usage_report`` checks it (the handler takes it as decoded JSON, so that
every error names its interval as the contract says)."""
USAGE_REPORT = (
    "`{device_id, intervals: [{start, end}]}`: `device_id` is 1-64 of `A-Z a-z 0-9 . _ -`; at "
    "most 100 intervals, each in RFC 3339 with `start < end`, at most 24 hours long, ending at "
    "most 2 minutes in the future and starting at most 7 days ago (422 naming `intervals[N]`). "
    "Time counts once however many devices, or reports, hold it."
)


class _ScreenTimeController(Controller):
    tags = ["screen time"]


class _GuardianViewController(_ScreenTimeController):
    """A linked guardian's view of one of its teens."""

    guards = [guardians_only]
    dependencies = GUARDED_TEEN


# --- usage ------------------------------------------------------------------------------------


class MyScreenTimeController(_ScreenTimeController):
    path = "/v1/me/screen-time"
    dependencies = USAGE_SERVICE

    @post(
        "/usage",
        status_code=HTTP_200_OK,
        summary="Report when this device was in use; the status now",
        description=USAGE_REPORT,
        responses=problem_responses(400, 401, 413, 422),
    )
    async def report(
        self,
        request: Request[AccountRecord, Any, Any],
        data: Annotated[
            dict[str, Any],
            Body(schema_extra=USAGE_REPORT_SCHEMA, schema_component_key="UsageReport"),
        ],
    ) -> StatusOut:
        """A lean write (``db.writes``), then the status from what it read: no session, no
        injected dependency."""
        components: Components = request.app.state.components
        account, now = request.user, utc_now()
        by_day = reported_days(account, data, now)
        reported = (
            await components.writer.run(merge_usage(account, by_day, now)) if by_day else None
        )
        return await components.screen_time_statuses.status(account, now, reported)

    @get(
        summary="My screen time today",
        responses=problem_responses(401),
    )
    async def status(self, request: Request[AccountRecord, Any, Any]) -> StatusOut:
        """On the hot path: no dependency is injected (each costs per request)."""
        components: Components = request.app.state.components
        statuses = components.screen_time_statuses
        return await statuses.status(request.user, utc_now())

    @_days_route(summary="My screen time day by day, oldest first (at most 31 days)")
    async def days(
        self, current_account: CurrentAccount, usage_service: UsageServiceDep, asked: Days
    ) -> Page[DayOut]:
        return await usage_service.days(current_account, asked, utc_now())


class TeenScreenTimeController(_GuardianViewController):
    path = "/v1/teens/{teen_id:uuid}/screen-time"
    dependencies = {**GUARDED_TEEN, **USAGE_SERVICE}

    @get(
        summary="This teen's screen time today",
        responses=problem_responses(401, 403, 404),
    )
    async def status(self, guarded: Guarded, components: AppComponents) -> StatusOut:
        return await components.screen_time_statuses.status(guarded.teen, utc_now())

    @_days_route(
        summary="This teen's screen time day by day, oldest first (at most 31 days)",
        problems_of=(401, 403, 404, 422),
    )
    async def days(
        self, guarded: Guarded, usage_service: UsageServiceDep, asked: Days
    ) -> Page[DayOut]:
        return await usage_service.days(guarded.teen, asked, utc_now())


# --- requests ---------------------------------------------------------------------------------


class MyTimeRequestsController(_ScreenTimeController):
    path = "/v1/me/time-requests"
    dependencies = TIME_REQUEST_SERVICE

    @ask_route(
        summary="Ask my guardians for more time (teens, 13-17)",
        description="`extra_time`: more minutes today; `time_away_pause`: time away lifted for "
        "the next minutes. Expires at my next local midnight. 409 `no-guardian` without an "
        "active guardian, `request-limit-reached` with 3 requests pending.",
    )
    async def ask(
        self,
        data: JSONBody[TimeRequestIn],
        current_account: CurrentAccount,
        time_request_service: TimeRequestServiceDep,
    ) -> TimeRequestOut:
        return await time_request_service.ask(
            current_account, data.kind, data.minutes, data.note, utc_now()
        )

    @list_route(summary="My time requests, oldest first")
    async def mine(
        self,
        current_account: CurrentAccount,
        time_request_service: TimeRequestServiceDep,
        page: RequestedPage,
    ) -> Page[TimeRequestOut]:
        return await time_request_service.requests(
            current_account, page.limit, page.cursor, utc_now()
        )

    @delete_own(
        "/{request_id:uuid}",
        summary="Cancel my pending time request",
        description="A request no longer pending is left as it is.",
    )
    async def cancel(
        self,
        request_id: FromPath[UUID],
        current_account: CurrentAccount,
        time_request_service: TimeRequestServiceDep,
    ) -> None:
        await time_request_service.cancel(current_account, request_id, utc_now())


class TeenTimeRequestsController(_GuardianViewController):
    path = "/v1/teens/{teen_id:uuid}/time-requests"
    dependencies = {**GUARDED_TEEN, **TIME_REQUEST_SERVICE}

    @list_route(summary="This teen's time requests, oldest first", problems_of=(401, 403, 404, 422))
    async def requests(
        self, guarded: Guarded, time_request_service: TimeRequestServiceDep, page: RequestedPage
    ) -> Page[TimeRequestOut]:
        return await time_request_service.requests(guarded.teen, page.limit, page.cursor, utc_now())

    @decision_route(
        summary="Approve or deny a time request",
        description="The first decision stands: 409 `request-decided` after it, 410 "
        "`request-expired` for an expired or cancelled request. Approving may grant other "
        "`minutes` than asked.",
        more_problems=(410,),
    )
    async def decide(
        self,
        request_id: FromPath[UUID],
        data: JSONBody[DecisionIn],
        current_account: CurrentAccount,
        guarded: Guarded,
        time_request_service: TimeRequestServiceDep,
    ) -> TimeRequestOut:
        return await time_request_service.decide(
            current_account,
            guarded.teen,
            guarded.link.id,
            request_id,
            approve=data.approve,
            minutes=data.minutes,
            now=utc_now(),
        )


# --- grants -----------------------------------------------------------------------------------


class TeenTimeGrantsController(_GuardianViewController):
    path = "/v1/teens/{teen_id:uuid}/time-grants"
    dependencies = {**GUARDED_TEEN, **GRANT_SERVICE}

    @post(
        status_code=HTTP_201_CREATED,
        summary="Grant this teen time, unasked",
        responses=problem_responses(400, 401, 403, 404, 413, 422),
    )
    async def grant(
        self,
        data: JSONBody[TimeRequestIn],
        current_account: CurrentAccount,
        guarded: Guarded,
        grant_service: GrantServiceDep,
    ) -> GrantOut:
        return await grant_service.give(current_account, guarded, data, utc_now())
