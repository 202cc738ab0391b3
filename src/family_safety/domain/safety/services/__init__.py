"""Safety's use cases, one module a role: filing and reading reports (``reports``), the staff's
queue (``moderation``), blocks (``blocks``), the operator's roles (``roles``), and what a holder's
export and erasure hold of them (``data_rights``).

Nobody but staff ever learns who reported. The reporter's id is stored on the report and read
back in two places only: the reporter's own reads (``/v1/me/reports``, the export) and the staff
view. Nothing here writes it into a notification, an audit entry or a log line; guardians told of
a teen's report get the category's title and the time, nothing else.

Each use case that changes something commits once, at its end (docs/design.md).
"""

from family_safety.domain.safety.services.blocks import BlockService
from family_safety.domain.safety.services.data_rights import SafetyExport, export_of, forget
from family_safety.domain.safety.services.moderation import ModerationService
from family_safety.domain.safety.services.reports import ReportService
from family_safety.domain.safety.services.roles import (
    PARTNER,
    ROLES,
    STAFF,
    UnknownHandle,
    grant_role,
    revoke_role,
    roles_of,
)

__all__ = [
    "PARTNER",
    "ROLES",
    "STAFF",
    "BlockService",
    "ModerationService",
    "ReportService",
    "SafetyExport",
    "UnknownHandle",
    "export_of",
    "forget",
    "grant_role",
    "revoke_role",
    "roles_of",
]
