"""Problem details (RFC 9457): the API's one error shape, and the catalogue of every problem.

Every error leaves the service as ``application/problem+json`` with ``type``, ``title``, ``status``
and ``detail``; the last path segment of ``type`` is a stable slug that clients switch on. Each
row of the contract's error table has one constructor here, with one wording; code raises those,
never a bare status. ``PROBLEM_DETAILS`` is Litestar's ``ProblemDetailsPlugin`` configured to turn
every other failure (framework errors, database errors, bugs) into one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from family_safety.lib.security.passwords import HashingOverloaded

if TYPE_CHECKING:
    from family_safety.domain.policy.pack import PolicyPack

PROBLEM_TYPE_BASE = "https://family-safety.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_UNAVAILABLE_SECONDS = 5
RETRY_AFTER_OVERLOADED_SECONDS = 1

FieldErrors = list[dict[str, str]]

_log = structlog.get_logger("family_safety.lib.problems")


class Problem(ProblemDetailsException):
    """An error the API answers with, named by ``slug``. Build one with the constructors below."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        errors: FieldErrors | None = None,
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


# --- the catalogue: one constructor per problem, one wording each ---------------------------


def malformed_body() -> Problem:
    return Problem(400, "malformed-body", "The request body is not valid JSON.")


def malformed_body_too_deep(max_depth: int) -> Problem:
    return Problem(
        400,
        "malformed-body",
        f"The request body nests arrays and objects more than {max_depth} levels deep.",
    )


def bad_request(detail: str, headers: dict[str, str] | None = None) -> Problem:
    return Problem(400, "bad-request", detail, headers=headers)


def invitation_invalid() -> Problem:
    return Problem(400, "invitation-invalid", "This is not a valid pairing invitation.")


def unauthorized() -> Problem:
    return Problem(
        401,
        "unauthorized",
        "A valid bearer access token is required; it may have expired or its sign-in ended.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def invalid_credentials() -> Problem:
    return Problem(401, "invalid-credentials", "The handle or the password is wrong.")


def invalid_refresh_token() -> Problem:
    return Problem(401, "invalid-refresh-token", "The refresh token is spent, revoked or unknown.")


def forbidden() -> Problem:
    return Problem(403, "forbidden", "This path is not for this kind of account.")


def setting_locked(locked: Mapping[str, list[Mapping[str, str]]]) -> Problem:
    """Values looser than their bounds: ``{key: [party, ...]}``; the detail names each party."""
    parts = [
        f"{key} is bounded by " + " and ".join(_describe_party(party) for party in parties)
        for key, parties in locked.items()
    ]
    return Problem(
        403,
        "setting-locked",
        "; ".join(parts) + ".",
        errors=[{"field": key, "message": "looser than its bound"} for key in locked],
    )


def _describe_party(party: Mapping[str, str]) -> str:
    if party["kind"] == "age_gate":
        return f"the {party['band']} age band"
    return f"guardian @{party['handle']}"


def not_a_teen(pack: PolicyPack) -> Problem:
    youngest, oldest = pack.teen_ages
    return Problem(
        403, "not-a-teen", f"Only accounts aged {youngest} to {oldest} can accept an invitation."
    )


def not_an_adult(pack: PolicyPack) -> Problem:
    return Problem(
        403, "not-an-adult", f"Only accounts aged {pack.guardian_age} or over can be guardians."
    )


def wrong_password() -> Problem:
    return Problem(403, "wrong-password", "The password is wrong.")


def not_found() -> Problem:
    return Problem(404, "not-found", "Nothing of yours is here.")


def method_not_allowed(headers: dict[str, str] | None = None) -> Problem:
    return Problem(405, "method-not-allowed", "This method is not allowed here.", headers=headers)


def handle_taken(handle: str) -> Problem:
    return Problem(409, "handle-taken", f"The handle {handle!r} is taken.")


def invitation_used() -> Problem:
    return Problem(409, "invitation-used", "This invitation has already been used.")


def already_linked(guardian_handle: str) -> Problem:
    return Problem(409, "already-linked", f"You are already linked to @{guardian_handle}.")


def guardian_limit_reached(max_guardians: int) -> Problem:
    return Problem(
        409, "guardian-limit-reached", f"A teen can have at most {max_guardians} guardians."
    )


def invitation_limit_reached(max_live: int) -> Problem:
    return Problem(
        409,
        "invitation-limit-reached",
        f"At most {max_live} invitations can be live at once; revoke one or let it expire.",
    )


def request_in_progress() -> Problem:
    return Problem(409, "request-in-progress", "A request with this key is still running.")


def conflict() -> Problem:
    return Problem(409, "conflict", "The change conflicts with the current state; retry.")


def invitation_expired() -> Problem:
    return Problem(410, "invitation-expired", "This invitation has expired or was revoked.")


def precondition_failed() -> Problem:
    return Problem(
        412, "precondition-failed", "This changed since that ETag; read it again and retry."
    )


def payload_too_large() -> Problem:
    return Problem(413, "payload-too-large", "The request body is too large.")


def unsupported_media_type(detail: str) -> Problem:
    return Problem(415, "unsupported-media-type", detail)


def validation(errors: FieldErrors) -> Problem:
    fields = ", ".join(sorted({error["field"] for error in errors}))
    return Problem(422, "validation", f"Invalid value for: {fields}.", errors=errors)


def invalid_field(field_name: str, message: str) -> Problem:
    return validation([{"field": field_name, "message": message}])


def minimum_age(pack: PolicyPack) -> Problem:
    return Problem(
        422,
        "minimum-age",
        f"Accounts are for people aged {pack.minimum_age} and over.",
        errors=[{"field": "birthdate", "message": f"under {pack.minimum_age}"}],
    )


def idempotency_key_reused() -> Problem:
    return Problem(
        422, "idempotency-key-reused", "This Idempotency-Key was used with a different request."
    )


def precondition_required() -> Problem:
    return Problem(
        428, "precondition-required", "Send If-Match with the ETag of what you last read."
    )


def rate_limited(retry_after_seconds: int) -> Problem:
    return Problem(
        429,
        "rate-limited",
        "Too many attempts; try again later.",
        headers={"Retry-After": str(retry_after_seconds)},
    )


def evidence_not_allowed(category: str, kind: str) -> Problem:
    return Problem(
        422,
        "evidence-not-allowed",
        f"Evidence of kind {kind!r} is not allowed in a {category!r} report: do not download, "
        "capture or share that content.",
        errors=[{"field": "evidence", "message": f"{kind} is not allowed for {category}"}],
    )


def block_limit_reached(max_blocks: int) -> Problem:
    return Problem(
        409, "block-limit-reached", f"An account can block at most {max_blocks} accounts."
    )


def internal_error() -> Problem:
    return Problem(500, "internal-error", "Something went wrong on our side.")


def overloaded() -> Problem:
    return Problem(
        503,
        "overloaded",
        "Too many passwords are being checked right now; retry shortly.",
        headers={"Retry-After": str(RETRY_AFTER_OVERLOADED_SECONDS)},
    )


def service_unavailable() -> Problem:
    return Problem(
        503,
        "service-unavailable",
        "The database is unavailable; retry shortly.",
        headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)},
    )


