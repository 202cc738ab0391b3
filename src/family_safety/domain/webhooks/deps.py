"""Webhooks' service handed to handlers, and the guard of its paths: service accounts and
staff only (roles an operator grants: ``family-safety roles grant HANDLE service``)."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.domain.dependencies import AppComponents, DbSession
from family_safety.domain.safety.deps import holding_any
from family_safety.domain.safety.services.roles import SERVICE, STAFF
from family_safety.domain.webhooks.services import WebhookService
from family_safety.lib.safe_http import UrlPolicy

service_or_staff = holding_any(SERVICE, STAFF)


def provide_webhook_service(db_session: DbSession, components: AppComponents) -> WebhookService:
    return WebhookService(db_session, UrlPolicy(components.settings.webhook_allowed_hosts))


WEBHOOK_SERVICE = {"webhook_service": Provide(provide_webhook_service, sync_to_thread=False)}
WebhookServiceDep = NamedDependency[SkipValidation[WebhookService]]
