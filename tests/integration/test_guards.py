"""Every route guard is a coroutine function: Litestar runs a plain function guard in a worker
thread, a hand-off there and back on every request of its routes (the guardian paths among
them)."""

from __future__ import annotations

import inspect


def test_no_guard_runs_in_a_worker_thread(client):
    guards = {
        guard
        for route in client.app.routes
        for handler in getattr(route, "route_handlers", ())
        for guard in handler.resolve_guards()
    }
    assert len(guards) >= 3  # guardians_only, teens_only, staff_only at least
    assert [guard for guard in guards if not inspect.iscoroutinefunction(guard)] == []
