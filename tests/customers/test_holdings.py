from datetime import date

import pytest

from common.errors import DomainError
from customers import services
from customers.models import LicenseHolding


def test_a_paid_holding_cannot_change_its_quantity(holding_a, period_a, port):
    with pytest.raises(DomainError):
        services.holding_update(holding=holding_a, license_type=port, quantity=11,
                                activated_on=holding_a.activated_on, rented=False)
    holding_a.refresh_from_db()
    assert holding_a.quantity == 10


def test_a_paid_holding_cannot_be_deleted(holding_a, period_a):
    with pytest.raises(DomainError):
        services.holding_delete(holding=holding_a)
    assert LicenseHolding.objects.filter(pk=holding_a.pk).exists()


def test_an_unpaid_holding_can_be_corrected_and_deleted(holding_a, port):
    services.holding_update(holding=holding_a, license_type=port, quantity=12,
                            activated_on=holding_a.activated_on, rented=False)
    holding_a.refresh_from_db()
    assert holding_a.quantity == 12
    services.holding_delete(holding=holding_a)
    assert not LicenseHolding.objects.filter(pk=holding_a.pk).exists()


def test_fewer_licenses_end_the_holding_and_the_rest_stay_paid(holding_a, period_a):
    remaining = services.holding_end(holding=holding_a, ended_on=date(2025, 1, 1), keep=6)
    holding_a.refresh_from_db()
    assert holding_a.ended_on == date(2025, 1, 1)
    assert holding_a.quantity == 10
    assert remaining.quantity == 6
    assert remaining.activated_on == date(2025, 1, 1)
    assert list(remaining.periods.all()) == [period_a]


def test_a_holding_ends_only_on_the_first_of_a_month_after_activation(holding_a):
    with pytest.raises(DomainError):
        services.holding_end(holding=holding_a, ended_on=date(2025, 1, 15))
    with pytest.raises(DomainError):
        services.holding_end(holding=holding_a, ended_on=date(2024, 3, 1))
    holding_a.refresh_from_db()
    assert holding_a.ended_on is None


def test_keeping_as_many_as_there_are_is_refused(holding_a):
    with pytest.raises(DomainError) as error:
        services.holding_end(holding=holding_a, ended_on=date(2025, 1, 1), keep=10)
    assert "keep" in error.value.errors


def test_zero_or_negative_quantities_are_refused_by_the_form(client, user_a, installation_a,
                                                             port):
    client.force_login(user_a)
    url = f"/installations/{installation_a.pk}/holdings/new/"
    for quantity in ["0", "-3", "abc", "99999999999"]:
        response = client.post(url, {"license_type": port.pk, "quantity": quantity,
                                     "activated_on": "2026-01-10"})
        assert response.status_code == 200
        assert "quantity" in response.context["form"].errors
    assert not installation_a.holdings.exists()
