"""resolve() and violations() on the default pack: the contract's table, start bands, sources."""

from typing import Any

import msgspec
import pytest

from family_safety.domain.account_settings.schemas import effective_settings_out
from family_safety.domain.policy import (
    CATALOG,
    SETTING_KEYS,
    GuardianLimits,
    load_default_pack,
    resolve,
    violations,
)

PACK = load_default_pack()
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def gate(band: str) -> dict[str, str]:
    return {"kind": "age_gate", "band": band}


def guardian_party(number: int) -> dict[str, str]:
    return {"kind": "guardian", "guardian_id": f"g-{number}", "handle": f"parent_{number}"}


def guardian(number: int, **wire_limits: Any) -> GuardianLimits:
    return GuardianLimits(f"g-{number}", f"parent_{number}", canonical(wire_limits))


def canonical(wire: dict[str, Any]) -> dict[str, Any]:
    return {
        key.replace("__", "."): CATALOG[key.replace("__", ".")].parse(v) for key, v in wire.items()
    }


def wire_settings(
    band: str,
    start_band: str | None = None,
    own_choices: dict[str, Any] | None = None,
    guardians: tuple[GuardianLimits, ...] = (),
) -> dict[str, Any]:
    effective = resolve(
        PACK,
        band=band,
        start_band=start_band or band,
        own_choices=canonical(own_choices or {}),
        guardians=guardians,
    )
    return msgspec.to_builtins(effective_settings_out(effective, "account-1"))["settings"]


def unbounded(value: Any, source: str = "default") -> dict[str, Any]:
    return {"value": value, "source": source, "bound": None, "can_change": True}


def gated(value: Any, band: str, *, can_change: bool) -> dict[str, Any]:
    return {
        "value": value,
        "source": "default",
        "bound": {"value": value, "set_by": [gate(band)]},
        "can_change": can_change,
    }


def quiet_hours(start: str) -> list[dict[str, Any]]:
    return [{"days": EVERY_DAY, "start": start, "end": "08:00"}]


def test_to_wire_answers_the_contract_shape() -> None:
    effective = resolve(PACK, band="16-17", start_band="13-15", own_choices={}, guardians=[])
    wire = msgspec.to_builtins(effective_settings_out(effective, "account-1"))
    assert wire["account_id"] == "account-1"
    assert wire["age_band"] == "16-17"
    assert wire["policy"] == {"id": "default", "version": "2026-12-07", "laws": []}
    assert list(wire["settings"]) == list(SETTING_KEYS)


def test_a_13_to_15_account_starts_with_the_contract_table() -> None:
    assert wire_settings("13-15") == {
        "account.private": unbounded(True),
        "account.suggest_to_others": unbounded(False),
        "messaging.direct_messages": gated("no_one", "13-15", can_change=False),
        "live.enabled": gated(False, "13-15", can_change=False),
        "comments.who_can_comment": gated("friends", "13-15", can_change=True),
        "remix.duet_stitch": gated("only_me", "13-15", can_change=False),
        "downloads.allowed": gated(False, "13-15", can_change=False),
        "content.restricted_mode": unbounded(False),
        "content.keyword_filters": unbounded([]),
        "search.enabled": unbounded(True),
        "screen_time.daily_limit_minutes": unbounded(dict.fromkeys(EVERY_DAY, 60)),
        "screen_time.time_away": unbounded([]),
        "notifications.quiet_hours": gated(quiet_hours("21:00"), "13-15", can_change=True),
        "notifications.push": unbounded(True),
        "feed.autoplay": unbounded(True),
        "feed.personalised": unbounded(True),
        "messaging.read_receipts": unbounded(True),
        "messaging.group_invites": gated("friends", "13-15", can_change=True),
        "location.sharing": gated(False, "13-15", can_change=False),
        "content.maturity": gated("13+", "13-15", can_change=True),
    }


def test_a_16_to_17_account_starts_with_the_contract_table() -> None:
    assert wire_settings("16-17") == {
        "account.private": unbounded(False),
        "account.suggest_to_others": unbounded(False),
        "messaging.direct_messages": unbounded("no_one"),
        "live.enabled": unbounded(True),
        "comments.who_can_comment": unbounded("everyone"),
        "remix.duet_stitch": unbounded("friends"),
        "downloads.allowed": unbounded(False),
        "content.restricted_mode": unbounded(False),
        "content.keyword_filters": unbounded([]),
        "search.enabled": unbounded(True),
        "screen_time.daily_limit_minutes": unbounded(dict.fromkeys(EVERY_DAY, 60)),
        "screen_time.time_away": unbounded([]),
        "notifications.quiet_hours": gated(quiet_hours("22:00"), "16-17", can_change=True),
        "notifications.push": unbounded(True),
        "feed.autoplay": unbounded(True),
        "feed.personalised": unbounded(True),
        "messaging.read_receipts": unbounded(True),
        "messaging.group_invites": unbounded("friends"),
        "location.sharing": unbounded(False),
        "content.maturity": gated("13+", "16-17", can_change=True),
    }


