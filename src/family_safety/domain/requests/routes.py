"""The routes every kind of request has beside its list (``lib.pagination.list_route``): the
teen's ask and a linked guardian's decision, each with its status, guard and problems."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from family_safety.lib.guards import teens_only
from family_safety.lib.problems import problem_responses

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.handlers import HTTPRouteHandler

ASK_PROBLEMS = (400, 401, 403, 409, 413, 422)
DECISION_PROBLEMS = (400, 401, 403, 404, 409, 413, 422)


def ask_route(
    *, summary: str, description: str
) -> Callable[[Callable[..., Any]], HTTPRouteHandler]:
    """A teen's POST of a new request to its guardians: 201 with the request; 403 for anyone
    but a teen, 409 ``no-guardian`` (and the kind's own), 422 for a body it refuses."""
    return post(
        status_code=HTTP_201_CREATED,
        guards=[teens_only],
        summary=summary,
        description=description,
        responses=problem_responses(*ASK_PROBLEMS),
    )


def decision_route(
    *, summary: str, description: str, more_problems: tuple[int, ...] = ()
) -> Callable[[Callable[..., Any]], HTTPRouteHandler]:
    """A linked guardian's POST of its decision on one request (``{approve}``, and what the kind
    adds): 200 with the request; 409 once another decision stands, and the kind's
    ``more_problems``."""
    return post(
        "/{request_id:uuid}/decision",
        status_code=HTTP_200_OK,
        summary=summary,
        description=description,
        responses=problem_responses(*sorted((*DECISION_PROBLEMS, *more_problems))),
    )
