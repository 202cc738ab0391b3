"""registrations counted per address: registration_attempt

Revision ID: 41858fe085f6
Revises: 0d661c55842d
Create Date: 2026-11-30 13:27:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "41858fe085f6"
down_revision: str | None = "0d661c55842d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registration_attempt",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_attempt")),
    )
    with op.batch_alter_table("registration_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_registration_attempt_address_at", ["client_address", "at"], unique=False
        )
        batch_op.create_index("ix_registration_attempt_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("registration_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_registration_attempt_at")
        batch_op.drop_index("ix_registration_attempt_address_at")
    op.drop_table("registration_attempt")
