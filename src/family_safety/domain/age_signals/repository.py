"""The trusted issuers (registered by an operator with the CLI) and the receipts of signals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import AgeSignalIssuer, AgeSignalReceipt
from family_safety.lib.security.public_keys import TrustedKey, load_trusted_key, parse_public_key

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.hot_reads import HotPathReader

_ISSUERS = HotQuery(
    select(
        AgeSignalIssuer.name,
        AgeSignalIssuer.kid,
        AgeSignalIssuer.algorithm,
        AgeSignalIssuer.public_key_pem,
    )
)


class IssuerExists(Exception):
    """An issuer of that name, or with that key, is registered already."""


@dataclass(frozen=True, slots=True)
class Issuer:
    name: str
    kid: str
    algorithm: str


async def add_issuer(session: AsyncSession, name: str, pem: bytes) -> Issuer:
    """Register an issuer (``PublicKeyError`` for a key that is not Ed25519 or P-256 PEM,
    ``IssuerExists`` for a name or key already registered). Commits."""
    parsed = parse_public_key(pem)
    taken = await session.scalar(
        select(AgeSignalIssuer.name).where(
            (AgeSignalIssuer.name == name) | (AgeSignalIssuer.kid == parsed.kid)
        )
    )
    if taken is not None:
        raise IssuerExists(taken)
    session.add(
        AgeSignalIssuer(
            name=name, kid=parsed.kid, algorithm=parsed.algorithm, public_key_pem=parsed.pem
        )
    )
    await session.commit()
    return Issuer(name, parsed.kid, parsed.algorithm)


async def list_issuers(session: AsyncSession) -> list[Issuer]:
    rows = await session.execute(
        select(AgeSignalIssuer.name, AgeSignalIssuer.kid, AgeSignalIssuer.algorithm).order_by(
            AgeSignalIssuer.name
        )
    )
    return [Issuer(*row) for row in rows]


async def remove_issuer(session: AsyncSession, name: str) -> bool:
    """Forget an issuer (and its receipts); False when there was none. Commits."""
    removed = await session.execute(delete(AgeSignalIssuer).where(AgeSignalIssuer.name == name))
    await session.execute(delete(AgeSignalReceipt).where(AgeSignalReceipt.issuer == name))
    await session.commit()
    return bool(removed.rowcount)  # type: ignore[attr-defined]  # a CursorResult


async def read_trusted_keys(reader: HotPathReader) -> dict[str, TrustedKey]:
    """Every issuer's key by its ``kid``, read with one light query."""
    rows = await reader.all(_ISSUERS, {})
    return {kid: load_trusted_key(name, kid, alg, pem) for name, kid, alg, pem in rows}


async def sweep_receipts(session: AsyncSession, now: datetime) -> int:
    """Delete the receipts of signals that have expired: a replay of one is refused as expired
    from then on, before its ``jti`` is looked at. Commits; returns how many."""
    swept = await session.execute(delete(AgeSignalReceipt).where(AgeSignalReceipt.expires_at < now))
    await session.commit()
    return int(swept.rowcount)  # type: ignore[attr-defined]  # a CursorResult
