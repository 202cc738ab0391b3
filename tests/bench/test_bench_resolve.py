"""Micro-benchmark of the policy engine's hot path: a teen with two guardians bounding every key.

Run with `uv run pytest tests/bench --benchmark-only`. Timing never fails a test.
"""

from itertools import count

import msgspec
import pytest

from family_safety.domain.account_settings.schemas import effective_settings_out
from family_safety.domain.policy import (
    CATALOG,
    EffectiveSettings,
    GuardianLimits,
    PolicyPack,
    load_default_pack,
    resolve,
)

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]

OWN_CHOICES = {
    "account.private": False,
    "comments.who_can_comment": "friends",
    "content.keyword_filters": ["spoilers"],
    "screen_time.daily_limit_minutes": 90,
    "notifications.quiet_hours": [{"days": WEEKDAYS, "start": "21:30", "end": "07:00"}],
}
FIRST_GUARDIAN = {
    "account.private": True,
    "account.suggest_to_others": False,
    "messaging.direct_messages": "friends",
    "live.enabled": False,
    "comments.who_can_comment": "no_one",
    "remix.duet_stitch": "friends",
    "downloads.allowed": False,
    "content.restricted_mode": True,
    "content.keyword_filters": ["gambling", "vaping", "Diet"],
    "search.enabled": True,
    "screen_time.daily_limit_minutes": {
        "mon": 60,
        "tue": 60,
        "wed": 60,
        "thu": 60,
        "fri": 90,
        "sat": 120,
        "sun": None,
    },
    "screen_time.time_away": [{"days": WEEKDAYS, "start": "08:30", "end": "15:00"}],
    "notifications.quiet_hours": [{"days": ["sat", "sun"], "start": "23:00", "end": "09:00"}],
    "notifications.push": True,
    "feed.autoplay": False,
    "feed.personalised": False,
    "messaging.read_receipts": True,
    "messaging.group_invites": "friends",
    "location.sharing": False,
    "content.maturity": "13+",
}
SECOND_GUARDIAN = {
    "account.private": True,
    "account.suggest_to_others": False,
    "messaging.direct_messages": "no_one",
    "live.enabled": False,
    "comments.who_can_comment": "friends",
    "remix.duet_stitch": "only_me",
    "downloads.allowed": True,
    "content.restricted_mode": False,
    "content.keyword_filters": ["diet", "casino"],
    "search.enabled": False,
    "screen_time.daily_limit_minutes": 75,
    "screen_time.time_away": [{"days": ["sun"], "start": "22:00", "end": "06:00"}],
    "notifications.quiet_hours": [{"days": WEEKDAYS, "start": "21:00", "end": "07:30"}],
    "notifications.push": False,
    "feed.autoplay": False,
    "feed.personalised": True,
    "messaging.read_receipts": False,
    "messaging.group_invites": "no_one",
    "location.sharing": False,
    "content.maturity": "limited",
}


def canonical(wire: dict) -> dict:
    return {key: CATALOG[key].parse(value) for key, value in wire.items()}


@pytest.fixture(scope="module")
def pack() -> PolicyPack:
    return load_default_pack()


@pytest.fixture(scope="module")
def inputs() -> dict:
    assert FIRST_GUARDIAN.keys() == SECOND_GUARDIAN.keys() == CATALOG.keys()
    return {
        "band": "13-15",
        "start_band": "13-15",
        "own_choices": canonical(OWN_CHOICES),
        "guardians": [
            GuardianLimits("g-1", "parent_one", canonical(FIRST_GUARDIAN)),
            GuardianLimits("g-2", "parent_two", canonical(SECOND_GUARDIAN)),
        ],
    }


def test_resolve(benchmark, pack: PolicyPack, inputs: dict) -> None:
    """The same account again: per-key results come from the engine's memo."""
    result = benchmark(lambda: resolve(pack, **inputs))
    assert isinstance(result, EffectiveSettings)
    assert all(setting.bound is not None for setting in result.settings.values())


def test_resolve_new_family(benchmark, pack: PolicyPack, inputs: dict) -> None:
    """A family never seen before: new guardian ids, so every key is worked out afresh."""
    families = count()

    def new_family() -> tuple[tuple, dict]:
        family = next(families)
        guardians = [
            GuardianLimits(f"{guardian.guardian_id}-{family}", guardian.handle, guardian.limits)
            for guardian in inputs["guardians"]
        ]
        return (pack,), {**inputs, "guardians": guardians}

    result = benchmark.pedantic(resolve, setup=new_family, rounds=2000, warmup_rounds=10)
    assert isinstance(result, EffectiveSettings)


def test_resolve_and_to_wire(benchmark, pack: PolicyPack, inputs: dict) -> None:
    wire = benchmark(
        lambda: msgspec.to_builtins(effective_settings_out(resolve(pack, **inputs), "account-1"))
    )
    assert wire["settings"].keys() == CATALOG.keys()
