"""Pages at scale: latency and SQL queries of the busiest pages on the database that
`bench/seed_bulk.py` seeds.

Each page is requested in this process through Django's test client (the whole middleware
stack, templates and PostgreSQL; no HTTP parsing), as a distributor staff user (who sees all
10,000 customers) and as a reseller user (who sees one reseller's share), after warm-up
requests. The baseline measured in the same run is a bare view behind the same middleware and
session (`bench/urls.py`): what any logged-in page costs before it does anything.
"""

from __future__ import annotations

import os
import statistics

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from bench.common import Result, p95, samples
from customers.access import STAFF_GROUP
from customers.models import Installation, Membership
from quotes.models import Quote

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))
TARGET_P95_MS = 150


class Cast:
    """The users and objects the pages are requested with: the reseller with the most
    customers (that has an issued offer and a draft), its newest issued offer, its newest draft
    and its biggest installation."""

    def __init__(self) -> None:
        self.staff = (User.objects.filter(groups__name=STAFF_GROUP, is_active=True)
                      .order_by("pk").first())
        memberships = (Membership.objects.select_related("user", "reseller")
                       .annotate(customers=Count("reseller__customers"))
                       .order_by("-customers", "pk"))
        for membership in memberships:
            reseller = membership.reseller
            self.issued = (Quote.objects.issued().filter(reseller=reseller)
                           .order_by("-pk").first())
            self.draft = (Quote.objects.drafts().filter(customer__reseller=reseller)
                          .order_by("-pk").first())
            if self.issued and self.draft:
                break
        else:
            raise SystemExit("No reseller with an issued offer and a draft: run "
                             "`python -m bench.seed_bulk` (make bench does).")
        if self.staff is None:
            raise SystemExit("The database has no distributor staff user: run "
                             "`python -m bench.seed_bulk` (make bench does).")
        self.reseller_user = membership.user
        self.installation = (Installation.objects.filter(customer__reseller=reseller)
                             .annotate(n=Count("holdings")).order_by("-n", "pk").first())
        # A search as a user types it: part of a customer's name.
        self.search = self.issued.customer_name.split()[0][:5]


def pages(cast: Cast) -> list[tuple[str, str]]:
    quotes = reverse("quote_list")
    return [
        ("bare view (baseline)", reverse("bench_bare")),
        ("dashboard", reverse("dashboard")),
        ("quote list", quotes),
        ("quote list, filtered (accepted)", f"{quotes}?state=accepted"),
        ("quote list, searched", f"{quotes}?q={cast.search}"),
        ("customer list", reverse("customer_list")),
        ("customer list, searched", f"{reverse('customer_list')}?q={cast.search}"),
        ("renewals worklist", reverse("renewal_list")),
        ("quote detail (issued)", reverse("quote_detail", args=[cast.issued.pk])),
        ("quote detail (draft, re-priced)", reverse("quote_detail", args=[cast.draft.pk])),
        ("installation detail", reverse("installation_detail", args=[cast.installation.pk])),
    ]


def measure(client: Client, url: str) -> tuple[list[float], int]:
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")

    def get():
        client.get(url)

    return samples(get, repeat=REQUESTS, warmup=2), len(queries)


def run() -> list[Result]:
    if connection.vendor != "postgresql":
        raise SystemExit("The pages benchmark runs on PostgreSQL (BENCH_DATABASE_URL).")
    cast = Cast()
    results = []
    for role, user in (("staff", cast.staff), ("reseller", cast.reseller_user)):
        client = Client()
        client.force_login(user)
        baseline_ms = None
        for name, url in pages(cast):
            times, queries = measure(client, url)
            median_ms, p95_ms = statistics.median(times) * 1000, p95(times) * 1000
            if baseline_ms is None:
                baseline_ms = median_ms
                results.append(Result("pages", f"{role}: {name}, median", median_ms, "ms",
                                      baseline=f"{queries} queries"))
                continue
            results.append(Result(
                "pages", f"{role}: {name}, p95", p95_ms, "ms", target=f"< {TARGET_P95_MS} ms",
                met=p95_ms < TARGET_P95_MS,
                baseline=f"median {median_ms:.0f} ms = {median_ms / baseline_ms:.1f}× bare; "
                         f"{queries} queries"))
        results.append(estimate_result(client, role))
    return results


def estimate_result(client: Client, role: str) -> Result:
    """The dashboard's renewal estimate, computed afresh (it is then cached ten minutes): every
    due installation loaded and priced by the engine."""
    url = reverse("dashboard_renewal_estimate")

    def cold():
        cache.clear()
        client.get(url)

    times = samples(cold, repeat=3, warmup=1)
    return Result("pages", f"{role}: dashboard renewal estimate, computed afresh",
                  statistics.median(times) * 1000, "ms",
                  baseline="loaded after the page (htmx), then cached 10 min")
