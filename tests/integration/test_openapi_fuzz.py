"""Schemathesis against the service's own OpenAPI document: every operation, every default check.

The app runs in-process through schemathesis' ASGI transport, with its lifespan started once (the
database is migrated by the ``settings`` fixture). A small world is set up first through the same
transport and event loop: a guardian (40) linked to a teen (14), a second link on each side that the
run may end, and a live invitation. The run then goes once signed in as the guardian and once as
the teen, through every phase schemathesis has: examples, coverage, fuzzing and the stateful phase.

Nothing is excluded. ``POST /v1/auth/logout`` and ``POST /v1/auth/refresh`` only ever see generated
refresh tokens, never the run's own, so they cannot end the session the run signs in with. Path
identifiers are drawn mostly from the world set up here and sometimes generated, so both the
answers about real resources and the 404s are exercised.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from schemathesis.engine import events
from schemathesis.python import asgi

from family_safety.app import create_app
from family_safety.config import Settings
from tests.integration.conftest import PASSWORD, birthdate_for_age

# Small enough for CI on a slow two-core machine, large enough to cover every documented answer.
MAX_EXAMPLES = 15
STATEFUL_MAX_STEPS = 8
SEED = 20_250_101


@dataclass
class World:
    tokens: dict[str, str] = field(default_factory=dict)
    teen_id: str = ""
    invitation: dict[str, Any] = field(default_factory=dict)
    # A link each role may end during the run without cutting the guardian off from the teen.
    spare_link: dict[str, str] = field(default_factory=dict)


def _register(client: asgi.ASGIClient, handle: str, age: int) -> tuple[str, str]:
    body = {"handle": handle, "password": PASSWORD, "birthdate": birthdate_for_age(age).isoformat()}
    created = client.post("/v1/accounts", json=body)
    assert created.status_code == 201, created.text
    signed_in = client.post("/v1/auth/token", json={"handle": handle, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    return created.json()["id"], signed_in.json()["access_token"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _invite(client: asgi.ASGIClient, guardian_token: str) -> dict[str, Any]:
    response = client.post("/v1/pairing-invitations", json={}, headers=_bearer(guardian_token))
    assert response.status_code == 201, response.text
    return response.json()


def _pair(client: asgi.ASGIClient, guardian_token: str, teen_token: str) -> str:
    code = _invite(client, guardian_token)["code"]
    response = client.post("/v1/pairings", json={"code": code}, headers=_bearer(teen_token))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _build_world(client: asgi.ASGIClient) -> World:
    world = World()
    _, guardian = _register(client, "guardian_40", 40)
    world.teen_id, teen = _register(client, "teen_14", 14)
    _, other_guardian = _register(client, "guardian_41", 41)
    _, other_teen = _register(client, "teen_15", 15)
    _pair(client, guardian, teen)
    world.spare_link = {
        "guardian": _pair(client, guardian, other_teen),
        "teen": _pair(client, other_guardian, teen),
    }
    world.invitation = _invite(client, guardian)
    world.tokens = {"guardian": guardian, "teen": teen}
    return world


def _config(world: World, role: str) -> schemathesis.Config:
    def known(name: str, probability: float = 0.8) -> dict[str, Any]:
        return {"dictionary": name, "probability": probability}

    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "dictionaries": {
                "teens": {"values": [world.teen_id]},
                "invitations": {"values": [world.invitation["id"]]},
                "links": {"values": [world.spare_link[role]]},
                "codes": {"values": [world.invitation["code"]]},
                "invitation-tokens": {"values": [world.invitation["token"]]},
            },
            "parameters": {
                "path.teen_id": known("teens"),
                "path.invitation_id": known("invitations"),
                "path.link_id": known("links"),
                "body.code": known("codes", 0.5),
                "body.token": known("invitation-tokens", 0.5),
            },
            "auth": {"openapi": {"BearerToken": {"bearer": world.tokens[role]}}},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "phases": {"stateful": {"enabled": True, "max-steps": STATEFUL_MAX_STEPS}},
            "workers": 1,
        }
    )


@dataclass
class Outcome:
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    phases: dict[str, str] = field(default_factory=dict)


def _run(schema: Any) -> Outcome:
    outcome = Outcome()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for interaction in event.recorder.interactions.values():
                outcome.requests += 1
                if interaction.response is not None:
                    label = f"{interaction.request.method} {event.recorder.label}"
                    outcome.statuses[f"{label} {interaction.response.status_code}"] += 1
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        outcome.failures.append(
                            f"{event.phase.value}: {event.recorder.label}: {check.name}: "
                            f"{failure.title}: {failure.message}\n{check.failure_info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            outcome.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.PhaseFinished):
            outcome.phases[event.phase.name.value] = event.status.value
    return outcome


@pytest.mark.parametrize("role", ["guardian", "teen"])
def test_the_service_keeps_its_openapi_contract(settings: Settings, role: str) -> None:
    app = create_app(settings)
    started = time.monotonic()
    try:
        with asgi.get_client(app) as client:
            world = _build_world(client)
        schema = schemathesis.openapi.from_asgi(
            "/schema/openapi.json", app, config=_config(world, role)
        )
        outcome = _run(schema)
    finally:
        asgi.shutdown_lifespans()
    elapsed = time.monotonic() - started
    print(
        f"\nschemathesis as {role}: {outcome.requests} requests in {elapsed:.1f}s; "
        f"phases: {outcome.phases}"
    )
    for line in sorted(outcome.statuses):
        print(f"  {line}: {outcome.statuses[line]}")
    unique = sorted(set(outcome.failures))
    assert not outcome.errors, "\n".join(outcome.errors)
    assert not unique, f"{len(unique)} failures:\n" + "\n\n".join(unique)
