"""Problem details (RFC 9457): the API's one error shape, and every failure mapped to it.

Every error leaves the service as ``application/problem+json`` with ``type``, ``title``, ``status``
and ``detail``; the last path segment of ``type`` is a stable slug that clients switch on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import structlog
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    SerializationException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import ClientException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

if TYPE_CHECKING:
    from litestar import Request, Response

PROBLEM_TYPE_BASE = "https://family-safety.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_UNAVAILABLE_SECONDS = 5

_log = structlog.get_logger("family_safety.errors")


class Problem(ProblemDetailsException):
    """An error the API answers with, named by ``slug``."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        extra: dict[str, Any] | None = {"errors": errors} if errors is not None else None
        super().__init__(
            detail=detail,
            status_code=status,
            headers=headers,
            extra=extra,
            type_=PROBLEM_TYPE_BASE + slug,
            title=HTTPStatus(status).phrase,
        )
        self.slug = slug


def validation_problem(errors: list[dict[str, str]]) -> Problem:
    fields = ", ".join(sorted({error["field"] for error in errors}))
    return Problem(422, "validation", f"Invalid value for: {fields}.", errors=errors)


def unauthorized(detail: str = "A valid bearer access token is required.") -> Problem:
    return Problem(401, "unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


@dataclass
class ProblemDetails:
    """An error, as RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = field(default=None)


@dataclass
class FieldError:
    field: str
    message: str


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI documentation of the problem answers a route can give."""
    return {
        status: ResponseSpec(
            data_container=ProblemDetails,
            media_type=PROBLEM_MEDIA_TYPE,
            description=HTTPStatus(status).phrase,
            generate_examples=False,
        )
        for status in statuses
    }


def _field_name(key: str | None, source: str | None) -> str:
    if not key or key == "data":
        return "body" if source in (None, "body") else str(source)
    return key.removeprefix("data.").removeprefix("body.")


def _from_validation_exception(exc: ValidationException) -> Problem:
    """Litestar's 400 for values that decoded but do not validate: 422, naming the fields.
    (Undecodable JSON arrives as a plain client error instead: see _from_http_exception.)"""
    details = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {
            "field": _field_name(item.get("key"), item.get("source")),
            "message": str(item.get("message", "invalid value")),
        }
        for item in details
        if isinstance(item, dict)
    ]
    return validation_problem(errors or [{"field": "body", "message": str(exc.detail)}])


_SLUG_BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
}


def _from_http_exception(exc: HTTPException) -> Problem:
    status = exc.status_code
    if isinstance(exc, NotFoundException):
        return Problem(404, "not-found", "Nothing is here.")
    if isinstance(exc, MethodNotAllowedException):
        return Problem(
            405, "method-not-allowed", "This method is not allowed here.", headers=exc.headers
        )
    if isinstance(exc, NotAuthorizedException):
        return unauthorized()
    if isinstance(exc, PermissionDeniedException):
        return Problem(403, "forbidden", "This account may not do that.")
    if isinstance(exc.__cause__, SerializationException):
        return Problem(400, "malformed-body", "The request body is not valid JSON.")
    if status == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        return Problem(413, "payload-too-large", "The request body is too large.")
    slug = _SLUG_BY_STATUS.get(status, "error" if status >= 500 else "bad-request")
    detail = exc.detail if isinstance(exc, ClientException) else HTTPStatus(status).phrase
    return Problem(status, slug, detail, headers=exc.headers)


def handle_problem(request: Request, exc: Problem) -> Response:
    return exc.to_response(request)


def handle_validation(request: Request, exc: ValidationException) -> Response:
    return _from_validation_exception(exc).to_response(request)


def handle_http(request: Request, exc: HTTPException) -> Response:
    return _from_http_exception(exc).to_response(request)


def handle_database_unavailable(request: Request, exc: Exception) -> Response:
    _log.warning("database unavailable", error=type(exc).__name__, path=request.url.path)
    return Problem(
        503,
        "service-unavailable",
        "The database is unavailable; retry shortly.",
        headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)},
    ).to_response(request)


def handle_integrity_error(request: Request, exc: IntegrityError) -> Response:
    _log.warning("integrity error", path=request.url.path, constraint=str(exc.orig)[:200])
    conflict = Problem(409, "conflict", "The change conflicts with the current state; retry.")
    return conflict.to_response(request)


def handle_unexpected(request: Request, exc: Exception) -> Response:
    _log.exception("unhandled error", path=request.url.path, error=type(exc).__name__)
    return Problem(500, "internal-error", "Something went wrong on our side.").to_response(request)


EXCEPTION_HANDLERS = {
    Problem: handle_problem,
    ValidationException: handle_validation,
    HTTPException: handle_http,
    IntegrityError: handle_integrity_error,
    DBAPIError: handle_database_unavailable,
    PoolTimeoutError: handle_database_unavailable,
    ConnectionError: handle_database_unavailable,
    Exception: handle_unexpected,
}
