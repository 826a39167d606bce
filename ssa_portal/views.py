"""The dashboard: the one page that reads both apps (DESIGN.md §8)."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from customers import access as customer_access
from customers.models import Deployment
from customers.months import first_july_after, first_of_month
from quotes import access as quote_access
from quotes import selectors


@login_required
def dashboard(request):
    user = request.user
    today = timezone.localdate()
    this_month = first_of_month(today)
    renewal_date = first_july_after(today)
    installations = _installations(user).select_related("customer", "customer__reseller")
    due = installations.filter(paid_until__gt=this_month, paid_until__lte=renewal_date)
    lapsed = installations.filter(paid_until__lte=this_month)
    quotes = quote_access.quotes_for(user)
    # Every installation count in one pass over the (indexed) installations.
    counts = customer_access.installations_for(user).aggregate(
        installation_count=Count("pk"),
        due_count=Count("pk", filter=Q(deployment=Deployment.ON_PREMISE,
                                       paid_until__gt=this_month, paid_until__lte=renewal_date)),
        lapsed_count=Count("pk", filter=Q(deployment=Deployment.ON_PREMISE,
                                          paid_until__lte=this_month)),
        never_count=Count("pk", filter=Q(deployment=Deployment.ON_PREMISE,
                                         paid_until__isnull=True)),
    )
    context = {
        **counts,
        "today": today,
        "renewal_date": renewal_date,
        "customer_count": customer_access.customers_for(user).count(),
        "due": due.order_by("paid_until", "customer__name")[:10],
        "lapsed": lapsed.order_by("paid_until", "customer__name")[:10],
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
    renewal_date = first_july_after(today)
    scope = "all" if customer_access.is_distributor_staff(user) else (
        f"reseller-{getattr(customer_access.reseller_of(user), 'pk', None)}")
    key = f"dashboard-renewal-estimate:{scope}:{today:%Y-%m-%d}"
    estimate = cache.get(key)
    if estimate is None:
        due = _installations(user).filter(paid_until__gt=first_of_month(today),
                                          paid_until__lte=renewal_date)
        estimate = _renewal_estimate(due, today) or {}
        estimate["as_of"] = timezone.localtime()
        cache.set(key, estimate, ESTIMATE_SECONDS)
    return render(request, "customers/_renewal_estimate.html", {"estimate": estimate})


def _installations(user):
    return customer_access.installations_for(user).filter(deployment=Deployment.ON_PREMISE)


def _renewal_estimate(due, today) -> dict | None:
    """SSC and net NOK of renewing `due`; None when they cannot be priced today."""
    loaded = list(selectors.with_pricing_data(due))
    if not loaded:
        return {"ssc": 0, "net": Decimal("0.00")}
    try:
        result, _book = selectors.price_installations(installations=loaded, quote_date=today)
    except selectors.PricingUnavailable:
        return None
    return {"ssc": result.ssc, "net": result.net}
