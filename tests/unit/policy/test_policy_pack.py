"""Policy packs: the shipped pack's data, describe(), and broken packs naming file and line."""

from pathlib import Path

import msgspec
import pytest

from family_safety.domain.account_settings.schemas import policy_out
from family_safety.domain.policy import CATALOG, SETTING_KEYS, Band, PolicyPackError, load_pack
from family_safety.domain.policy.pack import DEFAULT_PACK_PATH, load_default_pack

DEFAULT_TEXT = DEFAULT_PACK_PATH.read_text(encoding="utf-8")
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def test_the_default_pack_is_shipped_and_loaded_once() -> None:
    pack = load_default_pack()
    assert pack is load_default_pack()
    assert (pack.id, pack.version, pack.minimum_age) == ("default", "2026-12-07", 13)
    assert pack.bands == (Band("13-15", 13), Band("16-17", 16), Band("18+", 18))
    assert pack.guardian_band == "18+"


def test_the_default_pack_holds_a_default_for_every_key_and_band() -> None:
    pack = load_default_pack()
    for band in pack.band_names:
        assert tuple(pack.defaults[band]) == SETTING_KEYS
    assert pack.defaults["18+"]["screen_time.daily_limit_minutes"] == (None,) * 7
    assert pack.defaults["16-17"]["screen_time.daily_limit_minutes"] == (60,) * 7


def test_the_default_pack_gates() -> None:
    pack = load_default_pack()
    wire = {
        band: {key: CATALOG[key].dump(value) for key, value in gates.items()}
        for band, gates in pack.gates.items()
    }
    assert wire == {
        "13-15": {
            "messaging.direct_messages": "no_one",
            "live.enabled": False,
            "comments.who_can_comment": "friends",
            "remix.duet_stitch": "only_me",
            "downloads.allowed": False,
            "notifications.quiet_hours": [{"days": EVERY_DAY, "start": "21:00", "end": "08:00"}],
            "messaging.group_invites": "friends",
            "location.sharing": False,
        },
        "16-17": {
            "notifications.quiet_hours": [{"days": EVERY_DAY, "start": "22:00", "end": "08:00"}],
        },
        "18+": {},
    }


def test_the_pack_is_read_only() -> None:
    pack = load_default_pack()
    with pytest.raises(TypeError):
        pack.defaults["13-15"]["account.private"] = False  # type: ignore[index]


def test_describe_answers_bands_and_every_setting_with_schema_defaults_and_gates() -> None:
    described = msgspec.to_builtins(policy_out(load_default_pack()))
    assert {key: described[key] for key in ("id", "version", "minimum_age", "guardian_band")} == {
        "id": "default",
        "version": "2026-12-07",
        "minimum_age": 13,
        "guardian_band": "18+",
    }
    assert described["bands"] == [
        {"name": "13-15", "min_age": 13, "max_age": 15, "teen": True},
        {"name": "16-17", "min_age": 16, "max_age": 17, "teen": True},
        {"name": "18+", "min_age": 18, "max_age": None, "teen": False},
    ]
    assert [setting["key"] for setting in described["settings"]] == list(SETTING_KEYS)
    messages = described["settings"][2]
    assert messages == {
        "key": "messaging.direct_messages",
        "schema": {"type": "string", "enum": ["everyone", "friends", "no_one"]},
        "strictness": "everyone → friends → no_one",
        "defaults": {"13-15": "no_one", "16-17": "no_one", "18+": "everyone"},
        "gates": {"13-15": "no_one", "16-17": None, "18+": None},
        "needs_guardian": {"13-15": None, "16-17": None, "18+": None},
    }
    daily = described["settings"][10]
    assert daily["defaults"]["18+"] == dict.fromkeys(EVERY_DAY)
    assert daily["gates"] == {"13-15": None, "16-17": None, "18+": None}


def line_number(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def load_broken(tmp_path: Path, text: str) -> PolicyPackError:
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyPackError) as raised:
        load_pack(path)
    return raised.value


def replaced(old: str, new: str) -> str:
    assert DEFAULT_TEXT.count(old) == 1, old
    return DEFAULT_TEXT.replace(old, new)


def test_a_toml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    text = replaced("minimum_age = 13", "minimum_age = = 13")
    error = load_broken(tmp_path, text)
    line = line_number(text, "minimum_age = = 13")
    assert str(error) == f"broken.toml line {line}, column 15: invalid TOML: Invalid value"


def test_a_bad_value_names_the_line_key_band_and_reason(tmp_path: Path) -> None:
    text = replaced('defaults."13-15" = "no_one"', 'defaults."13-15" = "nobody"')
    error = load_broken(tmp_path, text)
    line = line_number(text, '"nobody"')
    assert str(error) == (
        f"broken.toml line {line}: messaging.direct_messages: "
        'defaults.13-15: "nobody" is not one of everyone, friends, no_one'
    )


def test_a_bad_gate_names_its_line(tmp_path: Path) -> None:
    comments = (
        'defaults."16-17" = "everyone"\ndefaults."18+" = "everyone"\ngates."13-15" = "friends"'
    )
    text = replaced(comments, comments.replace('"friends"', '"some"'))
    error = load_broken(tmp_path, text)
    line = line_number(text, '"some"')
    assert str(error).startswith(f"broken.toml line {line}: ")
    assert "comments.who_can_comment: gates.13-15:" in str(error)


