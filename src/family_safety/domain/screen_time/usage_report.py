"""A usage report from a device, checked against the contract before any of it counts.

``{device_id, intervals: [{start, end}]}``: the times are RFC 3339 strings (aware datetimes are
taken too, should a schema have parsed them already). Errors are ``{field, message}`` items for
the 422 answer; an interval's errors name it ``intervals[N]``, N from 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

MAX_INTERVALS = 100
MAX_INTERVAL_LENGTH = timedelta(hours=24)
FUTURE_ALLOWANCE = timedelta(minutes=2)  # device clocks run a little ahead
MAX_AGE = timedelta(days=7)

_DEVICE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_RFC3339 = re.compile(  # full-date "T" full-time; T and Z may be lower case
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_REPORT_FIELDS = {"device_id", "intervals"}
_INTERVAL_FIELDS = {"start", "end"}

FieldError = dict[str, str]


class UsageReport(NamedTuple):
    device_id: str
    intervals: tuple[tuple[datetime, datetime], ...]  # aware, start < end


class InvalidUsageReport(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(f"{error['field']}: {error['message']}" for error in errors))
        self.errors = errors


def validate_usage_report(raw: object, now: datetime) -> list[FieldError]:
    """What is wrong with a decoded report body at now; empty when nothing is."""
    try:
        parse_usage_report(raw, now)
    except InvalidUsageReport as invalid:
        return invalid.errors
    return []


def parse_usage_report(raw: object, now: datetime) -> UsageReport:
    """A decoded report body, checked at now; raises InvalidUsageReport naming every problem
    (at most one an interval)."""
    if not isinstance(raw, Mapping):
        raise InvalidUsageReport([_error("body", "must be an object with device_id and intervals")])
    errors = [
        _error(str(name), "is not a field of a usage report")
        for name in raw
        if name not in _REPORT_FIELDS
    ]
    device_id = raw.get("device_id")
    if not isinstance(device_id, str) or not _DEVICE_ID.fullmatch(device_id):
        errors.append(_error("device_id", "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'"))
    intervals = raw.get("intervals")
    checked: list[tuple[datetime, datetime]] = []
    if not isinstance(intervals, list):
        errors.append(_error("intervals", "must be a list of {start, end}"))
    elif len(intervals) > MAX_INTERVALS:
        errors.append(
            _error(
                "intervals", f"must hold at most {MAX_INTERVALS} intervals, not {len(intervals)}"
            )
        )
    else:
        for index, interval in enumerate(intervals):
            try:
                checked.append(_interval(interval, now))
            except ValueError as problem:
                errors.append(_error(f"intervals[{index}]", str(problem)))
    if errors:
        raise InvalidUsageReport(errors)
    return UsageReport(str(device_id), tuple(checked))


def _interval(raw: object, now: datetime) -> tuple[datetime, datetime]:
    if not isinstance(raw, Mapping) or raw.keys() != _INTERVAL_FIELDS:
        raise ValueError("must be an object with start and end")
    start, end = instant(raw["start"], "start"), instant(raw["end"], "end")
    if not start < end:
        raise ValueError("start must be before end")
    if end - start > MAX_INTERVAL_LENGTH:
        raise ValueError("must last at most 24 hours")
    if end > now + FUTURE_ALLOWANCE:
        raise ValueError("end must be at most 2 minutes in the future")
    if start < now - MAX_AGE:
        raise ValueError("start must be at most 7 days ago")
    return start, end


def instant(raw: object, name: str) -> datetime:
    """An RFC 3339 date and time with an offset (or an aware datetime); ValueError naming
    ``name`` otherwise."""
    if isinstance(raw, datetime) and raw.utcoffset() is not None:
        return raw
    if isinstance(raw, str) and _RFC3339.fullmatch(raw):
        try:
            return datetime.fromisoformat(raw.upper())
        except ValueError:
            pass  # a well-formed but impossible date or time, such as 2026-02-30
    raise ValueError(f"{name} must be an RFC 3339 date and time with an offset")


def _error(field: str, message: str) -> FieldError:
    return {"field": field, "message": message}
