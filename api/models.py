"""What the API keeps: personal API tokens (hashed), the responses of requests sent with an
Idempotency-Key, and webhook endpoints with their deliveries (docs/API.md)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.languages import LANGUAGE_CHOICES


class ApiToken(models.Model):
    """A personal token: only its SHA-256 is stored; the token itself is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16)  # the token's first characters, to recognise it
    digest = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(_("read only"), default=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotentRequest(models.Model):
    """A POST sent with an Idempotency-Key: the request's hash and the first response, which a
    replay with the same key and body gets again (docs/API.md#idempotency)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    completed = models.BooleanField(default=False)
    status = models.PositiveSmallIntegerField(null=True)
    # The response's data as JSON text (not a JSONField: jsonb would not keep its key order,
    # and a replay must be the first response byte for byte).
    body = models.TextField(blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="one_request_per_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.key}"


class WebhookEvent(models.TextChoices):
    ISSUED = "issued", _("issued")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    EXPIRED = "expired", _("expired")


class WebhookEndpoint(models.Model):
    """A URL that is told about a reseller's offers (`reseller` None: the distributor's, told
    about every offer). The secret signs every delivery; it is shown once, when created."""

    reseller = models.ForeignKey("customers.Reseller", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="webhook_endpoints")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100)
    # The language the endpoint was registered in: of its notices to people (the pause e-mail)
    # and of the texts in the offers it is sent.
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGE_CHOICES,
                                default="nb")
    created_at = models.DateTimeField()
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    pause_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def get_absolute_url(self) -> str:
        return reverse("webhook_endpoint_detail", args=[self.pk])

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class WebhookDelivery(models.Model):
    """One offer event for one endpoint: the body (fixed when the event happened), every
    attempt's outcome and when the next one is due."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.ForeignKey("quotes.QuoteEvent", on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=30)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"],
                                               name="one_delivery_per_endpoint_and_event")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"
