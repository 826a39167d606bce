"""Small builders for offer tests: the worked examples of docs/DOMAIN.md#worked-examples as
database rows."""

from datetime import date

from customers import services as customer_services
from customers.models import LicenseType, PeriodSource
from tests.conftest import make_installation


def port_type():
    return LicenseType.objects.get(code="port")


def add_ports(installation, quantity, activated_on):
    return customer_services.holding_add(installation=installation, license_type=port_type(),
                                         quantity=quantity, activated_on=activated_on)


def paid_until(installation, until, holdings, source=PeriodSource.MANUAL):
    return customer_services.period_create(
        installation=installation, start=until.replace(year=until.year - 1), end=until,
        holdings=holdings, source=source)


def example_d(customer, name="Example D"):
    """12 ports paid until 2024-07-01; quoted 2025-02-10 → retro 7 m + forward 5 m."""
    installation = make_installation(customer, name)
    holding = add_ports(installation, 12, date(2022, 5, 3))
    paid_until(installation, date(2024, 7, 1), [holding])
    return installation


def example_e(customer, name="Example E"):
    """20 ports paid by an accepted offer 2025-07..2026-07; 5 more activated 2026-01-20."""
    installation = make_installation(customer, name)
    twenty = add_ports(installation, 20, date(2024, 5, 2))
    paid_until(installation, date(2026, 7, 1), [twenty], source=PeriodSource.QUOTE)
    add_ports(installation, 5, date(2026, 1, 20))
    return installation
