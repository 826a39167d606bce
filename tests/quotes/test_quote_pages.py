from datetime import date

import pytest

from customers import services as customer_services
from quotes import services
from quotes.models import Quote, QuoteState
from tests.conftest import make_installation
from tests.quotes.factories import add_ports, example_d

TODAY = date(2026, 3, 5)  # the suite's frozen clock


@pytest.fixture
def lapsed(customer_a):
    """12 ports paid until 2024-07-01: today (2026-03-05) it owes 20 retroactive months."""
    return example_d(customer_a, "Lapsed")


def test_a_new_offer_form_prefills_the_default_end_and_shows_live_totals(client, user_a,
                                                                         lapsed):
    client.force_login(user_a)
    response = client.get(f"/customers/{lapsed.customer_id}/offers/new/")
    form = response.context["form"]
    assert list(form.initial["installations"]) == [lapsed]
    assert form.initial["end"] == date(2026, 7, 1)
    html = response.content.decode()
    assert 'value="2026-07"' in html and "retroactive" in html
    assert response.context["start"] == date(2026, 3, 1)


def test_saving_the_prefilled_default_end_keeps_the_draft_following_the_rule(client, user_a,
                                                                             lapsed):
    client.force_login(user_a)
    url = f"/customers/{lapsed.customer_id}/offers/new/"
    client.post(url, {"installations": [lapsed.pk], "end": "2026-07", "end_default": "2026-07",
                      "language": "nb"})
    client.post(url, {"installations": [lapsed.pk], "end": "2027-07", "end_default": "2026-07",
                      "language": "nb"})
    first, second = Quote.objects.order_by("pk")
    assert first.end_override is None
    assert second.end_override == date(2027, 7, 1)


def test_the_live_totals_follow_the_form_and_explain_bad_input(client, user_a, lapsed):
    client.force_login(user_a)
    url = f"/customers/{lapsed.customer_id}/offers/totals/"
    response = client.get(url, {"installations": [lapsed.pk], "end": "2027-07",
                                "language": "nb"})
    assert response.context["result"].lines[-1].end == date(2027, 7, 1)
    for bad in ({"installations": [lapsed.pk], "end": "2026-02", "language": "nb"},
                {"installations": [], "language": "nb"},
                {"installations": ["x"], "end": "soon", "language": "xx"}):
        response = client.get(url, bad)
        assert response.status_code == 200
        assert 'class="alert alert-warning"' in response.content.decode()


def test_a_reseller_prepares_a_draft_marks_it_ready_and_staff_find_it_in_the_queue(
    client, user_a, staff, lapsed
):
    client.force_login(user_a)
    client.post(f"/customers/{lapsed.customer_id}/offers/new/",
                {"installations": [lapsed.pk], "end": "", "language": "nb"})
    quote = Quote.objects.get()
    assert client.post(f"/offers/{quote.pk}/issue/").status_code == 403
    client.post(f"/offers/{quote.pk}/ready/", {"ready": "1"})
    quote.refresh_from_db()
    assert quote.ready_to_issue and quote.is_draft
    client.force_login(staff)
    assert list(client.get("/offers/?state=ready").context["page"].object_list) == [quote]
    assert list(client.get("/").context["ready"]) == [quote]
    response = client.post(f"/offers/{quote.pk}/issue/", follow=True)
    quote.refresh_from_db()
    assert quote.number == "SSA-2026-00001"
    assert "Issued as SSA-2026-00001" in response.content.decode()
    assert not quote.ready_to_issue


def test_the_offer_page_shows_lines_by_installation_totals_comparison_and_timeline(
    client, staff, user_a, lapsed
):
    quote = services.quote_issue(
        quote=services.quote_create(customer=lapsed.customer, installations=[lapsed],
                                    user=user_a), user=staff)
    client.force_login(user_a)
    html = client.get(f"/offers/{quote.pk}/").content.decode()
    assert "Lapsed" in html and "retroactive" in html and "forward" in html
    assert "Bought retroactively later" in html
    assert "Created" in html and "Issued" in html
    assert quote.number in html


def test_accepting_through_the_page_asks_for_the_name_then_records_it(client, staff, user_a,
                                                                      lapsed):
    quote = services.quote_issue(
        quote=services.quote_create(customer=lapsed.customer, installations=[lapsed],
                                    user=user_a), user=staff)
    client.force_login(user_a)
    page = client.get(f"/offers/{quote.pk}/accept/")
    assert "accepted_by_name" in page.content.decode()
    missing = client.post(f"/offers/{quote.pk}/accept/", {"accepted_by_name": ""})
    assert "accepted_by_name" in missing.context["form"].errors
    client.post(f"/offers/{quote.pk}/accept/", {"accepted_by_name": "Kari Kunde"})
    quote.refresh_from_db()
    assert quote.state == QuoteState.ACCEPTED and quote.accepted_by_name == "Kari Kunde"
    assert type(lapsed).objects.get(pk=lapsed.pk).paid_until == date(2026, 7, 1)
    again = client.post(f"/offers/{quote.pk}/accept/", {"accepted_by_name": "X"}, follow=True)
    assert "already been accepted" in again.content.decode()


