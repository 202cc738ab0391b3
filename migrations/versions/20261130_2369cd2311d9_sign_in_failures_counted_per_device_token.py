"""sign-in failures counted per device token: sign_in_failure.device_digest

Revision ID: 2369cd2311d9
Revises: 41858fe085f6
Create Date: 2026-11-30 13:39:56.874251
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2369cd2311d9"
down_revision: str | None = "41858fe085f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_digest", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_sign_in_failure_device_at", ["device_digest", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_failure_device_at")
        batch_op.drop_column("device_digest")
