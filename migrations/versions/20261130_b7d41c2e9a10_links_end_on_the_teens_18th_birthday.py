"""links end on the teen's 18th birthday: guardian_link.ends_on

Revision ID: b7d41c2e9a10
Revises: aed0eddb3157
Create Date: 2026-11-30 13:20:00
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

from family_safety.domain.policy.pack import load_default_pack

revision: str = "b7d41c2e9a10"
down_revision: str | None = "aed0eddb3157"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("guardian_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
    connection = op.get_bind()
    pack = load_default_pack()
    rows = connection.execute(
        sa.text(
            "SELECT guardian_link.id, account.birthdate FROM guardian_link "
            "JOIN account ON account.id = guardian_link.teen_id"
        )
    ).all()
    for link_id, birthdate in rows:
        if isinstance(birthdate, str):  # SQLite hands dates back as text
            birthdate = date.fromisoformat(birthdate)
        connection.execute(
            sa.text("UPDATE guardian_link SET ends_on = :ends_on WHERE id = :id"),
            {"ends_on": pack.adult_on(birthdate), "id": link_id},
        )
    with op.batch_alter_table("guardian_link", schema=None) as batch_op:
        batch_op.alter_column("ends_on", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("guardian_link", schema=None) as batch_op:
        batch_op.drop_column("ends_on")
