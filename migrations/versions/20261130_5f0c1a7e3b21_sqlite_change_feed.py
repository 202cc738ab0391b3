"""change feed: the changes each transaction announced, for the processes sharing one SQLite file

Revision ID: 5f0c1a7e3b21
Revises: da56d53f9183
Create Date: 2026-11-30 18:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f0c1a7e3b21"
down_revision: str | None = "da56d53f9183"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_feed",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_feed")),
    )


def downgrade() -> None:
    op.drop_table("change_feed")
