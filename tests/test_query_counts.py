"""The busiest pages make the same number of SQL queries however much data there is.

The pages are the ones `bench/bench_pages.py` measures at 10,000 customers; here they run on a
small database seeded by `bench/seed_bulk.py` and again on one four times its size. A query per
row would show as a count that grows; the ceilings guard against a page creeping up on small
data.
"""

import io

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench import seed_bulk
from bench.bench_pages import Cast, pages

SMALL, LARGE = 6, 24
# The most queries each page may make (today's counts, with a little room).
CEILINGS = {
    "bare view (baseline)": 3,
    "dashboard": 15,
    "quote list": 8,
    "quote list, filtered (accepted)": 8,
    "quote list, searched": 9,
    "customer list": 8,
    "customer list, searched": 8,
    "renewals worklist": 16,
    # + its successor, its e-mails and its acceptance; with the database cache (the tests' and
    # the embedded default): one query to look up the offer's rendered sections, and on the
    # first look five to store them (count, savepoint, select, insert, release). Redis answers
    # without SQL.
    "quote detail (issued)": 18,
    "quote detail (draft, re-priced)": 18,
    "installation detail": 13,
}

pytestmark = pytest.mark.urls("bench.urls")


def query_counts(client, customers: int) -> dict[tuple[str, str], int]:
    """Seed `customers` customers in a savepoint, count each page's queries, roll back."""
    counts = {}
    with transaction.atomic():
        seed_bulk.seed(customers=customers, seed=7, stdout=io.StringIO())
        cast = Cast()
        for role, user in (("staff", cast.staff), ("reseller", cast.reseller_user)):
            client.force_login(user)
            for name, url in pages(cast):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                assert response.status_code == 200, (role, name, response.status_code)
                counts[(role, name)] = len(queries)
        transaction.set_rollback(True)
    return counts


@pytest.mark.django_db
def test_no_busy_page_makes_more_queries_when_the_data_grows(client):
    small = query_counts(client, SMALL)
    large = query_counts(client, LARGE)

    assert set(small) == {(role, name) for role in ("staff", "reseller") for name in CEILINGS}
    grown = {page: (small[page], large[page]) for page in small if large[page] != small[page]}
    assert not grown, f"query counts grew with the data: {grown}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CEILINGS))
def test_each_busy_page_stays_under_its_query_ceiling(client, name, django_assert_max_num_queries):
    seed_bulk.seed(customers=SMALL, seed=7, stdout=io.StringIO())
    cast = Cast()
    url = dict(pages(cast))[name]
    for user in (cast.staff, cast.reseller_user):
        client.force_login(user)
        with django_assert_max_num_queries(CEILINGS[name]):
            assert client.get(url).status_code == 200
