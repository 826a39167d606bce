"""The worked examples of docs/DOMAIN.md#worked-examples once more, end to end through the
models, the services and the selectors, so they hold on SQLite and on PostgreSQL alike."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from common.errors import DomainError
from customers import services
from customers.models import LicenseType, PeriodSource
from quotes import selectors
from tests.conftest import make_installation


@pytest.fixture
def types(db):
    return {t.code: t for t in LicenseType.objects.all()}


def paid_until(installation, until: date, holdings, source=PeriodSource.MANUAL):
    return services.period_create(installation=installation,
                                  start=until.replace(year=until.year - 1), end=until,
                                  holdings=holdings, source=source)


def price(installation, quote_date, end=None):
    loaded = list(selectors.with_pricing_data(type(installation).objects.filter(
        pk=installation.pk)))
    result, _book = selectors.price_installations(installations=loaded, quote_date=quote_date,
                                                  end=end)
    return result


def summary(result):
    return [(line.kind, f"{line.start:%Y-%m}", f"{line.end:%Y-%m}", line.quantity, line.ssc)
            for line in result.lines]


def ports(installation, types, quantity, activated_on):
    return services.holding_add(installation=installation, license_type=types["port"],
                                quantity=quantity, activated_on=activated_on)


EXAMPLES = {
    # name: (ports, paid until, quote date, expected lines, SSC, NOK net)
    "A": (1, date(2026, 7, 1), date(2026, 5, 15),
          [("forward", "2026-07", "2027-07", 1, 74)], 74, "103.60"),
    "B": (1, date(2025, 7, 1), date(2026, 7, 10),
          [("retroactive", "2025-07", "2026-07", 1, 148),
           ("forward", "2026-07", "2027-07", 1, 74)], 222, "310.80"),
    "C": (50, date(2026, 7, 1), date(2026, 6, 1),
          [("forward", "2026-07", "2027-07", 50, 3700)], 3700, "5180.00"),
    "D": (12, date(2024, 7, 1), date(2025, 2, 10),
          [("retroactive", "2024-07", "2025-02", 12, 1036),
           ("forward", "2025-02", "2025-07", 12, 370)], 1406, "1968.40"),
    "H": (1, date(2025, 7, 1), date(2026, 6, 20),
          [("retroactive", "2025-07", "2026-06", 1, 136),
           ("forward", "2026-06", "2027-07", 1, 81)], 217, "303.80"),
}


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_worked_example_prices_the_same_through_the_database(customer_a, types, example):
    quantity, until, quote_date, lines, ssc, net = EXAMPLES[example]
    installation = make_installation(customer_a, f"Example {example}")
    holding = ports(installation, types, quantity, until.replace(year=until.year - 2))
    paid_until(installation, until, [holding])
    result = price(installation, quote_date)
    assert summary(result) == lines
    assert result.ssc == ssc
    assert result.net == Decimal(net)


def test_worked_example_e_coterm_through_the_database(customer_a, types):
    installation = make_installation(customer_a, "Example E")
    twenty = ports(installation, types, 20, date(2024, 5, 2))
    paid_until(installation, date(2026, 7, 1), [twenty], source=PeriodSource.QUOTE)
    ports(installation, types, 5, date(2026, 1, 20))
    result = price(installation, date(2026, 3, 5))
    assert summary(result) == [("coterm", "2026-01", "2026-03", 5, 62),
                               ("forward", "2026-03", "2026-07", 5, 124)]
    assert (result.ssc, result.net) == (186, Decimal("260.40"))


def test_worked_example_f_skypbx_is_refused_through_the_database(customer_a):
    installation = services.installation_create(
        customer=customer_a, name="Sky", deployment="skypbx", hardware_model="",
        firmware_version="", serial_number="", notes="")
    with pytest.raises(DomainError, match="not applicable"):
        price(installation, date(2026, 3, 5))


def test_worked_example_g_through_the_database(customer_a, types):
    installation = make_installation(customer_a, "Example G")
    ports(installation, types, 3, date(2026, 2, 14))
    services.holding_add(installation=installation, license_type=types["switchboard"],
                         quantity=1, activated_on=date(2026, 2, 14))
    result = price(installation, date(2026, 2, 20))
    assert sorted((line.license_code, line.months, line.ssc) for line in result.lines) == [
        ("port", 5, 93), ("switchboard", 5, 63)]
    assert (result.ssc, result.net) == (156, Decimal("218.40"))


def test_old_firmware_gets_the_support_warning_and_unknown_firmware_says_so(customer_a, types):
    old = make_installation(customer_a, "Old")
    old.firmware_version = "12r1"
    old.save()
    unknown = make_installation(customer_a, "Unknown")
    unknown.firmware_version = "99r9"
    unknown.save()
    for installation in (old, unknown):
        ports(installation, types, 1, date(2026, 1, 5))
    assert price(old, date(2026, 3, 5)).installations[0].warnings == (
        "No support for this version; full use of a new version may need a hardware upgrade.",)
    assert price(unknown, date(2026, 3, 5)).installations[0].warnings == (
        "Unknown firmware version.",)
    current = make_installation(customer_a, "Current")  # 14r2 (2023) against 16r1 (2025)
    ports(current, types, 1, date(2026, 1, 5))
    assert price(current, date(2026, 3, 5)).installations[0].warnings == ()


def test_not_covered_and_rented_licenses_are_listed_as_not_included(customer_a, types):
    installation = make_installation(customer_a)
    ports(installation, types, 2, date(2026, 1, 5))
    services.holding_add(installation=installation, license_type=types["recording"],
                         quantity=3, activated_on=date(2026, 1, 5))
    services.holding_add(installation=installation, license_type=types["mobility"],
                         quantity=4, activated_on=date(2026, 1, 5), rented=True)
    section = price(installation, date(2026, 3, 5)).installations[0]
    assert {(e.license_code, e.reason) for e in section.excluded} == {
        ("recording", "not covered by SSA"), ("mobility", "rented licenses include upgrades")}
    assert {line.license_code for line in section.lines} == {"port"}


def _engine_texts():
    from quotes import pricing

    return {pricing.NOT_APPLICABLE_SKYPBX, pricing.REASON_NOT_COVERED, pricing.REASON_RENTED,
            pricing.WARNING_OLD_FIRMWARE, pricing.WARNING_UNKNOWN_FIRMWARE}


def test_the_engine_texts_marked_for_translation_match_the_engine_word_for_word():
    assert set(selectors.ENGINE_TEXTS) == _engine_texts()


def test_the_norwegian_catalogue_translates_every_engine_text_the_same_for_pages_and_offer():
    from quotes import pricing
    from quotes.pdf import engine_text

    with translation.override("nb"):
        for text in _engine_texts():
            assert translation.gettext(text) != text, text
            assert engine_text(text) == translation.gettext(text), text
        assert engine_text(pricing.WARNING_OLD_FIRMWARE).startswith("Ingen support for")
