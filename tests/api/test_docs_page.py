"""The API's documentation page renders in real Chromium under the portal's
Content-Security-Policy (no inline script; Swagger UI from the sidecar, not a CDN)."""

import os

import pytest

from tests.conftest import make_user
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

# serialized_rollback: the flush after it must not re-create content types under new ids, or a
# later test that restores the migrated data (serialized_rollback) collides with them.
pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def browser_page(live_server):
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(locale="en-GB", base_url=live_server.url)
            context.set_default_timeout(20000)
            page = context.new_page()
            page.console_messages = []
            page.on("console", lambda message: page.console_messages.append(message.text))
            page.requests = []
            page.on("request", lambda request: page.requests.append(request.url))
            yield page
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def test_the_swagger_ui_page_renders_every_operation_under_the_csp(browser_page, live_server):
    from django.contrib.auth.models import Group  # noqa: F401 - groups exist after migrations

    from tests.reference_data import restore_reference_data

    restore_reference_data()
    make_user("docs@example.no", group="Distributor staff")
    page = browser_page
    page.goto("/api/v1/docs/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", "docs@example.no")
    page.fill("input[name=password]", "x-pass-1234!")
    page.click("button[type=submit]")
    page.wait_for_url("**/api/v1/docs/")
    response = page.goto("/api/v1/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    if os.environ.get("SSA_DOCS_SCREENSHOT"):  # to look at it: a PNG path
        page.screenshot(path=os.environ["SSA_DOCS_SCREENSHOT"])
    assert page.locator(".opblock").count() >= 40
    assert page.get_by_text("SSA Portal API").count() >= 1
    assert [text for text in page.console_messages if "Content Security Policy" in text] == []
    origins = {url.split("/")[2] for url in page.requests if url.startswith("http")}
    assert origins == {live_server.url.split("/")[2]}, "everything from the portal itself"
