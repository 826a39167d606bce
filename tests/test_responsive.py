"""The offer's line tables fit their containers at 1366×850 and on a phone (390×844): no table
cell of the offer form, the offer page or an action page sticks out of its container, nothing
scrolls sideways; on a phone the lines stack and the form's totals stay on screen."""

from datetime import date

import pytest
from django.contrib.auth.models import User

from customers.models import Installation
from quotes import services
from tests.test_browser import chromium, demo, log_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [(1366, 850), (390, 844)]

OVERFLOWS = """() => {
  const found = [];
  const main = document.querySelector("main");
  for (const cell of main.querySelectorAll("td, th")) {
    const box = cell.getBoundingClientRect();
    if (!box.width) continue;
    const holder = cell.closest(".lines-wrap, .table-responsive, .card-body") || main;
    const outer = holder.getBoundingClientRect();
    if (box.right > outer.right + 1 || box.left < outer.left - 1) {
      found.push(`cell "${cell.innerText.trim().slice(0, 30)}" ends at ${Math.round(box.right)}, `
                 + `its container at ${Math.round(outer.right)}`);
    }
  }
  for (const holder of main.querySelectorAll(".lines-wrap, .table-responsive")) {
    if (holder.scrollWidth > holder.clientWidth + 1) found.push("a table scrolls sideways");
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    found.push("the page scrolls sideways");
  }
  return found;
}"""


def _offers():
    """Every on-premise installation of a customer with a lapsed one (long retroactive lines,
    several sections): a draft, and an issued offer with its signed PDF (to send it)."""
    staff = User.objects.get(username="staff@ssa.example.no")
    lapsed = next(i for i in Installation.objects.filter(deployment="on-premise")
                  .order_by("pk") if i.paid_until and i.paid_until < date(2026, 1, 1))
    installations = list(lapsed.customer.installations.filter(deployment="on-premise"))
    draft = services.quote_create(customer=lapsed.customer, installations=installations,
                                  user=staff)
    issued = services.quote_issue(
        quote=services.quote_create(customer=lapsed.customer, installations=installations,
                                    user=staff), user=staff, prepare_pdf=False)
    assert not services.quote_prepare_pdf(quote_id=issued.pk).failed
    return lapsed.customer, draft, issued


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_no_line_table_cell_overflows_on_the_offer_pages(chromium, live_server, demo,
                                                        width, height):
    customer, draft, issued = _offers()
    context = chromium.new_context(locale="nb-NO", base_url=live_server.url,
                                   viewport={"width": width, "height": height})
    page = context.new_page()
    log_in(page, "staff@ssa.example.no")
    urls = [f"/customers/{customer.pk}/offers/new/", f"/offers/{draft.pk}/edit/",
            f"/offers/{draft.pk}/", f"/offers/{issued.pk}/", f"/offers/{draft.pk}/issue/",
            f"/offers/{issued.pk}/send/", f"/offers/{issued.pk}/accept/",
            f"/offers/{issued.pk}/decline/", f"/offers/{issued.pk}/revise/"]
    checked = 0
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert page.locator("main td").count() > 5, f"{url} shows no lines"
        assert page.evaluate(OVERFLOWS) == [], f"{url} at {width}px"
        checked += 1
    assert checked == len(urls)
    context.close()


def test_on_a_phone_the_lines_stack_and_the_totals_stay_on_screen(chromium, live_server,
                                                                  demo):
    customer, _draft, _issued = _offers()
    context = chromium.new_context(locale="nb-NO", base_url=live_server.url,
                                   viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, "staff@ssa.example.no")
    page.goto(f"/customers/{customer.pk}/offers/new/")
    bar = page.locator("#totals-bar")
    for scroll in ("0", "document.body.scrollHeight / 2", "document.body.scrollHeight"):
        page.evaluate(f"window.scrollTo(0, {scroll})")
        box = bar.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 844 + 1
        assert "kr" in bar.inner_text()
    # A stacked line shows its labels ("NOK: kr …"), and its cells sit one above another.
    first_row = page.locator("#form-totals tbody tr").first
    label = page.evaluate(
        "el => getComputedStyle(el, '::before').content",
        first_row.locator("td.line-nok").element_handle())
    assert "NOK" in label
    name, nok = (first_row.locator(s).bounding_box() for s in ("td.line-name", "td.line-nok"))
    assert nok["y"] > name["y"]
    # The bar follows the form: untick every installation, and it is gone.
    for box in page.locator("input[name=installations]").all():
        box.uncheck()
    page.wait_for_timeout(300)
    bar.wait_for(state="detached")
    context.close()
