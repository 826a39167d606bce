"""The dashboard: the one page that reads both apps (docs/DOMAIN.md#the-dashboard)."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from common import formatting, freshness
from common.months import first_july_after, first_of_month
from customers import access as customer_access
from quotes import access as quote_access
from quotes import pipeline, selectors


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
        "draft_count": quotes.drafts().count(),
        "ready_count": quotes.ready_to_issue().count(),
        "activity": quote_access.quote_events_for(user)
        .select_related("quote", "quote__customer", "by").order_by("-at", "-pk")[:10],
    }
    return render(request, "customers/dashboard.html", context)


# Pricing every due installation takes seconds at 20,000 installations, so the dashboard loads
# the renewal card's figures afterwards (htmx) and keeps them in the shared cache under the
# version of the data they are computed from (common/freshness.py): never stale.
ESTIMATE_SECONDS = 24 * 60 * 60


@login_required
def dashboard_renewal_estimate(request):
    """The renewals due by the next 1 July: how many, and what renewing them to the cycle after
    it comes to, priced today — one computation for the count and the figures."""
    user = request.user
    today = timezone.localdate()
    window_end = first_july_after(today)
    key = (f"dashboard-renewals:{_scope(user)}:{today:%Y-%m-%d}:"
           f"{freshness.version(freshness.INSTALLATIONS)}")
    estimate = cache.get(key)
    if estimate is None:
        due = customer_access.installations_for(user).due_for_renewal(
            window_end, first_of_month(today))
        estimate = selectors.renewal_totals(due, quote_date=today, window_end=window_end)
        cache.set(key, estimate, ESTIMATE_SECONDS)
    return render(request, "customers/_renewal_estimate.html", {
        "estimate": estimate, "renewal_date": window_end})


def _scope(user) -> str:
    return "all" if customer_access.is_distributor_staff(user) else (
        f"reseller-{getattr(customer_access.reseller_of(user), 'pk', None)}")


@login_required
def dashboard_pipeline(request):
    """The renewal pipeline's figures as JSON for the dashboard's chart and its table
    (static/js/pipeline.js): scoped to the user, cached like the renewal card's estimate."""
    user = request.user
    today = timezone.localdate()
    staff = customer_access.is_distributor_staff(user)
    key = (f"dashboard-pipeline:{_scope(user)}:{get_language()}:{today:%Y-%m-%d}:"
           f"{freshness.version(freshness.INSTALLATIONS)}")
    data = cache.get(key)
    if data is None:
        found = pipeline.renewal_pipeline(customer_access.installations_for(user), today=today,
                                          by_reseller=staff)
        data = _pipeline_json(found)
        cache.set(key, data, ESTIMATE_SECONDS)
    return JsonResponse(data)


def _pipeline_json(found: pipeline.Pipeline) -> dict:
    labels = {pipeline.LAPSED: _("Lapsed"), pipeline.NEVER: _("No history")}
    columns = [labels.get(b) or date_format(date.fromisoformat(b), "M Y")
               for b in found.buckets]
    series = [{"label": name or _("Your customers"),
               "ssc": [f.get(b, [0])[0] for b in found.buckets],
               "nok": [float(f.get(b, [0, 0])[1]) for b in found.buckets],
               "nok_text": [formatting.format_nok(f.get(b, [0, Decimal(0)])[1])
                            for b in found.buckets]}
              for name, f in found.figures.items()]
    ssc, nok = found.total()
    coming_ssc, coming_nok = found.total(found.coming_cycle_buckets())
    return {
        "buckets": found.buckets, "labels": columns, "series": series,
        "totals": {"ssc": ssc, "nok": str(nok), "ssc_text": formatting.format_ssc(ssc),
                   "nok_text": formatting.format_nok(nok)},
        "coming_cycle": {"window_end": found.window_end.isoformat(), "ssc": coming_ssc,
                         "nok": str(coming_nok)},
        "text": {"ssc": "SSC", "nok": _("NOK excl. VAT"), "month": _("Runs out"),
                 "reseller": _("Reseller"), "total": _("Total")},
    }
