"""The search in the navigation: customers, installations (name, serial number or MAC), offers
(number) and resellers, scoped to the user, accent-insensitive on SQLite and PostgreSQL (run
this module with DATABASE_URL set for the latter)."""

import pytest
from django.db import connection
from django.urls import reverse

from customers import services
from customers.models import Installation
from quotes import services as quote_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def baerum(user_a, reseller_a):
    customer = services.customer_create(
        user=user_a, name="Bærum Kommunale Eiendom KF", org_number="", city="Sandvika",
        contact_name="", email="", phone="", street="", postal_code="", language="nb")
    installation = services.installation_create(
        customer=customer, name="Rådhuset Sandvika", deployment="on-premise",
        hardware_model="IP811", firmware_version="14r2", serial_number="00-90-33-1A-2B-3C",
        notes="")
    return customer, installation


def found(client, query, kind):
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200
    return [obj.pk for obj in response.context["results"][kind]["rows"]]


def test_baerum_finds_bærum_and_back_on_this_database(client, user_a, baerum):
    customer, installation = baerum
    client.force_login(user_a)
    for query in ("baerum", "BAERUM", "Bærum", "bærum kommunale"):
        assert found(client, query, "customers") == [customer.pk], (connection.vendor, query)
    assert found(client, "radhuset", "installations") == [installation.pk]
    assert found(client, "Rådhuset", "installations") == [installation.pk]
    # Folding both ways: a name stored without accents is found with them too.
    services.customer_update(customer=customer, user=user_a, name="Baerum Golf AS",
                             org_number="", contact_name="", email="", phone="", street="",
                             postal_code="", city="Sandvika", language="nb")
    assert found(client, "Bærum", "customers") == [customer.pk]
    # The customer list's own search box folds the same way.
    listed = client.get(reverse("customer_list"), {"q": "baerum"}).context["page"].object_list
    assert [c.pk for c in listed] == [customer.pk]


def test_an_installation_is_found_by_its_mac_whatever_the_separators(client, user_a, baerum):
    _customer, installation = baerum
    client.force_login(user_a)
    for query in ("00:90:33:1a", "0090331A2B", "1a-2b-3c", "00.90.33.1A.2B.3C"):
        assert found(client, query, "installations") == [installation.pk], query


def test_offers_by_number_and_resellers_by_name(client, user_a, staff, customer_a,
                                                installation_a, holding_a, reseller_a,
                                                reseller_b):
    issued = quote_services.quote_issue(
        quote=quote_services.quote_create(customer=customer_a, installations=[installation_a],
                                          user=user_a), user=staff, prepare_pdf=False)
    client.force_login(user_a)
    assert found(client, issued.number[-5:], "offers") == [issued.pk]
    assert found(client, "alfa", "resellers") == [reseller_a.pk]
    assert found(client, "beta", "resellers") == []  # another reseller: not even its name
    client.force_login(staff)
    assert found(client, "beta", "resellers") == [reseller_b.pk]


def test_another_resellers_objects_never_appear(client, user_b, staff, baerum, customer_b):
    client.force_login(user_b)
    response = client.get(reverse("search"), {"q": "a"})
    shown = {kind: [o.pk for o in result["rows"]]
             for kind, result in response.context["results"].items()}
    assert shown["customers"] == [customer_b.pk]
    assert not set(shown["installations"]) - set(
        Installation.objects.filter(customer=customer_b).values_list("pk", flat=True))
    assert "Bærum" not in response.content.decode()
    client.force_login(staff)
    assert baerum[0].pk in found(client, "baerum", "customers")


def test_the_search_box_is_in_the_navigation_and_slash_focuses_it(client, user_a):
    client.force_login(user_a)
    text = client.get(reverse("dashboard")).content.decode()
    assert 'id="nav-search"' in text and 'aria-keyshortcuts="/"' in text
