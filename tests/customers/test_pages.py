from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from customers import services
from customers.models import Customer, Installation, Membership
from tests.conftest import make_installation


def test_a_reseller_sees_only_its_own_customers_in_the_list(client, user_a, customer_a,
                                                            customer_b):
    client.force_login(user_a)
    html = client.get("/customers/").content.decode()
    assert "CANARY-A" in html
    assert "CANARY-B" not in html


def test_staff_see_every_resellers_customers(client, staff, customer_a, customer_b):
    client.force_login(staff)
    html = client.get("/customers/").content.decode()
    assert "CANARY-A" in html and "CANARY-B" in html


def test_the_customer_search_finds_by_name_and_org_number(client, staff, customer_a, customer_b):
    client.force_login(staff)
    assert client.get("/customers/?q=fjordtann").context["page"].object_list[0] == customer_a
    found = list(client.get("/customers/?q=923 609 016").context["page"].object_list)
    assert found == [customer_a]
    assert not client.get("/customers/?q=zzz").context["page"].object_list


def test_the_customer_list_paginates(client, user_a):
    for number in range(30):
        services.customer_create(user=user_a, name=f"Kunde {number:02d} AS", org_number="",
                                 contact_name="", email="", phone="", street="",
                                 postal_code="", city="", language="nb")
    client.force_login(user_a)
    first = client.get("/customers/").context["page"]
    assert len(first.object_list) == 25 and first.has_next()
    assert len(client.get("/customers/?page=2").context["page"].object_list) == 5
    assert client.get("/customers/?page=banana").status_code == 200


def test_the_customer_list_sorts_by_a_column_both_ways_and_keeps_the_search(
        client, staff, customer_a, customer_b):
    make_installation(customer_b, "Filial")
    make_installation(customer_b, "Lager")
    client.force_login(staff)

    def names(query):
        return [c.name.split()[0] for c in client.get(f"/customers/?{query}").context["page"]]

    assert names("") == ["Fjordtann", "Nordlys"]  # by name
    assert names("sort=-name") == ["Nordlys", "Fjordtann"]
    assert names("sort=city") == ["Fjordtann", "Nordlys"]  # Bergen, Tromsø
    assert names("sort=-installations") == ["Nordlys", "Fjordtann"]
    assert names("sort=-reseller") == ["Nordlys", "Fjordtann"]  # Beta, Alfa
    assert names("sort=pk;drop") == ["Fjordtann", "Nordlys"]  # unknown: the default
    page = client.get("/customers/?q=AS&sort=-city")
    assert 'aria-sort="descending"' in page.content.decode()
    assert [c.name.split()[0] for c in page.context["page"]] == ["Nordlys", "Fjordtann"]


def test_a_reseller_creates_customers_only_for_itself(client, user_a, reseller_a, reseller_b):
    client.force_login(user_a)
    client.post("/customers/new/", {"name": "Egen Kunde AS", "language": "nb",
                                    "reseller": reseller_b.pk})
    assert Customer.objects.get(name="Egen Kunde AS").reseller == reseller_a


def test_staff_move_a_customer_to_another_reseller(client, staff, customer_a, reseller_b):
    client.force_login(staff)
    client.post(f"/customers/{customer_a.pk}/move/", {"reseller": reseller_b.pk})
    customer_a.refresh_from_db()
    assert customer_a.reseller == reseller_b


def test_the_dashboard_counts_due_lapsed_and_never(client, user_a, installation_a, holding_a,
                                                    period_a, customer_a):
    other = make_installation(customer_a, "Filial")
    client.force_login(user_a)
    context = client.get("/").context
    assert context["lapsed_count"] == 1  # paid until 07.2025, today is 05.03.2026
    assert context["never_count"] == 1
    assert list(context["lapsed"]) == [installation_a]
    assert other not in context["lapsed"] and other not in context["due"]


def test_the_dashboards_renewal_count_and_figures_come_from_one_computation_never_stale(
    client, user_a, customer_a, customer_b, staff, django_capture_on_commit_callbacks
):
    from tests.quotes.factories import add_ports, paid_until

    def one_port_paid_until_july(customer):  # 74 SSC to renew for a year from 2026-07-01
        installation = make_installation(customer, "PBX")
        paid_until(installation, date(2026, 7, 1),
                   [add_ports(installation, 1, date(2024, 3, 3))])
        return installation

    mine = one_port_paid_until_july(customer_a)
    one_port_paid_until_july(customer_b)
    client.force_login(user_a)
    dashboard = client.get("/").content.decode()
    assert "/dashboard/renewal-estimate/" in dashboard, "the figures load after the page"

    card = client.get("/dashboard/renewal-estimate/")
    assert card.context["estimate"] == {"count": 1, "ssc": 74, "net": Decimal("103.60")}
    assert "74 SSC · NOK\xa0103.60 excl. VAT" in card.content.decode()

    # A new agreement: the next look counts and prices afresh (the cache follows the data).
    with django_capture_on_commit_callbacks(execute=True):
        services.period_create(installation=mine, start=date(2026, 7, 1),
                               end=date(2027, 7, 1), holdings=list(mine.holdings.all()))
    assert client.get("/dashboard/renewal-estimate/").context["estimate"]["count"] == 0
    # Staff have their own figures of every reseller's due renewals: only B's port is due.
    client.force_login(staff)
    assert client.get("/dashboard/renewal-estimate/").context["estimate"] == {
        "count": 1, "ssc": 74, "net": Decimal("103.60")}


