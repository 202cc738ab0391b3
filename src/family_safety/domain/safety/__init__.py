"""Safety: help, reports, blocks and search interventions (API.md), the pure core.

Data and selection only, no HTTP and no database: the resources, interventions and report
packs (TOML beside the policy pack, checked at start like it), which resources a caller is
shown by age and country, which report categories a reporter may choose and the next steps a
report answers with, and the search intervention matcher with its normalisation rule.
"""

from family_safety.domain.safety.categories import (
    categories_for,
    choosable,
    may_choose,
    next_steps_for,
)
from family_safety.domain.safety.matching import InterventionMatcher, default_matcher
from family_safety.domain.safety.normalise import RULE, normalise
from family_safety.domain.safety.pack import (
    AUDIENCES,
    STEP_KINDS,
    TOPICS,
    Intervention,
    NextStep,
    ReportCategory,
    Resource,
    SafetyPackError,
    SafetyPacks,
    load_default_packs,
    load_packs,
)
from family_safety.domain.safety.resources import fits_age, resources_for, serves_country, shown_to

__all__ = [
    "AUDIENCES",
    "RULE",
    "STEP_KINDS",
    "TOPICS",
    "Intervention",
    "InterventionMatcher",
    "NextStep",
    "ReportCategory",
    "Resource",
    "SafetyPackError",
    "SafetyPacks",
    "categories_for",
    "choosable",
    "default_matcher",
    "fits_age",
    "load_default_packs",
    "load_packs",
    "may_choose",
    "next_steps_for",
    "normalise",
    "resources_for",
    "serves_country",
    "shown_to",
]
