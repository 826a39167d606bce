"""Acceptance runs the pricing engine's own rules: the periods it creates are
`pricing.acceptance_periods` of the charges frozen at issue, and the property "after acceptance
nothing is charged again" holds through the services and the database, not only in the engine."""

from datetime import date

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from common.errors import DomainError
from common.months import add_months, first_of_month
from customers import services as customer_services
from customers.models import Installation, LicenseType
from quotes import pricing, selectors, services
from tests.conftest import make_installation

QUOTE_DATES = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


def _price(installation, quote_date, end):
    loaded = list(selectors.with_pricing_data(Installation.objects.filter(pk=installation.pk)))
    return selectors.price_installations(installations=loaded, quote_date=quote_date,
                                         end=end)[0]


def test_accepting_creates_exactly_the_periods_the_engine_gives_for_the_frozen_charges(
        monkeypatch, staff, user_a, customer_a, port):
    installation = make_installation(customer_a)
    twenty = customer_services.holding_add(installation=installation, license_type=port,
                                           quantity=20, activated_on=date(2024, 5, 2))
    customer_services.period_create(installation=installation, start=date(2025, 7, 1),
                                    end=date(2026, 7, 1), holdings=[twenty])
    customer_services.holding_add(installation=installation, license_type=port, quantity=5,
                                  activated_on=date(2026, 1, 20))
    draft = services.quote_create(customer=customer_a, installations=[installation],
                                  user=user_a, end=date(2027, 7, 1))
    offer = services.quote_issue(quote=draft, user=staff, today=date(2026, 3, 5))
    calls = []
    engine = pricing.acceptance_periods

    def spy(charges, *, end):
        charges = list(charges)
        calls.append((charges, end))
        return engine(charges, end=end)

    monkeypatch.setattr(pricing, "acceptance_periods", spy)
    services.quote_accept(quote=offer, user=user_a, accepted_by_name="Kari Nordmann",
                          today=date(2026, 3, 5))

    assert len(calls) == 1, "once per installation, by the service"
    charges, end = calls[0]
    frozen = {(c.holding_id, c.quantity, c.due) for c in offer.charges.all()}
    assert {(c.holding_id, c.quantity, c.due) for c in charges} == frozen
    assert end == date(2027, 7, 1)
    made = {(p.start, p.end, frozenset(p.holdings.values_list("pk", flat=True)))
            for p in offer.periods.all()}
    assert made == {(p.start, p.end, p.holding_ids) for p in engine(charges, end=end)}


@st.composite
def histories(draw):
    """Holdings activated over the years, some ended, and up to three agreement periods that
    never overlap in time, each paying for some of the holdings that exist during it."""
    holdings = []
    for _ in range(draw(st.integers(1, 4))):
        activated = draw(st.dates(min_value=date(2019, 1, 1), max_value=date(2027, 6, 30)))
        ended = draw(st.none() | st.integers(1, 60))
        holdings.append((draw(st.integers(1, 40)), activated,
                         add_months(first_of_month(activated), ended) if ended else None))
    periods = []
    cursor = first_of_month(draw(st.dates(min_value=date(2019, 1, 1),
                                          max_value=date(2026, 1, 1))))
    for _ in range(draw(st.integers(0, 3))):
        start = add_months(cursor, draw(st.integers(0, 14)))
        end = add_months(start, draw(st.integers(1, 24)))
        paying = [i for i, (_, activated, ended) in enumerate(holdings)
                  if activated < end and (ended is None or ended > start)]
        if paying:
            chosen = draw(st.lists(st.sampled_from(paying), min_size=1, unique=True))
            periods.append((start, end, chosen))
        cursor = end
    return holdings, periods


@pytest.mark.django_db
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=histories(), quote_date=QUOTE_DATES,
       months_ahead=st.none() | st.integers(1, 30))
def test_after_acceptance_through_the_services_nothing_is_charged_again(
        history, quote_date, months_ahead, staff, user_a, customer_a):
    from django.db import transaction

    holdings, periods = history
    end = add_months(first_of_month(quote_date), months_ahead) if months_ahead else None
    port = LicenseType.objects.get(code="port")
    with transaction.atomic():
        installation = make_installation(customer_a, "Egenskap")
        made = [customer_services.holding_add(
            installation=installation, license_type=port, quantity=quantity,
            activated_on=activated, ended_on=ended) for quantity, activated, ended in holdings]
        for start, period_end, paying in periods:
            customer_services.period_create(installation=installation, start=start,
                                            end=period_end, holdings=[made[i] for i in paying])
        draft = services.quote_create(customer=customer_a, installations=[installation],
                                      user=user_a, end=end, today=quote_date)
        try:
            offer = services.quote_issue(quote=draft, user=staff, today=quote_date,
                                         prepare_pdf=False)
        except DomainError:
            transaction.set_rollback(True)
            assume(False)  # nothing due: nothing to accept
        services.quote_accept(quote=offer, user=user_a, accepted_by_name="Kari Nordmann",
                              today=quote_date)
        section = offer.sections.get()

        again = _price(installation, quote_date, section.end)

        assert not again.has_lines
        assert again.charges == ()
        transaction.set_rollback(True)
