from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Response
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation
from litestar.status_codes import HTTP_201_CREATED
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db import idempotency
from family_safety.db.account_records import AccountRecord
from family_safety.domain.dependencies import (
    AppComponents,
    CurrentAccount,
    DbSession,
    IdempotencyKey,
)
from family_safety.domain.pairing.services import PairingService


def provide_pairing_service(db_session: DbSession, components: AppComponents) -> PairingService:
    return PairingService(db_session, components.pack, components.signer)


PAIRING_SERVICE = {"pairing_service": Provide(provide_pairing_service, sync_to_thread=False)}
PairingServiceDep = NamedDependency[SkipValidation[PairingService]]


@dataclass(frozen=True, slots=True)
class CreatedOnce:
    """A POST that creates, run once per ``Idempotency-Key`` of the caller."""

    db_session: AsyncSession
    account: AccountRecord
    key: str | None

    async def __call__(
        self,
        route: str,
        request_body: dict[str, Any],
        create: Callable[[], Awaitable[BaseModel]],
    ) -> Response[Any]:
        """201 with what ``create`` made; a retry with the same ``Idempotency-Key`` gets that
        first answer again and creates nothing."""
        answer = await idempotency.once(
            self.db_session,
            account_id=self.account.id,
            route=route,
            key=self.key,
            request_body=request_body,
            run=create,
            encode=lambda created: created.model_dump(mode="json"),
        )
        return Response(answer, status_code=HTTP_201_CREATED)


def provide_created_once(
    db_session: DbSession, current_account: CurrentAccount, idempotency_key: IdempotencyKey = None
) -> CreatedOnce:
    return CreatedOnce(db_session, current_account, idempotency_key)


CREATED_ONCE = {"created_once": Provide(provide_created_once, sync_to_thread=False)}
"""A route that creates once per ``Idempotency-Key`` (the header it documents)."""
CreatedOnceDep = NamedDependency[SkipValidation[CreatedOnce]]
