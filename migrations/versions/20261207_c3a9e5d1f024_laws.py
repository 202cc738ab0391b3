"""laws: account.region (ISO 3166-2) and law_status, the statuses staff set

Revision ID: c3a9e5d1f024
Revises: 5f0c1a7e3b21
Create Date: 2026-12-07 04:30:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "c3a9e5d1f024"
down_revision: str | None = "5f0c1a7e3b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUID = advanced_alchemy.types.guid.GUID(length=16)
UTC_DATETIME = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sa.String(length=6), nullable=True))
    op.create_table(
        "law_status",
        sa.Column("law_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.Column("changed_by", GUID, nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["account.id"],
            name=op.f("fk_law_status_changed_by_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("law_id", name=op.f("pk_law_status")),
    )


def downgrade() -> None:
    op.drop_table("law_status")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("region")
