"""The dashboard: the one page that reads both apps (docs/DOMAIN.md#the-dashboard)."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone

from common.errors import DomainError
from common.months import first_july_after, first_of_month
from customers import access as customer_access
from quotes import access as quote_access
from quotes import selectors


@login_required
def dashboard(request):
    user = request.user
    today = timezone.localdate()
    this_month = first_of_month(today)
    renewal_date = first_july_after(today)
    installations = customer_access.installations_for(user)
    shown = installations.select_related("customer", "customer__reseller").order_by(
        "paid_until", "customer__name")
    quotes = quote_access.quotes_for(user)
    context = {
        **installations.renewal_counts(renewal_date, this_month),
        "today": today,
        "renewal_date": renewal_date,
        "customer_count": customer_access.customers_for(user).count(),
        "due": shown.due_for_renewal(renewal_date, this_month)[:10],
        "lapsed": shown.lapsed(this_month)[:10],
        "open_count": quotes.open(today).count(),
        "expiring": quotes.expiring_within(today, 7).select_related("customer")
        .order_by("valid_until")[:10],
        "ready": quotes.ready_to_issue().select_related("customer").order_by("created_at")[:10],
        "ready_count": quotes.ready_to_issue().count(),
        "activity": quote_access.quote_events_for(user)
        .select_related("quote", "quote__customer", "by").order_by("-at", "-pk")[:10],
    }
    return render(request, "customers/dashboard.html", context)


# Pricing every due installation takes seconds at 20,000 installations, so the dashboard loads
# the estimate afterwards (htmx) and keeps it for a while, saying as of when.
ESTIMATE_SECONDS = 10 * 60


@login_required
def dashboard_renewal_estimate(request):
    """What renewing every due installation to its default end would come to, priced today."""
    user = request.user
    today = timezone.localdate()
    scope = "all" if customer_access.is_distributor_staff(user) else (
        f"reseller-{getattr(customer_access.reseller_of(user), 'pk', None)}")
    key = f"dashboard-renewal-estimate:{scope}:{today:%Y-%m-%d}"
    estimate = cache.get(key)
    if estimate is None:
        due = customer_access.installations_for(user).due_for_renewal(
            first_july_after(today), first_of_month(today))
        estimate = _renewal_estimate(due, today) or {}
        estimate["as_of"] = timezone.localtime()
        cache.set(key, estimate, ESTIMATE_SECONDS)
    return render(request, "customers/_renewal_estimate.html", {"estimate": estimate})


def _renewal_estimate(due, today) -> dict | None:
    """SSC and net NOK of renewing `due`; None when they cannot be priced today."""
    loaded = list(selectors.with_pricing_data(due))
    if not loaded:
        return {"ssc": 0, "net": Decimal("0.00")}
    try:
        result, _book = selectors.price_installations(installations=loaded, quote_date=today)
    except DomainError:
        return None
    return {"ssc": result.ssc, "net": result.net}
