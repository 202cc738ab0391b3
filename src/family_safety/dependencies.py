"""Request dependencies shared by every capability."""

from __future__ import annotations

from typing import Annotated

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Dependency

from family_safety.components import Components
from family_safety.db.models import Account


def provide_components(state: State) -> Components:
    return state.components


def provide_current_account(request: Request) -> Account:
    """The account of the verified access token, loaded by the authentication middleware."""
    return request.user


DEPENDENCIES = {
    "components": Provide(provide_components, sync_to_thread=False),
    "current_account": Provide(provide_current_account, sync_to_thread=False),
}

# Built once at start-up: handed to handlers as they are, never re-validated per request.
AppComponents = Annotated[Components, Dependency(skip_validation=True)]
