"""Problem details (RFC 9457): the API's one error shape, and the catalogue of every problem.

Every error leaves the service as ``application/problem+json`` with ``type``, ``title``, ``status``
and ``detail``; the last path segment of ``type`` is a stable slug that clients switch on. Each
row of the contract's error table has one constructor here, with one wording; code raises those,
never a bare status. ``lib/problem_plugin.py`` turns every other failure (framework errors,
database errors, bugs) into one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from string import Formatter
from typing import TYPE_CHECKING, Any

from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import ProblemDetailsException

from family_safety.lib import field_errors

if TYPE_CHECKING:
    from family_safety.domain.policy.pack import PolicyPack

PROBLEM_TYPE_BASE = "https://family-safety.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_UNAVAILABLE_SECONDS = 5
RETRY_AFTER_OVERLOADED_SECONDS = 1

FieldErrors = field_errors.FieldErrors


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


# --- the table: one row per problem, one wording each -------------------------------------

PACK = object()
"""A row's example argument that stands for the policy pack the examples are built for."""


@dataclass(frozen=True, slots=True)
class ProblemType:
    """A row of the problem table, and its constructor.

    ``row(*arguments)`` is the problem: its detail, the messages of its ``errors`` and its headers
    are templates (``str.format`` fields) filled with the arguments, taken in the templates'
    order unless ``parameters`` names them. Its title is the phrase of its status. ``example``
    holds the arguments of the example the OpenAPI document shows (``PACK``: the policy pack).
    """

    status: int
    slug: str
    detail: str
    example: tuple[Any, ...] = ()
    errors: tuple[tuple[str, str], ...] = ()  # (field, message) templates
    headers: Mapping[str, str] = field(default_factory=dict)  # name: value template
    parameters: tuple[str, ...] = ()  # the arguments' names, when not in the templates' order

    def __call__(
        self,
        *arguments: Any,
        errors: FieldErrors | None = None,
        headers: dict[str, str] | None = None,
    ) -> Problem:
        """The problem; ``errors`` and ``headers`` replace the row's own."""
        templates = (self.detail, *(message for _, message in self.errors), *self.headers.values())
        values = dict(zip(self.parameters or _fields(*templates), arguments, strict=True))
        if errors is None and self.errors:
            errors = [
                {"field": name, "message": text.format(**values)} for name, text in self.errors
            ]
        if headers is None and self.headers:
            headers = {name: value.format(**values) for name, value in self.headers.items()}
        return Problem(
            self.status, self.slug, self.detail.format(**values), errors=errors, headers=headers
        )


def _fields(*templates: str) -> list[str]:
    """The argument names of templates, in order, each once (``{pack.minimum_age}``: ``pack``)."""
    names = (name for template in templates for _, name, _, _ in Formatter().parse(template))
    return list(dict.fromkeys(name.split(".")[0].split("[")[0] for name in names if name))