def no_guardian() -> Problem:
    return Problem(409, "no-guardian", "There is no active guardian to ask.")


def request_limit_reached(max_pending: int) -> Problem:
    return Problem(
        409,
        "request-limit-reached",
        f"At most {max_pending} time requests can wait for an answer at once.",
    )


def request_decided() -> Problem:
    return Problem(409, "request-decided", "This time request has already been decided.")


def request_expired() -> Problem:
    return Problem(410, "request-expired", "This time request has expired or was cancelled.")


def examples(pack: PolicyPack) -> dict[str, Problem]:
    """One real instance of every problem above, by slug: the examples the OpenAPI document
    shows (a new constructor belongs here too; tests/unit/test_problems.py checks)."""
    every = [
        malformed_body(),
        bad_request("Invalid content-length: 'zz'"),
        invitation_invalid(),
        unauthorized(),
        invalid_credentials(),
        invalid_refresh_token(),
        forbidden(),
        setting_locked({"live.enabled": [{"kind": "age_gate", "band": pack.band_names[0]}]}),
        not_a_teen(pack),
        not_an_adult(pack),
        wrong_password(),
        not_found(),
        method_not_allowed(),
        handle_taken("sam_14"),
        invitation_used(),
        already_linked("alex"),
        guardian_limit_reached(2),
        invitation_limit_reached(5),
        request_in_progress(),
        conflict(),
        invitation_expired(),
        precondition_failed(),
        payload_too_large(),
        unsupported_media_type("Unsupported Media Type"),
        invalid_field("live.enabled", 'must be true or false, not "maybe"'),
        minimum_age(pack),
        idempotency_key_reused(),
        precondition_required(),
        rate_limited(60),
        overloaded(),
        no_guardian(),
        request_limit_reached(3),
        request_decided(),
        request_expired(),
        evidence_not_allowed("minor_exploitation", "media_hash"),
        block_limit_reached(10_000),
        internal_error(),
        service_unavailable(),
    ]
    return {problem.slug: problem for problem in every}


# --- the OpenAPI shape of a problem ---------------------------------------------------------


@dataclass
class FieldError:
    field: str
    message: str


@dataclass
class ProblemDetails:
    """An error, as RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = field(default=None)


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


# --- every other failure, as one of the problems above --------------------------------------


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
    return validation(errors or [{"field": "body", "message": str(exc.detail)}])


def _from_http_exception(exc: HTTPException) -> Problem:
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, NotFoundException):
        return not_found()
    if isinstance(exc, MethodNotAllowedException):
        return method_not_allowed(exc.headers)
    if isinstance(exc, NotAuthorizedException):
        return unauthorized()
    if isinstance(exc, PermissionDeniedException):
        return forbidden()
    if isinstance(exc.__cause__, SerializationException):
        return malformed_body()
    if exc.status_code == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        return payload_too_large()
    if exc.status_code == 415:
        return unsupported_media_type(exc.detail)
    if exc.status_code >= 500:
        return internal_error()
    detail = exc.detail if isinstance(exc, ClientException) else HTTPStatus(exc.status_code).phrase
    return bad_request(detail, exc.headers)


def _from_integrity_error(exc: IntegrityError) -> Problem:
    _log.warning("integrity error", constraint=str(exc.orig)[:200])
    return conflict()


def _from_database_unavailable(exc: Exception) -> Problem:
    _log.warning("database unavailable", error=type(exc).__name__)
    return service_unavailable()


def _from_hashing_overloaded(_exc: HashingOverloaded) -> Problem:
    return overloaded()


def _from_unexpected(exc: Exception) -> Problem:
    _log.error("unhandled error", error=type(exc).__name__, exc_info=exc)
    return internal_error()


PROBLEM_DETAILS = ProblemDetailsPlugin(
    ProblemDetailsConfig(
        exception_to_problem_detail_map={
            ValidationException: _from_validation_exception,
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
