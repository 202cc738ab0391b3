"""retention: indexes that let the hourly sweep find what no period covers without a full scan

Revision ID: e1a7c3d90b52
Revises: 5f0c1a7e3b21
Create Date: 2026-12-07 04:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e1a7c3d90b52"
down_revision: str | None = "5f0c1a7e3b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_notification_created_at", "notification", ["created_at"]),
    ("ix_idempotent_request_created_at", "idempotent_request", ["created_at"]),
    ("ix_refresh_token_expires_at", "refresh_token", ["expires_at"]),
    ("ix_pairing_invitation_expires_at", "pairing_invitation", ["expires_at"]),
    ("ix_pairing_code_failure_at", "pairing_code_failure", ["at"]),
    ("ix_screen_time_day_day", "screen_time_day", ["day"]),
    ("ix_time_request_created_at", "time_request", ["created_at"]),
    ("ix_time_grant_until", "time_grant", ["until"]),
    ("ix_report_status_updated", "report", ["status", "updated_at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
