"""Schemathesis against the service's own OpenAPI document: every operation, every default check.

The app runs in-process through schemathesis' ASGI transport, its lifespan started once (the
``settings`` fixture migrated the database). A small world is set up first through the same
transport and event loop: a guardian (40) linked to a teen (14), a second guardian and a second
teen, a live invitation of the guardian (for its QR code and revocation) and one of the second
guardian (for the teen to preview and accept). Path ids and invitation codes are drawn from this
world most of the time, and generated otherwise. Then schemathesis runs every phase it has
(examples, coverage, fuzzing and the stateful phase) with all of its default checks, signed in
once as the guardian and once as the teen.

The stateful phase follows the document's OpenAPI links (a guardian's links lead to the first
teen's limits and settings; limits just read or written lead to their replacement, their ETag as
``If-Match``) and the seven that schemathesis infers from it: the new invitation's id to its QR
code and to its revocation, and the link ids in the answers of ``POST /v1/pairings``,
``GET /v1/pairings``, ``GET /v1/me/guardians``, ``GET /v1/me/audit`` and
``GET /v1/teens/{teen_id}/audit`` to ``DELETE /v1/pairings/{link_id}``.

Preconditions come before values (API.md: 428/412, then 422). A generated ``If-Match`` is almost
never the current ETag, so a schema-violating body would mostly meet 412 and its validation would
go untested. So every other request to the three operations that take ``If-Match`` is sent with
the current ETag, read just before it is sent (``before_call``): then a bad body must be a 422.
The others keep their generated ``If-Match``: for them 412 is the right refusal of a bad body, and
the ``precondition_first`` check makes sure a 412 only ever answers an ``If-Match`` that really is
stale.

Each role gets four runs, so that nothing is left out and nothing ends the world too early:

1. every operation but the three below;
2. ``DELETE /v1/pairings/{link_id}``, with ``GET /v1/pairings`` for the stateful links. Link ids
   leak to the fuzzer through ``GET /v1/pairings``, and once it has ended the guardian's link to
   the teen, every ``/v1/teens/{teen_id}/...`` answer is a 404 for the rest of a run;
3. ``POST /v1/me/password`` (ends every session of the account), as a spare account of the
   role's kind;
4. ``DELETE /v1/me`` (ends the account), as the role's own account.

In runs 3 and 4 the account's password is within the fuzzer's reach, so that their successes are
checked too. Both count a wrong password as a failed sign-in, and by then run 1 has used up the
sign-in limits of the test client's address, so they go through a second app on the same
database whose limits are out of reach (run 1 still meets the real limits: 429).

``POST /v1/auth/logout`` and ``POST /v1/auth/refresh`` stay in the first run: they only ever see
generated refresh tokens or those of accounts the fuzzer made, never the session the run uses.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis.engine import events
from schemathesis.python import asgi

from family_safety.lib.config import Settings
from family_safety.server.app import create_app
from tests.helpers import CHEAP_HASHER, birthdate_for_age

# Small enough for CI on a slow two-core machine, large enough to reach every documented answer.
MAX_EXAMPLES = 20
STATEFUL_MAX_STEPS = 8
SEED = 20_250_101
# Not the schema's example password, which the fuzzer sends as it is.
PASSWORD = "fuzzing-world-password"

# `positive_data_acceptance` expects schema-valid requests to be accepted. The contract (API.md)
# gives these answers to requests that no JSON Schema can tell from good ones, so the check is told
# about them, operation by operation; every other check runs unchanged.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
CURSOR_IS_OPAQUE = ["422"]  # only a cursor this service issued walks a list; anything else is 422
CONTRACT_REFUSALS = {
    "GET /v1/me/audit": CURSOR_IS_OPAQUE,
    "GET /v1/me/guardians": CURSOR_IS_OPAQUE,
    "GET /v1/me/notifications": CURSOR_IS_OPAQUE,
    "GET /v1/pairings": CURSOR_IS_OPAQUE,
    "GET /v1/teens/{teen_id}/audit": CURSOR_IS_OPAQUE,
    # `If-Match` with anything but the current ETag is 412. Values are checked against the policy
    # catalogue: a window whose start equals its end is 422, which no schema states.
    "PATCH /v1/me/settings": ["412", "422"],
    "DELETE /v1/me/settings/{key}": ["412", "422"],
    # Limits also need `If-Match` (428 without one).
    "PUT /v1/teens/{teen_id}/limits": ["412", "422", "428"],
    # A well-formed token or code that names no invitation is 400 `invitation-invalid`; an
    # expired or revoked one is 410 `invitation-expired`. An `Idempotency-Key` the fuzzer already
    # sent with another body is 422 `idempotency-key-reused`.
    "POST /v1/pairings": ["400", "410", "422"],
    "POST /v1/pairing-invitations/preview": ["400", "410"],
    # The QR code of an invitation that expired or was revoked (during the run, too) is 410.
    "GET /v1/pairing-invitations/{invitation_id}/qr.svg": ["410"],
    # Under 13 is 422 `minimum-age`: a rule on today's date that no schema states.
    "POST /v1/accounts": ["422"],
    "GET /v1/me/time-requests": CURSOR_IS_OPAQUE,
    "GET /v1/teens/{teen_id}/time-requests": CURSOR_IS_OPAQUE,
    # Days run from `from` to `to`, at most 31 of them: a rule across two parameters.
    "GET /v1/me/screen-time/days": CURSOR_IS_OPAQUE,
    "GET /v1/teens/{teen_id}/screen-time/days": CURSOR_IS_OPAQUE,
    # An interval must start before it ends, last at most 24 hours and lie between 7 days ago
    # and 2 minutes from now: rules on each interval and on the clock that no schema states.
    "POST /v1/me/screen-time/usage": ["422"],
    # A note is free text: control characters, bidi overrides or nothing visible are 422, a rule
    # on the characters that no schema states.
    "POST /v1/me/time-requests": ["422"],
    "POST /v1/teens/{teen_id}/time-grants": ["422"],
    # Safety: a two-letter country that is not an ISO code; a category this account may not
    # choose, media evidence for minor_exploitation (`evidence-not-allowed`), `tell_guardians`
    # from an adult, text with nothing visible; blocking oneself.
    "GET /v1/safety/resources": ["422"],
    "POST /v1/reports": ["422"],
    "GET /v1/me/reports": CURSOR_IS_OPAQUE,
    "POST /v1/me/blocks": ["422"],
    "GET /v1/me/blocks": CURSOR_IS_OPAQUE,
    "GET /v1/laws": CURSOR_IS_OPAQUE,
    "GET /v1/me/setting-requests": CURSOR_IS_OPAQUE,
    "GET /v1/teens/{teen_id}/setting-requests": CURSOR_IS_OPAQUE,
    # A setting request's value is checked against its key's kind in the catalogue, and must be
    # looser than the key's needs_guardian bound and break no gate or limit: rules across two
    # fields and the account's bounds that no schema states.
    "POST /v1/me/setting-requests": ["422"],
    # A note is free text (as above).
    "PATCH /v1/laws/{law_id}": ["422"],
}
# The operations that take `If-Match`, and where their current ETag is read.
PRECONDITIONED = {
    "PATCH /v1/me/settings": lambda path: "/v1/me/settings",
    "DELETE /v1/me/settings/{key}": lambda path: "/v1/me/settings",
    "PUT /v1/teens/{teen_id}/limits": lambda path: f"/v1/teens/{path['teen_id']}/limits",
}
# A schema-violating request with a stale `If-Match` is refused with 412 first.
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]
STALE_FIRST = [*REJECTED, "412"]
ENDING = ["DELETE /v1/pairings/{link_id}", "POST /v1/me/password", "DELETE /v1/me"]
# A stream answers for as long as its token lives: tests/e2e/test_events.py holds it to its word.
STREAMS = ["GET /v1/me/events"]
PROOF_PATHS = {"/v1/pairings", "/v1/pairing-invitations/preview"}
DOCUMENT = "urn:family-safety:openapi"  # the served document, as a JSON Schema resource


@dataclass
class World:
    tokens: dict[str, str] = field(default_factory=dict)
    teen_id: str = ""
    link_id: str = ""
    # The guardian's own, and the second guardian's that the teen may accept.
    invitation: dict[str, Any] = field(default_factory=dict)
    for_the_teen: dict[str, Any] = field(default_factory=dict)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _register(client: asgi.ASGIClient, handle: str, age: int) -> tuple[str, str]:
    body = {"handle": handle, "password": PASSWORD, "birthdate": birthdate_for_age(age).isoformat()}
    created = client.post("/v1/accounts", json=body)
    assert created.status_code == 201, created.text
    signed_in = client.post("/v1/auth/token", json={"handle": handle, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    return created.json()["id"], signed_in.json()["access_token"]


def _invite(client: asgi.ASGIClient, guardian: str) -> dict[str, Any]:
    response = client.post("/v1/pairing-invitations", json={}, headers=_bearer(guardian))
    assert response.status_code == 201, response.text
    return response.json()


def _pair(client: asgi.ASGIClient, guardian: str, teen: str) -> str:
    code = _invite(client, guardian)["code"]
    response = client.post("/v1/pairings", json={"code": code}, headers=_bearer(teen))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _build_world(client: asgi.ASGIClient) -> World:
    world = World()
    _, guardian = _register(client, "guardian_40", 40)
    world.teen_id, teen = _register(client, "teen_14", 14)
    _, other_guardian = _register(client, "guardian_41", 41)
    _, other_teen = _register(client, "teen_15", 15)
    world.link_id = _pair(client, guardian, teen)
    world.invitation = _invite(client, guardian)
    world.for_the_teen = _invite(client, other_guardian)
    # Each role's own account, and a spare one of the same kind for the password change.
    world.tokens = {
        "guardian": guardian,
        "teen": teen,
        "spare guardian": other_guardian,
        "spare teen": other_teen,
    }
    return world


def _config(world: World, account: str, stateful: bool) -> schemathesis.Config:
    # Path ids come from the world most of the time, and are generated otherwise.
    def known(name: str, probability: float = 0.8) -> dict[str, Any]:
        return {"dictionary": name, "probability": probability}

    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "auth": {"openapi": {"BearerToken": {"bearer": world.tokens[account]}}},
            # The same requests on every run and machine: derandomized, no example database.
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            # Only a bound on a stuck request: a slow CI machine must not cut requests short.
            "request-timeout": 120,
            "phases": {"stateful": {"enabled": stateful, "max-steps": STATEFUL_MAX_STEPS}},
            "dictionaries": {
                "teens": {"values": [world.teen_id]},
                "invitations": {"values": [world.invitation["id"]]},
                "links": {"values": [world.link_id]},
                "passwords": {"values": [PASSWORD]},
            },
            "parameters": {
                "path.teen_id": known("teens"),
                "path.invitation_id": known("invitations"),
                "path.link_id": known("links"),
            },
            "operations": [
                {
                    "include-name": ["POST /v1/me/password", "DELETE /v1/me"],
                    "parameters": {
                        "body.password": known("passwords", 0.5),
                        "body.current_password": known("passwords", 0.5),
                    },
                },
                *(
                    {
                        "include-name": label,
                        "checks": {
                            "positive_data_acceptance": {"expected-statuses": ACCEPTED + statuses},
                            **(
                                {"negative_data_rejection": {"expected-statuses": STALE_FIRST}}
                                if label in PRECONDITIONED
                                else {}
                            ),
                        },
                    }
                    for label, statuses in CONTRACT_REFUSALS.items()
                ),
            ],
        }
    )


@dataclass
class Preconditions:
    """What the ``before_call`` hook and the ``precondition_first`` check need of the current run
    (schemathesis registers both globally, once)."""

    app: Any = None
    token: str = ""
    calls: int = 0


PRECONDITIONS = Preconditions()


def _current_etag(case: Any) -> str | None:
    """The ETag that the case's operation would match now; None when there is none to read."""
    read = PRECONDITIONED.get(case.operation.label)
    if read is None or PRECONDITIONS.app is None:
        return None
    try:
        path = read(case.path_parameters or {})
    except KeyError:
        return None
    response = asgi.get_client(PRECONDITIONS.app).get(path, headers=_bearer(PRECONDITIONS.token))
    return response.headers.get("ETag") if response.status_code == 200 else None


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Every other request that takes `If-Match` is sent with the current ETag."""
    if case.operation.label not in PRECONDITIONED:
        return
    PRECONDITIONS.calls += 1
    if PRECONDITIONS.calls % 2 and (etag := _current_etag(case)) is not None:
        case.headers = {**(case.headers or {}), "If-Match": etag}


@schemathesis.check
def precondition_first(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 412 answers only an `If-Match` that names no longer the current ETag."""
    if response.status_code != 412 or case.operation.label not in PRECONDITIONED:
        return None
    sent = (case.headers or {}).get("If-Match")
    current = _current_etag(case)
    if (
        current is not None
        and sent is not None
        and current in {tag.strip().removeprefix("W/") for tag in sent.split(",")}
    ):
        raise AssertionError(f"412 for If-Match {sent!r}, which is the current ETag")
    return None