malformed_body = ProblemType(
    400, "malformed-body", "The request body {reason}.", ("is not valid JSON",)
)
invitation_invalid = ProblemType(
    400, "invitation-invalid", "This is not a valid pairing invitation."
)
bad_request = ProblemType(400, "bad-request", "{detail}", ("Invalid content-length: 'zz'",))
unauthorized = ProblemType(
    401,
    "unauthorized",
    "A valid bearer access token is required; it may have expired or its sign-in ended.",
    headers={"WWW-Authenticate": "Bearer"},
)
invalid_credentials = ProblemType(
    401, "invalid-credentials", "The handle or the password is wrong."
)
invalid_signal = ProblemType(
    401,
    "invalid-signal",
    "This age signal is not one a trusted issuer signed for this service, or it has expired.",
)
invalid_refresh_token = ProblemType(
    401, "invalid-refresh-token", "The refresh token is spent, revoked or unknown."
)
forbidden = ProblemType(403, "forbidden", "This path is not for this kind of account.")
account_held = ProblemType(
    403,
    "account-held",
    "This account is on hold under {title}: it is below the minimum age that applies to it. "
    "You can still sign in, see and export your data, delete the account and find help.",
    ("Online Safety Amendment (Social Media Minimum Age) Act 2024",),
)
_SETTING_LOCKED = ProblemType(403, "setting-locked", "{bounds}.")
_NEEDS_GUARDIAN_APPROVAL = ProblemType(403, "needs-guardian-approval", "{bounds}.")
not_a_teen = ProblemType(
    403,
    "not-a-teen",
    "Only accounts aged {pack.teen_ages[0]} to {pack.teen_ages[1]} can accept an invitation.",
    (PACK,),
)
not_an_adult = ProblemType(
    403, "not-an-adult", "Only accounts aged {pack.guardian_age} or over can be guardians.", (PACK,)
)
wrong_password = ProblemType(403, "wrong-password", "The password is wrong.")
not_found = ProblemType(404, "not-found", "Nothing of yours is here.")
method_not_allowed = ProblemType(405, "method-not-allowed", "This method is not allowed here.")
handle_taken = ProblemType(409, "handle-taken", "The handle {handle!r} is taken.", ("sam_14",))
invitation_used = ProblemType(409, "invitation-used", "This invitation has already been used.")
already_linked = ProblemType(
    409, "already-linked", "You are already linked to @{guardian_handle}.", ("alex",)
)
guardian_limit_reached = ProblemType(
    409, "guardian-limit-reached", "A teen can have at most {max_guardians} guardians.", (2,)
)
invitation_limit_reached = ProblemType(
    409,
    "invitation-limit-reached",
    "At most {max_live} invitations can be live at once; revoke one or let it expire.",
    (5,),
)
signal_replayed = ProblemType(
    409, "signal-replayed", "This age signal (its jti) has been received before."
)
request_in_progress = ProblemType(
    409, "request-in-progress", "A request with this key is still running."
)
conflict = ProblemType(409, "conflict", "The change conflicts with the current state; retry.")
no_guardian = ProblemType(409, "no-guardian", "There is no active guardian to ask.")
request_limit_reached = ProblemType(
    409,
    "request-limit-reached",
    "At most {max_pending} time requests can wait for an answer at once.",
    (3,),
)
request_decided = ProblemType(409, "request-decided", "This time request has already been decided.")
already_decided = ProblemType(
    409, "already-decided", "This setting request has already been decided."
)
block_limit_reached = ProblemType(
    409, "block-limit-reached", "An account can block at most {max_blocks} accounts.", (10_000,)
)
invitation_expired = ProblemType(
    410, "invitation-expired", "This invitation has expired or was revoked."
)
request_expired = ProblemType(
    410, "request-expired", "This time request has expired or was cancelled."
)
precondition_failed = ProblemType(
    412, "precondition-failed", "This changed since that ETag; read it again and retry."
)
payload_too_large = ProblemType(413, "payload-too-large", "The request body is too large.")
unsupported_media_type = ProblemType(
    415, "unsupported-media-type", "{detail}", ("Unsupported Media Type",)
)
_VALIDATION = ProblemType(422, "validation", "{sentences}")
minimum_age = ProblemType(
    422,
    "minimum-age",
    "{rule} people aged {age} and over.",
    ("Accounts are for", 13),
    errors=(("birthdate", "under {age}"),),
)
"""``minimum_age(ACCOUNTS_ARE_FOR, pack.minimum_age)``, or under a law:
``minimum_age(under_law(title), law.minimum_age)``."""
ACCOUNTS_ARE_FOR = "Accounts are for"


def under_law(title: str) -> str:
    """The rule of ``minimum_age`` under a law that applies where the account would be."""
    return f"Under {title}, accounts here are for"


webhook_url_not_allowed = ProblemType(
    422,
    "webhook-url-not-allowed",
    "Webhook URLs must use https and reach a public address: {reason}.",
    ("127.0.0.1 is not a public address",),
    errors=(("url", "{reason}"),),
)
idempotency_key_reused = ProblemType(
    422, "idempotency-key-reused", "This Idempotency-Key was used with a different request."
)
evidence_not_allowed = ProblemType(
    422,
    "evidence-not-allowed",
    "Evidence of kind {kind!r} is not allowed in a {category!r} report: do not download, "
    "capture or share that content.",
    ("minor_exploitation", "media_hash"),
    errors=(("evidence", "{kind} is not allowed for {category}"),),
    parameters=("category", "kind"),
)
precondition_required = ProblemType(
    428, "precondition-required", "Send If-Match with the ETag of what you last read."
)
rate_limited = ProblemType(
    429,
    "rate-limited",
    "Too many attempts; try again later.",
    (60,),
    headers={"Retry-After": "{retry_after_seconds}"},
)
internal_error = ProblemType(500, "internal-error", "Something went wrong on our side.")
overloaded = ProblemType(
    503,
    "overloaded",
    "Too many {what} are being checked right now; retry shortly.",
    ("passwords",),
    headers={"Retry-After": str(RETRY_AFTER_OVERLOADED_SECONDS)},
)
service_unavailable = ProblemType(
    503,
    "service-unavailable",
    "The database is unavailable; retry shortly.",
    headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)},
)