def test_an_adult_account_starts_with_the_contract_table() -> None:
    assert wire_settings("18+") == {
        "account.private": unbounded(False),
        "account.suggest_to_others": unbounded(True),
        "messaging.direct_messages": unbounded("everyone"),
        "live.enabled": unbounded(True),
        "comments.who_can_comment": unbounded("everyone"),
        "remix.duet_stitch": unbounded("everyone"),
        "downloads.allowed": unbounded(True),
        "content.restricted_mode": unbounded(False),
        "content.keyword_filters": unbounded([]),
        "search.enabled": unbounded(True),
        "screen_time.daily_limit_minutes": unbounded(dict.fromkeys(EVERY_DAY)),
        "screen_time.time_away": unbounded([]),
        "notifications.quiet_hours": unbounded([]),
        "notifications.push": unbounded(True),
        "feed.autoplay": unbounded(True),
        "feed.personalised": unbounded(True),
        "messaging.read_receipts": unbounded(True),
        "messaging.group_invites": unbounded("everyone"),
        "location.sharing": unbounded(False),
        "content.maturity": unbounded("all"),
    }


def test_turning_16_lifts_gates_but_never_loosens_an_unchosen_value() -> None:
    settings = wire_settings("16-17", start_band="13-15")
    assert settings["account.private"] == unbounded(True)
    assert settings["messaging.direct_messages"] == unbounded("no_one")
    assert settings["live.enabled"] == unbounded(False)
    assert settings["comments.who_can_comment"] == unbounded("friends")
    assert settings["remix.duet_stitch"] == unbounded("only_me")
    assert settings["notifications.quiet_hours"] == {
        "value": quiet_hours("21:00"),
        "source": "default",
        "bound": {"value": quiet_hours("22:00"), "set_by": [gate("16-17")]},
        "can_change": True,
    }


def test_turning_18_keeps_the_daily_limit_of_the_start_band() -> None:
    settings = wire_settings("18+", start_band="16-17")
    assert settings["screen_time.daily_limit_minutes"] == unbounded(dict.fromkeys(EVERY_DAY, 60))
    assert settings["account.suggest_to_others"] == unbounded(False)
    assert settings["live.enabled"] == unbounded(True)


def test_a_choice_once_the_gate_lifts_is_the_holders() -> None:
    settings = wire_settings(
        "16-17",
        start_band="13-15",
        own_choices={"account.private": False, "live.enabled": True},
    )
    assert settings["account.private"] == unbounded(False, "self")
    assert settings["live.enabled"] == unbounded(True, "self")


def test_a_choice_looser_than_the_gate_is_clamped_by_the_age_gate() -> None:
    settings = wire_settings(
        "13-15",
        own_choices={"comments.who_can_comment": "everyone", "notifications.quiet_hours": []},
    )
    assert settings["comments.who_can_comment"] == {
        "value": "friends",
        "source": "age_gate",
        "bound": {"value": "friends", "set_by": [gate("13-15")]},
        "can_change": True,
    }
    assert settings["notifications.quiet_hours"]["value"] == quiet_hours("21:00")
    assert settings["notifications.quiet_hours"]["source"] == "age_gate"


def test_a_choice_stricter_than_every_bound_is_kept_as_the_holders() -> None:
    settings = wire_settings(
        "13-15",
        own_choices={"comments.who_can_comment": "no_one"},
        guardians=(guardian(1, comments__who_can_comment="friends"),),
    )
    assert settings["comments.who_can_comment"] == {
        "value": "no_one",
        "source": "self",
        "bound": {"value": "friends", "set_by": [gate("13-15"), guardian_party(1)]},
        "can_change": True,
    }


def test_the_strictest_guardian_wins_and_ties_are_all_named() -> None:
    guardians = (
        guardian(1, messaging__direct_messages="friends", account__private=True),
        guardian(2, messaging__direct_messages="no_one", account__private=True),
    )
    settings = wire_settings("16-17", guardians=guardians)
    assert settings["messaging.direct_messages"] == {
        "value": "no_one",
        "source": "default",
        "bound": {"value": "no_one", "set_by": [guardian_party(2)]},
        "can_change": False,
    }
    assert settings["account.private"] == {
        "value": True,
        "source": "guardian",
        "bound": {"value": True, "set_by": [guardian_party(1), guardian_party(2)]},
        "can_change": False,
    }


def test_a_guardian_limit_looser_than_the_gate_is_kept_but_does_not_win() -> None:
    guardians = (guardian(1, messaging__direct_messages="friends"),)
    settings = wire_settings("13-15", guardians=guardians)
    assert settings["messaging.direct_messages"]["bound"] == {
        "value": "no_one",
        "set_by": [gate("13-15")],
    }
    later = wire_settings("16-17", start_band="13-15", guardians=guardians)
    assert later["messaging.direct_messages"] == {
        "value": "no_one",
        "source": "default",
        "bound": {"value": "friends", "set_by": [guardian_party(1)]},
        "can_change": True,
    }


