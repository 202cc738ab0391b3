"""Report categories a reporter may choose, and the next steps a report answers with (pure).

Both are data in reports.toml; this module only selects from it, by the reporter's age (is
the reporter under 18) and country. A reporter is always signed in, so the age is known.
"""

from __future__ import annotations

from family_safety.domain.safety.pack import NextStep, ReportCategory, SafetyPacks
from family_safety.domain.safety.resources import fits_age, shown_to


def may_choose(category: ReportCategory, *, is_minor: bool) -> bool:
    """Whether a reporter may file a report in category: "adults" ones are for 18+ only."""
    return category.offered_to == "everyone" or not is_minor


def categories_for(packs: SafetyPacks, *, is_minor: bool) -> tuple[ReportCategory, ...]:
    """The categories a reporter may choose, in pack order: most needed first (harassment and
    bullying first, never the gravest first, "other" last; reports.toml keeps that order). The
    one list both GET /v1/safety/report-categories and the pages' report form show."""
    return tuple(
        category for category in packs.categories if may_choose(category, is_minor=is_minor)
    )


def choosable(packs: SafetyPacks, category_id: str, *, is_minor: bool) -> ReportCategory | None:
    """The category a report names, when the reporter may choose it; None (a 422) otherwise,
    unknown ids included."""
    category = packs.categories_by_id.get(category_id)
    return category if category is not None and may_choose(category, is_minor=is_minor) else None


def next_steps_for(
    packs: SafetyPacks, category_id: str, *, is_minor: bool, country: str | None
) -> tuple[NextStep, ...]:
    """A report's next_steps, in pack order: its category's steps whose audience fits the
    reporter's age and whose resource, if any, the reporter would be shown (by age and country:
    emergency services of the reporter's own country only). country None: every country's."""
    return tuple(
        step
        for step in packs.next_steps
        if step.category == category_id
        and fits_age(step.audience, is_minor=is_minor)
        and (step.resource is None or shown_to(step.resource, is_minor=is_minor, country=country))
    )
