"""Schemathesis against the API's live schema (docs/API.md), run in-process against the WSGI
application, as staff and as reseller A's user with read-write tokens, on the small world of
tests/security_world.py (reseller A's and reseller B's objects).

For every operation of the schema and both users, Hypothesis (derandomized, the "ci" profile of
conftest.py) generates `EXAMPLES_PER_OPERATION` requests from the schema; path ids are drawn
from the world's real objects (A's and B's) three times in four. Every response must:
- not be a server error (5xx);
- have a status code, content type, headers and body the schema documents (the problems
  too: application/problem+json, postprocessed into every operation by api/schema.py).

Every request runs in a savepoint that is rolled back, so the cases are independent. The CI
budget is `EXAMPLES_PER_OPERATION` = 13 (about 1,000 requests in all); env
`SSA_SCHEMATHESIS_EXAMPLES` (or `make schemathesis`) asks for more.
"""

import os
from collections import Counter
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import tokens
from api.models import WebhookEndpoint
from customers.models import AgreementPeriod, Customer, Installation, LicenseHolding
from quotes.models import Quote
from tests.security_world import build_world

EXAMPLES_PER_OPERATION = int(os.environ.get("SSA_SCHEMATHESIS_EXAMPLES", "13"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
SENT: Counter = Counter()  # requests per user, for the summary and the floor
STATUSES: dict[str, Counter] = {}  # per user: how often each status came back


@pytest.fixture
def world(staff, price_admin, outsider, user_a, user_b, customer_a, customer_b, port):
    return build_world(staff=staff, price_admin=price_admin, outsider=outsider, user_a=user_a,
                       user_b=user_b, customer_a=customer_a, customer_b=customer_b, port=port)


@contextmanager
def wsgi_application():
    """The WSGI application, with the database connection kept open between requests (as the
    test client does): a request's end must not close the test's transaction. (The test
    client connects these receivers again after each of its own requests: use no test client
    inside.)"""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def known_ids() -> dict[str, list[int]]:
    """Real ids (both resellers') per path segment, for the `{id}` of the paths."""
    return {
        "customers": list(Customer.objects.values_list("pk", flat=True)),
        "installations": list(Installation.objects.values_list("pk", flat=True)),
        "holdings": list(LicenseHolding.objects.values_list("pk", flat=True)),
        "periods": list(AgreementPeriod.objects.values_list("pk", flat=True)),
        "offers": list(Quote.objects.values_list("pk", flat=True)),
        "webhooks": list(WebhookEndpoint.objects.values_list("pk", flat=True)),
    }


def live_schema(secret: str) -> dict:
    response = Client().get("/api/v1/schema/", {"format": "json"},
                            HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    return response.json()


def fuzz_operation(operation, *, app, headers: dict, ids: dict, label: str) -> None:
    segment = operation.path.split("/")[3]

    @given(data=st.data())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(data):
        case = data.draw(operation.as_strategy())
        if case.path_parameters and "id" in case.path_parameters and ids.get(segment):
            real = st.sampled_from(ids[segment])
            case.path_parameters["id"] = data.draw(st.one_of(
                real, real, real, st.just(case.path_parameters["id"])))
        cache.clear()
        with transaction.atomic():
            response = case.call(app=app, headers=headers)
            SENT[label] += 1
            STATUSES.setdefault(label, Counter())[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)
            transaction.set_rollback(True)

    run()


@pytest.mark.parametrize("who", ["staff", "reseller"])
def test_every_api_operation_answers_as_its_schema_says_without_server_errors(
        world, settings, who):
    settings.SSA_API_RATE = "1000000/min"
    user = world.staff if who == "staff" else world.a.user
    _token, secret = tokens.token_create(user=user, name="schemathesis", read_only=False)
    schema = schemathesis.openapi.from_dict(live_schema(secret))
    ids = known_ids()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    with wsgi_application() as app:
        for operation in operations:
            fuzz_operation(operation, app=app, headers={"Authorization": f"Bearer {secret}"},
                           ids=ids, label=who)
    answers = " ".join(f"{code}×{n}" for code, n in sorted(STATUSES[who].items()))
    print(f"\nschemathesis as {who}: {SENT[who]} requests over {len(operations)} operations; "
          f"responses {answers}", flush=True)
    assert SENT[who] >= len(operations) * EXAMPLES_PER_OPERATION * 0.9
    successes = sum(n for code, n in STATUSES[who].items() if code < 300)
    assert successes >= SENT[who] // 5, "too few requests got through: is the world empty?"


def test_the_two_runs_together_send_at_least_a_thousand_requests():
    """Runs after the two above (pytest keeps the file's order): the CI budget's floor."""
    if not SENT:
        pytest.skip("run with the schemathesis tests above")
    assert sum(SENT.values()) >= 1000 * EXAMPLES_PER_OPERATION / 13
