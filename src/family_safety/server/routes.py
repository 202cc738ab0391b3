"""The controllers of the API, in the order the app registers them (``core.ApplicationCore``);
the Family Center's pages are added beside them (``domain/family_center/routes.py``)."""

from __future__ import annotations

from family_safety.domain.account_settings import controllers as account_settings
from family_safety.domain.accounts import controllers as accounts
from family_safety.domain.age_signals import controllers as age_signals
from family_safety.domain.audit import controllers as audit
from family_safety.domain.auth import controllers as auth
from family_safety.domain.data_rights import controllers as data_rights
from family_safety.domain.decisions import controllers as decisions
from family_safety.domain.events import controllers as events
from family_safety.domain.front_door import controllers as front_door
from family_safety.domain.guardians import controllers as guardians
from family_safety.domain.health import controllers as health
from family_safety.domain.laws import controllers as laws
from family_safety.domain.metrics import controllers as metrics
from family_safety.domain.notifications import controllers as notifications
from family_safety.domain.pairing import controllers as pairing
from family_safety.domain.safety import controllers as safety
from family_safety.domain.screen_time import controllers as screen_time
from family_safety.domain.setting_requests import controllers as setting_requests
from family_safety.domain.webhooks import controllers as webhooks

ROUTES = [
    front_door.FrontDoorController,
    health.HealthController,
    metrics.MetricsController,
    accounts.AccountController,
    age_signals.AgeSignalController,
    data_rights.MeController,
    auth.AuthController,
    auth.JwksController,
    auth.PasswordController,
    account_settings.PolicyController,
    account_settings.MySettingsController,
    pairing.InvitationController,
    pairing.PairingController,
    guardians.TeenController,
    guardians.MyGuardiansController,
    audit.AuditController,
    notifications.NotificationController,
    events.EventsController,
    screen_time.MyScreenTimeController,
    screen_time.MyTimeRequestsController,
    screen_time.TeenScreenTimeController,
    screen_time.TeenTimeGrantsController,
    screen_time.TeenTimeRequestsController,
    setting_requests.MySettingRequestsController,
    setting_requests.TeenSettingRequestsController,
    safety.SafetyController,
    safety.ReportController,
    safety.BlockController,
    safety.ModerationController,
    webhooks.WebhookController,
    decisions.DecisionController,
    laws.LawController,
]
