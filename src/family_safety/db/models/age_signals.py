"""Age signals: the issuers an operator trusts, and the ``jti`` of every signal received."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import KeylessBase, SingleUse


class AgeSignalIssuer(KeylessBase):
    """A trusted issuer of age signals (an operator's back end relaying an app store's answer),
    registered with ``family-safety issuers add``. ``kid`` is the RFC 7638 thumbprint of its
    public key: the key id its signals name."""

    __tablename__ = "age_signal_issuer"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(8))  # EdDSA or ES256
    public_key_pem: Mapped[str] = mapped_column(Text)


class AgeSignalReceipt(SingleUse, KeylessBase):
    """A signal's ``jti``, spent once per issuer by one conditional insert (as a pairing
    invitation is spent by one conditional update); kept until its signal has expired, then
    swept. Holds no claim but the ids and the expiry: the signal itself is never stored."""

    __tablename__ = "age_signal_receipt"

    issuer: Mapped[str] = mapped_column(
        String(64), ForeignKey("age_signal_issuer.name", ondelete="CASCADE"), primary_key=True
    )
    jti: Mapped[str] = mapped_column(String(128), primary_key=True)
    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
