"""The pages' sign-in: a session cookie tied to one sign-in session (the refresh-token family of
``AuthService.sign_in``), checked on every page request with ``auth.signed_in.signed_in_account``,
the check bearer tokens get. Logout and a password change end it as they end tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.db.account_records import AccountRecord
from family_safety.domain.auth import signed_in
from family_safety.lib.clock import utc_now

if TYPE_CHECKING:
    from family_safety.domain.auth.schemas import SignedIn
    from family_safety.domain.components import Components


class SignInNeeded(Exception):
    """No live page session: the pages answer with a redirect to the sign-in page."""


class HeldPage(Exception):
    """A held account on a page it may not use: the pages explain the hold, with help."""

    def __init__(self, account: AccountRecord) -> None:
        super().__init__(account.held_title)
        self.account = account


HELD_MAY_SEE = frozenset({"/family/help", "/family/sign-out"})
"""The pages a held account still sees (the API's own allowed paths stay open to it too)."""


def start_session(request: Request[Any, Any, Any], components: Components, pair: SignedIn) -> None:
    grant = components.tokens.verify_access_token(pair.access_token)
    request.set_session(
        {
            "account_id": str(grant.account_id),
            "session_id": str(grant.session_id),
            # Kept (encrypted in the cookie) only so that "Sign out" ends the sign-in exactly
            # as POST /v1/auth/logout does.
            "refresh_token": pair.refresh_token,
        }
    )


def _session_ids(session: dict[str, Any]) -> tuple[UUID, UUID] | None:
    try:
        return UUID(session["account_id"]), UUID(session["session_id"])
    except (KeyError, TypeError, ValueError):
        return None


async def signed_in_account(request: Request[Any, Any, Any]) -> AccountRecord | None:
    """The page session's account, or None (and the session cleared) when there is none or its
    sign-in ended. What a birthday changes is written first (``auth.signed_in``)."""
    ids = _session_ids(request.session or {})
    if ids is None:
        return None
    components: Components = request.app.state.components
    account = await signed_in.signed_in_account(components, *ids, utc_now())
    if account is None:
        request.clear_session()
    return account


async def provide_page_account(request: Request[Any, Any, Any]) -> AccountRecord:
    account = await signed_in_account(request)
    if account is None:
        raise SignInNeeded
    request.state.page_account = account  # for a problem page, shown with the navigation
    if account.held_since is not None and request.url.path not in HELD_MAY_SEE:
        raise HeldPage(account)
    return account


PAGE_ACCOUNT = {"page_account": Provide(provide_page_account)}
PageAccount = NamedDependency[SkipValidation[AccountRecord]]
