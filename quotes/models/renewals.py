"""Renewal campaigns (docs/DOMAIN.md#renewals): offers made in bulk for a window, one
background task per item — an item being one customer's offer (its installations co-termed) or,
on request, one installation's."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from quotes.models.offers import Quote


class RenewalBatch(models.Model):
    """Renewal offers made in bulk for a window. Staff batches issue the offers; a reseller's
    batch makes drafts marked ready to issue (docs/DOMAIN.md#renewal-batches)."""

    class Mode(models.TextChoices):
        ISSUE = "issue", _("issue offers")
        DRAFT = "draft", _("drafts ready to issue")

    window_end = models.DateField(_("cycle end"))
    mode = models.CharField(max_length=10, choices=Mode.choices)
    per_installation = models.BooleanField(
        _("one offer per installation"), default=False,
        help_text=_("Otherwise one offer per customer, its installations co-termed."))
    reseller = models.ForeignKey("customers.Reseller", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 help_text="Set for a reseller's own batch.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Renewals to {self.window_end:%d.%m.%Y} ({self.get_mode_display()})"

    def get_absolute_url(self) -> str:
        return reverse("renewal_batch_detail", args=[self.pk])

    def progress(self) -> dict:
        counts = dict(self.items.values_list("status").annotate(n=models.Count("pk")))
        total = sum(counts.values())
        ended = total - counts.get(RenewalItem.Status.PENDING, 0)
        return {"total": total, "done": counts.get(RenewalItem.Status.DONE, 0),
                "skipped": counts.get(RenewalItem.Status.SKIPPED, 0),
                "failed": counts.get(RenewalItem.Status.FAILED, 0),
                "finished": ended == total,
                "percent": round(100 * ended / total) if total else 100}


# What an item that ended without an offer says, by code; its parameters fill the text in the
# reader's language when it is shown.
REASONS = {
    "not_applicable": _("skyPBX includes all upgrades, so an SSA is not applicable."),
    "nothing_due": _("Nothing is due before %(date)s."),
    "open_offer": _("An open offer (%(number)s) already covers it."),
    "open_offer_elsewhere": _("Another reseller's open offer already covers it."),
    "customer_moved": _("The customer now belongs to another reseller."),
    "no_price_book": _("No price book is in force on %(date)s; a price admin must publish one."),
    "missing_rate": _("The price book in force has no rate for %(codes)s; a price admin must "
                      "add it."),
    "signing_unavailable": _("The signing key could not be loaded; ask the operator."),
    "gave_up": _("The work was interrupted %(attempts)s times; try again."),
    "error": _("Something went wrong (%(error)s); try again."),
    "refused": _("Refused: %(message)s"),
}


class RenewalItem(models.Model):
    """One offer of a batch: a customer's installations co-termed, or one installation. An
    installation is renewed once per window, whichever batch asks (RenewalTarget's unique
    constraint), so re-running or retrying a batch makes nothing twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        DONE = "done", _("done")
        SKIPPED = "skipped", _("skipped")  # nothing to offer: never retried
        FAILED = "failed", _("failed")  # may succeed when tried again

    batch = models.ForeignKey(RenewalBatch, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="+")
    installations = models.ManyToManyField("customers.Installation", through="RenewalTarget",
                                           related_name="+")
    window_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    quote = models.ForeignKey(Quote, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    reason_code = models.CharField(max_length=40, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    # Set (and committed) when a worker takes the item: a worker that dies leaves it set with
    # the item still pending, which the sweeper notices after a timeout.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # The sweeper's question: pending items, oldest first.
            models.Index(fields=["queued_at"], name="renewal_item_pending",
                         condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: customer {self.customer_id} {self.status}"

    @property
    def reason(self) -> str:
        """Why it ended without an offer, in the reader's language."""
        text = REASONS.get(self.reason_code)
        if text is None:
            return ""
        try:
            return str(text) % self.reason_params
        except (KeyError, TypeError, ValueError):
            return str(text)


class RenewalTarget(models.Model):
    """An installation an item renews for its window (one row per installation and window)."""

    item = models.ForeignKey(RenewalItem, on_delete=models.CASCADE, related_name="targets")
    installation = models.ForeignKey("customers.Installation", on_delete=models.PROTECT,
                                     related_name="+")
    window_end = models.DateField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "window_end"],
                name="one_renewal_per_installation_and_window",
                violation_error_message=_("This installation has a renewal for this cycle "
                                          "already.")),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: installation {self.installation_id}"
