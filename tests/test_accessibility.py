"""axe-core (from npm, node_modules/axe-core) run in Debian's Chromium over the portal's pages,
as the roles that reach them: no serious or critical WCAG 2.1 A/AA violation anywhere.

The portal's Content-Security-Policy allows no inline script, so axe is injected into a browser
context opened with `bypass_csp=True` — for this test only; tests/test_browser.py checks the
CSP with the policy in force.

CI runs every page once, as the role that reaches it, at 1366×850 (`SAMPLE`). `make a11y`
(`SSA_A11Y_FULL=1`) runs every page as every role that reaches it, at 1366×850 and at
390×844, in bokmål and English.
"""

import json
import os
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from customers.models import Installation, LicenseHolding, Reseller
from quotes import services
from quotes.models import PriceBook
from tests.test_browser import PASSWORD, chromium, demo, log_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
       ).read_text(encoding="utf-8")
FULL = os.environ.get("SSA_A11Y_FULL") == "1"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

USERS = {"staff": "staff@ssa.example.no", "price_admin": "prisadmin@ssa.example.no",
         "reseller": "bergen@telekompaniet.example.no", "anonymous": None}


def _world() -> dict:
    """A lapsed on-premise installation of a Bergen customer (Telekompaniet Vest, the reseller
    user's), a draft offer for it and an issued one, and the price books."""
    from django.contrib.auth.models import User

    reseller = Reseller.objects.get(name="Telekompaniet Vest AS")
    staff = User.objects.get(username=USERS["staff"])
    admin = User.objects.get(username=USERS["price_admin"])
    installation = next(i for i in Installation.objects.filter(
        deployment="on-premise", customer__reseller=reseller).order_by("pk")
        if i.paid_until and i.paid_until < date(2026, 1, 1))
    customer = installation.customer
    draft = services.quote_create(customer=customer, installations=[installation], user=staff)
    issued = services.quote_issue(
        quote=services.quote_create(customer=customer, installations=[installation],
                                    user=staff), user=staff, prepare_pdf=False)
    book = PriceBook.objects.get()
    book_draft = services.price_book_create_draft(source=book, user=admin)
    from quotes.services.customer_side import link_create

    token = link_create(quote=issued, email="kunde@example.no", user=None)[1]
    holding = LicenseHolding.objects.filter(installation=installation).first()
    return {"customer": customer, "installation": installation, "draft": draft,
            "issued": issued, "book": book, "book_draft": book_draft, "token": token,
            "holding": holding}


def pages(world) -> dict[str, tuple[str, ...]]:
    """Every page (path → the roles that reach it; the first one is CI's)."""
    customer, installation = world["customer"], world["installation"]
    draft, issued = world["draft"], world["issued"]
    logged_in = ("staff", "reseller", "price_admin")
    own = ("reseller", "staff")
    found = {
        reverse("dashboard"): logged_in,
        reverse("customer_list"): logged_in,
        reverse("customer_list") + "?q=berg": ("staff",),
        reverse("customer_create"): own,
        reverse("customer_detail", args=[customer.pk]): own,
        reverse("customer_edit", args=[customer.pk]): own,
        reverse("customer_history", args=[customer.pk]): own,
        reverse("installation_history", args=[installation.pk]): own,
        reverse("customer_move", args=[customer.pk]): ("staff",),
        reverse("installation_detail", args=[installation.pk]): own,
        reverse("installation_edit", args=[installation.pk]): own,
        reverse("installation_preview", args=[installation.pk]): own,
        reverse("holding_create", args=[installation.pk]): own,
        reverse("holding_end", args=[world["holding"].pk]): own,
        reverse("period_create", args=[installation.pk]): own,
        reverse("pbx_import", args=[installation.pk]): own,
        reverse("csv_import"): own,
        reverse("quote_create", args=[customer.pk]): own,
        reverse("quote_edit", args=[draft.pk]): own,
        reverse("quote_detail", args=[draft.pk]): own,
        reverse("quote_detail", args=[issued.pk]): own,
        reverse("quote_issue", args=[draft.pk]): ("staff",),
        reverse("quote_accept", args=[issued.pk]): own,
        reverse("quote_decline", args=[issued.pk]): own,
        reverse("quote_revise", args=[issued.pk]): own,
        reverse("quote_list"): logged_in,
        reverse("quote_list") + "?state=open": ("staff",),
        reverse("renewal_list"): logged_in,
        reverse("price_book_list"): ("staff", "price_admin"),
        reverse("price_book_detail", args=[world["book"].pk]): ("price_admin", "staff"),
        reverse("price_book_edit", args=[world["book_draft"].pk]): ("price_admin",),
        reverse("price_book_publish", args=[world["book_draft"].pk]): ("price_admin",),
        reverse("notification_settings"): logged_in,
        reverse("password_change"): logged_in,
        reverse("invite"): ("staff",),
        reverse("verify"): ("anonymous", "staff"),
        reverse("login"): ("anonymous",),
        reverse("password_reset"): ("anonymous",),
        reverse("offer_link", args=[world["token"]]): ("anonymous",),
        "/no-such-page/": ("staff", "anonymous"),
    }
    for name, kwargs in (("search", None), ("customer_history", customer.pk),
                         ("installation_history", installation.pk)):
        try:
            url = reverse(name, args=[kwargs] if kwargs else None)
        except Exception:  # noqa: BLE001,S112 - a page not built yet
            continue
        found[url + ("?q=berg" if name == "search" else "")] = own
    return found


def run_axe(page) -> list[dict]:
    page.add_script_tag(content=AXE)
    return page.evaluate(
        """async (tags) => {
          const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
          return result.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }""", TAGS)


def sweep(chromium, live_server, world, *, sizes, locales, every_role) -> tuple[int, list]:
    checked, blocking = 0, []
    by_role: dict[str, list[str]] = {}
    for url, roles in pages(world).items():
        for role in (roles if every_role else roles[:1]):
            by_role.setdefault(role, []).append(url)
    for role, urls in by_role.items():
        for width, height in sizes:
            for locale in locales:
                context = chromium.new_context(
                    locale=locale, base_url=live_server.url, bypass_csp=True,
                    viewport={"width": width, "height": height})
                context.set_default_timeout(15000)
                page = context.new_page()
                if USERS[role]:
                    log_in(page, USERS[role])
                for url in urls:
                    page.goto(url)
                    page.wait_for_load_state("networkidle")
                    for violation in run_axe(page):
                        if violation["impact"] in BLOCKING:
                            blocking.append({"url": url, "role": role, "size": width,
                                             "locale": locale, **violation})
                    checked += 1
                context.close()
    return checked, blocking


def test_no_serious_or_critical_axe_violation_on_any_page(chromium, live_server, demo):
    world = _world()
    if FULL:
        checked, blocking = sweep(chromium, live_server, world,
                                  sizes=[(1366, 850), (390, 844)], locales=["nb-NO", "en-GB"],
                                  every_role=True)
    else:
        checked, blocking = sweep(chromium, live_server, world, sizes=[(1366, 850)],
                                  locales=["nb-NO"], every_role=False)
    print(f"\naxe: {checked} page loads checked, {len(blocking)} serious/critical findings")
    assert checked >= 35
    assert not blocking, json.dumps(blocking, indent=1, ensure_ascii=False)


def test_the_axe_sweep_finds_a_planted_violation(chromium, live_server, demo):
    """The detector itself: an image without text is a critical violation."""
    context = chromium.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.goto(reverse("login"))
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
    assert any(v["id"] == "image-alt" and v["impact"] in BLOCKING for v in run_axe(page))
    context.close()

