"""Each route runs the layers it uses and no more: every route that takes a cursor has its
cursor scope (without it, a cursor could be neither issued nor checked), and the hot paths do
not pay for one."""

from __future__ import annotations

import inspect

from family_safety.lib.pagination import CursorScopeMiddleware

HOT_PATHS = {"/v1/me/settings", "/v1/me/screen-time"}


def _scopes_cursors(handler) -> bool:
    return any(isinstance(layer, CursorScopeMiddleware) for layer in handler.resolve_middleware())


def _takes_a_cursor(handler) -> bool:
    """A ``cursor`` parameter of the handler, or of a dependency it takes (``list_route``'s)."""
    taken = handler.parsed_fn_signature.parameters
    providers = [p for name, p in handler.resolve_dependencies().items() if name in taken]
    return "cursor" in taken or any(
        "cursor" in inspect.signature(provider.dependency).parameters for provider in providers
    )


def test_the_routes_that_take_a_cursor_and_only_they_scope_it(client):
    routes = [
        (route.path, handler)
        for route in client.app.routes
        for handler in getattr(route, "route_handlers", ())
    ]
    paginated = [h for _, h in routes if _takes_a_cursor(h)]
    assert len(paginated) >= 12  # audit, notifications, links, limits, safety, screen time
    assert [h for h in paginated if not _scopes_cursors(h)] == []
    hot = [h for path, h in routes if path in HOT_PATHS and "GET" in h.http_methods]
    assert len(hot) == 2
    assert [h for h in hot if _scopes_cursors(h)] == []
