"""How a page answers: a template (never cached), a redirect after a form (303), a message for
the next page, and the problem pages shown when a request cannot be answered with its page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from family_safety.domain.family_center.session import HeldPage, SignInNeeded
from family_safety.domain.family_center.web import PREFIX
from family_safety.domain.family_center.words import problem_in_words, validation_words
from family_safety.domain.safety.resources import is_minor
from family_safety.lib.clock import utc_today
from family_safety.lib.problems import Problem

if TYPE_CHECKING:
    from litestar import Request, Response
    from litestar.types import ExceptionHandlersMap
    from pydantic import ValidationError

    from family_safety.db.account_records import AccountRecord
    from family_safety.domain.components import Components

HOME = f"{PREFIX}/home"
LIST_LIMIT = 100
"""How many items a page's list shows (links, requests, history): one page of the API's."""

NO_STORE = {"Cache-Control": "no-store"}


def see_other(path: str) -> Redirect:
    return Redirect(path, status_code=HTTP_303_SEE_OTHER)


def flash(request: Request[Any, Any, Any], message: str, kind: str = "ok") -> None:
    """A message for the next page shown (after a form's redirect)."""
    request.session["flash"] = {"message": message, "kind": kind}


def page(
    request: Request[Any, Any, Any],
    template: str,
    account: AccountRecord | None = None,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    shown = request.session.pop("flash", None) if request.session else None
    return Template(
        template_name=template,
        context={"account": account, "flash": shown, **context},
        status_code=status_code,
        headers=NO_STORE,
    )


def refusal(refused: Problem | ValidationError) -> tuple[int, str]:
    """A refused form's status (the API's: 422 for what its schema refuses) and its words."""
    if isinstance(refused, Problem):
        return refused.status_code, problem_in_words(refused)
    return 422, validation_words(refused)


def local_time(when: datetime | None, timezone: str) -> str:
    """A time as the account reads it: "16:30 CET"."""
    if when is None:
        return ""
    return when.astimezone(ZoneInfo(timezone)).strftime("%H:%M %Z")


@dataclass(frozen=True, slots=True)
class Visit:
    """A signed-in account's request to a page (``VISIT``, deps.py), and the ways to answer it."""

    request: Request[Any, Any, Any]
    account: AccountRecord
    components: Components

    @property
    def session(self) -> dict[str, Any]:
        return self.request.session

    def is_teen(self) -> bool:
        return is_minor(self.components.pack, self.account, utc_today())

    def show(self, template: str, *, status_code: int = 200, **context: Any) -> Template:
        return page(self.request, template, self.account, status_code=status_code, **context)

    def done(self, message: str, path: str = HOME) -> Redirect:
        """A form done: to path (303), with message on the page shown there."""
        flash(self.request, message)
        return see_other(path)

    def refused(self, refused: Problem | ValidationError, path: str = HOME) -> Redirect:
        """A form refused: to path (303), with why in words on the page shown there."""
        flash(self.request, refusal(refused)[1], "error")
        return see_other(path)


def _problem_template(account: AccountRecord | None, words: str, status_code: int) -> Template:
    return Template(
        template_name="problem.html",
        context={"account": account, "flash": None, "words": words},
        status_code=status_code,
        headers=NO_STORE,
    )


def sign_in_again(_: Request[Any, Any, Any], __: SignInNeeded) -> Response[Any]:
    return see_other(PREFIX)


def held_page(_: Request[Any, Any, Any], held: HeldPage) -> Response[Any]:
    """A held account's page, whatever it asked for: why, what it can still do, and help."""
    return Template(
        template_name="held.html",
        context={"account": held.account, "flash": None, "title": held.account.held_title},
        status_code=403,
        headers=NO_STORE,
    )


def problem_page(request: Request[Any, Any, Any], problem: Problem) -> Response[Any]:
    """A problem outside a form (a teen page that is not yours, an ended link): the same problem
    as the API's, in words."""
    account = request.state.get("page_account")
    return _problem_template(account, problem_in_words(problem), problem.status_code)


def form_expired_page(_: Request[Any, Any, Any], __: PermissionDeniedException) -> Response[Any]:
    """A form sent without its CSRF token, or with another's (403, as the middleware says)."""
    words = "This form has run out. Go back, load the page again and try once more."
    return _problem_template(None, words, 403)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    SignInNeeded: sign_in_again,
    HeldPage: held_page,
    Problem: problem_page,
    PermissionDeniedException: form_expired_page,
}
