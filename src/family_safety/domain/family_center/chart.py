"""Screen time as a server-drawn SVG bar chart: no script, no inline style (CSP), and a text
equivalent for screen readers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from family_safety.domain.family_center.words import minutes_words

if TYPE_CHECKING:
    from family_safety.domain.screen_time.schemas import DayOut

WIDTH, HEIGHT = 320, 160
TOP, BOTTOM, LEFT = 12, 28, 8


def days_chart(days: list[DayOut]) -> Markup:
    """One bar per day (used minutes), a tick for each day's limit (with time given)."""
    if not days:
        return Markup("")
    peak = max(
        [60]
        + [day.used_minutes for day in days]
        + [(day.limit_minutes or 0) + day.granted_minutes for day in days]
    )
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - 2 * LEFT) / len(days)
    bar = slot * 0.6
    summary = "; ".join(
        f"{day.date:%a %d %b}: {minutes_words(day.used_minutes)} used"
        + (
            f" of {minutes_words(day.limit_minutes + day.granted_minutes)}"
            if day.limit_minutes is not None
            else ""
        )
        for day in days
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="Screen time, last {len(days)} days. {escape(summary)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>Screen time, last {len(days)} days</title>",
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - LEFT}" y2="{HEIGHT - BOTTOM}" '
        'class="axis"/>',
    ]
    for index, day in enumerate(days):
        x = LEFT + index * slot + (slot - bar) / 2
        height = plot * day.used_minutes / peak
        over = day.limit_minutes is not None and (
            day.used_minutes >= day.limit_minutes + day.granted_minutes
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{HEIGHT - BOTTOM - height:.1f}" width="{bar:.1f}" '
            f'height="{height:.1f}" class="bar{" over" if over else ""}" rx="3"/>'
        )
        if day.limit_minutes is not None:
            y = HEIGHT - BOTTOM - plot * (day.limit_minutes + day.granted_minutes) / peak
            parts.append(
                f'<line x1="{x - 3:.1f}" y1="{y:.1f}" x2="{x + bar + 3:.1f}" y2="{y:.1f}" '
                'class="limit"/>'
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 10}" class="day">{day.date:%a}</text>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM - height - 3:.1f}" '
            f'class="value">{day.used_minutes}</text>'
        )
    parts.append("</svg>")
    # Every part is a number, a date or text escaped above.
    return Markup("".join(parts))  # noqa: S704
