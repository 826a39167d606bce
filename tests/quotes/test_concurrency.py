"""Numbering and acceptance under real concurrency: PostgreSQL only (SQLite serialises
writers, so races cannot happen there)."""

import threading
from datetime import date

import pytest
from django.db import connection, connections
from django.utils import translation

from common.errors import DomainError
from quotes import services
from quotes.models import Quote, QuoteCounter
from tests.quotes.factories import example_d

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real row locks need PostgreSQL"
)

THREADS = 50


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_threads_issuing_at_once_get_the_numbers_one_to_fifty(staff, user_a, customer_a):
    drafts = [
        services.quote_create(customer=customer_a, installations=[example_d(customer_a, f"D{i}")],
                              user=user_a)
        for i in range(THREADS)
    ]
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def issue(quote):
        try:
            start.wait()
            services.quote_issue(quote=quote, user=staff, today=date(2025, 2, 10),
                                 prepare_pdf=False)
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(quote,)) for quote in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(Quote.objects.issued().values_list("number", flat=True))
    assert numbers == [f"SSA-2025-{n:05d}" for n in range(1, THREADS + 1)]
    assert QuoteCounter.objects.get(year=2025).last == THREADS


def _race(functions):
    """Run the functions in threads released at the same moment; return their outcomes."""
    start = threading.Barrier(len(functions))
    outcomes: list = [None] * len(functions)

    def run(index, function):
        try:
            start.wait()
            with translation.override("en"):  # a thread starts in the default language
                outcomes[index] = function()
        except BaseException as error:  # noqa: BLE001 - returned and asserted by the caller
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_accepting_one_offer_at_once_record_one_acceptance(staff, user_a,
                                                                      customer_a):
    installation = example_d(customer_a)
    quote = services.quote_issue(
        quote=services.quote_create(customer=customer_a, installations=[installation],
                                    user=user_a), user=staff, today=date(2025, 2, 10))
    outcomes = _race([
        lambda: services.quote_accept(quote=quote, user=user_a, accepted_by_name="Kari",
                                      today=date(2025, 2, 10)),
        lambda: services.quote_accept(quote=quote, user=staff, accepted_by_name="Per",
                                      today=date(2025, 2, 10)),
    ])
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refused) == 1 and "already been accepted" in refused[0].message
    assert installation.periods.filter(source="quote").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_offers_for_the_same_months_accepted_at_once_only_one_wins(staff, user_a,
                                                                       customer_a):
    installation = example_d(customer_a)
    quotes = [
        services.quote_issue(
            quote=services.quote_create(customer=customer_a, installations=[installation],
                                        user=user_a), user=staff, today=date(2025, 2, 10))
        for _ in range(2)
    ]
    outcomes = _race([
        (lambda q=q: services.quote_accept(quote=q, user=user_a, accepted_by_name="Kari",
                                           today=date(2025, 2, 10)))
        for q in quotes
    ])
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refused) == 1 and "revise it" in refused[0].message
    assert Quote.objects.filter(state="accepted").count() == 1
    assert installation.periods.filter(source="quote").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_customers_accepting_the_same_months_online_at_once_only_one_wins(staff, user_a,
                                                                             customer_a):
    from quotes.services.customer_side import link_create, link_find

    installation = example_d(customer_a)
    links = []
    for contact in ("kari@kunde.example.no", "per@kunde.example.no"):
        quote = services.quote_issue(
            quote=services.quote_create(customer=customer_a, installations=[installation],
                                        user=user_a), user=staff, today=date(2025, 2, 10),
            prepare_pdf=False)
        links.append(link_find(link_create(quote=quote, email=contact, user=staff)[1]))
    outcomes = _race([
        (lambda link=link, quote=quote, name=name: services.quote_accept_online(
            link=link, quote=quote, name=name, role="Daglig leder", email=link.email,
            purchase_order="", client_ip="192.0.2.1", user_agent="test",
            today=date(2025, 2, 10)))
        for (link, quote), name in zip(links, ("Kari", "Per"), strict=True)
    ])
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refused) == 1 and "revise it" in refused[0].message
    assert Quote.objects.filter(state="accepted").count() == 1
    assert installation.periods.filter(source="quote").count() == 1
