"""``GET /``: a browser asking for HTML is sent to the Family Center (303 to ``/family``); any
other client (``Accept: application/json``, ``*/*`` or none) gets a small JSON index of the
service's entry points, so a developer who tries the root learns where to go."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, get
from litestar.response import Redirect, Response
from litestar.status_codes import HTTP_303_SEE_OTHER
from msgspec import Struct

from family_safety.domain.dependencies import OperationsController

FAMILY_CENTER = "/family"


class ServiceIndex(Struct, frozen=True):
    """Where things are."""

    name: str
    api: str
    openapi: str
    docs: str
    family_center: str
    health: str


INDEX = ServiceIndex(
    name="family_safety",
    api="/v1",
    openapi="/schema/openapi.json",
    docs="/schema",
    family_center=FAMILY_CENTER,
    health="/health/ready",
)


def wants_a_page(request: Request[Any, Any, Any]) -> bool:
    """Whether the client prefers HTML to JSON (a browser's ``Accept``), by its q-values."""
    accept = request.accept
    if "text/html" not in str(request.headers.get("accept", "")):
        return False  # a bare ``*/*`` (curl, programs) is not a browser
    return accept.best_match([MediaType.HTML, MediaType.JSON]) == MediaType.HTML


class FrontDoorController(OperationsController):
    path = "/"

    @get(
        summary="The service's entry points; browsers go to the Family Center",
        description="With `Accept` preferring `text/html` (a browser): 303 to `/family`. "
        "Otherwise: a JSON index of the API, the OpenAPI document, the Family Center and health.",
        cache_control=None,
    )
    async def index(self, request: Request[Any, Any, Any]) -> Response[ServiceIndex] | Redirect:
        if wants_a_page(request):
            return Redirect(
                FAMILY_CENTER, status_code=HTTP_303_SEE_OTHER, headers={"Vary": "Accept"}
            )
        return Response(INDEX, headers={"Vary": "Accept"})
