"""Registering accounts and presenting them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from family_safety.db.account_records import AnyAccount
from family_safety.db.models import Account, RegistrationAttempt
from family_safety.domain.accounts.schemas import (
    AgeAssuranceOut,
    HeldOut,
    NewAccount,
    OwnAccount,
)
from family_safety.domain.ages import holds
from family_safety.domain.ages.holds import held, law_below_minimum_age
from family_safety.domain.policy.pack import age_on
from family_safety.lib import problems
from family_safety.lib.rate_limits import record_failure, refuse_when_over_limits

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.domain.components import Components
    from family_safety.domain.policy.pack import PolicyPack

OLDEST_BIRTHDATE_YEARS = 120
REGISTRATION_WINDOW = timedelta(hours=1)


def age_band(pack: PolicyPack, account: AnyAccount, today: date) -> str:
    band = pack.settings_band(account.age_birthdate, today)
    return band


def own_view(pack: PolicyPack, account: AnyAccount, today: date) -> OwnAccount:
    return OwnAccount(
        id=account.id,
        handle=account.handle,
        display_name=account.display_name,
        age_band=age_band(pack, account, today),
        country=account.country,
        region=account.region,
        timezone=account.timezone,
        created_at=account.created_at,
        birthdate=account.birthdate,
        held=None
        if (hold := held(account)) is None
        else HeldOut(law_id=hold.law_id, title=hold.title, since=hold.since),
        age_assurance=assurance_view(account),
    )


def assurance_view(account: AnyAccount) -> AgeAssuranceOut | None:
    """The kept age signal as the account object shows it: never the birthdate it implies."""
    if account.assurance_at is None or account.assurance_method is None:
        return None
    return AgeAssuranceOut.model_validate(
        {
            "method": account.assurance_method,
            "issuer": account.assurance_issuer,
            "lower": account.assurance_lower,
            "upper": account.assurance_upper,
            "at": account.assurance_at,
        }
    )


def _check_birthdate(pack: PolicyPack, birthdate: date, today: date) -> None:
    if birthdate > today:
        raise problems.invalid_field("birthdate", "is in the future")
    if birthdate < today - timedelta(days=366 * OLDEST_BIRTHDATE_YEARS):
        raise problems.invalid_field("birthdate", f"is over {OLDEST_BIRTHDATE_YEARS} years ago")
    if pack.band_for(birthdate, today) is None:
        raise problems.minimum_age(problems.ACCOUNTS_ARE_FOR, pack.minimum_age)


def check_minimum_age_by_law(
    components: Components, country: str | None, region: str | None, age: int, today: date
) -> None:
    """422 ``minimum-age`` naming the law when one that applies where the account would be
    (``country``, ``region``) sets a minimum age above ``age``."""
    law = law_below_minimum_age(holds.applying_laws(components, today), country, region, age)
    if law is not None and law.minimum_age is not None:
        raise problems.minimum_age(problems.under_law(law.title), law.minimum_age)


def check_region(region: str | None, country: str | None) -> None:
    """A region (ISO 3166-2, ``US-CA``) lies in the account's country, else 422 on ``region``."""
    if region is not None and region.partition("-")[0] != country:
        raise problems.invalid_field(
            "region", f"{region} does not lie in country {country or '(none given)'}"
        )


async def register(
    session: AsyncSession,
    components: Components,
    new: NewAccount,
    *,
    client_address: str,
    now: datetime,
) -> Account:
    """Register an account. Registrations from one address are limited (429 past the settings'
    ``registrations_per_address_per_hour`` in a sliding hour; a taken handle counts too, so
    handles cannot be probed faster). The password is hashed with no transaction open, so no lock
    is held."""
    per_address_per_hour = components.settings.registrations_per_address_per_hour
    _check_birthdate(components.pack, new.birthdate, now.date())
    check_region(new.region, new.country)
    check_minimum_age_by_law(
        components, new.country, new.region, age_on(new.birthdate, now.date()), now.date()
    )
    await refuse_when_over_limits(
        session,
        RegistrationAttempt.at,
        [(RegistrationAttempt.client_address == client_address, per_address_per_hour)],
        window=REGISTRATION_WINDOW,
        now=now,
    )
    attempt = RegistrationAttempt(client_address=client_address, at=now)
    if await session.scalar(select(Account.id).where(Account.handle == new.handle)):
        await record_failure(session, attempt, window=REGISTRATION_WINDOW)
        raise problems.handle_taken(new.handle)
    await session.rollback()  # end the reads' transaction before hashing
    password_hash = await components.hasher.hash(new.password)
    account = Account(
        handle=new.handle,
        display_name=new.display_name or new.handle,
        password_hash=password_hash,
        birthdate=new.birthdate,
        country=new.country,
        region=new.region,
        timezone=new.timezone,
    )
    await session.execute(
        delete(RegistrationAttempt).where(RegistrationAttempt.at <= now - REGISTRATION_WINDOW)
    )
    session.add_all([account, attempt])
    try:
        await session.commit()
    except IntegrityError as exc:  # a concurrent registration took the handle
        await session.rollback()
        await record_failure(session, attempt, window=REGISTRATION_WINDOW)
        raise problems.handle_taken(new.handle) from exc
    return account
