"""A keyboard-only walk in Chromium: from a customer's page to an issued offer with Tab, Enter
and Space alone (the skip link first), under the portal's real Content-Security-Policy."""

import re
from datetime import date

import pytest

from customers.models import Installation
from quotes.models import Quote, QuoteState
from tests.test_browser import chromium, demo, log_in, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_text(page) -> str:
    return page.evaluate("() => (document.activeElement.innerText || "
                         "document.activeElement.value || '').trim()")


def tab_to(page, text: str, *, limit: int = 120) -> int:
    """Press Tab until the focused element reads `text`; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if focused_text(page) == text:
            return presses
    raise AssertionError(f"{text!r} cannot be reached with Tab")


def test_from_customer_to_issued_offer_by_keyboard_alone(page):
    lapsed = next(i for i in Installation.objects.filter(deployment="on-premise")
                  .order_by("pk") if i.paid_until and i.paid_until < date(2026, 1, 1))
    log_in(page, "staff@ssa.example.no")
    page.goto(f"/customers/{lapsed.customer_id}/")
    # The skip link comes first and moves the focus to the content.
    page.keyboard.press("Tab")
    assert focused_text(page) == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    tab_to(page, "New offer")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/offers/new/"))
    page.locator("#form-totals").get_by_text("retroactive").first.wait_for()
    # Tab to the first installation's box, untick and tick it with Space: the totals follow.
    box = page.locator("input[name=installations]").first
    for _press in range(60):
        page.keyboard.press("Tab")
        if box.evaluate("element => element === document.activeElement"):
            break
    else:
        raise AssertionError("the installation's box cannot be reached with Tab")
    totals = page.locator("#form-totals")
    ticked = totals.inner_text()
    assert box.is_checked()
    page.keyboard.press("Space")
    assert not box.is_checked()
    page.wait_for_function("text => document.querySelector('#form-totals').innerText !== text",
                           arg=ticked)
    page.keyboard.press("Space")
    assert box.is_checked()
    page.wait_for_function("text => document.querySelector('#form-totals').innerText === text",
                           arg=ticked)
    tab_to(page, "Save draft")
    page.keyboard.press("Enter")
    page.get_by_text("Draft offer created.").wait_for()
    tab_to(page, "Issue…")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/issue/$"))
    tab_to(page, "Issue offer")
    page.keyboard.press("Enter")
    page.get_by_text(re.compile(r"Issued as SSA-\d{4}-\d{5}\.")).wait_for()
    assert Quote.objects.get().state == QuoteState.ISSUED


def test_slash_focuses_the_search_and_enter_searches(page):
    log_in(page, "staff@ssa.example.no")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "nav-search"
    page.keyboard.type("baerum")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=baerum"))
    assert page.get_by_role("link", name="Bærum Kommunale Eiendom KF").count() == 1
