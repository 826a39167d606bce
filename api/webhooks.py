"""Webhooks (docs/API.md#webhooks): the endpoints a reseller's users (or staff, for every
offer) register, and the deliveries of offer events to them — signed, retried with backoff by
the task worker, and an endpoint that keeps failing paused with its people told by e-mail.

Every write of webhooks is here; api/tasks.py only wraps `deliveries_create` and
`delivery_send` for the queue.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.serializers.offers import offer_data
from common import queue
from common.errors import DomainError
from customers.access import AnyUser, is_distributor_staff, reseller_of
from quotes.models import QuoteEvent

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-SSA-Signature"
TIMESTAMP_HEADER = "X-SSA-Timestamp"
EVENT_HEADER = "X-SSA-Event-Id"
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)


# --- endpoints -------------------------------------------------------------------------------


def endpoints_for(user: AnyUser) -> QuerySet[WebhookEndpoint]:
    """Staff see every endpoint; a reseller's users their reseller's."""
    if is_distributor_staff(user):
        return WebhookEndpoint.objects.all()
    reseller = reseller_of(user)
    if reseller is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(reseller=reseller)


def get_endpoint_for_user(user: AnyUser, pk: int) -> WebhookEndpoint:
    return get_object_or_404(endpoints_for(user).select_related("reseller"), pk=pk)


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    allowed = ("https",) if settings.PRODUCTION else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise DomainError(_("Give an https:// address.") if settings.PRODUCTION
                          else _("Give an http:// or https:// address."), field="url")
    if settings.PRODUCTION and _is_internal(parts.hostname):
        raise DomainError(_("The address must be reachable from the internet."), field="url")
    if len(url) > 500:
        raise DomainError(_("The address is longer than 500 characters."), field="url")
    return url


def _is_internal(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


def _check_events(events) -> list[str]:
    known = set(WebhookEvent.values)
    chosen = [event for event in WebhookEvent.values if event in set(events)]
    if not chosen or set(events) - known:
        raise DomainError(_("Choose at least one of the offer events: %(events)s.") % {
            "events": ", ".join(WebhookEvent.values)}, field="events")
    return chosen


@transaction.atomic
def endpoint_create(*, user: User, url: str, events, description: str = "",
                    language: str = "nb") -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (shown once). A reseller's user registers it for
    the reseller's offers; staff for every offer."""
    reseller = None
    if not is_distributor_staff(user):
        reseller = reseller_of(user)
        if reseller is None:
            raise DomainError(_("Your user belongs to no reseller; ask the distributor."))
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        reseller=reseller, created_by=user, url=_check_url(url), events=_check_events(events),
        description=description.strip()[:200], secret=secret, language=language,
        created_at=timezone.now())
    return endpoint, secret


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, url: str | None = None, events=None,
                    description: str | None = None, paused: bool | None = None,
                    language: str | None = None) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if url is not None:
        endpoint.url = _check_url(url)
    if events is not None:
        endpoint.events = _check_events(events)
    if description is not None:
        endpoint.description = description.strip()[:200]
    if language is not None:
        endpoint.language = language
    if paused is True and not endpoint.is_paused:
        endpoint.paused_at, endpoint.pause_reason = timezone.now(), _("paused by hand")
    endpoint.save()
    if paused is False and endpoint.is_paused:
        return endpoint_resume(endpoint=endpoint)
    return endpoint


@transaction.atomic
def endpoint_resume(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Start again: the failure count is reset and the deliveries still pending are sent."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.paused_at, endpoint.pause_reason = None, ""
    endpoint.consecutive_failures, endpoint.failing_since = 0, None
    endpoint.save()
    now = timezone.now()
    pending = list(endpoint.deliveries.filter(status=WebhookDelivery.Status.PENDING))
    for delivery in pending:
        delivery.next_attempt_at = now
        delivery.save(update_fields=["next_attempt_at"])
        transaction.on_commit(lambda pk=delivery.pk: queue.enqueue("send_webhook", pk))
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


# --- deliveries ------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 of `timestamp + "." + body` with the endpoint's secret, as hex."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def payload(event: QuoteEvent, language: str) -> str:
    """The body of a delivery: the event and the offer in the API's offer shape, with the
    texts in the endpoint's language. Fixed when the event happens: every retry sends it."""
    with translation.override(language):
        document = {"id": event.pk, "type": f"offer.{event.kind}",
                    "occurred_at": event.at.isoformat(), "offer": offer_data(event.quote, None)}
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False,
                      separators=(",", ":"))


