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
    page.get_by_role("link", name="New offer").first.click()
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
    # A customer with an installation that owes something: the form ticks only those.
    own = next(c for c in bergen if any(
        i.paid_until and i.paid_until < date(2026, 1, 1)
        for i in c.installations.filter(deployment="on-premise")))
    log_in(page, "bergen@telekompaniet.example.no")
    page.goto("/offers/")
    assert page.get_by_text(tromso.name).count() == 0
    page.goto(f"/customers/{own.pk}/")
    page.get_by_role("link", name="New offer").first.click()
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


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free port of 127.0.0.1 (aiosmtpd), collecting what it receives."""
    import socket

    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
            from email import message_from_bytes
            from email.policy import default

            self.messages.append((envelope.rcpt_tos,
                                  message_from_bytes(envelope.content, policy=default)))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def _wait_for_mail(smtp, recipient: str, seconds: int = 30):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for recipients, message in smtp.messages:
            if recipient in recipients:
                return message
        time.sleep(0.2)
    raise AssertionError(f"no e-mail for {recipient}; got {[r for r, _ in smtp.messages]}")


def test_a_customer_accepts_online_from_the_link_in_a_real_e_mail(chromium, page, live_server,
                                                                  settings, smtp_server):
    """Staff issue and send an offer; a real SMTP server receives it; the customer opens the
    link from that e-mail in Chromium and accepts; the periods exist, the reseller's notification
    and the customer's confirmation arrive, and /verify/ shows the acceptance."""
    smtp, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    # The worker's tasks run as they are queued, inside the live server.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SSA_PUBLIC_BASE_URL = live_server.url
    lapsed = next(i for i in Installation.objects.filter(
        deployment="on-premise", customer__reseller__name="Telekompaniet Vest AS")
        .order_by("pk") if i.paid_until and i.paid_until < date(2026, 1, 1))
    log_in(page, "staff@ssa.example.no")
    page.goto(f"/installations/{lapsed.pk}/")
    page.get_by_role("link", name="New offer").first.click()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("link", name="Issue…").click()
    page.get_by_role("button", name="Issue offer").click()
    page.get_by_role("link", name="Send by e-mail…").click()
    page.fill("input[name=to]", "innkjop@kunde.example.no")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("On its way to innkjop@kunde.example.no").wait_for()

    offer_mail = _wait_for_mail(smtp, "innkjop@kunde.example.no")
    text = offer_mail.get_body(("plain",)).get_content()
    link = re.search(r"(http://[^\s]+/o/[A-Za-z0-9_-]+/)", text).group(1)
    assert any(part.get_filename() == f"{Quote.objects.get().number}.pdf"
               for part in offer_mail.iter_attachments())

    customer = chromium.new_context(locale="nb-NO").new_page()
    customer.goto(link)
    customer.get_by_role("link", name="Godta…").click()
    customer.fill("input[name=name]", "Kari Kunde")
    customer.fill("input[name=role]", "Innkjøpssjef")
    customer.fill("input[name=email]", "kari@kunde.example.no")
    customer.check("input[name=terms]")
    customer.get_by_role("button", name="Fortsett").click()
    customer.get_by_role("button", name="Godta tilbudet").click()
    customer.get_by_text("Takk").wait_for()

    quote = Quote.objects.get()
    assert quote.state == QuoteState.ACCEPTED
    assert quote.periods.exists()
    assert quote.acceptances.get().channel == "customer_link"
    notification = _wait_for_mail(smtp, "bergen@telekompaniet.example.no")
    assert quote.number in notification["Subject"]
    confirmation = _wait_for_mail(smtp, "kari@kunde.example.no")
    assert quote.number in confirmation["Subject"]
    customer.goto(f"{live_server.url}/verify/{quote.verification_token}/")
    customer.get_by_text("Kari Kunde").first.wait_for()
    assert "online" in customer.content()
