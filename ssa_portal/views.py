"""The dashboard: the one page that reads both apps (DESIGN.md §8)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone

from customers import access as customer_access
from customers.models import Deployment
from customers.months import first_july_after, first_of_month
from quotes import access as quote_access
from quotes import selectors
from quotes.models import QuoteEvent


@login_required
def dashboard(request):
    user = request.user
    today = timezone.localdate()
    this_month = first_of_month(today)
    renewal_date = first_july_after(today)
    installations = (
        customer_access.installations_for(user)
        .filter(deployment=Deployment.ON_PREMISE)
        .annotate(paid_until=Max("periods__end"))
        .select_related("customer", "customer__reseller")
    )
    due = installations.filter(paid_until__gt=this_month, paid_until__lte=renewal_date)
    lapsed = installations.filter(paid_until__lte=this_month)
    quotes = quote_access.quotes_for(user)
    context = {
        "today": today,
        "renewal_date": renewal_date,
        "customer_count": customer_access.customers_for(user).count(),
        "installation_count": customer_access.installations_for(user).count(),
        "due_count": due.count(),
        "due": due.order_by("paid_until", "customer__name")[:10],
        "renewal_estimate": _renewal_estimate(due, today),
        "lapsed_count": lapsed.count(),
        "lapsed": lapsed.order_by("paid_until", "customer__name")[:10],
        "never_count": installations.filter(paid_until__isnull=True).count(),
        "open_count": quotes.open(today).count(),
        "expiring": quotes.expiring_within(today, 7).select_related("customer")
        .order_by("valid_until")[:10],
        "ready": quotes.ready_to_issue().select_related("customer").order_by("created_at")[:10],
        "ready_count": quotes.ready_to_issue().count(),
        "activity": QuoteEvent.objects.filter(quote__in=quotes)
        .select_related("quote", "quote__customer", "by").order_by("-at", "-pk")[:10],
    }
    return render(request, "customers/dashboard.html", context)


def _renewal_estimate(due, today):
    """What renewing every due installation to its default end would come to, priced today."""
    loaded = list(selectors.with_pricing_data(due))
    if not loaded:
        return None
    try:
        result, _book = selectors.price_installations(installations=loaded, quote_date=today)
    except selectors.PricingUnavailable:
        return None
    return {"ssc": result.ssc, "net": result.net}
