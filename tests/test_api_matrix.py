"""Every route of the API × every role, in one table (the API's twin of test_url_matrix.py).

Roles: anonymous (no token), read-write tokens of a user of reseller A (who owns the objects in
the URLs), of reseller B, of staff, of a price admin and of an outsider (no reseller, not
staff), a read-only token of A's user, and a revoked token of A's user. Another reseller's
objects answer 404; a role too weak 403; a read-only token 403 for every write; no token or a
revoked one 401. A denied request changes nothing; an allowed write changes something. Adding
an API route without a row here fails the suite.
"""

from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api import tokens
from api.models import ApiToken, IdempotentRequest, WebhookEndpoint
from tests.test_url_matrix import snapshot as page_snapshot
from tests.test_url_matrix import world  # noqa: F401 - the same world of objects

ROLES = ("anonymous", "reseller_a", "reseller_b", "staff", "price_admin", "outsider",
         "read_only", "revoked")


def statuses(spec: str) -> dict[str, int]:
    codes = [int(code) for code in spec.split()]
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


@dataclass
class Call:
    expected: str
    data: dict = field(default_factory=dict)
    multipart: bool = False
    changes: bool = True  # an allowed call writes something


@dataclass
class Route:
    kwargs: dict[str, str] = field(default_factory=dict)  # URL kwarg → object name
    calls: dict[str, Call] = field(default_factory=dict)  # method → call


LIST = "401 200 200 200 200 200 200 401"  # scoped lists: everyone with a token reads
OWN = "401 200 404 200 200 404 200 401"  # reseller A's object
OWN_WRITE = "401 200 404 200 200 404 403 401"
OWN_CREATE = "401 201 404 201 201 404 403 401"
OWN_DELETE = "401 204 404 204 204 404 403 401"
CREATE_FOR_A = "401 201 400 201 201 400 403 401"  # B and the outsider cannot name A's objects
STAFF_ONLY = "401 403 404 200 200 404 403 401"


def get(expected=LIST, **kwargs):
    return {"get": Call(expected, changes=False, **kwargs)}


MATRIX: dict[str, Route] = {
    "schema": Route(calls=get()),
    "docs": Route(calls=get("302 200 200 200 200 200 200 401")),
    "customer-list": Route(calls={**get(), "post": Call(
        CREATE_FOR_A, {"name": "Ny Kunde AS", "reseller": "reseller_a"})}),
    "customer-detail": Route({"pk": "customer"}, {**get(OWN), "patch": Call(
        OWN_WRITE, {"city": "Oslo"})}),
    "installation-list": Route(calls={**get(), "post": Call(
        CREATE_FOR_A, {"customer": "customer", "name": "Filial 2"})}),
    "installation-detail": Route({"pk": "installation"}, {**get(OWN), "patch": Call(
        OWN_WRITE, {"notes": "Rack 3"})}),
    # The dry run writes nothing, but it is a POST: a read-only token may not.
    "pbx-import": Route({"pk": "installation"}, {"post": Call(
        OWN_WRITE, {"file": "pbx_file", "location": "oslo"}, multipart=True, changes=False)}),
    "pbx-import-apply": Route({"pk": "installation"}, {"post": Call(
        OWN_WRITE, {"plan": "pbx_plan"})}),
    "holding-list": Route(calls={**get(), "post": Call(CREATE_FOR_A, {
        "installation": "installation", "license_type": "port", "quantity": 2,
        "activated_on": "2026-02-01"})}),
    "holding-detail": Route({"pk": "holding"}, {**get(OWN), "patch": Call(
        OWN_WRITE, {"quantity": 3}), "delete": Call(OWN_DELETE)}),
    "holding-end": Route({"pk": "holding"}, {"post": Call(
        OWN_WRITE, {"ended_on": "2026-04-01", "keep": 1})}),
    "period-list": Route(calls={**get(), "post": Call(CREATE_FOR_A, {
        "installation": "installation", "start": "2025-07-01", "end": "2026-07-01",
        "holdings": ["holding"]})}),
    "period-detail": Route({"pk": "period"}, {**get(OWN), "patch": Call(
        OWN_WRITE, {"note": "from the old system"}), "delete": Call(OWN_DELETE)}),
    # Another reseller's installation cannot be priced: refused as if it did not exist.
    "price-preview": Route(calls=get("401 200 422 200 200 422 200 401",
                                     data={"installation": "installation"})),
    "offer-list": Route(calls={**get(), "post": Call(CREATE_FOR_A, {
        "customer": "customer", "installations": ["installation"]})}),
    "offer-detail": Route({"pk": "draft_quote"}, {**get(OWN), "patch": Call(
        OWN_WRITE, {"language": "en"}), "delete": Call(OWN_DELETE)}),
    # Staff issue drafts themselves: marking one ready is refused (409), changing nothing.
    "offer-ready": Route({"pk": "draft_quote"}, {"post": Call(
        "401 200 404 409 409 404 403 401", {"ready": True})}),
    "offer-issue": Route({"pk": "draft_quote"}, {"post": Call(STAFF_ONLY)}),
    "offer-accept": Route({"pk": "issued_quote"}, {"post": Call(
        OWN_WRITE, {"accepted_by_name": "Kari Kunde"})}),
    "offer-decline": Route({"pk": "issued_quote"}, {"post": Call(
        OWN_WRITE, {"reason": "Too dear"})}),
    "offer-revise": Route({"pk": "issued_quote"}, {"post": Call(OWN_CREATE)}),
    # The signed PDF is not prepared in this world: 409 with Retry-After for those who see it.
    "offer-pdf": Route({"pk": "issued_quote"}, get("401 409 404 409 409 404 409 401")),
    "renewal-list": Route(calls=get()),
    "webhook-list": Route(calls={**get(), "post": Call(
        "401 201 201 201 201 422 403 401",
        {"url": "http://127.0.0.1:9/new-hook", "events": ["issued"]})}),
    "webhook-detail": Route({"pk": "webhook"}, {**get(OWN), "patch": Call(
        OWN_WRITE, {"description": "ERP"}), "delete": Call(OWN_DELETE)}),
    "webhook-deliveries": Route({"pk": "webhook"}, get(OWN)),
}


