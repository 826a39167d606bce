"""One search over everything the user may see: customers, installations (name, serial number or
MAC address), offers (number) and resellers — each read through the access helpers, so another
reseller's objects never appear; accent-insensitive on both databases (common/search.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from common.search import folded_contains
from customers import access as customer_access
from quotes import access as quote_access

SHOWN = 10


def _first(queryset):
    rows = list(queryset[:SHOWN + 1])
    return {"rows": rows[:SHOWN], "more": len(rows) > SHOWN}


@login_required
def search(request):
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    user = request.user
    results = {}
    if query:
        results = {
            "customers": _first(customer_access.customers_for(user).search(query)
                                .select_related("reseller").order_by("name", "pk")),
            "installations": _first(customer_access.installations_for(user).search(query)
                                    .select_related("customer").order_by("name", "pk")),
            "offers": _first(quote_access.quotes_for(user).filter(number__icontains=query)
                             .select_related("customer").order_by("-created_at", "-pk")),
            "resellers": _first(customer_access.resellers_for(user)
                                .filter(folded_contains("name", query)).order_by("name")),
        }
    return render(request, "search.html", {
        "query": query, "results": results,
        "found": sum(len(kind["rows"]) for kind in results.values()),
    })
