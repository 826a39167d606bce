"""Offers through the API: the life of an offer from a draft to the signed PDF, answered as
the pages answer, and shown with the same figures as the offer page."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from api.serializers.offers import offer_data
from common.formatting import format_nok
from quotes import services as quote_services
from quotes.models import Quote, QuoteState
from quotes.presentation import present_offer
from tests.conftest import TODAY


def _draft(api, user, customer, installations):
    response = api(user).post("/api/v1/offers/", {
        "customer": customer.pk, "installations": [i.pk for i in installations]},
        content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_reseller_drafts_marks_ready_staff_issue_and_the_signed_pdf_downloads(
        api, user_a, staff, customer_a, installation_a, holding_a, period_a):
    reseller, distributor = api(user_a), api(staff)
    draft = _draft(api, user_a, customer_a, [installation_a])
    assert draft["is_draft"] and draft["number"] == "" and draft["totals"]["ssc"] > 0
    assert draft["totals"]["net"] == f"{Decimal(draft['totals']['net']):.2f}"
    assert "mark_ready" in draft["actions"] and "issue" not in draft["actions"]
    pk = draft["id"]
    refused = reseller.post(f"/api/v1/offers/{pk}/issue/")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"].startswith("Only the distributor's staff issue offers")
    ready = reseller.post(f"/api/v1/offers/{pk}/ready/", {"ready": True},
                          content_type="application/json")
    assert ready.status_code == 200 and ready.json()["ready_to_issue"]
    issued = distributor.post(f"/api/v1/offers/{pk}/issue/")
    assert issued.status_code == 200, issued.content
    body = issued.json()
    assert body["state"] == "issued" and body["number"].startswith("SSA-2026-")
    assert body["pdf_ready"] is False
    waiting = reseller.get(f"/api/v1/offers/{pk}/pdf/")
    assert waiting.status_code == 409 and waiting["Retry-After"] == "60"
    quote_services.quote_prepare_pdf(quote_id=pk)
    pdf = reseller.get(f"/api/v1/offers/{pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content == quote_services.quote_pdf_bytes(quote=Quote.objects.get(pk=pk))
    accepted = reseller.post(f"/api/v1/offers/{pk}/accept/", {"accepted_by_name": "Kari"},
                             content_type="application/json")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    again = reseller.post(f"/api/v1/offers/{pk}/accept/", {"accepted_by_name": "Kari"},
                          content_type="application/json")
    assert again.status_code == 409
    assert again.json()["detail"] == f"{body['number']} has already been accepted."


def test_the_api_offer_shows_the_figures_of_the_offer_page(
        api, client, user_a, staff, customer_a, installation_a, holding_a, period_a):
    draft = Quote.objects.get(pk=_draft(api, user_a, customer_a, [installation_a])["id"])
    issued = quote_services.quote_issue(
        quote=quote_services.quote_create(customer=customer_a, installations=[installation_a],
                                          user=user_a), user=staff, prepare_pdf=False)
    client.force_login(user_a)
    for quote in (draft, issued):
        body = api(user_a).get(f"/api/v1/offers/{quote.pk}/").json()
        page = client.get(reverse("quote_detail", args=[quote.pk]))
        shown = page.context["shown"]
        assert shown == present_offer(quote, today=TODAY)
        assert body == offer_data(quote, user_a)
        assert body["totals"] == {
            "ssc": shown.ssc, "net": f"{shown.net:.2f}", "vat": f"{shown.vat:.2f}",
            "gross": f"{shown.gross:.2f}", "later_ssc": shown.later_ssc,
            "later_nok": f"{shown.later_nok:.2f}"}
        lines = [line for section in body["installations"] for line in section["lines"]]
        assert [(line["kind"], line["start"], line["end"], line["months"], line["quantity"],
                 line["ssc"], line["nok"]) for line in lines] == [
            (line.kind, line.start.isoformat(), line.end.isoformat(), line.months,
             line.quantity, line.ssc, f"{line.nok:.2f}") for line in shown.lines]
        assert body["number"] == (shown.summary.number or "")
        assert body["start"] == shown.start.isoformat()
        assert format_nok(Decimal(body["totals"]["gross"]), "en") in page.content.decode()


def test_the_offer_list_filters_as_the_page_does_and_pages_with_a_cursor(
        api, user_a, staff, customer_a, installation_a, holding_a):
    for _ in range(3):
        _draft(api, user_a, customer_a, [installation_a])
    client = api(user_a)
    first = client.get("/api/v1/offers/", {"limit": 2, "state": "draft"}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True)
    assert client.get("/api/v1/offers/", {"state": "accepted"}).json()["results"] == []
    bad = client.get("/api/v1/offers/", {"state": "nonsense", "expiring_within": "-1"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"state", "expiring_within"}


def test_a_refused_draft_names_the_field_in_the_request_language(
        api, user_a, customer_a, customer_b, installation_a, installation_b):
    response = api(user_a, language="nb").post("/api/v1/offers/", {
        "customer": customer_a.pk, "installations": [installation_a.pk], "end": "2026-07-15"},
        content_type="application/json")
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"] == {"end": ["Avtalen slutter den første dagen i en måned."]}
    assert problem["status"] == 422 and problem["type"].endswith("refused-input")
    other = api(user_a).post("/api/v1/offers/", {
        "customer": customer_a.pk, "installations": [installation_b.pk]},
        content_type="application/json")
    assert other.status_code == 400 and "installations.0" in other.json()["errors"]


def test_another_resellers_offer_is_404_and_its_installations_cannot_be_priced(
        api, user_a, user_b, customer_b, installation_b, holding_b):
    theirs = quote_services.quote_create(customer=customer_b, installations=[installation_b],
                                         user=user_b)
    client = api(user_a)
    assert client.get(f"/api/v1/offers/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/offers/{theirs.pk}/ready/").status_code == 404
    preview = client.get("/api/v1/price-preview/", {"installation": installation_b.pk})
    assert preview.status_code == 422
    theirs.refresh_from_db()
    assert theirs.state == QuoteState.DRAFT and not theirs.ready_to_issue


def test_the_price_preview_gives_the_engines_lines_and_totals(
        api, user_a, installation_a, holding_a, period_a):
    response = api(user_a).get("/api/v1/price-preview/", {"installation": installation_a.pk,
                                                          "end": "2027-07-01"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["start"] == "2026-03-01" and body["quote_date"] == TODAY.isoformat()
    section = body["installations"][0]
    assert section["end"] == "2027-07-01"
    assert sum(line["ssc"] for line in section["lines"]) == body["totals"]["ssc"]
    assert body["priced_with"]["nok_per_ssc"] == "1.4"
    assert date.fromisoformat(section["lines"][0]["start"]) <= date(2026, 3, 1)


def test_the_pbx_import_dry_run_writes_nothing_and_its_plan_applies_once(
        api, user_a, installation_a, holding_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from customers.models import LicenseHolding

    users = b'<info><user cn="A" loc="oslo" uclic="x"/><user cn="B" loc="oslo"/></info>'
    client = api(user_a)
    before = list(LicenseHolding.objects.values())
    dry = client.post(f"/api/v1/installations/{installation_a.pk}/pbx-import/",
                      {"file": SimpleUploadedFile("users.xml", users), "port": 12})
    assert dry.status_code == 200, dry.content
    body = dry.json()
    assert body["location"] == "oslo" and body["users"] == 2
    changes = {line["code"]: (line["current"], line["new"]) for line in body["lines"]}
    assert changes["port"] == (10, 12) and changes["uc"] == (0, 1)
    assert list(LicenseHolding.objects.values()) == before
    applied = client.post(f"/api/v1/installations/{installation_a.pk}/pbx-import/apply/",
                          {"plan": body["plan"]}, content_type="application/json")
    assert applied.status_code == 200
    assert {line["code"] for line in applied.json()["changes"]} == {"port", "uc"}
    again = client.post(f"/api/v1/installations/{installation_a.pk}/pbx-import/apply/",
                        {"plan": body["plan"]}, content_type="application/json")
    assert again.status_code == 422, "the licenses changed since the dry run"
