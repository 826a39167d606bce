"""Every write of price books (docs/DOMAIN.md#price-books): draft, edit, publish, delete.

A published book is never edited; a price admin copies it into a draft, edits it, and publishes
it with a later `effective_from`. Every change is recorded with who made it.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import freshness
from common.errors import DomainError
from customers.access import is_price_admin
from customers.models import LicenseType
from quotes.models import PriceBook, PriceBookRate, PriceBookState
from quotes.services.common import save_as


def _require_price_admin(user: User) -> None:
    if not is_price_admin(user):
        raise DomainError(_("Only price admins can change price books."))


def _require_draft(book: PriceBook) -> None:
    if book.is_published:
        raise DomainError(_("A published price book is never changed. Make a new draft from it "
                            "instead."))


def effective_from_refusal(effective_from: date) -> str:
    """Why a book taking effect on `effective_from` could not be published (empty when it could):
    it must take effect after the latest published book, so history is never rewritten. The
    price-book form says so next to the field; saving and publishing a draft refuse it."""
    latest = PriceBook.objects.published().order_by("-effective_from").first()
    if latest and effective_from <= latest.effective_from:
        return _("The book must take effect after %(date)s, when the last published book "
                 "(%(name)s) took effect.") % {
            "date": f"{latest.effective_from:%d.%m.%Y}", "name": latest.name}
    return ""


@transaction.atomic
def price_book_create_draft(*, source: PriceBook, user: User) -> PriceBook:
    """A new draft copied from `source`, effective the day after the latest published book (the
    price admin moves it to the day the new prices apply)."""
    _require_price_admin(user)
    latest = PriceBook.objects.published().order_by("-effective_from").first()
    effective_from = timezone.localdate()
    if latest and effective_from <= latest.effective_from:
        effective_from = latest.effective_from + timedelta(days=1)
    draft = PriceBook(
        name=_("Copy of %(name)s") % {"name": source.name}, state=PriceBookState.DRAFT,
        effective_from=effective_from, nok_per_ssc=source.nok_per_ssc,
        retroactive_factor=source.retroactive_factor, vat_rate=source.vat_rate,
        based_on=source, created_by=user,
    )
    save_as(draft, user)
    for rate in source.rates.all():
        save_as(PriceBookRate(book=draft, license_type_id=rate.license_type_id,
                               ssc_per_year=rate.ssc_per_year), user)
    return draft


@transaction.atomic
def price_book_update_draft(
    *, book: PriceBook, user: User, name: str, effective_from: date, nok_per_ssc: Decimal,
    retroactive_factor: Decimal, vat_rate: Decimal, rates: dict[int, int | None],
) -> PriceBook:
    """Edit a draft: its figures and one whole-SSC rate per license type (id → rate; None
    removes the rate)."""
    _require_price_admin(user)
    book = PriceBook.objects.select_for_update().get(pk=book.pk)
    _require_draft(book)
    if retroactive_factor < 1:
        raise DomainError(_("The retroactive factor is at least 1."), field="retroactive_factor")
    refused = effective_from_refusal(effective_from)
    if refused:
        raise DomainError(refused, field="effective_from")
    book.name, book.effective_from = name, effective_from
    book.nok_per_ssc, book.retroactive_factor, book.vat_rate = (
        nok_per_ssc, retroactive_factor, vat_rate)
    save_as(book, user)
    existing = {rate.license_type_id: rate for rate in book.rates.all()}
    for type_id, value in rates.items():
        rate = existing.get(type_id)
        if value is None:
            if rate is not None:
                rate._history_user = user
                rate.delete()
        elif rate is None:
            save_as(PriceBookRate(book=book, license_type_id=type_id, ssc_per_year=value), user)
        elif rate.ssc_per_year != value:
            rate.ssc_per_year = value
            save_as(rate, user)
    return book


@transaction.atomic
def price_book_publish(*, book: PriceBook, user: User) -> PriceBook:
    """Publish a draft. Every covered license type must have a rate, and the book must take
    effect after the last published one (history is never rewritten)."""
    _require_price_admin(user)
    # One publisher at a time: lock every published book's row as well as this one.
    list(PriceBook.objects.select_for_update().filter(state=PriceBookState.PUBLISHED))
    book = PriceBook.objects.select_for_update().get(pk=book.pk)
    _require_draft(book)
    priced = set(book.rates.values_list("license_type_id", flat=True))
    unpriced = LicenseType.objects.filter(covered=True).exclude(pk__in=priced)
    if unpriced.exists():
        raise DomainError(_("Every license type covered by the SSA needs a rate before the book "
                           "is published. Missing: %(types)s.") % {
            "types": ", ".join(t.localized_name for t in unpriced)})
    refused = effective_from_refusal(book.effective_from)
    if refused:
        raise DomainError(refused, field="effective_from")
    book.state = PriceBookState.PUBLISHED
    book.published_at = timezone.now()
    book.published_by = user
    save_as(book, user)
    freshness.changed(freshness.INSTALLATIONS)
    return book


@transaction.atomic
def price_book_delete_draft(*, book: PriceBook, user: User) -> None:
    _require_price_admin(user)
    _require_draft(book)
    book.delete()
