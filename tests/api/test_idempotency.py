"""Idempotency-Key: a retried POST gets the first response again and nothing is done twice;
the same key with another body is refused."""

from api.models import IdempotentRequest
from customers.models import Customer
from quotes.models import Quote, QuoteEvent


def test_the_same_key_and_body_replays_the_first_response_and_creates_nothing_twice(
        api, user_a, customer_a, installation_a, holding_a):
    client = api(user_a)
    body = {"customer": customer_a.pk, "installations": [installation_a.pk]}
    first = client.post("/api/v1/offers/", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="9b7c-offer-1")
    assert first.status_code == 201
    replay = client.post("/api/v1/offers/", body, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="9b7c-offer-1")
    assert replay.status_code == 201
    assert replay.content == first.content
    assert replay["Location"] == first["Location"]
    assert replay["Idempotent-Replayed"] == "true"
    assert Quote.objects.count() == 1
    assert QuoteEvent.objects.filter(kind="created").count() == 1


def test_the_same_key_with_a_different_body_is_422_and_changes_nothing(api, user_a):
    client = api(user_a)
    first = client.post("/api/v1/customers/", {"name": "Ett AS"},
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    other = client.post("/api/v1/customers/", {"name": "To AS"},
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"
    assert other.json()["type"].endswith("idempotency-key-reused")
    assert list(Customer.objects.values_list("name", flat=True)) == ["Ett AS"]


def test_keys_belong_to_their_user_and_refusals_replay_too(api, user_a, user_b, staff):
    ours, theirs = api(user_a), api(user_b)
    assert ours.post("/api/v1/customers/", {"name": "A AS"}, content_type="application/json",
                     HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    assert theirs.post("/api/v1/customers/", {"name": "B AS"}, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    refused = api(staff).post("/api/v1/customers/", {"name": "C AS"},
                              content_type="application/json", HTTP_IDEMPOTENCY_KEY="staff")
    assert refused.status_code == 422 and refused.json()["errors"] == {
        "reseller": ["Choose the reseller this customer belongs to."]}
    again = api(staff).post("/api/v1/customers/", {"name": "C AS"},
                            content_type="application/json", HTTP_IDEMPOTENCY_KEY="staff")
    assert again.status_code == 422 and again.content == refused.content
    assert IdempotentRequest.objects.count() == 3


def test_a_key_whose_first_request_is_still_running_is_409(api, user_a):
    client = api(user_a)
    body = {"name": "Ny AS"}
    client.post("/api/v1/customers/", body, content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="busy")
    IdempotentRequest.objects.filter(key="busy").update(completed=False)  # as if still running
    response = client.post("/api/v1/customers/", body, content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="busy")
    assert response.status_code == 409 and response["Retry-After"] == "1"
    assert Customer.objects.count() == 1
