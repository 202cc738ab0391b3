"""Checking a device's usage report before any of it counts."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from family_safety.domain.screen_time.usage_report import (
    InvalidUsageReport,
    parse_usage_report,
    validate_usage_report,
)

NOW = datetime(2026, 3, 29, 12, tzinfo=UTC)


def report(*intervals: dict[str, Any], device_id: object = "phone-1") -> dict[str, Any]:
    return {"device_id": device_id, "intervals": list(intervals)}


def interval(start: str, end: str) -> dict[str, Any]:
    return {"start": start, "end": end}


def fields(raw: object) -> list[str]:
    return [error["field"] for error in validate_usage_report(raw, NOW)]


def test_a_well_formed_report_reads_as_aware_intervals() -> None:
    raw = report(
        interval("2026-03-29T10:00:00Z", "2026-03-29T10:30:00.5Z"),
        interval("2026-03-29t12:00:00+01:00", "2026-03-29T12:10:00+01:00"),
    )
    assert validate_usage_report(raw, NOW) == []
    parsed = parse_usage_report(raw, NOW)
    assert parsed.device_id == "phone-1"
    assert parsed.intervals[1] == (
        datetime(2026, 3, 29, 11, tzinfo=UTC),
        datetime(2026, 3, 29, 11, 10, tzinfo=UTC),
    )


def test_a_report_with_no_intervals_is_accepted() -> None:
    assert validate_usage_report(report(), NOW) == []


@pytest.mark.parametrize("device_id", ["", "x" * 65, "my phone", "téléphone", 7, None])
def test_a_device_id_outside_the_contract_is_refused(device_id: object) -> None:
    assert fields(report(device_id=device_id)) == ["device_id"]


@pytest.mark.parametrize("device_id", ["a", "x" * 64, "Pixel_8.work-2"])
def test_a_device_id_of_the_allowed_characters_is_accepted(device_id: str) -> None:
    assert fields(report(device_id=device_id)) == []


def test_more_than_100_intervals_are_refused() -> None:
    one = interval("2026-03-29T10:00:00Z", "2026-03-29T10:01:00Z")
    assert fields(report(*[one] * 100)) == []
    assert fields(report(*[one] * 101)) == ["intervals"]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-03-29T10:00:00Z", "2026-03-29T10:00:00Z", "start must be before end"),
        ("2026-03-29T10:00:00Z", "2026-03-29T09:00:00Z", "start must be before end"),
        ("2026-03-28T09:59:59Z", "2026-03-29T10:00:00Z", "at most 24 hours"),
        ("2026-03-29T11:00:00Z", "2026-03-29T12:02:01Z", "2 minutes in the future"),
        ("2026-03-22T11:59:59Z", "2026-03-22T13:00:00Z", "7 days ago"),
        ("2026-03-29T10:00:00", "2026-03-29T11:00:00Z", "with an offset"),
        ("2026-03-29", "2026-03-29T11:00:00Z", "RFC 3339"),
        ("2026-02-30T10:00:00Z", "2026-03-29T11:00:00Z", "RFC 3339"),
        ("1774778400", "2026-03-29T11:00:00Z", "RFC 3339"),
    ],
)
def test_a_bad_interval_is_named_by_its_place(start: str, end: str, message: str) -> None:
    good = interval("2026-03-29T10:00:00Z", "2026-03-29T10:01:00Z")
    errors = validate_usage_report(report(good, interval(start, end)), NOW)
    assert [error["field"] for error in errors] == ["intervals[1]"]
    assert message in errors[0]["message"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-28T10:00:00Z", "2026-03-29T10:00:00Z"),  # exactly 24 hours
        ("2026-03-29T11:00:00Z", "2026-03-29T12:02:00Z"),  # exactly 2 minutes ahead
        ("2026-03-22T12:00:00Z", "2026-03-22T13:00:00Z"),  # exactly 7 days ago
    ],
)
def test_an_interval_right_at_a_limit_is_accepted(start: str, end: str) -> None:
    assert fields(report(interval(start, end))) == []


def test_every_bad_interval_is_named() -> None:
    bad = interval("2026-03-29T10:00:00Z", "2026-03-29T09:00:00Z")
    good = interval("2026-03-29T10:00:00Z", "2026-03-29T10:01:00Z")
    assert fields(report(bad, good, bad, device_id="")) == [
        "device_id",
        "intervals[0]",
        "intervals[2]",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([], ["body"]),
        ({"intervals": []}, ["device_id"]),
        ({"device_id": "a"}, ["intervals"]),
        ({"device_id": "a", "intervals": {}}, ["intervals"]),
        ({"device_id": "a", "intervals": [], "extra": 1}, ["extra"]),
        ({"device_id": "a", "intervals": [["2026-03-29T10:00:00Z"]]}, ["intervals[0]"]),
        ({"device_id": "a", "intervals": [{"start": "2026-03-29T10:00:00Z"}]}, ["intervals[0]"]),
    ],
)
def test_a_body_of_the_wrong_shape_is_refused(raw: object, expected: list[str]) -> None:
    assert fields(raw) == expected


def test_times_a_schema_already_parsed_are_checked_the_same_way() -> None:
    start = NOW - timedelta(hours=1)
    parsed = parse_usage_report(report({"start": start, "end": NOW}), NOW)
    assert parsed.intervals == ((start, NOW),)
    with pytest.raises(InvalidUsageReport) as refused:
        parse_usage_report(report({"start": start.replace(tzinfo=None), "end": NOW}), NOW)
    assert refused.value.errors == [
        {
            "field": "intervals[0]",
            "message": "start must be an RFC 3339 date and time with an offset",
        }
    ]
