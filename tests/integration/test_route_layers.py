"""Each route runs the layers it uses and no more: every route that takes a cursor has its
cursor scope (without it, a cursor could be neither issued nor checked), and the hot paths do
not pay for one."""

from __future__ import annotations

from family_safety.lib.pagination import CursorScopeMiddleware

HOT_PATHS = {"/v1/me/settings", "/v1/me/screen-time"}


def _scopes_cursors(handler) -> bool:
    return any(isinstance(layer, CursorScopeMiddleware) for layer in handler.resolve_middleware())


def test_the_routes_that_take_a_cursor_and_only_they_scope_it(client):
    routes = [
        (route.path, handler)
        for route in client.app.routes
        for handler in getattr(route, "route_handlers", ())
    ]
    paginated = [h for _, h in routes if "cursor" in h.parsed_fn_signature.parameters]
    assert len(paginated) >= 12  # audit, notifications, links, limits, safety, screen time
    assert [h for h in paginated if not _scopes_cursors(h)] == []
    hot = [h for path, h in routes if path in HOT_PATHS and "GET" in h.http_methods]
    assert len(hot) == 2
    assert [h for h in hot if _scopes_cursors(h)] == []
