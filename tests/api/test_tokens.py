"""Personal API tokens: made on the account page and shown once, stored as their SHA-256,
revocable, read-only or read-write, their last use shown; throttled per token."""

import hashlib
import re

from django.urls import reverse

from api.models import ApiToken
from api.tokens import TOUCH_EVERY
from tests.api.conftest import api_client


def test_a_token_made_on_the_account_page_is_shown_once_and_stored_hashed(client, user_a):
    client.force_login(user_a)
    page = client.post(reverse("api_token_list"), {"name": "Fakturering", "access": "write"})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    secret = re.search(r'id="new-token">(ssa_[\w-]+)<', page.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values()))
    assert not token.read_only and len(secret) >= 4 + 43  # 32 random bytes
    again = client.get(reverse("api_token_list")).content.decode()
    assert secret not in again and token.prefix in again
    response = client.get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 200


def test_a_revoked_token_is_401_and_a_read_only_token_cannot_write(
        client, user_a, frozen_clock):
    read_only = api_client(user_a, read_only=True)
    assert read_only.get("/api/v1/customers/").status_code == 200
    refused = read_only.post("/api/v1/customers/", {"name": "X AS"},
                             content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("This API token is read-only")
    token = ApiToken.objects.get(read_only=True)
    assert token.last_used_at is not None
    client.force_login(user_a)
    client.post(reverse("api_token_revoke", args=[token.pk]))
    revoked = read_only.get("/api/v1/customers/")
    assert revoked.status_code == 401 and revoked["WWW-Authenticate"].startswith("Bearer")
    assert "revoked" in client.get(reverse("api_token_list")).content.decode()


def test_last_use_is_written_at_most_once_a_minute(user_a, frozen_clock):
    client = api_client(user_a)
    client.get("/api/v1/customers/")
    first = ApiToken.objects.get().last_used_at
    client.get("/api/v1/customers/")
    assert ApiToken.objects.get().last_used_at == first
    frozen_clock.shift(TOUCH_EVERY)
    client.get("/api/v1/customers/")
    assert ApiToken.objects.get().last_used_at == first + TOUCH_EVERY


def test_a_token_that_makes_too_many_requests_is_throttled(user_a, user_b, settings):
    settings.SSA_API_RATE = "3/min"
    busy, other = api_client(user_a), api_client(user_b)
    assert [busy.get("/api/v1/customers/").status_code for _ in range(4)] == [200] * 3 + [429]
    throttled = busy.get("/api/v1/customers/")
    assert throttled["Content-Type"] == "application/problem+json"
    assert int(throttled["Retry-After"]) > 0
    assert other.get("/api/v1/customers/").status_code == 200


def test_garbage_and_unknown_tokens_are_401(client, db):
    for header in ("Bearer", "Bearer a b", "Bearer ssa_unknown", "Token \u00e6\u00f8\u00e5",
                   "Bearer " + "x" * 300):
        response = client.get("/api/v1/customers/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
