import json
import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from common.formatting import format_nok
from customers import services
from customers.models import Installation, LicenseType
from quotes.models import PriceBook
from tests.conftest import make_installation


@pytest.fixture
def example_d(customer_a):
    """12 ports paid until 2024-07-01 (docs/DOMAIN.md#worked-examples, D)."""
    installation = make_installation(customer_a, "Example D")
    holding = services.holding_add(installation=installation,
                                   license_type=LicenseType.objects.get(code="port"),
                                   quantity=12, activated_on=date(2022, 5, 3))
    services.period_create(installation=installation, start=date(2023, 7, 1),
                           end=date(2024, 7, 1), holdings=[holding])
    return installation


def preview(client, installation, **params):
    return client.get(f"/installations/{installation.pk}/preview/", params,
                      HTTP_HX_REQUEST="true")


def test_the_preview_shows_lines_totals_and_explains_the_retroactive_part(client, user_a,
                                                                         example_d):
    client.force_login(user_a)
    response = preview(client, example_d, quote_date="2025-02-10")
    html = response.content.decode()
    result = response.context["result"]
    assert result.ssc == 1406 and result.net == Decimal("1968.40")
    assert "NOK\u00a01,968.40" in html
    assert "no SSA at all" in html, "the retroactive line is explained in words"
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "07.2024 – 01.2025" in text, "periods read as months included"


def test_the_preview_takes_a_chosen_end(client, user_a, example_d):
    client.force_login(user_a)
    result = preview(client, example_d, quote_date="2025-02-10", end="2026-07").context["result"]
    assert result.lines[-1].end == date(2026, 7, 1)


@pytest.mark.parametrize("params", [{"end": "2020-01"}, {"end": "garbage"},
                                    {"quote_date": "2025-02-31"}, {"end": "2026-07-15"}])
def test_bad_preview_input_gets_a_message_not_an_error(client, user_a, example_d, params):
    client.force_login(user_a)
    response = preview(client, example_d, **params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "is-invalid" in html or "alert-warning" in html
    assert response.context["result"] is None


def test_the_preview_of_another_resellers_installation_is_404(client, user_b, example_d):
    client.force_login(user_b)
    assert preview(client, example_d).status_code == 404


def test_the_preview_without_htmx_is_a_whole_page(client, user_a, example_d):
    client.force_login(user_a)
    html = client.get(f"/installations/{example_d.pk}/preview/").content.decode()
    assert "<nav" in html and "price-preview" in html


def test_the_cli_prints_the_engines_result_as_json(example_d):
    out = StringIO()
    call_command("price_installation", example_d.pk, "--date", "2025-02-10", "--json",
                 stdout=out)
    data = json.loads(out.getvalue())
    assert data["totals"] == {"ssc": 1406, "net": "1968.40", "vat": "492.10",
                              "gross": "2460.50"}
    assert [line["kind"] for line in data["installations"][0]["lines"]] == [
        "retroactive", "forward"]


def test_the_cli_prints_a_readable_table(example_d):
    out = StringIO()
    call_command("price_installation", example_d.pk, "--date", "2025-02-10", stdout=out)
    text = out.getvalue()
    assert "retroactive" in text and "1036" in text and "gross NOK 2460.50" in text


@pytest.mark.parametrize("args", [["--date", "yesterday"], ["--end", "2025-02-15"]])
def test_the_cli_refuses_bad_input_with_a_message(example_d, args):
    with pytest.raises(CommandError):
        call_command("price_installation", example_d.pk, "--date", "2025-02-10", *args,
                     stdout=StringIO())


def test_the_cli_refuses_an_unknown_installation(db):
    with pytest.raises(CommandError, match="no installation"):
        call_command("price_installation", 999999, stdout=StringIO())


@pytest.mark.django_db
def test_for_a_demo_installation_the_cli_json_totals_equal_the_figures_on_its_page(client, staff):
    call_command("seed_demo", stdout=StringIO())
    client.force_login(staff)
    checked = 0
    for installation in Installation.objects.filter(deployment="on-premise")[:8]:
        out = StringIO()
        call_command("price_installation", installation.pk, "--json", stdout=out)
        totals = json.loads(out.getvalue())["totals"]
        html = preview(client, installation).content.decode()
        for key in ("net", "vat", "gross"):
            assert format_nok(Decimal(totals[key]), "en") in html
        checked += 1
    assert checked == 8


def test_a_new_book_prices_previews_dated_from_its_effective_date(client, price_admin, user_a,
                                                                  example_d):
    """The price admin's whole round: draft, edit, publish; the preview follows the date."""
    old_book = PriceBook.objects.get()
    client.force_login(price_admin)
    response = client.post(f"/prices/{old_book.pk}/copy/")
    draft = PriceBook.objects.drafts().get()
    assert response["Location"] == f"/prices/{draft.pk}/edit/"
    form = client.get(f"/prices/{draft.pk}/edit/").context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    port = LicenseType.objects.get(code="port")
    data.update({"effective_from": "2026-07-01", "nok_per_ssc": "1.50",
                 f"rate_{port.pk}": "80"})
    assert client.post(f"/prices/{draft.pk}/edit/", data).status_code == 302
    assert client.post(f"/prices/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.is_published

    client.force_login(user_a)
    before = preview(client, example_d, quote_date="2026-06-30").context
    after = preview(client, example_d, quote_date="2026-07-01").context
    assert before["book"] == old_book and after["book"] == draft
    assert {line.ssc_per_year for line in before["result"].lines} == {74}
    assert {line.ssc_per_year for line in after["result"].lines} == {80}
    assert after["result"].net == after["result"].ssc * Decimal("1.50")

    client.force_login(price_admin)
    history = client.get(f"/prices/{draft.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ("<td>Port license (per registered phone)</td><td>74 SSC</td><td>80 SSC</td>"
            in history)
    history = client.get(f"/prices/{draft.pk}/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert "<td>Portlisens (per registrert telefon)</td><td>74 SSC</td><td>80 SSC</td>" in history


def test_the_edit_form_explains_bad_figures_next_to_the_fields(client, price_admin):
    draft_source = PriceBook.objects.get()
    client.force_login(price_admin)
    client.post(f"/prices/{draft_source.pk}/copy/")
    draft = PriceBook.objects.drafts().get()
    response = client.post(f"/prices/{draft.pk}/edit/", {
        "name": "X", "effective_from": "2026-13-01", "nok_per_ssc": "-1",
        "retroactive_factor": "0.5", "vat_percent": "250"})
    errors = response.context["form"].errors
    assert {"effective_from", "nok_per_ssc", "retroactive_factor", "vat_percent"} <= set(errors)
    draft.refresh_from_db()
    assert draft.nok_per_ssc == Decimal("1.40")


def test_publishing_a_book_dated_too_early_says_why(client, price_admin):
    book = PriceBook.objects.get()
    client.force_login(price_admin)
    client.post(f"/prices/{book.pk}/copy/")
    draft = PriceBook.objects.drafts().get()
    form = client.get(f"/prices/{draft.pk}/edit/").context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data["effective_from"] = "2019-01-01"
    saved = client.post(f"/prices/{draft.pk}/edit/", data)  # said at once, next to the field
    assert "must take effect after" in " ".join(saved.context["form"].errors["effective_from"])
    # A draft whose date was overtaken (a later book published meanwhile) is refused at publish.
    PriceBook.objects.filter(pk=draft.pk).update(effective_from="2019-01-01")
    response = client.post(f"/prices/{draft.pk}/publish/", follow=True)
    assert "must take effect after" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published
