"""Whole-calendar-month arithmetic shared by the models, forms and services.

The pricing engine (quotes/pricing.py) has its own copy of these few lines on purpose: it must
import nothing from Django or the apps, and the customers app must not import quotes.
"""

from datetime import date


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def is_first_of_month(day: date | None) -> bool:
    return day is not None and day.day == 1
