"""The customer's side of an offer (docs/DOMAIN.md#customer-acceptance-and-notifications): the
personal acceptance link, the evidence of an acceptance, the e-mails the portal sends (offers,
confirmations, notifications, reminders) and each user's notification settings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.languages import LANGUAGE_CHOICES
from quotes.models.offers import Quote


class AcceptanceLink(models.Model):
    """A personal link sent to the customer's contact: it opens the offer (or its newest
    revision) without logging in, to download it and to accept or decline it. Only a hash of
    its token is stored; it is distinct from the public verification token on the PDF, which
    never allows answering."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="acceptance_links")
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(_("sent to"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    first_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.quote} → {self.email}"


class Acceptance(models.Model):
    """The evidence of a yes: who, in what role, through which channel, from where, and the
    SHA-256 of the signed PDF they were shown. An undone acceptance is kept, marked undone."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("recorded in the portal")
        CUSTOMER_LINK = "customer_link", _("online, through the customer's link")

    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="acceptances")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    purchase_order = models.CharField(_("purchase order reference"), max_length=100, blank=True)
    accepted_at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    link = models.ForeignKey(AcceptanceLink, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-accepted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.quote} accepted by {self.name}"

    @property
    def online(self) -> bool:
        return self.channel == self.Channel.CUSTOMER_LINK


class NotificationKind(models.TextChoices):
    """The e-mails a user may switch off (docs/DOMAIN.md#notifications-and-reminders)."""

    DRAFT_READY = "draft_ready", _("A draft is marked ready to issue (staff)")
    OFFER_ISSUED = "offer_issued", _("An offer of ours is issued")
    OFFER_OPENED = "offer_opened", _("The customer opens an offer for the first time")
    OFFER_ACCEPTED = "offer_accepted", _("An offer is accepted")
    OFFER_DECLINED = "offer_declined", _("An offer is declined")
    PAID_UNTIL_REMINDER = "paid_until_reminder", _(
        "An agreement ends in 90 or 30 days and no offer is open")


class NotificationSettings(models.Model):
    """A user's e-mail language and the notifications they switched off (all are on until
    switched off)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_settings")
    language = models.CharField(_("language of e-mails"), max_length=2,
                                choices=LANGUAGE_CHOICES, default="nb")
    switched_off = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.language})"


class OutgoingEmail(models.Model):
    """An e-mail the portal sends, delivered by the task worker with retries. Reminders carry
    a `dedupe_key` (unique), so a reminder is sent at most once per offer or installation,
    kind and recipient however often the daily command runs."""

    class Kind(models.TextChoices):
        OFFER = "offer", _("offer sent to the customer")
        REMINDER_EXPIRING = "reminder_expiring", _("reminder: the offer expires soon")
        ACCEPTANCE_CONFIRMATION = "acceptance_confirmation", _("confirmation of the acceptance")
        NOTIFICATION = "notification", _("notification")
        REMINDER_PAID_UNTIL = "reminder_paid_until", _("reminder: the agreement ends soon")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("not delivered")

    kind = models.CharField(max_length=30, choices=Kind.choices)
    quote = models.ForeignKey(Quote, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="emails")
    installation = models.ForeignKey("customers.Installation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    attach_pdf = models.BooleanField(default=False)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_at"], name="outgoing_email_queued",
                                condition=Q(status="queued"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {', '.join(self.to)} ({self.status})"
