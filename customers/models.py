"""Resellers, their customers, and each customer's PBX installations with license holdings and
agreement periods (docs/DOMAIN.md#installations-holdings-and-agreement-periods).

Business rules live in services.py; the models hold data and the invariants a database can keep.
"""

from datetime import date

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Replace
from django.db.models.lookups import IContains
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.languages import LANGUAGE_CHOICES, offer_language
from common.months import months_between, span_label
from common.search import compact, folded_contains
from customers.validators import validate_org_number


class Reseller(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    org_number = models.CharField(
        _("organisation number"), max_length=9, blank=True, validators=[validate_org_number]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("reseller")
        verbose_name_plural = _("resellers")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Links a user to the one reseller they work for. Staff have no membership."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    reseller = models.ForeignKey(Reseller, on_delete=models.PROTECT, related_name="memberships")

    class Meta:
        verbose_name = _("reseller membership")
        verbose_name_plural = _("reseller memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.reseller}"


class CustomerQuerySet(models.QuerySet):
    def search(self, text: str) -> "CustomerQuerySet":
        text = text.replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
        if not text:
            return self
        digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
        condition = folded_contains("name", text) | folded_contains("city", text)
        if digits:
            condition |= Q(org_number__contains=digits)
        return self.filter(condition)

    def with_installation_count(self) -> "CustomerQuerySet":
        """Annotate ``installation_count``: a subquery per row shown, not a GROUP BY over every
        customer before a page of 25 is cut."""
        count = (Installation.objects.filter(customer=OuterRef("pk")).order_by()
                 .values("customer").annotate(n=Count("pk")).values("n"))
        return self.annotate(installation_count=Coalesce(Subquery(count), 0))


class Customer(models.Model):
    reseller = models.ForeignKey(
        Reseller, on_delete=models.PROTECT, related_name="customers", verbose_name=_("reseller")
    )
    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(
        _("organisation number"),
        max_length=9,
        blank=True,
        validators=[validate_org_number],
        help_text=_("Nine digits, e.g. 923 609 016."),
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=2, choices=LANGUAGE_CHOICES, default="nb"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        # The customer list, 25 at a time in name order (per reseller for reseller users).
        indexes = [
            models.Index(fields=["name", "id"], name="customer_by_name"),
            models.Index(fields=["reseller", "name", "id"], name="customer_by_reseller_name"),
        ]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customer_detail", args=[self.pk])

    @property
    def address_lines(self) -> list[str]:
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        return [line for line in (self.street, place) if line]


class Deployment(models.TextChoices):
    ON_PREMISE = "on-premise", _("On-premise")
    SKYPBX = "skypbx", _("skyPBX (cloud)")


def _lapsed(this_month: date) -> Q:
    return Q(deployment=Deployment.ON_PREMISE, paid_until__lte=this_month)


def _due(window_end: date, this_month: date) -> Q:
    return Q(deployment=Deployment.ON_PREMISE, paid_until__gt=this_month,
             paid_until__lte=window_end)


def _never_under_agreement() -> Q:
    return Q(deployment=Deployment.ON_PREMISE, paid_until__isnull=True)


class InstallationQuerySet(models.QuerySet):
    """The renewal questions about installations (docs/DOMAIN.md#renewals), asked of the
    indexed `paid_until` column."""

    def search(self, text: str) -> "InstallationQuerySet":
        """By name (ignoring case and accents) or serial number / MAC address (ignoring
        separators: 00:90:33 finds 00-90-33-1A-2B-3C)."""
        text = text.replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
        if not text:
            return self
        condition = folded_contains("name", text) | Q(serial_number__icontains=text)
        serial = compact(text)
        if len(serial) >= 4:
            condition |= Q(IContains(_compact_serial(), serial))
        return self.filter(condition)

    def on_premise(self) -> "InstallationQuerySet":
        return self.filter(deployment=Deployment.ON_PREMISE)

    def due_for_renewal(self, window_end: date, this_month: date) -> "InstallationQuerySet":
        """On-premise, under agreement now, and paid until `window_end` at the latest."""
        return self.filter(_due(window_end, this_month))

    def lapsed(self, this_month: date) -> "InstallationQuerySet":
        """On-premise, and its last agreement ended before `this_month` began (or with it)."""
        return self.filter(_lapsed(this_month))

    def owing_by(self, window_end: date, this_month: date) -> "InstallationQuerySet":
        """The renewals worklist for a window: due, lapsed or never under agreement."""
        return self.filter(_due(window_end, this_month) | _lapsed(this_month)
                           | _never_under_agreement())

    def renewal_counts(self, window_end: date, this_month: date) -> dict[str, int]:
        """How many are due, lapsed and never under agreement, and all of them, in one pass."""
        return self.aggregate(
            installation_count=Count("pk"),
            due_count=Count("pk", filter=_due(window_end, this_month)),
            lapsed_count=Count("pk", filter=_lapsed(this_month)),
            never_count=Count("pk", filter=_never_under_agreement()),
        )


def _compact_serial():
    """The serial number without the separators of a MAC address (in SQL)."""
    expression = models.F("serial_number")
    for separator in (":", "-", ".", " "):
        expression = Replace(expression, Value(separator), Value(""))
    return expression


class Installation(models.Model):
    """One PBX system ("project" in innovaphone's portal)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="installations", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=200)
    deployment = models.CharField(
        _("deployment"), max_length=12, choices=Deployment.choices, default=Deployment.ON_PREMISE
    )
    hardware_model = models.CharField(
        _("hardware model"), max_length=40, blank=True, help_text=_("E.g. IP0011, IP811, IPVA.")
    )
    firmware_version = models.CharField(
        _("firmware version"), max_length=20, blank=True, help_text=_("E.g. 13r3 or 14r2.")
    )
    serial_number = models.CharField(_("serial number or MAC"), max_length=60, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The latest end of its agreement periods (None: never had one), kept by the period services
    # (customers.services.installations_refresh_paid_until) so that the renewals worklist and the
    # dashboard filter and sort on an indexed column instead of aggregating every period.
    paid_until = models.DateField(_("paid until"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["paid_until"])

    objects = InstallationQuerySet.as_manager()

    class Meta:
        ordering = ["customer__name", "name", "pk"]
        indexes = [
            models.Index(fields=["deployment", "paid_until"], name="installation_renewal_due"),
        ]
        verbose_name = _("installation")
        verbose_name_plural = _("installations")

    def __str__(self) -> str:
        return f"{self.customer.name} – {self.name}"

    def save(self, *args, **kwargs) -> None:
        # paid_until is written only by customers.services.installations_refresh_paid_until (one
        # UPDATE); saving an instance loaded before its periods changed must not write back a
        # stale copy, so an update saves every other field.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [field.attname for field in self._meta.concrete_fields
                                       if not field.primary_key and field.name != "paid_until"]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("installation_detail", args=[self.pk])

    @property
    def is_skypbx(self) -> bool:
        return self.deployment == Deployment.SKYPBX



class LicenseType(models.Model):
    """The license catalogue (docs/DOMAIN.md#the-license-catalogue), edited by price admins."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    # One name per language of the portal (common/languages.py): pages, offers, exports and
    # e-mails name a type in their reader's language; an issued offer keeps the name it was
    # issued with.
    name = models.CharField(_("name (bokmål)"), max_length=120)
    name_en = models.CharField(
        _("name (English)"), max_length=120, blank=True,
        help_text=_("Shown to English readers; empty: the bokmål name."),
    )
    covered = models.BooleanField(
        _("covered by SSA"),
        default=True,
        help_text=_("Covered types are priced in SSC; others are listed as not included."),
    )
    pbx_attribute = models.CharField(
        _("PBX user-list attribute"), max_length=40, blank=True,
        help_text=_("The attribute in the PBX user list that carries this license."),
    )
    note = models.CharField(_("note"), max_length=250, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("license type")
        verbose_name_plural = _("license types")

    def __str__(self) -> str:
        return self.localized_name

    def name_in(self, language: str) -> str:
        """The type's name in `language` (the bokmål name for bokmål, or when the English one
        is missing)."""
        return self.name_en if language == "en" and self.name_en else self.name

    @property
    def localized_name(self) -> str:
        """The name in the active language (the reader's, or the offer's being rendered)."""
        return self.name_in(offer_language(translation.get_language()))


class FirmwareRelease(models.Model):
    version = models.CharField(_("version"), max_length=20, unique=True)
    released_on = models.DateField(_("release date"))
    approximate = models.BooleanField(_("approximate date"), default=False)

    class Meta:
        ordering = ["-released_on"]
        verbose_name = _("firmware release")
        verbose_name_plural = _("firmware releases")

    def __str__(self) -> str:
        return self.version


class HoldingQuerySet(models.QuerySet):
    def active_on(self, day: date) -> "HoldingQuerySet":
        return self.filter(activated_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=day)
        )


class LicenseHolding(models.Model):
    """A batch of one license type on an installation. Paid holdings are never re-quantified:
    more licenses are a new holding, fewer end one."""

    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, related_name="holdings"
    )
    license_type = models.ForeignKey(
        LicenseType, on_delete=models.PROTECT, related_name="holdings",
        verbose_name=_("license type"),
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    activated_on = models.DateField(_("activated on"))
    ended_on = models.DateField(
        _("ended from"), null=True, blank=True,
        help_text=_("The first of the month from which these licenses no longer exist."),
    )
    rented = models.BooleanField(
        _("rented"), default=False, help_text=_("Rented licenses already include upgrades.")
    )
    history = HistoricalRecords()

    objects = HoldingQuerySet.as_manager()

    class Meta:
        ordering = ["license_type__sort_order", "activated_on", "pk"]
        verbose_name = _("license holding")
        verbose_name_plural = _("license holdings")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="holding_quantity_positive",
                violation_error_message=_("A holding has at least one license."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gt=models.F("activated_on")),
                name="holding_ends_after_activation",
                violation_error_message=_("The end must be after the activation date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.license_type}"

    @property
    def is_ended(self) -> bool:
        return self.ended_on is not None


class PeriodSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    QUOTE = "quote", _("Accepted offer")


class AgreementPeriod(models.Model):
    """An SSA period [start, end) — first-of-month dates, end exclusive — and the holdings it
    paid for. Periods may overlap only where they pay for different holdings."""

    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, related_name="periods"
    )
    start = models.DateField(_("start"), help_text=_("The first of a month."))
    end = models.DateField(_("end"), help_text=_("The first of a month; not included."))
    source = models.CharField(
        _("source"), max_length=10, choices=PeriodSource.choices, default=PeriodSource.MANUAL
    )
    holdings = models.ManyToManyField(
        LicenseHolding, related_name="periods", verbose_name=_("holdings paid for")
    )
    note = models.CharField(_("note"), max_length=250, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords(m2m_fields=[holdings])

    class Meta:
        ordering = ["start", "end", "pk"]
        verbose_name = _("agreement period")
        verbose_name_plural = _("agreement periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="period_end_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
        ]

    def __str__(self) -> str:
        # People read the last month included; the stored end is exclusive.
        return span_label(self.start, self.end)

    @property
    def months(self) -> int:
        return months_between(self.start, self.end)



class ImportJob(models.Model):
    """A CSV import committed in the background (docs/IMPORT.md): the previewed file, who asked,
    and how it ended. The commit is one transaction, all rows or none; its progress while it
    runs is kept in the shared cache (`customers.services.import_progress`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        DONE = "done", _("imported")
        FAILED = "failed", _("not imported")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+")
    filename = models.CharField(max_length=255)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    summary = models.JSONField(default=dict, blank=True)  # counts of what was created
    errors = models.JSONField(default=list, blank=True)  # the rows refused, when it failed
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"
