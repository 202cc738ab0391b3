from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.openapi.spec import Link as OpenAPILink
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from family_safety.domain.dependencies import (
    OPENAPI_LINKS,
    AppComponents,
    CurrentAccount,
    delete_own,
    public_base_url,
)
from family_safety.domain.links.deps import LINK_SERVICE, LinkServiceDep
from family_safety.domain.links.schemas import Link
from family_safety.domain.pairing.deps import (
    CREATED_ONCE,
    PAIRING_SERVICE,
    CreatedOnceDep,
    PairingServiceDep,
)
from family_safety.domain.pairing.schemas import (
    InvitationCreated,
    InvitationPreview,
    InvitationProof,
    NewInvitation,
)
from family_safety.lib.clock import utc_now, utc_today
from family_safety.lib.http_caching import NO_STORE
from family_safety.lib.pagination import Page, RequestedPage, list_route
from family_safety.lib.problems import problem_responses

if TYPE_CHECKING:
    pass


def _to_the_teen(leaf: str) -> OpenAPILink:
    """From a guardian's links to what it may see of the first one's teen."""
    return OpenAPILink(
        operation_ref=f"#/paths/~1v1~1teens~1{{teen_id}}~1{leaf}/get",
        parameters={"teen_id": "$response.body#/items/0/teen/id"},
    )


class _PairingController(Controller):
    tags = ["pairing"]


class InvitationController(_PairingController):
    path = "/v1/pairing-invitations"
    dependencies = {**PAIRING_SERVICE, **CREATED_ONCE}

    @post(
        summary="Invite a teen (guardians, 18+)",
        cache_control=NO_STORE,
        description="A signed token for the QR code and an 8-letter code, both single-use and "
        "valid for 10 minutes. At most 5 live invitations per guardian.",
        responses=problem_responses(400, 401, 403, 409, 413, 422),
    )
    async def create(
        self,
        current_account: CurrentAccount,
        pairing_service: PairingServiceDep,
        created_once: CreatedOnceDep,
        data: JSONBody[NewInvitation | None] = None,
    ) -> Response[InvitationCreated]:
        now = utc_now()
        return await created_once(
            "POST /v1/pairing-invitations",
            data.model_dump() if data else {},
            lambda: pairing_service.invite(current_account, now.date(), now),
        )

    @get(
        "/{invitation_id:uuid}/qr.svg",
        summary="The invitation's token as a QR code",
        description="`?content=link`: the QR code holds instead the link to the Family Center "
        "page that previews the invitation (`/family/pair?token=…` on the service's public base "
        "URL), which a phone's camera opens.",
        media_type="image/svg+xml",
        cache_control=NO_STORE,
        responses=problem_responses(401, 404, 409, 410, 422),
    )
    async def qr(
        self,
        invitation_id: FromPath[UUID],
        current_account: CurrentAccount,
        pairing_service: PairingServiceDep,
        request: Request[Any, Any, Any],
        components: AppComponents,
        content: Annotated[
            Literal["token", "link"],
            QueryParameter(description="What the code holds: the token (default) or the link."),
        ] = "token",
    ) -> Response[bytes]:
        link_base = public_base_url(request, components) if content == "link" else None
        svg = await pairing_service.qr_svg(
            current_account, invitation_id, utc_now(), link_base=link_base
        )
        return Response(svg, media_type="image/svg+xml")

    @delete_own("/{invitation_id:uuid}", summary="Revoke an invitation")
    async def revoke(
        self,
        invitation_id: FromPath[UUID],
        current_account: CurrentAccount,
        pairing_service: PairingServiceDep,
    ) -> None:
        await pairing_service.revoke(current_account, invitation_id, utc_now())

    @post(
        "/preview",
        status_code=HTTP_200_OK,
        summary="See who is inviting, before consenting (teens, 13-17)",
        description="Spends nothing. More than 5 wrong codes in 10 minutes: 429.",
        responses=problem_responses(400, 401, 403, 409, 410, 413, 422, 429),
    )
    async def preview(
        self,
        data: JSONBody[InvitationProof],
        current_account: CurrentAccount,
        pairing_service: PairingServiceDep,
    ) -> InvitationPreview:
        now = utc_now()
        return await pairing_service.preview(current_account, data, now.date(), now)


class PairingController(_PairingController):
    """The teen's consent links the accounts; either side lists its links and ends one."""

    path = "/v1/pairings"
    dependencies = {**PAIRING_SERVICE, **LINK_SERVICE, **CREATED_ONCE}

    @post(
        summary="Consent to an invitation (teens, 13-17): link the accounts",
        responses=problem_responses(400, 401, 403, 409, 410, 413, 422, 429),
    )
    async def redeem(
        self,
        data: JSONBody[InvitationProof],
        current_account: CurrentAccount,
        pairing_service: PairingServiceDep,
        created_once: CreatedOnceDep,
    ) -> Response[Link]:
        now = utc_now()
        return await created_once(
            "POST /v1/pairings",
            data.model_dump(),
            lambda: pairing_service.redeem(current_account, data, now.date(), now),
        )

    @list_route(
        summary="My links, as guardian and as teen, ended ones included",
        opt={
            OPENAPI_LINKS: {
                200: {
                    "TeenLimits": _to_the_teen("limits"),
                    "TeenSettings": _to_the_teen("settings"),
                }
            }
        },
    )
    async def list_links(
        self, current_account: CurrentAccount, link_service: LinkServiceDep, page: RequestedPage
    ) -> Page[Link]:
        return await link_service.page(current_account, page.limit, page.cursor, utc_today())

    @delete_own("/{link_id:uuid}", summary="End a link (either side); the other side is notified")
    async def end(
        self, link_id: FromPath[UUID], current_account: CurrentAccount, link_service: LinkServiceDep
    ) -> None:
        await link_service.end(current_account, link_id, utc_now())
