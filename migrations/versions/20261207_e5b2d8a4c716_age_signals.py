"""age signals: trusted issuers, the jti of each signal received, and the account's kept signal

Revision ID: e5b2d8a4c716
Revises: a3c9e1f2b4d6 (setting requests and holds)
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "e5b2d8a4c716"
down_revision: str | None = "a3c9e1f2b4d6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table(
        "age_signal_issuer",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_age_signal_issuer")),
        sa.UniqueConstraint("kid", name=op.f("uq_age_signal_issuer_kid")),
    )
    op.create_table(
        "age_signal_receipt",
        sa.Column("issuer", sa.String(length=64), nullable=False),
        sa.Column("jti", sa.String(length=128), nullable=False),
        sa.Column("account_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("expires_at", _UTC, nullable=False),
        sa.Column("spent_at", _UTC, nullable=True),
        sa.Column("revoked_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer"],
            ["age_signal_issuer.name"],
            name=op.f("fk_age_signal_receipt_issuer_age_signal_issuer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_age_signal_receipt_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issuer", "jti", name=op.f("pk_age_signal_receipt")),
    )
    with op.batch_alter_table("age_signal_receipt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_age_signal_receipt_account_id"), ["account_id"], unique=False
        )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assurance_method", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("assurance_issuer", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("assurance_lower", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assurance_upper", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assurance_at", _UTC, nullable=True))
        batch_op.add_column(sa.Column("assured_birthdate", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("assured_birthdate")
        batch_op.drop_column("assurance_at")
        batch_op.drop_column("assurance_upper")
        batch_op.drop_column("assurance_lower")
        batch_op.drop_column("assurance_issuer")
        batch_op.drop_column("assurance_method")
    with op.batch_alter_table("age_signal_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_age_signal_receipt_account_id"))
    op.drop_table("age_signal_receipt")
    op.drop_table("age_signal_issuer")
