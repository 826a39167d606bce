"""Webhooks: offer events delivered to a real HTTP server on 127.0.0.1, signed as docs/API.md
says (the test verifies them with the documentation's own snippet); a failing endpoint is
retried with backoff, then paused and its reseller's users told."""

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from api import webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from api.serializers.offers import offer_data
from quotes import services as quote_services
from quotes.models import QuoteEvent
from tests.api.conftest import api_client

DOCS = Path(__file__).resolve().parents[2] / "docs" / "API.md"


def documented_verifier():
    """The Python snippet of docs/API.md#verifying-a-delivery, run as it is written."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("### Verifying a delivery"):]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/API.md", "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify_ssa_webhook"]


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.headers, body))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"thanks" if status < 300 else b"receiver is down")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    """An HTTP server on 127.0.0.1 in a thread; `statuses` are its next answers (then 200)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.received, server.statuses = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/ssa"
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def run_queued(capture, frozen_clock=None) -> list:
    """What the worker does: run the queued tasks in order, each once it is due (the clock
    travels to a retry's time). Returns the retries' delays."""
    delays = []
    while default_task_backend.results:
        result = default_task_backend.results.pop(0)
        run_after = result.task.run_after
        if run_after is not None and frozen_clock is not None:
            delays.append(run_after - timezone.now())
            frozen_clock.move_to(run_after)
        with capture(execute=True):
            result.task.call(*result.args, **result.kwargs)
    return delays


def issue(capture, customer, installation, staff, user):
    with capture(execute=True):
        return quote_services.quote_issue(
            quote=quote_services.quote_create(customer=customer, installations=[installation],
                                              user=user), user=staff, prepare_pdf=False)


def test_an_issued_offer_is_delivered_to_the_resellers_endpoint_signed_as_documented(
        receiver, django_capture_on_commit_callbacks, user_a, user_b, staff, customer_a,
        installation_a, holding_a):
    created = api_client(user_a).post("/api/v1/webhooks/", {
        "url": receiver.url, "events": ["issued", "accepted"]}, content_type="application/json")
    assert created.status_code == 201
    secret = created.json()["secret"]
    webhooks.endpoint_create(user=user_b, url=receiver.url + "/b", events=["issued"])
    distributor, _ = webhooks.endpoint_create(user=staff, url=receiver.url + "/all",
                                              events=["issued"])
    default_task_backend.clear()
    quote = issue(django_capture_on_commit_callbacks, customer_a, installation_a, staff,
                  user_a)
    run_queued(django_capture_on_commit_callbacks)

    event = QuoteEvent.objects.get(quote=quote, kind="issued")
    assert [r[0]["X-SSA-Event-Id"] for r in receiver.received] == [str(event.pk)] * 2, (
        "A's endpoint and staff's, not B's")
    ours = next(r for r in receiver.received if r[0]["X-SSA-Signature"] and webhooks.signature(
        secret, int(r[0]["X-SSA-Timestamp"]), r[1]) == r[0]["X-SSA-Signature"][7:])
    headers, body = ours
    verify = documented_verifier()
    assert verify(secret, headers, body, now=timezone.now().timestamp())
    assert not verify(secret, headers, body + b" ", now=timezone.now().timestamp())
    assert not verify("whsec_another", headers, body, now=timezone.now().timestamp())
    assert not verify(secret, headers, body, now=timezone.now().timestamp() + 3600)
    document = json.loads(body)
    assert document["type"] == "offer.issued"
    assert document["id"] == int(headers["X-SSA-Event-Id"])
    assert document["occurred_at"] == QuoteEvent.objects.get(pk=document["id"]).at.isoformat()
    assert document["offer"] == json.loads(json.dumps(offer_data(quote, None)))
    assert document["offer"]["number"] == quote.number

    delivery = WebhookDelivery.objects.get(endpoint__reseller=customer_a.reseller)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        "delivered", 1, 200)
    assert not WebhookDelivery.objects.filter(endpoint__reseller__isnull=False).exclude(
        pk=delivery.pk).exists(), "reseller B hears nothing of A's offers"
    assert WebhookDelivery.objects.filter(endpoint=distributor).count() == 1
    listed = api_client(user_a).get(f"/api/v1/webhooks/{delivery.endpoint_id}/deliveries/")
    assert [(d["type"], d["status"], d["response_status"]) for d in listed.json()["results"]] == [
        ("offer.issued", "delivered", 200)]