def api_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "api":
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_api_route_has_a_row_in_the_matrix():
    missing = api_url_names() - set(MATRIX)
    stale = set(MATRIX) - api_url_names()
    assert not missing, f"API routes without a row in the access matrix: {sorted(missing)}"
    assert not stale, f"rows for API routes that no longer exist: {sorted(stale)}"


def authorization(built, role) -> dict:
    users = built["users"]
    if role == "anonymous":
        return {}
    user = users["reseller_a"] if role in ("read_only", "revoked") else users[role]
    token, secret = tokens.token_create(user=user, name=role, read_only=role == "read_only")
    if role == "revoked":
        tokens.token_revoke(token=token)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def resolve(value, objects):
    if isinstance(value, list):
        return [resolve(item, objects) for item in value]
    if value == "port":
        return value
    if isinstance(value, str) and value in objects:
        found = objects[value]
        if hasattr(found.pk, "read"):  # an upload
            return SimpleUploadedFile(found.pk.name, found.pk.read())
        return found.pk
    return value


def snapshot() -> list:
    return [*page_snapshot(), list(IdempotentRequest.objects.order_by("pk").values()),
            list(ApiToken.objects.order_by("pk").values("pk", "revoked_at"))]


CASES = [(name, method, role) for name, route in MATRIX.items() for method in route.calls
         for role in ROLES]


@pytest.mark.parametrize(("name", "method", "role"), CASES)
def test_the_api_answers_as_the_matrix_says_and_a_denied_call_changes_nothing(
        client, world, name, method, role):  # noqa: F811 - `world` is the imported fixture
    route = MATRIX[name]
    call = route.calls[method]
    objects = world["objects"]
    url = reverse(f"api:{name}", kwargs={key: objects[obj].pk
                                         for key, obj in route.kwargs.items()})
    data = {key: resolve(value, objects) for key, value in call.data.items()}
    headers = authorization(world, role)
    before = snapshot()
    if method == "get":
        response = client.get(url, data, **headers)
    elif call.multipart:
        response = client.post(url, data, **headers)
    else:
        response = getattr(client, method)(url, data, content_type="application/json",
                                           **headers)
    expected = statuses(call.expected)[role]
    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == expected
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
    if expected >= 300 or not call.changes:
        assert snapshot() == before, "a denied or read-only call changed something"
    else:
        assert snapshot() != before, "an allowed write did nothing (is the body valid?)"


def test_the_webhook_endpoints_of_the_matrix_world_are_reseller_as(world):  # noqa: F811
    assert WebhookEndpoint.objects.get(pk=world["objects"]["webhook"].pk).reseller.name == (
        "Alfa Tele AS")