def deliveries_create(*, event_id: int) -> list[WebhookDelivery]:
    """One delivery per endpoint that listens to this offer event (the offer's reseller's, and
    the distributor's), each queued for sending. Safe to run twice."""
    event = QuoteEvent.objects.select_related("quote").filter(pk=event_id).first()
    if event is None or event.kind not in WebhookEvent.values:
        return []
    endpoints = [endpoint for endpoint in WebhookEndpoint.objects.filter(paused_at=None)
                 if endpoint.reseller_id in (None, event.quote.reseller_id)
                 and event.kind in endpoint.events]
    created = []
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    endpoint=endpoint, event=event, event_type=f"offer.{event.kind}",
                    body=payload(event, endpoint.language), created_at=timezone.now(),
                    next_attempt_at=timezone.now())
        except IntegrityError:
            continue  # made by an earlier run
        created.append(delivery)
        transaction.on_commit(lambda pk=delivery.pk: queue.enqueue("send_webhook", pk))
    return created


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failed attempt, doubling each time, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer (3xx), never followed


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str, str]:
    """(status, the start of the response, error) of one POST; never raises."""
    if urlsplit(url).scheme not in ("http", "https"):
        return None, "", "only http and https addresses are called"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)
    request = urllib.request.Request(url, data=body, headers=headers,  # noqa: S310 - checked
                                     method="POST")
    try:
        with opener.open(request, timeout=settings.SSA_WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, response.read(500).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as error:
        return error.code, error.read(500).decode("utf-8", "replace"), ""
    except (OSError, ValueError, urllib.error.URLError) as error:
        return None, "", f"{type(error).__name__}: {error}"[:300]


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """One attempt: POST the body, signed, and record what came back. A failure schedules the
    next attempt (`retry_delay`), or pauses the endpoint once it has failed
    SSA_WEBHOOK_PAUSE_AFTER_FAILURES times in a row or for SSA_WEBHOOK_PAUSE_AFTER_HOURS."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return delivery
    if delivery.endpoint.is_paused:
        return delivery  # sent when the endpoint is resumed
    now = now or timezone.now()
    timestamp = int(now.timestamp())
    body = delivery.body.encode()
    code, excerpt, error = _post(delivery.endpoint.url, body, {
        "Content-Type": "application/json", "User-Agent": "SSA-Portal-Webhooks/1",
        EVENT_HEADER: str(delivery.event_id), TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: "sha256=" + signature(delivery.endpoint.secret, timestamp, body)})
    return _record_attempt(delivery.pk, now=now, code=code, excerpt=excerpt, error=error)


@transaction.atomic
def _record_attempt(delivery_id: int, *, now, code, excerpt, error) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.response_status = now, code
    delivery.response_excerpt, delivery.error = excerpt[:500], error
    delivery.next_attempt_at = None
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, now
        endpoint.consecutive_failures, endpoint.failing_since = 0, None
        endpoint.last_success_at = now
    else:
        endpoint.consecutive_failures += 1
        endpoint.failing_since = endpoint.failing_since or now
        if _keeps_failing(endpoint, now):
            _pause(endpoint, now)
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
            transaction.on_commit(lambda: queue.enqueue(
                "send_webhook", delivery.pk, run_after=delivery.next_attempt_at))
    delivery.save()
    endpoint.save()
    return delivery


def _keeps_failing(endpoint: WebhookEndpoint, now) -> bool:
    return (endpoint.consecutive_failures >= settings.SSA_WEBHOOK_PAUSE_AFTER_FAILURES
            or now - endpoint.failing_since
            >= timedelta(hours=settings.SSA_WEBHOOK_PAUSE_AFTER_HOURS))


def _pause(endpoint: WebhookEndpoint, now) -> None:
    with translation.override(endpoint.language):
        endpoint.pause_reason = _("%(count)d failed attempts in a row since %(since)s") % {
            "count": endpoint.consecutive_failures,
            "since": f"{timezone.localtime(endpoint.failing_since):%d.%m.%Y %H:%M}"}
    endpoint.paused_at = now
    endpoint_id = endpoint.pk
    transaction.on_commit(lambda: _tell_about_pause(endpoint_id))


def recipients(endpoint: WebhookEndpoint) -> list[str]:
    """Who is told: the reseller's users (the registering staff member for the
    distributor's)."""
    if endpoint.reseller_id is None:
        users = User.objects.filter(pk=endpoint.created_by_id)
    else:
        users = User.objects.filter(membership__reseller_id=endpoint.reseller_id)
    return sorted({email for email in users.filter(is_active=True).values_list("email",
                                                                              flat=True)
                   if email})


def _tell_about_pause(endpoint_id: int) -> None:
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    to = recipients(endpoint)
    if not to:
        return
    with translation.override(endpoint.language):
        subject = _("Webhook paused: %(url)s") % {"url": endpoint.url}
        body = render_to_string("api/email/webhook_paused.txt", {
            "endpoint": endpoint, "distributor": settings.SSA_DISTRIBUTOR_NAME,
            "page": settings.SSA_PUBLIC_BASE_URL.rstrip("/") + endpoint.get_absolute_url()})
    try:
        send_mail(subject, body, None, to)
    except OSError:
        logger.exception("Telling %s that webhook %s is paused failed", to, endpoint.pk)