def _load(app: Any, world: World, account: str, *, stateful: bool = True) -> Any:
    """The app's schema, signed in as ``account``."""
    config = _config(world, account, stateful)
    PRECONDITIONS.app, PRECONDITIONS.token = app, world.tokens[account]
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=config)
    validators: dict[str, Draft202012Validator] = {}  # one per operation, built once

    @schema.hook
    def flatmap_body(context: Any, body: Any) -> st.SearchStrategy:
        """Now and then, a live invitation's own token or code in place of a generated one, in a
        body the schema accepts: in one generated to break it (negative testing), the service
        must still refuse what broke it, and the live proof would make it answer 200."""
        operation = context.operation
        if operation.path not in PROOF_PATHS or not isinstance(body, dict):
            return st.just(body)
        validator = validators.get(operation.label)
        if validator is None:
            validator = validators[operation.label] = _body_validator(operation)
        if not validator.is_valid(body):
            return st.just(body)
        for name, other in (("code", "token"), ("token", "code")):
            if isinstance(body.get(name), str) and body.get(other) is None:
                return st.sampled_from([body, {**body, name: world.for_the_teen[name]}])
        return st.just(body)

    return schema


def _body_validator(operation: Any) -> Draft202012Validator:
    """What checks a body against the operation's JSON request body, by the served document
    (OpenAPI 3.1 schemas are JSON Schema 2020-12; their ``$ref``s point into the document)."""
    registry = Registry().with_resource(
        DOCUMENT, Resource(operation.schema.raw_schema, DRAFT202012)
    )
    path = operation.path.replace("~", "~0").replace("/", "~1")
    method = operation.method.lower()
    body_schema = f"{DOCUMENT}#/paths/{path}/{method}/requestBody/content/application~1json/schema"
    return Draft202012Validator({"$ref": body_schema}, registry=registry)


