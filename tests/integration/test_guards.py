"""Route guards: every one is a coroutine function (Litestar runs a plain function guard in a
worker thread, a hand-off there and back on every request of its routes), and on a guarded path
"not yours" (404) comes before any precondition (428, 412), as the contract orders them."""

from __future__ import annotations

import inspect
from uuid import uuid4

import pytest

from tests.helpers import expect_problem, pair


def test_no_guard_runs_in_a_worker_thread(client):
    guards = {
        guard
        for route in client.app.routes
        for handler in getattr(route, "route_handlers", ())
        for guard in handler.resolve_guards()
    }
    assert len(guards) >= 3  # guardians_only, teens_only, staff_only at least
    assert [guard for guard in guards if not inspect.iscoroutinefunction(guard)] == []


# A body each guarded path that needs If-Match would accept from the teen's own guardian.
NEEDS_IF_MATCH = {("PUT", "/v1/teens/{teen_id:uuid}/limits"): {"limits": {"live.enabled": False}}}


def _guarded_paths_needing_if_match(app) -> set[tuple[str, str]]:
    """Every ``/v1/teens/{teen_id}/...`` route that documents 428 ``precondition-required``."""
    return {
        (method, route.path)
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if route.path.startswith("/v1/teens/{teen_id") and 428 in (handler.responses or {})
        for method in handler.http_methods
    }


def test_every_guarded_path_needing_if_match_is_tried_below(client):
    assert _guarded_paths_needing_if_match(client.app) == set(NEEDS_IF_MATCH)


@pytest.mark.parametrize(("method", "path"), sorted(NEEDS_IF_MATCH))
@pytest.mark.parametrize("if_match", [None, '"stale"'])
async def test_another_familys_teen_is_404_before_any_precondition(
    register, method, path, if_match
):
    mum, stranger, sam = (
        await register("mum", 40),
        await register("stranger", 40),
        await register("sam", 14),
    )
    await pair(mum, sam)
    url = path.replace("{teen_id:uuid}", sam.id)
    headers = {**stranger.headers, **({"If-Match": if_match} if if_match else {})}
    body = NEEDS_IF_MATCH[(method, path)]
    response = await stranger.client.request(method, url, json=body, headers=headers)
    expect_problem(response, 404, "not-found")
    # The same for a teen that does not exist, and the teen's own guardian meets the precondition.
    nobody = path.replace("{teen_id:uuid}", str(uuid4()))
    missing = await stranger.client.request(method, nobody, json=body, headers=headers)
    expect_problem(missing, 404, "not-found")
    own = await mum.client.request(
        method,
        url,
        json=body,
        headers={**mum.headers, **({"If-Match": if_match} if if_match else {})},
    )
    expect_problem(
        own,
        412 if if_match else 428,
        "precondition-failed" if if_match else "precondition-required",
    )