def test_lists_join_the_holders_choice_with_every_bound() -> None:
    settings = wire_settings(
        "16-17",
        own_choices={"content.keyword_filters": ["Diet"]},
        guardians=(
            guardian(1, content__keyword_filters=["vaping", "diet"]),
            guardian(2, content__keyword_filters=[]),
        ),
    )
    assert settings["content.keyword_filters"] == {
        "value": ["Diet", "vaping"],
        "source": "guardian",
        "bound": {"value": ["vaping", "diet"], "set_by": [guardian_party(1)]},
        "can_change": True,
    }


def test_a_list_bound_the_gate_alone_explains_is_the_age_gates() -> None:
    late_nights = [{"days": ["fri", "sat"], "start": "23:00", "end": "02:00"}]
    settings = wire_settings(
        "13-15",
        own_choices={"notifications.quiet_hours": []},
        guardians=(guardian(1, notifications__quiet_hours=late_nights),),
    )
    quiet = settings["notifications.quiet_hours"]
    assert quiet["source"] == "age_gate"  # 21:00-08:00 every day already covers the guardian's
    assert quiet["bound"]["set_by"] == [gate("13-15"), guardian_party(1)]
    assert quiet["value"] == quiet_hours("21:00") + late_nights


def test_a_bound_that_allows_everything_still_names_who_set_it() -> None:
    settings = wire_settings(
        "18+",
        guardians=(
            guardian(1, content__keyword_filters=[], screen_time__daily_limit_minutes=None),
            guardian(2, content__keyword_filters=[], screen_time__time_away=[]),
        ),
    )
    assert settings["content.keyword_filters"]["bound"] == {
        "value": [],
        "set_by": [guardian_party(1), guardian_party(2)],
    }
    assert settings["screen_time.daily_limit_minutes"]["bound"] == {
        "value": dict.fromkeys(EVERY_DAY),
        "set_by": [guardian_party(1)],
    }
    assert settings["screen_time.time_away"]["bound"] == {
        "value": [],
        "set_by": [guardian_party(2)],
    }


def test_daily_limits_take_the_smallest_limit_per_day() -> None:
    settings = wire_settings(
        "16-17",
        own_choices={
            "screen_time.daily_limit_minutes": {**dict.fromkeys(EVERY_DAY, 90), "sun": 30}
        },
        guardians=(
            guardian(1, screen_time__daily_limit_minutes={**dict.fromkeys(EVERY_DAY), "sat": 45}),
            guardian(2, screen_time__daily_limit_minutes=120),
        ),
    )
    assert settings["screen_time.daily_limit_minutes"] == {
        "value": {**dict.fromkeys(EVERY_DAY, 90), "sat": 45, "sun": 30},
        "source": "guardian",
        "bound": {
            "value": {**dict.fromkeys(EVERY_DAY, 120), "sat": 45},
            "set_by": [guardian_party(1), guardian_party(2)],
        },
        "can_change": True,
    }


def test_a_bound_of_15_minutes_every_day_leaves_a_single_value() -> None:
    settings = wire_settings("18+", guardians=(guardian(1, screen_time__daily_limit_minutes=15),))
    assert settings["screen_time.daily_limit_minutes"]["can_change"] is False
    assert settings["screen_time.daily_limit_minutes"]["source"] == "guardian"


def test_unknown_keys_in_choices_and_limits_are_ignored() -> None:
    effective = resolve(
        PACK,
        band="16-17",
        start_band="16-17",
        own_choices={"retired.setting": True},
        guardians=[GuardianLimits("g-1", "parent_1", {"retired.setting": True})],
    )
    assert tuple(effective.settings) == SETTING_KEYS


def test_set_by_parties_are_read_only_and_copied_on_the_wire() -> None:
    effective = resolve(PACK, band="13-15", start_band="13-15", own_choices={}, guardians=[])
    party = effective.settings["live.enabled"].bound.set_by[0]  # type: ignore[union-attr]
    with pytest.raises(TypeError):
        party["band"] = "18+"  # type: ignore[index]
    wire = msgspec.to_builtins(effective_settings_out(effective, "account-1"))
    wire["settings"]["live.enabled"]["bound"]["set_by"][0]["band"] = "changed"
    assert party["band"] == "13-15"


def test_violations_name_the_gate_then_guardians_in_order() -> None:
    guardians = [
        guardian(1, comments__who_can_comment="no_one"),
        guardian(2, comments__who_can_comment="friends"),
    ]
    found = violations(
        PACK, band="13-15", guardians=guardians, key="comments.who_can_comment", value="everyone"
    )
    assert [dict(party) for party in found] == [gate("13-15"), guardian_party(1), guardian_party(2)]
    found = violations(
        PACK, band="13-15", guardians=guardians, key="comments.who_can_comment", value="friends"
    )
    assert [dict(party) for party in found] == [guardian_party(1)]
    assert not violations(
        PACK, band="13-15", guardians=guardians, key="comments.who_can_comment", value="no_one"
    )
    assert not violations(PACK, band="18+", guardians=[], key="live.enabled", value=True)
