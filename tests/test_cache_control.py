"""Nothing a signed-in user is shown is kept by a shared cache or the browser's disk cache:
`Cache-Control: private, no-store` on every response to a logged-in user (common/middleware.py),
PDFs and exports included."""

import pytest

from quotes import services
from tests.quotes.factories import example_d


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def issued(staff, user_a, customer_a, django_capture_on_commit_callbacks):
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    with django_capture_on_commit_callbacks(execute=True):
        quote = services.quote_issue(quote=draft, user=staff)
    quote.refresh_from_db()
    return quote


@pytest.mark.parametrize("url", [
    "/", "/customers/", "/offers/", "/renewals/", "/accounts/password-change/",
    "/verify/", "/no-such-page/"])
def test_every_page_a_signed_in_user_gets_is_private_and_not_stored(client, user_a, url):
    client.force_login(user_a)
    response = client.get(url)
    assert {"private", "no-store"} <= directives(response), (url, response.status_code)


def test_an_offer_its_pdf_and_the_exports_are_private_and_not_stored(client, user_a, issued):
    client.force_login(user_a)
    for url in (f"/offers/{issued.pk}/", f"/offers/{issued.pk}/pdf/", "/offers/export.csv",
                "/renewals/export.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= directives(response), url


def test_exports_say_so_themselves_too():
    from quotes.exports import csv_response

    assert directives(csv_response("x.csv", ["a"], [])) == {"private", "no-store"}


def test_a_redirect_after_logging_in_is_private_too(client, user_a):
    response = client.post("/accounts/login/", {"username": user_a.username,
                                                "password": "x-pass-1234!"})
    assert response.status_code == 302
    assert {"private", "no-store"} <= directives(response)


def test_public_pages_for_anonymous_visitors_are_left_as_they_are(client):
    assert "no-store" not in directives(client.get("/verify/"))


def test_static_files_stay_cacheable_for_signed_in_users(client, user_a):
    client.force_login(user_a)
    response = client.get("/static/js/portal.js")
    assert response.status_code == 200
    assert "no-store" not in directives(response) and "public" in directives(response)
