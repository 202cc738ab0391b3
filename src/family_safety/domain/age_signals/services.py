"""Receiving an age signal: verify it, spend its ``jti``, and apply it when it is the strongest.

Every signal is hostile until its signature is checked: nothing is written, and nothing read but
the issuers' keys in memory, before that one check (``lib.security.public_keys``). Then, in one
transaction: the account (404), the range (422), the ``jti`` spent by one conditional insert (409
on a replay), and, when the signal is at least as strong as the kept one, the kept signal
replaced, the account's age moved (``ages.birthdays.assured_birthdate``) and what that changes
written as a birthday's would be (``birthdays.age_changed``, ``holds.review_hold``), with an
audit entry naming the issuer, the method and the range, never the signal itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from family_safety.db.models import Account, AgeSignalReceipt
from family_safety.domain.age_signals.repository import sweep_receipts
from family_safety.domain.ages import birthdays, holds
from family_safety.domain.audit import chain
from family_safety.lib import problems
from family_safety.lib.clock import utc_now
from family_safety.lib.security.public_keys import (
    ChecksExhausted,
    InvalidSignature,
    read_signed,
    verify_signed,
)

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.domain.age_signals.hot_path import TrustedIssuers
    from family_safety.domain.components import Components
    from family_safety.domain.policy.pack import PolicyPack

SIGNAL_TYPE = "age-signal+jwt"
MAX_LIFE_SECONDS = 600
LEEWAY_SECONDS = 30
"""Clock skew allowed between an issuer and this service, on ``iat`` and ``exp``."""
REQUIRED_CLAIMS = ("iss", "sub", "iat", "exp", "jti", "age_range", "method")
METHODS = ("self_declared", "guardian_declared", "estimated", "verified")
"""Weakest first: a signal replaces the kept one when its method is at least as far along."""
MAX_AGE = 150
MAX_JTI_LENGTH = 128

_log = structlog.get_logger("family_safety.age_signals")


@dataclass(frozen=True, slots=True)
class SignalResult:
    account: Account  # as the signal left it
    applied: bool
    age_band: str


@dataclass(frozen=True, slots=True)
class _Signal:
    issuer: str
    subject: str
    jti: str
    expires_at: datetime
    method: str
    lower: int | None
    upper: int | None


async def verified_signal(issuers: TrustedIssuers, token: str) -> dict[str, Any]:
    """The claims of a signal a trusted issuer signed, or 401 ``invalid-signal`` with one log
    line naming the failed check (never the signal, a key or a claim's value); 503
    ``overloaded`` (``Retry-After``), unchecked, when it names a trusted key but this process
    has checked its budget of signatures this second (``TrustedIssuers.may_check``)."""
    try:
        signed = read_signed(token)
        await issuers.refresh_for(signed.header.get("kid"))
        _, claims = verify_signed(
            signed,
            typ=SIGNAL_TYPE,
            find_key=issuers.find,
            required=REQUIRED_CLAIMS,
            leeway_seconds=LEEWAY_SECONDS,
            max_life_seconds=MAX_LIFE_SECONDS,
            may_check=issuers.may_check,
        )
    except InvalidSignature as exc:
        _log.warning("age signal refused", reason=str(exc))
        raise problems.invalid_signal() from None
    except ChecksExhausted:  # the access line tells it; a line each would flood the log too
        raise problems.overloaded("age signals") from None
    return claims


VERIFIED_IN_FRONT = "family_safety.age_signals.verified"
"""The key, in a request's scope state, of the signal the lane verified and its claims."""


async def verify_in_front(issuers: TrustedIssuers, state: dict[str, Any], token: str) -> None:
    """Verify a signal before Litestar sees it (the lane, server/hot_routes.py), refusing it as
    :func:`verified_signal` does; a signal that verifies is left in ``state`` (the request's
    scope state) for :func:`verified_once`, so that it is checked once."""
    state[VERIFIED_IN_FRONT] = (token, await verified_signal(issuers, token))


async def verified_once(
    issuers: TrustedIssuers, state: dict[str, Any] | None, token: str
) -> dict[str, Any]:
    """The claims of the signal, verified in front of Litestar or now."""
    verified = None if state is None else state.get(VERIFIED_IN_FRONT)
    if verified is not None and verified[0] == token:
        claims: dict[str, Any] = verified[1]
        return claims
    return await verified_signal(issuers, token)


async def receive(
    session: AsyncSession, components: Components, claims: dict[str, Any], now: datetime
) -> SignalResult:
    """Apply a verified signal's claims in one transaction (committed here)."""
    account_id = _account_id(claims.get("sub"))
    account = None if account_id is None else await session.get(Account, account_id)
    if account is None:
        raise problems.not_found()
    signal = _checked(claims)
    await chain.lock_account(session, account.id)
    await session.refresh(account)
    await _spend(session, signal, account.id, now)
    kept = account.assurance_method
    applied = kept is None or METHODS.index(signal.method) >= METHODS.index(kept)
    if applied:
        await _apply(session, components, account, signal, now)
    await session.commit()
    _log.info("age signal received", issuer=signal.issuer, method=signal.method, applied=applied)
    band = components.pack.settings_band(account.age_birthdate, now.date())
    return SignalResult(account, applied, band)


def _account_id(subject: object) -> UUID | None:
    if not isinstance(subject, str):
        return None
    try:
        return UUID(subject)
    except ValueError:
        return None


def _checked(claims: dict[str, Any]) -> _Signal:
    """The claims a signal must hold, each checked (422 ``validation``: the field is ``signal``,
    the body's, and the message names the claim)."""
    errors: list[str] = []
    age_range = claims["age_range"]
    lower = upper = None
    if not isinstance(age_range, dict):
        errors.append("age_range: must be an object {lower, upper}")
    else:
        lower, upper = age_range.get("lower"), age_range.get("upper")
        for name, bound in (("lower", lower), ("upper", upper)):
            if bound is not None and (
                not isinstance(bound, int) or isinstance(bound, bool) or not 0 <= bound <= MAX_AGE
            ):
                errors.append(f"age_range.{name}: must be null or an age 0-{MAX_AGE}")
        if not errors and lower is None and upper is None:
            errors.append("age_range: lower and upper cannot both be null")
        if not errors and lower is not None and upper is not None and lower > upper:
            errors.append("age_range: lower is above upper")
    if claims["method"] not in METHODS:
        errors.append(f"method: must be one of {', '.join(METHODS)}")
    jti = claims["jti"]
    if not isinstance(jti, str) or not 1 <= len(jti) <= MAX_JTI_LENGTH:
        errors.append(f"jti: must be a string of 1-{MAX_JTI_LENGTH} characters")
    if errors:
        raise problems.validation([{"field": "signal", "message": error} for error in errors])
    return _Signal(
        issuer=claims["iss"],
        subject=claims["sub"],
        jti=jti,
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        method=claims["method"],
        lower=lower,
        upper=upper,
    )


async def _spend(session: AsyncSession, signal: _Signal, account_id: UUID, now: datetime) -> None:
    """Spend the ``jti`` by one conditional write: the insert of its receipt, refused by the
    primary key (issuer, jti) when it was spent before (409 ``signal-replayed``). Kept until
    the signal expires (with the leeway), then swept."""
    receipt = {
        "issuer": signal.issuer,
        "jti": signal.jti,
        "account_id": account_id,
        "created_at": now,
        "spent_at": now,
        "expires_at": max(signal.expires_at, now) + timedelta(seconds=LEEWAY_SECONDS),
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    spent = await session.execute(insert(AgeSignalReceipt).values(receipt).on_conflict_do_nothing())
    if spent.rowcount == 0:  # type: ignore[attr-defined]  # a CursorResult: the jti was spent
        _log.warning("age signal replayed", issuer=signal.issuer)
        raise problems.signal_replayed()


async def _apply(
    session: AsyncSession,
    components: Components,
    account: Account,
    signal: _Signal,
    now: datetime,
) -> None:
    pack, today = components.pack, now.date()
    before = _audited(account, pack, today)
    account.assurance_method, account.assurance_issuer = signal.method, signal.issuer
    account.assurance_lower, account.assurance_upper = signal.lower, signal.upper
    account.assurance_at = now
    account.assured_birthdate = birthdays.assured_birthdate(
        account.birthdate, signal.lower, signal.upper, signal.method, today
    )
    after = _audited(account, pack, today)
    # The entry moves the settings version: every instance forgets the account (its signed-in
    # record, its cached answers) on commit, and its next request reads the new age.
    await chain.record(
        session,
        account_id=account.id,
        actor=chain.SYSTEM,
        action="age_signal.applied",
        changes={
            name: {"from": before[name], "to": after[name]}
            for name in ("age_assurance", "age_band")
            if before[name] != after[name] or name == "age_assurance"
        },
        at=now,
    )
    await birthdays.age_changed(session, pack, account, now)
    await holds.review_hold(session, account.id, holds.applying_laws(components, today), now)


def _audited(account: Account, pack: PolicyPack, today: date) -> dict[str, Any]:
    return {
        "age_assurance": None
        if account.assurance_method is None
        else {
            "issuer": account.assurance_issuer,
            "method": account.assurance_method,
            "lower": account.assurance_lower,
            "upper": account.assurance_upper,
        },
        "age_band": pack.band_for(account.age_birthdate, today),
    }


async def sweep_receipts_now(components: Components) -> int:
    """Delete the receipts of expired signals (the periodic sweep, beside the birthdays')."""
    async with components.sessions() as session:
        return await sweep_receipts(session, utc_now())
