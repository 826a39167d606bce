"""Gapless numbering under real concurrency: PostgreSQL only (SQLite serialises writers)."""

import threading
from datetime import date

import pytest
from django.db import connection, connections

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
            services.quote_issue(quote=quote, user=staff, today=date(2025, 2, 10))
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
