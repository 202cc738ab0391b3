"""audit chain head on the account: account.audit_head_seq, account.audit_head_hash

Revision ID: 0d661c55842d
Revises: b7d41c2e9a10
Create Date: 2026-11-30 13:24:37.144456
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0d661c55842d"
down_revision: str | None = "b7d41c2e9a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audit_head_seq", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "audit_head_hash",
                sa.String(length=64),
                server_default=GENESIS_HASH,
                nullable=False,
            )
        )
    # Every chain written so far ends where it ends now.
    op.execute(
        "UPDATE account SET "
        "audit_head_seq = (SELECT audit_entry.seq FROM audit_entry "
        "WHERE audit_entry.account_id = account.id ORDER BY audit_entry.seq DESC LIMIT 1), "
        "audit_head_hash = (SELECT audit_entry.entry_hash FROM audit_entry "
        "WHERE audit_entry.account_id = account.id ORDER BY audit_entry.seq DESC LIMIT 1) "
        "WHERE EXISTS (SELECT 1 FROM audit_entry WHERE audit_entry.account_id = account.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("audit_head_hash")
        batch_op.drop_column("audit_head_seq")
