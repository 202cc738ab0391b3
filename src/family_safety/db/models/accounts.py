from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import AuditedBase, Base

AUDIT_GENESIS_HASH = "0" * 64
"""The ``previous_hash`` of an account's first audit entry, and the head of an empty chain."""


class Account(AuditedBase):
    """A person on the platform. ``birthdate`` is shown to its holder alone."""

    __tablename__ = "account"

    handle: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    birthdate: Mapped[date]
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    region: Mapped[str | None] = mapped_column(String(6), default=None)  # ISO 3166-2, in country
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    settings_version: Mapped[int] = mapped_column(default=1)
    # The band last announced with a band.changed notification; null: the band it started in.
    notified_band: Mapped[str | None] = mapped_column(String(8), default=None)
    # The newest entry of the account's audit chain, written with it: deleting the newest entries
    # leaves a chain that verifies on its own, but no longer ends here.
    audit_head_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    audit_head_hash: Mapped[str] = mapped_column(
        String(64), default=AUDIT_GENESIS_HASH, server_default=AUDIT_GENESIS_HASH
    )
    # A hold (``domain/ages/holds.py``): the account is below a minimum age that applies to it.
    # ``held_since`` null: not held. ``held_law_id`` null with a title: a hold of the pack's own
    # minimum age. Kept on the row so the signed-in account in memory carries it.
    held_law_id: Mapped[str | None] = mapped_column(String(64), default=None)
    held_title: Mapped[str | None] = mapped_column(String(200), default=None)
    held_since: Mapped[datetime | None] = mapped_column(default=None)
    # The strongest age signal received (``domain/age_signals``): its method, issuer, inclusive
    # range and when it came; null ``assurance_at``: none. ``assured_birthdate``: the birthdate
    # the account's age counts from once the signal is applied
    # (``ages.birthdays.assured_birthdate``); null, the birthdate itself.
    assurance_method: Mapped[str | None] = mapped_column(String(20), default=None)
    assurance_issuer: Mapped[str | None] = mapped_column(String(64), default=None)
    assurance_lower: Mapped[int | None] = mapped_column(default=None)
    assurance_upper: Mapped[int | None] = mapped_column(default=None)
    assurance_at: Mapped[datetime | None] = mapped_column(default=None)
    assured_birthdate: Mapped[date | None] = mapped_column(default=None)

    @property
    def age_birthdate(self) -> date:
        """The date this account's age counts from: the birthdate, moved by an age signal."""
        return self.assured_birthdate or self.birthdate


class RegistrationAttempt(Base):
    """A registration from a client address (made, or refused as a taken handle), counted within
    a sliding window so one address cannot create accounts without bound."""

    __tablename__ = "registration_attempt"
    __table_args__ = (
        Index("ix_registration_attempt_address_at", "client_address", "at"),
        Index("ix_registration_attempt_at", "at"),
    )

    client_address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
