"""Resellers, their customers, and each customer's PBX installations with license holdings and
agreement periods (DESIGN.md §2.4).

Business rules live in services.py; the models hold data and the invariants a database can keep.
"""

from datetime import date

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.months import add_months, first_of_month, months_between
from customers.validators import validate_org_number

LANGUAGE_CHOICES = [("nb", _("Norwegian bokmål")), ("en", _("English"))]


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
        condition = Q(name__icontains=text) | Q(city__icontains=text)
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

    def latest_period_end(self) -> date | None:
        """The latest end of the installation's agreement periods, from the periods themselves
        (what the `paid_until` column must always equal)."""
        return self.periods.aggregate(latest=Max("end"))["latest"]

    def agreement_timeline(self, *, until: date) -> "AgreementTimeline":
        return AgreementTimeline.build(
            [(p.start, p.end) for p in self.periods.all()], until=first_of_month(until)
        )


class LicenseType(models.Model):
    """The license catalogue (DESIGN.md §2.2), edited by price admins."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
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
        return self.name


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
            models.CheckConstraint(condition=Q(quantity__gt=0), name="holding_quantity_positive"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gt=models.F("activated_on")),
                name="holding_ends_after_activation",
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
                condition=Q(end__gt=models.F("start")), name="period_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        # People read the last month included; the stored end is exclusive.
        return f"{self.start:%m.%Y} – {add_months(self.end, -1):%m.%Y}"

    @property
    def months(self) -> int:
        return months_between(self.start, self.end)

    def overlaps(self, start: date, end: date) -> bool:
        return self.start < end and start < self.end


class AgreementTimeline:
    """Which months an installation was under agreement, and its gaps, up to a month."""

    def __init__(self, covered: list[tuple[date, date]], gaps: list[tuple[date, date]],
                 paid_until: date | None):
        self.covered = covered
        self.gaps = gaps
        self.paid_until = paid_until

    @classmethod
    def build(cls, periods: list[tuple[date, date]], *, until: date) -> "AgreementTimeline":
        """Merge the periods into covered runs; a gap is any uncovered run between the first
        period's start and `until` (a first-of-month, exclusive)."""
        if not periods:
            return cls([], [], None)
        merged: list[list[date]] = []
        for start, end in sorted(periods):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        covered = [(s, e) for s, e in merged]
        gaps = [(covered[i][1], covered[i + 1][0]) for i in range(len(covered) - 1)]
        paid_until = covered[-1][1]
        if paid_until < until:
            gaps.append((paid_until, until))
        return cls(covered, gaps, paid_until)

    def months_covered(self) -> int:
        return sum(months_between(s, e) for s, e in self.covered)

    def months_lapsed(self) -> int:
        """Months without agreement since paid-until (0 while it runs)."""
        if not self.gaps or self.gaps[-1][0] != self.paid_until:
            return 0
        return months_between(*self.gaps[-1])

    def is_covered(self, month: date) -> bool:
        return any(s <= month < e for s, e in self.covered)

    def months(self) -> list[date]:
        """Every month from the first period's start to the later of paid-until and `until`."""
        if not self.covered:
            return []
        last = max(self.paid_until, self.gaps[-1][1] if self.gaps else self.paid_until)
        first = self.covered[0][0]
        return [add_months(first, i) for i in range(months_between(first, last))]
