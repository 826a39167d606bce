"""Periods are stored end-exclusive ([start, end), first-of-month dates); people read the last
month included. `{{ period.end|last_month|date:"m.Y" }}` shows 06.2026 for an end of 2026-07-01."""

from django import template

from common.months import add_months, last_month_label

register = template.Library()


@register.filter
def last_month(end):
    return add_months(end, -1) if end else end


@register.filter
def paid_until(end):
    """Paid until, as every page, PDF and export says it: the last month covered ("06.2026"
    for an agreement ending 2026-07-01; docs/DOMAIN.md#paid-until-and-under-agreement)."""
    return last_month_label(end) if end else ""
