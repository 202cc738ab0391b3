"""Litestar's ``ProblemDetailsPlugin``, configured to turn every failure that is not already a
problem of the table (``lib/problems.py``): framework errors, database errors, bugs, into one.

Validation errors are answered knowing the route: its parameters' names as the client sends them,
and the fields its body requires (``lib/field_errors``).
"""

from __future__ import annotations

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
from litestar.params import ParameterKwarg, QueryParameter
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from family_safety.lib import field_errors
from family_safety.lib.problems import (
    FieldErrors,
    Problem,
    bad_request,
    conflict,
    forbidden,
    internal_error,
    malformed_json,
    method_not_allowed,
    not_found,
    overloaded,
    payload_too_large,
    service_unavailable,
    unauthorized,
    unsupported_media_type,
    validation,
)
from family_safety.lib.security.passwords import HashingOverloaded

if TYPE_CHECKING:
    from litestar import Request, Response
    from litestar.config.app import AppConfig

_log = structlog.get_logger("family_safety.lib.problems")


def _aliases(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The parameters of the handler, or of the dependencies it takes, that the client names
    otherwise (``start``: ``from``)."""
    handler = request.route_handler
    signatures = [handler.parsed_fn_signature] + [
        provide.parsed_fn_signature for provide in handler.resolve_dependencies().values()
    ]
    aliases = {}
    for signature in signatures:
        for name, parameter in signature.parameters.items():
            kwarg = parameter.kwarg_definition
            if isinstance(kwarg, ParameterKwarg | QueryParameter):
                alias = getattr(kwarg, "name", None) or kwarg.query or kwarg.header or kwarg.cookie
                if alias and alias != name:
                    aliases[name] = alias
    return aliases


def _missing_body(request: Request[Any, Any, Any]) -> FieldErrors:
    """No body at all: the fields the body's model requires, or the body itself."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    model = data.annotation if data is not None else None
    if isinstance(model, type) and issubclass(model, BaseModel):
        try:
            model.model_validate({})
        except PydanticValidationError as refused:
            return field_errors.from_pydantic(refused.errors(include_input=False))
    return [{"field": field_errors.BODY, "message": "must be a JSON object"}]


def _from_validation_exception(
    exc: ValidationException, request: Request[Any, Any, Any]
) -> Problem:
    """Litestar's 400 for values that decoded but do not validate: 422, naming each field as
    the client sent it, in words (``lib/field_errors``). (Undecodable JSON arrives as a plain
    client error instead: see _from_http_exception.)"""
    aliases = _aliases(request)
    pydantic_errors = getattr(exc.__cause__, "errors", None)
    if isinstance(pydantic_errors, list) and all(
        isinstance(item, dict) and "type" in item for item in pydantic_errors
    ):
        found = field_errors.from_pydantic(pydantic_errors, aliases)
        if found:
            return validation(found)
    errors: FieldErrors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        key, message = str(item.get("key") or ""), str(item.get("message", "is not valid"))
        if key in ("", "data") and message == "'data'":
            errors.extend(_missing_body(request))
            continue
        field = field_errors.field_name(key.split(".") if key else (), aliases)
        errors.append({"field": field, "message": message})
    return validation(errors or [{"field": field_errors.BODY, "message": "is not valid"}])


def _answer_validation_exception(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    return _from_validation_exception(exc, request).to_response(request)


class _ProblemDetails(ProblemDetailsPlugin):
    """Litestar's plugin, with validation errors answered knowing the route: its parameters'
    names as the client sends them, and the fields its body requires."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config = super().on_app_init(app_config)
        app_config.exception_handlers[ValidationException] = _answer_validation_exception
        return app_config


def _from_http_exception(exc: HTTPException) -> Problem:
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, NotFoundException):
        return not_found()
    if isinstance(exc, MethodNotAllowedException):
        return method_not_allowed(headers=exc.headers)
    if isinstance(exc, NotAuthorizedException):
        return unauthorized()
    if isinstance(exc, PermissionDeniedException):
        return forbidden()
    if isinstance(exc.__cause__, SerializationException):
        return malformed_json()
    if exc.status_code == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        return payload_too_large()
    if exc.status_code == 415:
        return unsupported_media_type(exc.detail)
    if exc.status_code >= 500:
        return internal_error()
    detail = exc.detail if isinstance(exc, ClientException) else HTTPStatus(exc.status_code).phrase
    return bad_request(detail, headers=exc.headers)


def _from_integrity_error(exc: IntegrityError) -> Problem:
    _log.warning("integrity error", constraint=str(exc.orig)[:200])
    return conflict()


def _from_database_unavailable(exc: Exception) -> Problem:
    _log.warning("database unavailable", error=type(exc).__name__)
    return service_unavailable()


def _from_hashing_overloaded(_exc: HashingOverloaded) -> Problem:
    return overloaded("passwords")


def _from_unexpected(exc: Exception) -> Problem:
    _log.error("unhandled error", error=type(exc).__name__, exc_info=exc)
    return internal_error()


PROBLEM_DETAILS = _ProblemDetails(
    ProblemDetailsConfig(
        exception_to_problem_detail_map={
            HTTPException: _from_http_exception,
            IntegrityError: _from_integrity_error,
            DBAPIError: _from_database_unavailable,
            PoolTimeoutError: _from_database_unavailable,
            ConnectionError: _from_database_unavailable,
            HashingOverloaded: _from_hashing_overloaded,
            Exception: _from_unexpected,
        }
    )
)