TABLE: tuple[ProblemType, ...] = tuple(
    row for row in dict(globals()).values() if isinstance(row, ProblemType)
)
"""Every problem the service answers with, in the order of the contract's error table."""


# --- the problems whose detail or headers are computed ------------------------------------


def malformed_json() -> Problem:
    return malformed_body("is not valid JSON")


def malformed_body_too_deep(max_depth: int) -> Problem:
    return malformed_body(f"nests arrays and objects more than {max_depth} levels deep")


def malformed_body_not_utf8() -> Problem:
    return malformed_body("is not valid UTF-8 text")


def setting_locked(locked: Mapping[str, list[Mapping[str, str]]]) -> Problem:
    """Values looser than their bounds: ``{key: [party, ...]}``; the detail names each party."""
    return _SETTING_LOCKED(
        "; ".join(
            f"{key} is bounded by " + " and ".join(_describe_party(party) for party in parties)
            for key, parties in locked.items()
        ),
        errors=[{"field": key, "message": "looser than its bound"} for key in locked],
    )


def needs_guardian_approval(needed: Mapping[str, list[Mapping[str, str]]]) -> Problem:
    """Values looser than a ``needs_guardian`` bound that no linked guardian approved:
    ``{key: [party, ...]}``; the detail names each party."""
    return _NEEDS_GUARDIAN_APPROVAL(
        "; ".join(
            f"{key} looser than the bound of "
            + " and ".join(_describe_party(party) for party in parties)
            + " needs a linked guardian's approval"
            for key, parties in needed.items()
        ),
        errors=[{"field": key, "message": "needs a guardian's approval"} for key in needed],
    )


def _describe_party(party: Mapping[str, str]) -> str:
    if party["kind"] == "age_gate":
        return f"the {party['band']} age band"
    if party["kind"] == "law":
        return f"the law {party['title']}"
    return f"guardian @{party['handle']}"


def validation(errors: FieldErrors) -> Problem:
    """422: values that are wrong, each ``{field, message}`` a sentence about the field the
    client sent (``lib/field_errors``); the detail says them all in one."""
    worded = [
        {**error, "message": field_errors.message_sentence(error["field"], error["message"])}
        for error in errors
    ]
    return _VALIDATION(field_errors.summary(worded), errors=worded)


def invalid_field(field_name: str, message: str) -> Problem:
    """422 for one field; ``message`` reads after the field's name ("must not be after to")."""
    return validation([{"field": field_name, "message": f"{field_name} {message}"}])


def _example(row: ProblemType, pack: PolicyPack) -> Problem:
    if row is _SETTING_LOCKED:
        return setting_locked({"live.enabled": [{"kind": "age_gate", "band": pack.band_names[0]}]})
    if row is _NEEDS_GUARDIAN_APPROVAL:
        return needs_guardian_approval(
            {"content.maturity": [{"kind": "age_gate", "band": pack.band_names[0]}]}
        )
    if row is _VALIDATION:
        return invalid_field("live.enabled", 'must be true or false, not "maybe"')
    return row(*(pack if argument is PACK else argument for argument in row.example))


def examples(pack: PolicyPack) -> dict[str, Problem]:
    """One real instance of every problem of the table, by slug: the examples the OpenAPI
    document shows."""
    return {row.slug: _example(row, pack) for row in TABLE}


def body(problem: Problem) -> dict[str, Any]:
    """A problem as the service answers it (the body of its ``application/problem+json``)."""
    answer: dict[str, Any] = {
        "type": problem.type_,
        "title": problem.title,
        "status": problem.status_code,
        "detail": problem.detail,
    }
    if isinstance(problem.extra, dict):
        answer.update(problem.extra)
    return answer


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
    """OpenAPI documentation of the problem answers a route can give (``server/openapi.py``
    names the problem types of each)."""
    return {
        status: ResponseSpec(
            data_container=ProblemDetails,
            media_type=PROBLEM_MEDIA_TYPE,
            description=HTTPStatus(status).phrase,
            generate_examples=False,
        )
        for status in statuses
    }
