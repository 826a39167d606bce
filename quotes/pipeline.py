"""The renewal pipeline (docs/DOMAIN.md#the-dashboard): what renewing the installations comes
to, SSC and NOK excluding VAT, by the month their agreement runs out over the next 12 months,
with the lapsed ones and those without history in front — by reseller for staff.

One rule, no copy: each installation's figure is the worklist's estimate
(`selectors.renewal_estimates`, priced today to `pricing.renewal_end` of the cycle it belongs
to), so the lapsed, no-history and due-by-the-coming-1-July figures add up to exactly the
worklist's total for the coming cycle.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from common.months import add_months, first_july_after, first_of_month
from quotes import selectors

LAPSED, NEVER = "lapsed", "never"
MONTHS_AHEAD = 12


def cycle_of(paid_until: date | None, *, window_end: date) -> date:
    """The renewal window (a 1 July) an installation belongs to: the coming one when it lapsed,
    has no history or runs out by it; else the first 1 July on or after its paid-until."""
    if paid_until is None or paid_until <= window_end:
        return window_end
    return paid_until if paid_until.month == 7 else first_july_after(paid_until)


@dataclass
class Pipeline:
    buckets: list[str]  # LAPSED, NEVER, then the months (ISO first-of-month) in order
    window_end: date
    # reseller name → bucket → [ssc, nok]
    figures: dict[str, dict[str, list]] = field(default_factory=dict)

    def total(self, buckets=None) -> tuple[int, Decimal]:
        chosen = set(buckets or self.buckets)
        ssc, nok = 0, Decimal("0.00")
        for per_bucket in self.figures.values():
            for bucket, (s, n) in per_bucket.items():
                if bucket in chosen:
                    ssc, nok = ssc + s, nok + n
        return ssc, nok

    def coming_cycle_buckets(self) -> list[str]:
        """The buckets of the worklist for the coming cycle (lapsed, no history, and the months
        up to and including the window's end)."""
        return [b for b in self.buckets
                if b in (LAPSED, NEVER) or date.fromisoformat(b) <= self.window_end]


def renewal_pipeline(installations, *, today: date, by_reseller: bool) -> Pipeline:
    """`installations`: the user's scoped queryset."""
    this_month = first_of_month(today)
    window_end = first_july_after(today)
    months = [add_months(this_month, n) for n in range(1, MONTHS_AHEAD + 1)]
    pipeline = Pipeline([LAPSED, NEVER, *(m.isoformat() for m in months)], window_end)
    rows = list(installations.on_premise().filter(
        Q(paid_until__isnull=True) | Q(paid_until__lte=months[-1]))
        .select_related("customer__reseller").only(
            "pk", "paid_until", "customer__reseller__name"))
    by_cycle = defaultdict(list)
    for row in rows:
        by_cycle[cycle_of(row.paid_until, window_end=window_end)].append(row)
    estimates = {}
    for cycle, members in by_cycle.items():
        estimates.update(selectors.renewal_estimates(members, quote_date=today,
                                                     window_end=cycle))
    for row in rows:
        if row.pk not in estimates:
            continue
        if row.paid_until is None:
            bucket = NEVER
        elif row.paid_until <= this_month:
            bucket = LAPSED
        else:
            bucket = row.paid_until.isoformat()
        series = row.customer.reseller.name if by_reseller else ""
        figures = pipeline.figures.setdefault(series, {})
        ssc, nok = estimates[row.pk]
        current = figures.setdefault(bucket, [0, Decimal("0.00")])
        current[0] += ssc
        current[1] += nok
    pipeline.figures = dict(sorted(pipeline.figures.items()))
    return pipeline
