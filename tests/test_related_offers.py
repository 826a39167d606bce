"""A customer's and an installation's offers on their pages, and the offer that paid for a
period: scoped like everything else (another reseller's offers never appear)."""

from datetime import date

import pytest
from django.urls import reverse

from customers import services as customer_services
from quotes import services
from tests.conftest import make_installation

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(user_a, staff, customer_a, installation_a, holding_a, port):
    other = make_installation(customer_a, "Lager")
    customer_services.holding_add(installation=other, license_type=port, quantity=3,
                                  activated_on=date(2026, 2, 2))
    draft = services.quote_create(customer=customer_a, installations=[installation_a],
                                  user=user_a)
    accepted = services.quote_accept(
        quote=services.quote_issue(quote=services.quote_create(
            customer=customer_a, installations=[other], user=user_a), user=staff,
            prepare_pdf=False), user=user_a, accepted_by_name="Kari")
    return {"draft": draft, "accepted": accepted, "other": other}


def test_the_customer_page_lists_its_offers(client, user_a, customer_a, offers):
    client.force_login(user_a)
    page = client.get(reverse("customer_detail", args=[customer_a.pk])).content.decode()
    assert reverse("customer_offers", args=[customer_a.pk]) in page
    fragment = client.get(reverse("customer_offers", args=[customer_a.pk]),
                          headers={"hx-request": "true"})
    text = fragment.content.decode()
    assert offers["accepted"].number in text and f"#{offers['draft'].pk}" in text
    assert fragment.context["counts"] == {"open": 1, "accepted": 1, "expired": 0}
    assert "<html" not in text  # a fragment for htmx; without htmx a page of its own
    assert "<html" in client.get(reverse("customer_offers", args=[customer_a.pk])).content.decode()


def test_the_installation_page_lists_the_offers_that_cover_it(client, user_a, installation_a,
                                                              offers):
    client.force_login(user_a)
    text = client.get(reverse("installation_offers", args=[installation_a.pk]),
                      headers={"hx-request": "true"}).content.decode()
    assert f"#{offers['draft'].pk}" in text and offers["accepted"].number not in text


def test_a_period_links_to_the_offer_that_paid_for_it(client, user_a, user_b, offers):
    period = offers["accepted"].periods.get()
    client.force_login(user_a)
    page = client.get(reverse("installation_detail", args=[offers["other"].pk])).content.decode()
    assert reverse("period_offer", args=[period.pk]) in page
    assert offers["accepted"].number in page
    response = client.get(reverse("period_offer", args=[period.pk]))
    assert response.status_code == 302
    assert response["Location"] == offers["accepted"].get_absolute_url()
    client.force_login(user_b)
    assert client.get(reverse("period_offer", args=[period.pk])).status_code == 404
    assert client.get(reverse("customer_offers", args=[offers["accepted"].customer_id])
                      ).status_code == 404


def test_installation_names_on_the_offer_page_link_to_the_installation(client, user_a, offers):
    client.force_login(user_a)
    text = client.get(offers["accepted"].get_absolute_url()).content.decode()
    assert reverse("installation_detail", args=[offers["other"].pk]) in text
    assert reverse("customer_detail", args=[offers["accepted"].customer_id]) in text
