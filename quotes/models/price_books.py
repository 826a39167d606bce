"""Price books (docs/DOMAIN.md#price-books): a published book is never edited; a price admin
copies it into a draft, edits the draft and publishes it with a later `effective_from`. The model
refuses a save that would change a published book or its rates, so not even a careless script can
alter history; every change is recorded by django-simple-history (who, when, old, new).
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import LicenseType


class FrozenError(Exception):
    """Raised by a model asked to change something that is frozen once published or issued."""


class PriceBookState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class PriceBookQuerySet(models.QuerySet):
    def published(self) -> "PriceBookQuerySet":
        return self.filter(state=PriceBookState.PUBLISHED)

    def drafts(self) -> "PriceBookQuerySet":
        return self.filter(state=PriceBookState.DRAFT)

    def in_force_on(self, day: date) -> "PriceBook | None":
        """The published book in force on `day`: the one with the latest effective_from <= day."""
        return (
            self.published().filter(effective_from__lte=day).order_by("-effective_from").first()
        )


class PriceBook(models.Model):
    name = models.CharField(_("name"), max_length=120)
    state = models.CharField(
        _("state"), max_length=10, choices=PriceBookState.choices, default=PriceBookState.DRAFT
    )
    effective_from = models.DateField(
        _("effective from"),
        help_text=_("Prices quotes dated on or after this day, until a later book takes over."),
    )
    nok_per_ssc = models.DecimalField(
        _("NOK per SSC"), max_digits=10, decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    retroactive_factor = models.DecimalField(
        _("retroactive factor"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
        help_text=_("Months paid afterwards cost this many times the advance price (at least 1)."),
    )
    vat_rate = models.DecimalField(
        _("VAT rate"), max_digits=5, decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("As a fraction: 0.25 is 25 %."),
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies",
        verbose_name=_("copied from"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("published by"),
    )
    history = HistoricalRecords()

    objects = PriceBookQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from", "-pk"]
        verbose_name = _("price book")
        verbose_name_plural = _("price books")
        constraints = [
            models.CheckConstraint(
                condition=Q(retroactive_factor__gte=1), name="price_book_factor_at_least_one",
                violation_error_message=_("The retroactive factor is at least 1.")),
            models.CheckConstraint(
                condition=Q(nok_per_ssc__gt=0), name="price_book_ssc_price_positive",
                violation_error_message=_("The price of an SSC is more than 0.")),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0) & Q(vat_rate__lte=1),
                name="price_book_vat_rate_fraction",
                violation_error_message=_("The VAT rate is between 0 and 100 %.")),
            models.UniqueConstraint(
                fields=["effective_from"], condition=Q(state="published"),
                name="one_published_price_book_per_day",
                violation_error_message=_("Another published price book takes effect on this "
                                          "day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%d.%m.%Y})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = PriceBook.objects.filter(pk=self.pk).values_list("state", flat=True).first()
            if stored == PriceBookState.PUBLISHED:
                raise FrozenError(f"Price book {self.pk} is published and cannot be changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("price_book_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise FrozenError(f"Price book {self.pk} is published and cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.state == PriceBookState.PUBLISHED

    @property
    def vat_percent(self) -> Decimal:
        return (self.vat_rate * 100).normalize()

    def rate_map(self) -> dict[str, int]:
        return {rate.license_type.code: rate.ssc_per_year
                for rate in self.rates.select_related("license_type")}


class PriceBookRate(models.Model):
    book = models.ForeignKey(PriceBook, on_delete=models.CASCADE, related_name="rates")
    license_type = models.ForeignKey(
        LicenseType, on_delete=models.PROTECT, related_name="rates",
        verbose_name=_("license type"),
    )
    ssc_per_year = models.PositiveIntegerField(
        _("SSC per unit per year"), validators=[MaxValueValidator(100000)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["license_type__sort_order", "license_type__code"]
        verbose_name = _("price book rate")
        verbose_name_plural = _("price book rates")
        constraints = [
            models.UniqueConstraint(
                fields=["book", "license_type"], name="one_rate_per_license_type_per_book",
                violation_error_message=_("This price book has a rate for this license type "
                                          "already.")),
        ]

    def __str__(self) -> str:
        return f"{self.license_type.code}: {self.ssc_per_year} SSC"

    def save(self, *args, **kwargs):
        if self._book_is_published():
            raise FrozenError("The rates of a published price book cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._book_is_published():
            raise FrozenError("The rates of a published price book cannot be deleted.")
        return super().delete(*args, **kwargs)

    def _book_is_published(self) -> bool:
        return PriceBook.objects.filter(pk=self.book_id, state=PriceBookState.PUBLISHED).exists()