def test_the_ui_speaks_norwegian_by_default_and_english_on_request(user_a):
    norwegian = Client()
    norwegian.force_login(user_a)
    assert "Kunder" in norwegian.get("/customers/").content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(user_a)
    assert "Customers" in english.get("/customers/").content.decode()


def test_staff_invite_a_reseller_user_who_gets_a_set_password_link(
    client, staff, reseller_a, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/invite/", {
            "email": "ny@alfa.example.no", "first_name": "Nina", "last_name": "Ny",
            "reseller": reseller_a.pk,
        })
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="ny@alfa.example.no")
    assert membership.reseller == reseller_a
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/accounts/reset/" in line).strip()
    path = link.split("testserver", 1)[1]
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    form_page = anonymous.get(path, follow=True)
    assert form_page.context["validlink"]
    anonymous.post(form_page.redirect_chain[-1][0],
                   {"new_password1": "Fjord-Laks-2026", "new_password2": "Fjord-Laks-2026"})
    assert anonymous.login(username="ny@alfa.example.no", password="Fjord-Laks-2026")


def test_inviting_an_existing_address_is_refused_next_to_the_field(client, staff, user_a,
                                                                    reseller_a):
    client.force_login(staff)
    response = client.post("/accounts/invite/", {"email": user_a.email, "first_name": "X",
                                                 "reseller": reseller_a.pk})
    assert "email" in response.context["form"].errors
    assert not mail.outbox


def test_a_forgotten_password_is_reset_by_e_mail(client, user_a):
    response = client.post("/accounts/password-reset/", {"email": user_a.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_the_login_page_is_styled_and_logs_in(client, user_a):
    page = client.get("/accounts/login/").content.decode()
    assert "bootstrap.min.css" in page and "Forgot your password?" in page
    response = client.post("/accounts/login/", {"username": user_a.username,
                                                "password": "x-pass-1234!"})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_scoped_per_reseller():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (Customer.objects.count(), Installation.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Customer.objects.count(), Installation.objects.count()) == counts
    assert counts[0] == 30 and 40 <= counts[1] <= 60
    assert Installation.objects.filter(deployment="skypbx").count() >= 2
    client = Client()
    assert client.login(username="bergen@telekompaniet.example.no", password="demo-ssa-2026")
    names = {c.name for c in client.get("/customers/?page=1").context["page"].object_list}
    bergen = set(Customer.objects.filter(reseller__name="Telekompaniet Vest AS")
                 .values_list("name", flat=True))
    assert names and names <= bergen


@pytest.mark.django_db
def test_seed_demo_has_lapsed_current_never_and_mid_term_additions():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    today = date(2026, 3, 5)
    paid = [i.paid_until for i in Installation.objects.filter(deployment="on-premise")]
    assert any(p is None for p in paid)
    assert any(p is not None and p <= date(2023, 7, 1) for p in paid), "lapsed for years"
    assert any(p is not None and p > today for p in paid), "current"
    unpaid_additions = [h for i in Installation.objects.all() for h in i.holdings.all()
                        if not h.periods.exists() and i.periods.exists()
                        and h.license_type.covered and not h.rented]
    assert unpaid_additions, "licenses added mid-term"


def test_price_admins_keep_the_catalogue_in_the_django_admin(client, price_admin, staff):
    price_admin.is_staff = staff.is_staff = True
    price_admin.save()
    staff.save()
    client.force_login(price_admin)
    assert client.get("/admin/customers/licensetype/").status_code == 200
    assert client.get("/admin/customers/firmwarerelease/add/").status_code == 200
    client.force_login(staff)
    assert client.get("/admin/customers/licensetype/").status_code == 200, "staff inspect"
    assert client.get("/admin/customers/licensetype/add/").status_code == 403
    customer_change = client.get("/admin/customers/customer/add/")
    assert customer_change.status_code == 403, "domain models are read-only in the admin"
