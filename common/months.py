"""Whole-calendar-month arithmetic: the one calendar module of the project.

Pure Python with no Django import, so the pricing engine (quotes/pricing.py) uses it too.
"""

from collections.abc import Iterable
from datetime import date


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def is_first_of_month(day: date | None) -> bool:
    return day is not None and day.day == 1


def months_between(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (negative when `end` is earlier); days ignored:
    months(a, b) = (b.year - a.year) * 12 + b.month - a.month (docs/DOMAIN.md#agreement-periods)."""
    return (end.year - start.year) * 12 + end.month - start.month


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months; a day past the target month's end is clamped."""
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, min(day.day, days_in_month(year, month0 + 1)))


def month_label(day: date) -> str:
    """A month as every page, offer and export writes it: 06.2026."""
    return f"{day:%m.%Y}"


def last_month_label(end: date) -> str:
    """The last month an end-exclusive span covers: "06.2026" for an end of 2026-07-01 (a
    period's end, and what "paid until" names; docs/DOMAIN.md#paid-until-and-under-agreement)."""
    return month_label(add_months(end, -1))


def span_label(start: date, end: date) -> str:
    """A [start, end) span as people read it: its first and last month, "07.2025 – 06.2026"."""
    return f"{month_label(start)} – {last_month_label(end)}"


def days_in_month(year: int, month: int) -> int:
    next_month = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (next_month - date(year, month, 1)).days


def first_july_after(day: date) -> date:
    """The first 1 July strictly after `day`: the usual end of an SSA year."""
    july = date(day.year, 7, 1)
    return july if july > day else date(day.year + 1, 7, 1)


def merge_spans(spans: Iterable[tuple[date, date]]) -> tuple[tuple[date, date], ...]:
    """`[from, to)` month spans in order, those that overlap or meet merged, so no two touch.
    The pricing engine's agreement spans and the installation's timeline are both this."""
    merged: list[list[date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def months_lapsed(paid_until: date | None, this_month: date) -> int:
    """Whole months without agreement from paid-until up to `this_month` (0 while it runs, and
    for an installation that never had an agreement: nothing has lapsed, it never started)."""
    if paid_until is None:
        return 0
    return max(0, months_between(paid_until, this_month))
