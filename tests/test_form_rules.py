"""Every rule a service enforces is said by its form, next to the field, before anything is
saved; no database constraint's name ever reaches a user."""

from datetime import date

import pytest
from django.apps import apps
from django.db.models import BaseConstraint
from django.urls import reverse
from django.utils import translation

from common.errors import DomainError
from customers import services
from customers.models import AgreementPeriod, LicenseHolding
from quotes import services as quote_services
from quotes.models import PriceBook, Quote

pytestmark = pytest.mark.django_db


def field_errors(response, field):
    return [str(e) for e in response.context["form"].errors.get(field, [])]


def test_the_offer_form_refuses_an_end_month_not_after_the_start(client, user_a, customer_a,
                                                                 installation_a, holding_a):
    client.force_login(user_a)
    url = reverse("quote_create", args=[customer_a.pk])
    for end in ("2026-02", "2026-03"):  # the agreement starts in March 2026 (frozen clock)
        response = client.post(url, {"installations": installation_a.pk, "end": end,
                                     "language": "nb"})
        assert response.status_code == 200
        assert field_errors(response, "end") == [
            "The agreement must end on the first of a month after it starts; choose an end "
            "month after this month."]
    assert not Quote.objects.exists()
    totals = client.get(reverse("quote_form_totals", args=[customer_a.pk]),
                        {"installations": installation_a.pk, "end": "2026-01", "language": "nb"})
    assert "end month after this month" in totals.content.decode()
    response = client.post(url, {"installations": installation_a.pk, "end": "2026-04",
                                 "language": "nb"})
    assert response.status_code == 302 and Quote.objects.count() == 1


def test_the_offer_service_refuses_an_end_not_after_the_start_too(user_a, customer_a,
                                                                 installation_a):
    with pytest.raises(DomainError) as refused:
        quote_services.quote_create(customer=customer_a, installations=[installation_a],
                                    user=user_a, end=date(2026, 3, 1))
    assert refused.value.field == "end"
    draft = quote_services.quote_create(customer=customer_a, installations=[installation_a],
                                        user=user_a)
    with pytest.raises(DomainError):
        quote_services.quote_update_draft(quote=draft, user=user_a,
                                          installations=[installation_a],
                                          end=date(2025, 7, 1), language="nb")


@pytest.mark.parametrize("language", ["en", "nb"])
def test_the_period_form_says_the_end_is_before_the_start_in_words(client, user_a,
                                                                   installation_a, holding_a,
                                                                   language):
    client.force_login(user_a)
    response = client.post(reverse("period_create", args=[installation_a.pk]),
                           {"start": "2025-07", "end": "2025-01", "holdings": holding_a.pk},
                           headers={"accept-language": language})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Constraint" not in text and "period_end_after_start" not in text
    expected = "The end must be after the start." if language == "en" else (
        "Slutten må være etter starten.")
    assert expected in " ".join(field_errors(response, "end"))
    assert not AgreementPeriod.objects.exists()


def test_the_period_form_says_a_license_is_paid_twice_before_saving(client, user_a,
                                                                   installation_a, holding_a,
                                                                   period_a):
    client.force_login(user_a)
    response = client.post(reverse("period_create", args=[installation_a.pk]),
                           {"start": "2025-01", "end": "2026-01", "holdings": holding_a.pk})
    assert response.status_code == 200
    assert "never paid twice" in " ".join(field_errors(response, None) + field_errors(
        response, "holdings") + [str(e) for e in response.context["form"].non_field_errors()])
    assert AgreementPeriod.objects.count() == 1


def test_the_price_book_form_refuses_an_effective_date_not_after_the_book_in_force(
        client, price_admin):
    book = PriceBook.objects.get()  # published, effective from 2020-01-01
    draft = quote_services.price_book_create_draft(source=book, user=price_admin)
    client.force_login(price_admin)
    body = {"name": "2026", "effective_from": "2019-12-31", "nok_per_ssc": "1.5",
            "retroactive_factor": "2", "vat_percent": "25"}
    response = client.post(reverse("price_book_edit", args=[draft.pk]), body)
    assert response.status_code == 200
    assert "must take effect after 01.01.2020" in " ".join(field_errors(response,
                                                                        "effective_from"))
    draft.refresh_from_db()
    assert draft.effective_from != date(2019, 12, 31)
    with pytest.raises(DomainError) as refused:
        quote_services.price_book_update_draft(
            book=draft, user=price_admin, name="x", effective_from=date(2020, 1, 1),
            nok_per_ssc=book.nok_per_ssc, retroactive_factor=2, vat_rate=book.vat_rate,
            rates={})
    assert refused.value.field == "effective_from"


def test_the_end_licenses_form_says_its_rules_next_to_the_fields(client, user_a, holding_a):
    client.force_login(user_a)
    url = reverse("holding_end", args=[holding_a.pk])  # 10 ports activated 14.03.2024
    response = client.post(url, {"ended_on": "2024-03", "keep": "0"})
    assert field_errors(response, "ended_on") == ["The end must be after the activation date."]
    response = client.post(url, {"ended_on": "2026-04", "keep": "10"})
    assert field_errors(response, "keep")
    holding_a.refresh_from_db()
    assert holding_a.ended_on is None and LicenseHolding.objects.count() == 1


def _constraints():
    for model in [*apps.get_app_config("customers").get_models(),
                  *apps.get_app_config("quotes").get_models()]:
        for constraint in model._meta.constraints:
            yield model, constraint


def test_every_database_constraint_has_a_message_in_both_languages():
    found = list(_constraints())
    assert len(found) >= 12
    default = BaseConstraint.default_violation_error_message
    for model, constraint in found:
        message = constraint.violation_error_message
        assert message and str(message) != str(default), f"{model.__name__}.{constraint.name}"
        with translation.override("nb"):
            norwegian = str(message)
        with translation.override("en"):
            english = str(message)
        assert norwegian != english, f"{constraint.name} has no bokmål translation"


def test_a_model_constraint_reaches_the_user_as_words_not_its_name(installation_a, port):
    holding = LicenseHolding(installation=installation_a, license_type=port, quantity=1,
                             activated_on=date(2026, 3, 1), ended_on=date(2026, 2, 1))
    with pytest.raises(DomainError) as refused:
        services._full_clean(holding)
    assert "Constraint" not in refused.value.message
    assert "after the activation date" in refused.value.message


def test_a_new_offer_preselects_only_the_installations_that_owe_something(
        client, user_a, customer_a, installation_a, holding_a, period_a, port):
    """installation_a is paid until 07.2025 (lapsed); another is paid until 2028: the engine
    gives it no lines before the default end, so it is not ticked."""
    from tests.conftest import make_installation

    ahead = make_installation(customer_a, "Lager")
    paid = services.holding_add(installation=ahead, license_type=port, quantity=5,
                                activated_on=date(2025, 1, 10))
    services.period_create(installation=ahead, start=date(2025, 1, 1), end=date(2028, 7, 1),
                           holdings=[paid])
    client.force_login(user_a)
    form = client.get(reverse("quote_create", args=[customer_a.pk])).context["form"]
    assert [i.pk for i in form.initial["installations"]] == [installation_a.pk]
    started_from = client.get(reverse("quote_create", args=[customer_a.pk]),
                              {"installation": ahead.pk}).context["form"]
    assert [i.pk for i in started_from.initial["installations"]] == [ahead.pk]


def test_the_login_asks_for_the_e_mail(client):
    text = client.get(reverse("login"), headers={"accept-language": "nb"}).content.decode()
    assert "E-post" in text and "Brukernavn" not in text
