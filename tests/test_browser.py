"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live server."""

import os
import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from customers.models import Customer, Installation
from quotes import services
from quotes.models import Quote, QuoteState
from tests.reference_data import restore_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "demo-ssa-2026"


@pytest.fixture(scope="module")
def chromium():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test body are still synchronous.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def demo(db):
    restore_reference_data()  # a transactional test before this one flushed every table
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def page(chromium, live_server, demo):
    context = chromium.new_context(locale="en-GB", base_url=live_server.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    yield page
    context.close()
    # The Content-Security-Policy allows no inline script: the pages must not need one.
    assert [text for text in console if "Content Security Policy" in text] == []


def log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def test_staff_quote_a_lapsed_installation_see_the_retroactive_line_issue_and_accept(page):
    lapsed = next(i for i in Installation.objects.filter(deployment="on-premise")
                  .order_by("pk") if i.paid_until and i.paid_until < date(2026, 1, 1))
    log_in(page, "staff@ssa.example.no")
    page.goto(f"/installations/{lapsed.pk}/")
    page.get_by_role("link", name="New offer").click()
    totals = page.locator("#form-totals")
    totals.get_by_text("retroactive").first.wait_for()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft offer created.").wait_for()
    assert page.locator("table").first.get_by_text("retroactive").count() >= 1
    page.get_by_role("link", name="Issue…").click()
    page.get_by_role("button", name="Issue offer").click()
    page.get_by_text(re.compile(r"Issued as SSA-2026-\d{5}\.")).wait_for()
    page.get_by_role("link", name="Accept…").click()
    page.fill("input[name=accepted_by_name]", "Anne Johansen")
    page.get_by_role("button", name="Accept offer").click()
    page.get_by_text("Accepted. The agreement periods").wait_for()
    quote = Quote.objects.get()
    assert quote.state == QuoteState.ACCEPTED
    assert quote.lines.filter(kind="retroactive").exists()
    assert type(lapsed).objects.get(pk=lapsed.pk).paid_until > date(2026, 3, 1)


def test_a_reseller_sees_only_its_own_offers_and_prepares_a_draft_ready_to_issue(page):
    bergen = Customer.objects.filter(reseller__name="Telekompaniet Vest AS").order_by("pk")
    tromso = Customer.objects.filter(reseller__name="Nordlys Kommunikasjon AS").first()
    other = services.quote_create(customer=tromso, installations=list(
        tromso.installations.filter(deployment="on-premise")[:1]), user=None)
    own = bergen.first()
    log_in(page, "bergen@telekompaniet.example.no")
    page.goto("/offers/")
    assert page.get_by_text(tromso.name).count() == 0
    page.goto(f"/customers/{own.pk}/")
    page.get_by_role("link", name="New offer").click()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft offer created.").wait_for()
    assert page.get_by_role("link", name="Issue…").count() == 0, "resellers do not issue"
    page.get_by_role("button", name="Ready to issue").click()
    page.get_by_text("Marked ready to issue;").wait_for()
    page.goto("/offers/")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert own.name in rows.first.inner_text()
    assert "ready" in rows.first.inner_text()
    draft = Quote.objects.exclude(pk=other.pk).get()
    assert draft.ready_to_issue and draft.is_draft and draft.customer == own
    response = page.goto(f"/offers/{other.pk}/")
    assert response.status == 404
