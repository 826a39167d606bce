"""Offers (docs/DOMAIN.md#offers): a draft keeps only the user's inputs and is priced whenever it
is looked at; issuing copies every input and figure onto the offer, its sections, lines and
charges, which never change again but its state. The models refuse a save that would change what
issuing froze."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.languages import LANGUAGE_CHOICES
from common.search import folded_contains
from customers.models import Customer
from quotes.models.price_books import FrozenError, PriceBook


class QuoteState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    SUPERSEDED = "superseded", _("Superseded")


class DisplayState(models.TextChoices):
    """The state a person sees: an issued offer past its validity reads "expired" (derived from
    `valid_until` on the day asked; no job ever rewrites a stored state)."""

    DRAFT = "draft", _("draft")
    ISSUED = "issued", _("awaiting answer")
    EXPIRED = "expired", _("expired")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    SUPERSEDED = "superseded", _("superseded")

    @property
    def badge(self) -> str:
        """The Bootstrap badge colour of the state."""
        return {"draft": "secondary", "issued": "primary", "expired": "dark",
                "accepted": "success", "declined": "danger", "superseded": "light"}[self.value]


SEARCH_CUSTOMER_IDS = 500


class QuoteQuerySet(models.QuerySet):
    def drafts(self) -> "QuoteQuerySet":
        return self.filter(state=QuoteState.DRAFT)

    def issued(self) -> "QuoteQuerySet":
        """Every offer that has a number, whatever became of it."""
        return self.exclude(state=QuoteState.DRAFT)

    def open(self, today: date) -> "QuoteQuerySet":
        """Issued, unanswered and still valid: the customer can accept these."""
        return self.filter(state=QuoteState.ISSUED, valid_until__gte=today)

    def expired(self, today: date) -> "QuoteQuerySet":
        """Issued and unanswered past their validity (derived; no job rewrites states)."""
        return self.filter(state=QuoteState.ISSUED, valid_until__lt=today)

    def expiring_within(self, today: date, days: int) -> "QuoteQuerySet":
        return self.open(today).filter(valid_until__lte=today + timedelta(days=days))

    def of_number(self, quote: "Quote") -> "QuoteQuerySet":
        """The issued offers sharing `quote`'s base number: it and its revisions."""
        return self.issued().filter(number_year=quote.number_year,
                                    number_sequence=quote.number_sequence)

    def ready_to_issue(self) -> "QuoteQuerySet":
        return self.drafts().filter(ready_to_issue=True)

    def search(self, text: str) -> "QuoteQuerySet":
        text = text.replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
        if not text:
            return self
        # A draft has no name snapshot, so the customer's current name counts too. Its matches
        # are looked up first and passed as a list: then on PostgreSQL the three conditions are
        # index lookups the planner can OR together (migration 0007); a subquery or a join made
        # it read every offer. A search matching very many customers keeps the subquery.
        customers = Customer.objects.filter(folded_contains("name", text)).values_list(
            "pk", flat=True)
        customer_ids = list(customers[:SEARCH_CUSTOMER_IDS + 1])
        by_customer = (Q(customer__in=customers) if len(customer_ids) > SEARCH_CUSTOMER_IDS
                       else Q(customer_id__in=customer_ids))
        return self.filter(Q(number__icontains=text) | Q(customer_name__icontains=text)
                           | by_customer)


