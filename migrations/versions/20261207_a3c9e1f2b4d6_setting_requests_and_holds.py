"""setting requests (a guardian's approval of a value looser than a needs_guardian bound), and
an account's hold below a minimum age

Revision ID: a3c9e1f2b4d6
Revises: c3a9e5d1f024 (laws)
Create Date: 2026-12-07 04:10:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a3c9e1f2b4d6"
down_revision: str | None = "c3a9e5d1f024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "setting_request",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("account_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column(
            "value",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "decided_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("decided_by", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column(
            "withdrawn_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_setting_request_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setting_request")),
    )
    with op.batch_alter_table("setting_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_setting_request_account_id_status", ["account_id", "status"], unique=False
        )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_law_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("held_title", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "held_since",
                advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("held_since")
        batch_op.drop_column("held_title")
        batch_op.drop_column("held_law_id")
    with op.batch_alter_table("setting_request", schema=None) as batch_op:
        batch_op.drop_index("ix_setting_request_account_id_status")
    op.drop_table("setting_request")