def test_the_offer_list_filters_by_state_reseller_search_and_expiry(client, staff, user_a,
                                                                    user_b, customer_b,
                                                                    lapsed, frozen_clock):
    mine = services.quote_issue(
        quote=services.quote_create(customer=lapsed.customer, installations=[lapsed],
                                    user=user_a), user=staff)
    theirs_installation = make_installation(customer_b)
    add_ports(theirs_installation, 2, date(2026, 1, 4))
    theirs = services.quote_create(customer=customer_b, installations=[theirs_installation],
                                   user=user_b)
    client.force_login(staff)

    def listed(query):
        return list(client.get("/offers/" + query).context["page"].object_list)

    assert set(listed("")) == {mine, theirs}
    assert listed("?state=draft") == [theirs]
    assert listed("?state=open") == [mine]
    assert listed(f"?reseller={customer_b.reseller_id}") == [theirs]
    assert listed("?q=SSA-2026-00001") == [mine]
    assert listed("?q=nordlys") == [theirs]
    assert listed("?expiring_within=7") == []
    assert listed("?expiring_within=30") == [mine]
    frozen_clock.move_to("2026-04-06T12:00:00+02:00")
    client.force_login(staff)  # a month later the old session has expired
    assert listed("?state=expired") == [mine]
    assert listed("?state=open") == []
    client.force_login(user_b)
    assert listed("") == [theirs]


def test_an_issued_offers_sections_are_rendered_once_per_language(user_a, staff, lapsed):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    offer = services.quote_issue(
        quote=services.quote_create(customer=lapsed.customer, installations=[lapsed],
                                    user=user_a), user=staff)
    url = f"/offers/{offer.pk}/"

    def page(language):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user_a)
        with CaptureQueriesContext(connection) as queries:
            text = client.get(url).content.decode()
        return text, [q["sql"] for q in queries if "quotes_quoteline" in q["sql"]]

    first, line_queries = page("nb")
    assert "Sum eks. mva." in first and line_queries
    again, line_queries = page("nb")
    assert again.count("Sum eks. mva.") == 1 and not line_queries, "served from the cache"
    english, line_queries = page("en")
    assert "Total, excl. VAT" in english and "Sum eks. mva." not in english
    assert line_queries, "each language renders its own copy"


@pytest.mark.parametrize("matching_customers_listed", [500, 0])
def test_the_search_finds_a_draft_by_its_customers_current_name_either_way(
    monkeypatch, user_a, customer_a, lapsed, staff, matching_customers_listed
):
    from quotes.models import offers as quote_models

    # Up to SEARCH_CUSTOMER_IDS matching customers go into the query as a list, more as a
    # subquery; both find the same offers.
    monkeypatch.setattr(quote_models, "SEARCH_CUSTOMER_IDS", matching_customers_listed)
    draft = services.quote_create(customer=lapsed.customer, installations=[lapsed], user=user_a)
    issued = services.quote_issue(
        quote=services.quote_create(customer=lapsed.customer, installations=[lapsed],
                                    user=user_a), user=staff)
    word = lapsed.customer.name.split()[0].lower()

    assert set(Quote.objects.search(word)) == {draft, issued}
    assert set(Quote.objects.search(issued.number[-5:])) == {issued}
    assert not Quote.objects.search("no such customer")


@pytest.mark.parametrize("query", ["?state=bogus", "?expiring_within=-4", "?reseller=abc",
                                   "?customer=0", "?page=999", "?expiring_within=99999999999"])
def test_bad_filters_are_reported_not_a_server_error(client, staff, query):
    client.force_login(staff)
    response = client.get("/offers/" + query)
    assert response.status_code == 200


def test_a_customers_move_takes_drafts_along_and_leaves_issued_offers(client, staff, user_a,
                                                                      user_b, lapsed,
                                                                      reseller_b):
    issued = services.quote_issue(
        quote=services.quote_create(customer=lapsed.customer, installations=[lapsed],
                                    user=user_a), user=staff)
    draft = services.quote_create(customer=lapsed.customer, installations=[lapsed], user=user_a)
    customer_services.customer_move(customer=lapsed.customer, reseller=reseller_b, user=staff)
    client.force_login(user_b)
    assert client.get(f"/offers/{draft.pk}/").status_code == 200
    assert client.get(f"/offers/{issued.pk}/").status_code == 404
    client.force_login(user_a)
    assert client.get(f"/offers/{issued.pk}/").status_code == 200
    assert client.get(f"/offers/{draft.pk}/").status_code == 404


def test_an_offer_charging_years_without_recorded_history_warns_staff_not_the_customer(
        client, staff, user_a, customer_a):
    from quotes.services.customer_side import link_create
    from tests.conftest import make_installation
    from tests.quotes.factories import add_ports

    installation = make_installation(customer_a, "Uten historikk")
    add_ports(installation, 4, date(2023, 1, 10))
    draft = services.quote_create(customer=customer_a, installations=[installation],
                                  user=user_a)
    client.force_login(staff)
    page = client.get(f"/offers/{draft.pk}/issue/").content.decode()
    assert "No agreement history is recorded for this installation, so 38 months" in page
    offer = services.quote_issue(quote=draft, user=staff, prepare_pdf=False)
    token = link_create(quote=offer, email="k@kunde.example.no", user=staff)[1]
    assert "No agreement history" not in client.get(f"/o/{token}/").content.decode()