class Quote(models.Model):
    """An SSA offer. A draft keeps only the user's inputs and is re-priced on every view;
    issuing copies every input and figure onto the offer, which never changes again but its
    state (docs/DOMAIN.md#offers)."""

    # Identity: SSA-<year>-<5 digits>[-R<n>], gapless per year, assigned at issue.
    number = models.CharField(_("number"), max_length=24, null=True, blank=True, unique=True)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    number_sequence = models.PositiveIntegerField(null=True, blank=True)
    revision = models.PositiveSmallIntegerField(null=True, blank=True)
    revision_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="revisions",
        verbose_name=_("revision of"),
    )
    state = models.CharField(_("state"), max_length=12, choices=QuoteState.choices,
                             default=QuoteState.DRAFT)
    ready_to_issue = models.BooleanField(_("ready to issue"), default=False)

    # The user's inputs (a draft is nothing more).
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="quotes", verbose_name=_("customer"))
    installations = models.ManyToManyField("customers.Installation", related_name="quotes",
                                           verbose_name=_("installations"))
    end_override = models.DateField(_("common end"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=2,
                                choices=LANGUAGE_CHOICES,
                                default="nb")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    # The snapshot made at issue.
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    reseller = models.ForeignKey("customers.Reseller", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="quotes",
                                 verbose_name=_("reseller"))
    reseller_name = models.CharField(max_length=200, blank=True)
    # How the customer reaches the reseller to accept (printed on the offer).
    reseller_email = models.EmailField(blank=True)
    reseller_phone = models.CharField(max_length=40, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_org_number = models.CharField(max_length=9, blank=True)
    customer_address = models.TextField(blank=True)
    customer_contact = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    price_book = models.ForeignKey(PriceBook, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="quotes")
    price_book_name = models.CharField(max_length=120, blank=True)
    nok_per_ssc = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    retroactive_factor = models.DecimalField(max_digits=5, decimal_places=2, null=True,
                                             blank=True)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    start = models.DateField(null=True, blank=True)
    total_ssc = models.PositiveBigIntegerField(null=True, blank=True)
    net = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    vat = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    gross = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    later_ssc = models.PositiveBigIntegerField(null=True, blank=True)
    later_nok = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    verification_token = models.CharField(max_length=64, null=True, blank=True, unique=True)

    # The signed PDF, stored once after the issuing transaction commits
    # (docs/DOMAIN.md#signed-pdfs-and-verification).
    pdf = models.FileField(_("signed PDF"), upload_to="offers/%Y/", blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the signed PDF"), max_length=64, blank=True)
    # The certificate that signed it (its SHA-256 fingerprint is the column), stored with the
    # PDF: docs/DOMAIN.md#verifying-an-offer.
    signing_certificate = models.ForeignKey(
        "quotes.SigningCertificate", to_field="fingerprint", db_column="signing_certificate_sha256",
        null=True, blank=True, on_delete=models.PROTECT, related_name="offers",
        verbose_name=_("signing certificate"))
    pdf_attempts = models.PositiveSmallIntegerField(default=0)
    pdf_error = models.TextField(blank=True)

    # The answer.
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    accepted_by_name = models.CharField(_("accepted by"), max_length=200, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=500, blank=True)
    periods = models.ManyToManyField("customers.AgreementPeriod", blank=True,
                                     related_name="quotes",
                                     verbose_name=_("agreement periods made on acceptance"))

    objects = QuoteQuerySet.as_manager()

    # What issuing freezes: a save that changes any of these on an issued offer is refused.
    FROZEN_FIELDS = (
        "number", "number_year", "number_sequence", "revision", "revision_of_id", "customer_id",
        "end_override", "language", "issued_at", "issued_by_id", "issue_date", "valid_until",
        "reseller_id", "reseller_name", "reseller_email", "reseller_phone", "customer_name",
        "customer_org_number", "customer_address", "customer_contact", "customer_email",
        "price_book_id", "price_book_name", "nok_per_ssc", "retroactive_factor", "vat_rate",
        "start", "total_ssc", "net", "vat", "gross", "later_ssc", "later_nok", "verification_token",
    )
    # Set once, when the signed PDF is stored after issue; never changed afterwards.
    SET_ONCE_FIELDS = ("pdf_sha256", "signing_certificate_id")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.UniqueConstraint(
                fields=["number_year", "number_sequence", "revision"],
                name="one_offer_per_number_and_revision",
                violation_error_message=_("An offer with this number and revision exists "
                                          "already.")),
            models.CheckConstraint(
                condition=Q(state="draft") | (Q(number__isnull=False)
                                              & Q(valid_until__isnull=False)),
                name="issued_offer_has_number_and_validity",
                violation_error_message=_("An issued offer has a number and a validity date."),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "valid_until"], name="quote_state_validity"),
            # The offer list shows the newest first, 25 at a time.
            models.Index(fields=["-created_at", "-id"], name="quote_newest_first"),
            # The dashboard's drafts waiting to be issued, oldest first.
            models.Index(fields=["created_at"], name="quote_ready_to_issue",
                         condition=Q(state="draft", ready_to_issue=True)),
        ]

    def __str__(self) -> str:
        return self.number or _("Draft offer for %(customer)s") % {"customer": self.customer}

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = Quote.objects.filter(pk=self.pk).values(
                *self.FROZEN_FIELDS, *self.SET_ONCE_FIELDS, "state").first()
            if stored and stored["state"] != QuoteState.DRAFT:
                changed = [f for f in self.FROZEN_FIELDS if stored[f] != getattr(self, f)]
                changed += [f for f in self.SET_ONCE_FIELDS
                            if stored[f] and stored[f] != getattr(self, f)]
                if changed:
                    raise FrozenError(
                        f"Offer {self.number} is issued; {', '.join(changed)} cannot change.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("quote_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        if self.state != QuoteState.DRAFT:
            raise FrozenError(f"Offer {self.number} is issued and cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.state == QuoteState.DRAFT

    def is_expired(self, today: date) -> bool:
        return self.state == QuoteState.ISSUED and self.valid_until < today

    def display_state(self, today: date) -> DisplayState:
        """The state a person sees on `today`: an issued offer past its validity is expired."""
        return DisplayState.EXPIRED if self.is_expired(today) else DisplayState(self.state)

    @staticmethod
    def format_number(year: int, sequence: int, revision: int) -> str:
        number = f"SSA-{year}-{sequence:05d}"
        return number if revision <= 1 else f"{number}-R{revision}"


class IssuedPartMixin:
    """Lines, sections and charges exist only on issued offers and never change."""

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise FrozenError("Parts of an issued offer never change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenError("Parts of an issued offer are never deleted.")


class QuoteSection(IssuedPartMixin, models.Model):
    """One installation of an issued offer, as it was at issue."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="sections")
    installation = models.ForeignKey("customers.Installation", on_delete=models.PROTECT,
                                     related_name="+")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    deployment = models.CharField(max_length=12)
    hardware_model = models.CharField(max_length=40, blank=True)
    firmware_version = models.CharField(max_length=20, blank=True)
    paid_until = models.DateField(null=True, blank=True)
    start = models.DateField()
    end = models.DateField()
    applicable = models.BooleanField()
    not_applicable_reason = models.CharField(max_length=300, blank=True)
    warnings = models.JSONField(default=list)
    excluded = models.JSONField(default=list)
    ssc = models.PositiveBigIntegerField()
    nok = models.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.quote} – {self.name}"


class QuoteLine(IssuedPartMixin, models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    section = models.ForeignKey(QuoteSection, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    license_code = models.CharField(max_length=40)
    license_name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12)
    start = models.DateField()
    end = models.DateField()
    months = models.PositiveSmallIntegerField()
    quantity = models.PositiveIntegerField()
    ssc_per_year = models.PositiveIntegerField()
    factor = models.DecimalField(max_digits=5, decimal_places=2)
    ssc = models.PositiveBigIntegerField()
    nok = models.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        ordering = ["section__position", "position"]

    def __str__(self) -> str:
        return f"{self.quote} – {self.quantity} × {self.license_code} {self.kind}"


class QuoteCharge(IssuedPartMixin, models.Model):
    """A holding an issued offer charges, with the quantity, end and `due(h)` it was priced
    from: accepting refuses when any of them changed since issue."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="charges")
    section = models.ForeignKey(QuoteSection, on_delete=models.CASCADE, related_name="charges")
    holding = models.ForeignKey("customers.LicenseHolding", on_delete=models.PROTECT,
                                related_name="+")
    license_code = models.CharField(max_length=40)
    quantity = models.PositiveIntegerField()
    ended_on = models.DateField(null=True, blank=True)
    due = models.DateField()

    def __str__(self) -> str:
        return f"{self.quote} – holding {self.holding_id} due {self.due}"


class QuoteEvent(models.Model):
    """The offer's timeline: who did what, when. Rows are only ever added."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("edited")
        READY = "ready", _("marked ready to issue")
        NOT_READY = "not_ready", _("no longer ready to issue")
        ISSUED = "issued", _("issued")
        REVISED = "revised", _("revised")
        SUPERSEDED = "superseded", _("superseded")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        ACCEPTANCE_UNDONE = "acceptance_undone", _("acceptance undone")
        EMAILED = "emailed", _("sent by e-mail")
        OPENED = "opened", _("opened by the customer")
        EXPIRED = "expired", _("expired")
        MESSAGE_SENT = "message_sent", _("message sent")
        MESSAGE_FAILED = "message_failed", _("message not delivered")

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        # The dashboard's recent activity: the newest events first.
        indexes = [models.Index(fields=["-at", "-id"], name="quoteevent_newest_first")]
        constraints = [
            # An offer expires once, and is opened by the customer for the first time once.
            models.UniqueConstraint(
                fields=["quote", "kind"], name="one_expiry_and_first_opening",
                condition=Q(kind__in=["expired", "opened"]),
                violation_error_message=_("The offer's expiry or first opening is on its "
                                          "timeline already.")),
        ]

    def __str__(self) -> str:
        return f"{self.quote} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise FrozenError("Timeline entries are never edited.")
        super().save(*args, **kwargs)


class QuoteCounter(models.Model):
    """The last offer number used in a year. Its row is locked in the short issuing
    transaction, so numbers are gapless: a rolled-back issue gives its number back."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