def test_a_failing_endpoint_is_retried_with_backoff_then_paused_and_the_reseller_told(
        receiver, django_capture_on_commit_callbacks, frozen_clock, client, user_a, staff,
        customer_a, installation_a, holding_a, reseller_a):
    colleague = user_a.__class__.objects.create_user("kollega@alfa.example.no",
                                                     email="kollega@alfa.example.no")
    colleague.membership = reseller_a.memberships.create(user=colleague)
    endpoint, _secret = webhooks.endpoint_create(user=user_a, url=receiver.url,
                                                 events=["issued"], language="nb")
    receiver.statuses = [500] * 10
    default_task_backend.clear()
    issue(django_capture_on_commit_callbacks, customer_a, installation_a, staff, user_a)
    delays = run_queued(django_capture_on_commit_callbacks, frozen_clock)

    assert len(receiver.received) == 10
    assert delays == [timedelta(seconds=30) * 2 ** n for n in range(9)]
    endpoint.refresh_from_db()
    assert endpoint.is_paused and endpoint.consecutive_failures == 10
    delivery = endpoint.deliveries.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 10, 500)
    assert delivery.response_excerpt == "receiver is down" and delivery.next_attempt_at is None
    # (the reseller's users also hear of the issued offer itself: those are notifications)
    paused = [m for m in mail.outbox if m.subject.startswith("Webhook")]
    assert len(paused) == 1
    message = paused[0]
    assert sorted(message.to) == ["a@alfa.example.no", "kollega@alfa.example.no"]
    assert message.subject == f"Webhook satt på pause: {receiver.url}"
    assert endpoint.get_absolute_url() in message.body

    client.force_login(user_a)
    page = client.get(endpoint.get_absolute_url()).content.decode()
    assert "500" in page and "receiver is down" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhook_endpoint_resume", args=[endpoint.pk]))
    run_queued(django_capture_on_commit_callbacks, frozen_clock)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        "delivered", 11, 200)
    endpoint.refresh_from_db()
    assert not endpoint.is_paused and endpoint.consecutive_failures == 0


def test_an_endpoint_failing_for_a_day_is_paused_even_before_ten_failures(
        receiver, frozen_clock, user_a, settings, django_capture_on_commit_callbacks):
    endpoint, _secret = webhooks.endpoint_create(user=user_a, url=receiver.url,
                                                 events=["issued"])
    endpoint.consecutive_failures, endpoint.failing_since = 3, timezone.now() - timedelta(
        hours=24)
    endpoint.save()
    assert webhooks._keeps_failing(endpoint, timezone.now())
    settings.SSA_WEBHOOK_PAUSE_AFTER_HOURS = 25
    assert not webhooks._keeps_failing(endpoint, timezone.now())


def test_webhook_urls_must_be_https_in_production(user_a, settings):
    settings.PRODUCTION = True
    for url in ("http://example.no/hook", "https://127.0.0.1/hook", "https://localhost/x",
                "ftp://example.no/"):
        with pytest.raises(webhooks.DomainError) as refused:
            webhooks.endpoint_create(user=user_a, url=url, events=["issued"])
        assert refused.value.field == "url"
    endpoint, secret = webhooks.endpoint_create(user=user_a, url="https://erp.example.no/h",
                                                events=["declined", "issued"])
    assert endpoint.events == ["issued", "declined"] and secret.startswith("whsec_")
    assert WebhookEndpoint.objects.get().secret == secret