def _only(schema: Any, labels: list[str]) -> Any:
    # Not `schema.include(name=...)`: with `[[operations]]` in the config, schemathesis 4.32 adds
    # that filter next to one matching every operation, so it selects everything.
    return schema.exclude(lambda context: context.operation.label not in labels)


@dataclass
class Outcome:
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)


def _run(name: str, schema: Any, outcome: Outcome) -> None:
    """Run every phase against ``schema``, recording requests, answers and failed checks."""
    before = outcome.requests
    phases: dict[str, str] = {}
    links = None
    _log(f"--- {name}")
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(event, outcome)
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append(f"{name}: {event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            outcome.errors.append(f"{name}: {event.exception!r}")
        elif isinstance(event, events.PhaseStarted) and event.payload is not None:
            links = event.payload.transitions_selected
        elif isinstance(event, events.PhaseFinished):
            phases[event.phase.name.value] = event.status.value
    tested = ", ".join(f"{phase} {status}" for phase, status in phases.items())
    outcome.runs.append(
        f"{name}: {outcome.requests - before} requests; {tested}; stateful links: {links}"
    )


def _log(line: str) -> None:
    """``FAMILY_SAFETY_FUZZ_LOG=path`` appends every request and its status there."""
    if path := os.environ.get("FAMILY_SAFETY_FUZZ_LOG"):
        with open(path, "a") as file:
            file.write(line + "\n")


def _record(event: events.ScenarioFinished, outcome: Outcome) -> None:
    recorder = event.recorder
    for interaction in recorder.interactions.values():
        outcome.requests += 1
        status = interaction.response.status_code if interaction.response is not None else None
        outcome.statuses[f"{interaction.request.method} {recorder.label}: {status}"] += 1
        request = interaction.request
        _log(f"{event.phase.value} {request.method} {request.uri} {status}")
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            failure = check.failure_info.failure
            key = f"{recorder.label}: {check.name}: {failure.title}"
            interaction = recorder.interactions.get(case_id)
            answer = ""
            if interaction is not None and interaction.response is not None:
                response = interaction.response
                answer = f"-> {response.status_code} {response.content[:300]!r}"
            outcome.failures.setdefault(
                key,
                f"{key} ({event.phase.value})\n{failure.message}\n"
                f"{check.failure_info.code_sample}\n{answer}",
            )


NO_SIGN_IN_LIMITS = {
    "sign_in_max_failures_per_handle": 1_000_000,
    "sign_in_max_failures_per_address": 1_000_000,
}


@pytest.mark.parametrize("role", ["guardian", "teen"])
def test_the_service_keeps_its_openapi_contract(settings: Settings, role: str) -> None:
    app = create_app(settings, hasher=CHEAP_HASHER)
    unlimited_app = create_app(settings.model_copy(update=NO_SIGN_IN_LIMITS), hasher=CHEAP_HASHER)
    outcome = Outcome()
    started = time.monotonic()
    try:
        with asgi.get_client(app) as client:
            world = _build_world(client)
        schema = _load(app, world, role)
        _run("everything else", schema.exclude(name=[*ENDING, *STREAMS]), outcome)
        _run(
            "ending links",
            _only(schema, ["DELETE /v1/pairings/{link_id}", "GET /v1/pairings"]),
            outcome,
        )
        # One operation alone has no links to follow: no stateful phase.
        spare = _load(unlimited_app, world, f"spare {role}", stateful=False)
        _run("changing the password", _only(spare, ["POST /v1/me/password"]), outcome)
        own = _load(unlimited_app, world, role, stateful=False)
        _run("deleting the account", _only(own, ["DELETE /v1/me"]), outcome)
    finally:
        asgi.shutdown_lifespans()
    elapsed = time.monotonic() - started

    print(f"\nschemathesis as {role}: {outcome.requests} requests in {elapsed:.1f}s")
    for run in outcome.runs:
        print(f"  {run}")
    for line in sorted(outcome.statuses):
        print(f"    {line} x{outcome.statuses[line]}")
    assert not outcome.errors, "\n".join(outcome.errors)
    failures = [outcome.failures[key] for key in sorted(outcome.failures)]
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures)
