from enum import StrEnum


class NotificationKind(StrEnum):
    LINK_CREATED = "link.created"
    LINK_ENDED = "link.ended"
    LINK_ENDED_AT_18 = "link.ended_at_18"
    LIMITS_UPDATED = "limits.updated"
    BAND_CHANGED = "band.changed"
    TIME_REQUEST_CREATED = "time_request.created"
    TIME_REQUEST_DECIDED = "time_request.decided"
    TIME_GRANT_CREATED = "time_grant.created"
    SETTING_REQUEST_CREATED = "setting_request.created"
    SETTING_REQUEST_DECIDED = "setting_request.decided"
    SETTING_REQUEST_WITHDRAWN = "setting_request.withdrawn"
    ACCOUNT_HELD = "account.held"
    ACCOUNT_RELEASED = "account.released"
    REPORT_FILED = "report.filed"
    REPORT_UPDATED = "report.updated"
    PROFILE_CHANGED = "profile.changed"
