from __future__ import annotations

from litestar import Controller, Response, delete, get, patch
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, SkipValidation
from litestar.status_codes import HTTP_204_NO_CONTENT

from family_safety.domain.accounts.schemas import OwnAccount, PasswordConfirmation, ProfileChange
from family_safety.domain.accounts.services import own_view
from family_safety.domain.auth.deps import AUTH_SERVICE, AuthServiceDep
from family_safety.domain.data_rights.schemas import Export
from family_safety.domain.data_rights.services import DataRightsService
from family_safety.domain.dependencies import (
    AppComponents,
    ClientAddress,
    CurrentAccount,
    DbSession,
)
from family_safety.domain.profile.services import change_profile
from family_safety.lib.clock import utc_now, utc_today
from family_safety.lib.http_caching import NO_STORE
from family_safety.lib.problems import problem_responses


def provide_data_rights(
    db_session: DbSession, components: AppComponents, auth_service: AuthServiceDep
) -> DataRightsService:
    return DataRightsService(db_session, components.pack, auth_service)


DataRights = NamedDependency[SkipValidation[DataRightsService]]


class MeController(Controller):
    """The holder's own account: what it sees of itself, its profile's changes, a copy of its
    data, its erasure."""

    path = "/v1/me"
    tags = ["accounts"]
    dependencies = {
        **AUTH_SERVICE,
        "data_rights": Provide(provide_data_rights, sync_to_thread=False),
    }

    @get(summary="The signed-in account", cache_control=NO_STORE, responses=problem_responses(401))
    async def me(self, current_account: CurrentAccount, components: AppComponents) -> OwnAccount:
        return own_view(components.pack, current_account, utc_today())

    @patch(
        summary="Change my profile",
        cache_control=NO_STORE,
        description="Only the fields named change, by the registration's rules; null puts one "
        "back to its registration default (the handle, no country, `UTC`). `birthdate` is never "
        "changed here (422). A new `timezone` moves today's screen time, quiet hours and time "
        "away at once; a new `country` re-resolves the settings. Every change is audited; a "
        "13-17 account's guardians are told of a new country or time zone (`profile.changed`).",
        responses=problem_responses(400, 401, 413, 422, 503),
    )
    async def change(
        self,
        data: JSONBody[ProfileChange],
        current_account: CurrentAccount,
        db_session: DbSession,
        components: AppComponents,
    ) -> OwnAccount:
        now = utc_now()
        account = await change_profile(db_session, components, current_account.id, data, now)
        return own_view(components.pack, account, now.date())

    @get(
        "/export",
        summary="Everything held about me, as JSON",
        cache_control=NO_STORE,
        responses=problem_responses(401),
    )
    async def export(
        self, current_account: CurrentAccount, data_rights: DataRights
    ) -> Response[Export]:
        export = await data_rights.export(current_account, utc_today())
        return Response(export)

    @delete(
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete my account",
        description="Needs the password (in the body). Ends every link (the other side is "
        "notified) and every session, and deletes the account's personal data.",
        responses=problem_responses(400, 401, 403, 413, 422, 429, 503),
    )
    async def erase(
        self,
        data: JSONBody[PasswordConfirmation],
        current_account: CurrentAccount,
        data_rights: DataRights,
        client_address: ClientAddress,
    ) -> None:
        await data_rights.erase(current_account, data.password, client_address, utc_now())
