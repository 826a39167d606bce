from datetime import date

import pytest

from common.errors import DomainError
from customers import services
from customers.models import AgreementPeriod, PeriodSource


def create(installation, start, end, holdings, **kwargs):
    return services.period_create(installation=installation, start=start, end=end,
                                  holdings=holdings, **kwargs)


def test_a_period_must_start_on_the_first_of_a_month(installation_a, holding_a):
    with pytest.raises(DomainError) as error:
        create(installation_a, date(2025, 7, 2), date(2026, 7, 1), [holding_a])
    assert "start" in error.value.errors
    assert not AgreementPeriod.objects.exists()


def test_a_period_must_end_on_the_first_of_a_month(installation_a, holding_a):
    with pytest.raises(DomainError) as error:
        create(installation_a, date(2025, 7, 1), date(2026, 6, 30), [holding_a])
    assert "end" in error.value.errors


@pytest.mark.parametrize("end", [date(2025, 7, 1), date(2025, 6, 1)])
def test_a_period_must_end_after_it_starts(installation_a, holding_a, end):
    with pytest.raises(DomainError) as error:
        create(installation_a, date(2025, 7, 1), end, [holding_a])
    assert "after the start" in str(error.value)


def test_a_period_must_pay_for_some_licenses(installation_a):
    with pytest.raises(DomainError) as error:
        create(installation_a, date(2025, 7, 1), date(2026, 7, 1), [])
    assert "holdings" in error.value.errors


def test_the_database_refuses_a_period_that_ends_before_it_starts(installation_a):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementPeriod.objects.create(installation=installation_a, start=date(2025, 7, 1),
                                       end=date(2025, 1, 1))


def test_one_holding_is_never_paid_twice_for_the_same_month(installation_a, holding_a, period_a):
    with pytest.raises(DomainError) as error:
        create(installation_a, date(2025, 1, 1), date(2026, 1, 1), [holding_a])
    message = str(error.value)
    assert "07.2024 – 06.2025" in message, "the message names the clashing period"
    assert AgreementPeriod.objects.count() == 1


def test_hand_entered_periods_paying_for_the_same_licenses_never_overlap(
    installation_a, holding_a, period_a
):
    with pytest.raises(DomainError):
        create(installation_a, date(2024, 7, 1), date(2025, 7, 1), [holding_a])
    with pytest.raises(DomainError):
        create(installation_a, date(2025, 6, 1), date(2025, 8, 1), [holding_a])


def test_adjacent_periods_do_not_clash(installation_a, holding_a, period_a):
    period = create(installation_a, date(2025, 7, 1), date(2026, 7, 1), [holding_a])
    assert period.pk


def test_a_coterm_period_may_overlap_when_it_pays_for_other_licenses(
    installation_a, holding_a, period_a, port
):
    added = services.holding_add(installation=installation_a, license_type=port, quantity=5,
                                 activated_on=date(2025, 1, 20))
    coterm = create(installation_a, date(2025, 1, 1), date(2025, 7, 1), [added])
    assert set(coterm.holdings.all()) == {added}


def test_a_period_cannot_pay_for_licenses_activated_after_it_ends(installation_a, port):
    later = services.holding_add(installation=installation_a, license_type=port, quantity=5,
                                 activated_on=date(2026, 8, 1))
    with pytest.raises(DomainError) as error:
        create(installation_a, date(2025, 7, 1), date(2026, 7, 1), [later])
    assert "after this period ends" in str(error.value)


def test_a_period_cannot_pay_for_another_installations_licenses(installation_a, holding_b):
    with pytest.raises(DomainError):
        create(installation_a, date(2025, 7, 1), date(2026, 7, 1), [holding_b])


def test_editing_a_period_checks_the_same_rules_but_not_against_itself(
    installation_a, holding_a, period_a
):
    services.period_update(period=period_a, start=date(2024, 8, 1), end=date(2025, 8, 1),
                           holdings=[holding_a])
    period_a.refresh_from_db()
    assert (period_a.start, period_a.end) == (date(2024, 8, 1), date(2025, 8, 1))
    other = create(installation_a, date(2025, 8, 1), date(2026, 8, 1), [holding_a])
    with pytest.raises(DomainError):
        services.period_update(period=other, start=date(2025, 7, 1), end=date(2026, 7, 1),
                               holdings=[holding_a])
    other.refresh_from_db()
    assert other.start == date(2025, 8, 1), "a refused edit changes nothing"


def test_a_period_made_by_an_accepted_offer_is_not_edited_by_hand(installation_a, holding_a):
    period = create(installation_a, date(2025, 7, 1), date(2026, 7, 1), [holding_a],
                    source=PeriodSource.QUOTE)
    with pytest.raises(DomainError):
        services.period_delete(period=period)
    assert AgreementPeriod.objects.filter(pk=period.pk).exists()


def test_the_period_form_preselects_every_holding_activated_before_its_end(
    client, user_a, installation_a, holding_a, port
):
    future = services.holding_add(installation=installation_a, license_type=port, quantity=2,
                                  activated_on=date(2026, 2, 1))
    client.force_login(user_a)
    response = client.get(f"/installations/{installation_a.pk}/periods/new/")
    form = response.context["form"]
    assert set(form.initial["holdings"]) == {holding_a.pk, future.pk}
    html = response.content.decode()
    assert 'data-activated="2024-03-14"' in html


def test_the_period_form_accepts_month_inputs_and_reports_clashes_next_to_the_form(
    client, user_a, installation_a, holding_a, period_a
):
    client.force_login(user_a)
    url = f"/installations/{installation_a.pk}/periods/new/"
    response = client.post(url, {"start": "2025-01", "end": "2026-01",
                                 "holdings": [holding_a.pk]})
    assert response.status_code == 200
    assert "never paid twice" in response.context["form"].non_field_errors()[0]
    response = client.post(url, {"start": "2025-07", "end": "2026-07",
                                 "holdings": [holding_a.pk]})
    assert response.status_code == 302
    assert installation_a.periods.count() == 2


def test_the_period_form_refuses_a_full_date_that_is_not_a_first_of_month(
    client, user_a, installation_a, holding_a
):
    client.force_login(user_a)
    response = client.post(f"/installations/{installation_a.pk}/periods/new/",
                           {"start": "2025-07-15", "end": "2026-07", "holdings": [holding_a.pk]})
    assert "start" in response.context["form"].errors
    assert not installation_a.periods.exists()
