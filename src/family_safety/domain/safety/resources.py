"""Which safety resources a caller is shown, by age and country (pure: no I/O, no clock).

Ages come in as one question, is the caller under 18, so this module knows no band names; the
policy answers it. None means the age is unknown (an anonymous caller), and then every audience
is shown: someone looking for help without signing in may be any age.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from family_safety.domain.safety.pack import EVERY_COUNTRY, Resource, SafetyPacks

if TYPE_CHECKING:
    from datetime import date

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.policy.pack import PolicyPack

_FOR_UNDER_18 = frozenset({"under_18", "everyone"})
_NOT_FOR_18_PLUS = frozenset({"under_18"})


def is_minor(pack: PolicyPack, account: AnyAccount, today: date) -> bool:
    """The one question this module asks of ages: is the account under 18 (a teen band) today."""
    band = pack.band_for(account.age_birthdate, today)
    return band is not None and pack.is_teen(band)


def fits_age(audience: str, *, is_minor: bool | None) -> bool:
    """Whether something for audience is shown to a caller under 18 (is_minor), 18+ (not) or of
    unknown age (None).

    API.md leaves out adults-only resources for callers under 18; resources for education
    professionals are for adults too (people who work with children), so they are left out as
    well. Callers 18+ are not shown under_18-only ones.
    """
    if is_minor is None:
        return True
    if is_minor:
        return audience in _FOR_UNDER_18
    return audience not in _NOT_FOR_18_PLUS


def serves_country(resource: Resource, country: str | None) -> bool:
    """Whether resource helps in country (ISO 3166-1 alpha-2); None (unknown) means any."""
    return (
        country is None
        or resource.countries == (EVERY_COUNTRY,)
        or country.upper() in resource.countries
    )


def shown_to(resource: Resource, *, is_minor: bool | None, country: str | None) -> bool:
    """Whether a caller of that age and country is shown resource."""
    return fits_age(resource.audience, is_minor=is_minor) and serves_country(resource, country)


def resources_for(
    packs: SafetyPacks, *, is_minor: bool | None, country: str | None, topic: str | None = None
) -> tuple[Resource, ...]:
    """GET /v1/safety/resources: the resources for a caller, in pack order.

    is_minor: under 18 (True), 18+ (False), unknown (None: every audience). country: the query's,
    else the account's; None shows every country's (each resource names its countries). topic:
    only resources for that topic, when given.
    """
    return tuple(
        resource
        for resource in packs.resources
        if shown_to(resource, is_minor=is_minor, country=country)
        and (topic is None or topic in resource.topics)
    )