def test_null_in_a_pack_is_written_as_the_string_null(tmp_path: Path) -> None:
    text = replaced(
        'defaults."16-17" = 60',
        'defaults."16-17" = { mon = 60, tue = 60, wed = 60, thu = 60, fri = 60, sat = "null", '
        'sun = "null" }',
    )
    path = tmp_path / "weekends.toml"
    path.write_text(text, encoding="utf-8")
    pack = load_pack(path)
    assert pack.defaults["16-17"]["screen_time.daily_limit_minutes"] == (60,) * 5 + (None,) * 2
    private = '[settings."account.private"]\ndefaults."13-15" = true\n'
    error = load_broken(tmp_path, replaced(private, private.replace("true", '"null"')))
    assert "account.private: defaults.13-15: must be true or false, not null" in str(error)


def test_a_band_missing_a_default_names_the_setting_section(tmp_path: Path) -> None:
    remix = 'defaults."13-15" = "only_me"\ndefaults."16-17" = "friends"\n'
    text = replaced(remix, 'defaults."13-15" = "only_me"\n')
    error = load_broken(tmp_path, text)
    line = line_number(text, '[settings."remix.duet_stitch"]')
    assert str(error) == (
        f"broken.toml line {line}: remix.duet_stitch: defaults: no value for band 16-17"
    )


def test_a_missing_setting_names_the_file_and_key(tmp_path: Path) -> None:
    section = '[settings."search.enabled"]\ndefaults."13-15" = true\n'
    section += 'defaults."16-17" = true\ndefaults."18+" = true\n'
    error = load_broken(tmp_path, replaced(section, ""))
    assert str(error) == "broken.toml: settings: no defaults for search.enabled"


def test_an_unknown_setting_names_its_line(tmp_path: Path) -> None:
    text = DEFAULT_TEXT + '\n[settings."search.history"]\ndefaults."13-15" = true\n'
    error = load_broken(tmp_path, text)
    assert str(error) == (
        f"broken.toml line {line_number(text, 'search.history')}: "
        "settings: unknown setting 'search.history'"
    )


def test_an_unknown_band_names_its_line(tmp_path: Path) -> None:
    text = replaced('defaults."18+" = []\ngates', 'defaults."18+" = []\ngates."12-" = []\ngates')
    error = load_broken(tmp_path, text)
    line = line_number(text, '"12-"')
    assert str(error) == (
        f"broken.toml line {line}: notifications.quiet_hours: gates: unknown band '12-'"
    )


def test_a_default_looser_than_its_gate_names_the_default_line(tmp_path: Path) -> None:
    text = replaced('defaults."13-15" = "only_me"', 'defaults."13-15" = "friends"')
    error = load_broken(tmp_path, text)
    line = line_number(text, 'defaults."13-15" = "friends"\ndefaults."16-17" = "friends"')
    assert str(error) == (
        f"broken.toml line {line}: remix.duet_stitch: defaults.13-15 'friends' is looser than "
        "gates.13-15 'only_me'"
    )


def test_a_window_default_looser_than_its_gate(tmp_path: Path) -> None:
    late = '[{ days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], start = "23:00", '
    late += 'end = "08:00" }]'
    text = DEFAULT_TEXT.replace(
        'defaults."16-17" = [{ days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], '
        'start = "22:00", end = "08:00" }]',
        f'defaults."16-17" = {late}',
    )
    error = load_broken(tmp_path, text)
    assert str(error).startswith(
        f"broken.toml line {line_number(text, late)}: notifications.quiet_hours: defaults.16-17 "
    )


@pytest.mark.parametrize(
    ("old", "new", "message", "on_line"),
    [
        ("minimum_age = 13", 'minimum_age = "13"', "minimum_age: Input should be", "minimum_age"),
        ('version = "2026-12-07"', "version = 2026-12-07", "version: Input should be", "version"),
        ('id = "default"', 'id = "default"\nowner = "me"', "owner: Extra inputs", "owner"),
        (
            '{ name = "18+", min_age = 18 }',
            '{ name = "18+", min_age = 15 }',
            "bands: 18+ must start older than 16-17",
            '{ name = "18+"',
        ),
        (
            "minimum_age = 13",
            "minimum_age = 12",
            "bands: the first band must start at minimum_age 12",
            '{ name = "13-15"',
        ),
        (
            'guardian_band = "18+"',
            'guardian_band = "adult"',
            "guardian_band: 'adult' is not a band",
            "guardian_band",
        ),
        (
            'defaults."18+" = true\n\n[settings."messaging.direct',
            'defaults."18+" = true\ndefault."18+" = true\n\n[settings."messaging.direct',
            "settings.account.suggest_to_others.default: Extra inputs are not permitted",
            'default."18+"',
        ),
    ],
)
def test_bad_pack_structure_names_the_line(
    tmp_path: Path, old: str, new: str, message: str, on_line: str
) -> None:
    text = replaced(old, new)
    error = load_broken(tmp_path, text)
    assert str(error).startswith(f"broken.toml line {line_number(text, on_line)}: {message}")


def test_a_file_without_bands_is_refused(tmp_path: Path) -> None:
    error = load_broken(tmp_path, 'id = "x"\nversion = "1"\nminimum_age = 13\n')
    assert str(error).startswith("broken.toml")
    assert "Field required" in str(error)


def test_the_policy_shows_the_content_level_needs_a_guardian_to_loosen() -> None:
    described = msgspec.to_builtins(policy_out(load_default_pack()))
    maturity = next(item for item in described["settings"] if item["key"] == "content.maturity")
    assert maturity["needs_guardian"] == {"13-15": "13+", "16-17": "13+", "18+": None}
