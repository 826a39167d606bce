from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from common.errors import DomainError
from customers.models import LicenseType
from quotes import services
from quotes.history import price_book_changes
from quotes.models import FrozenError, PriceBook, PriceBookRate


@pytest.fixture
def default_book(db):
    return PriceBook.objects.get(name="Standard (FAQ)")


def edit(book, user, **overrides):
    arguments = {
        "name": book.name, "effective_from": book.effective_from,
        "nok_per_ssc": book.nok_per_ssc, "retroactive_factor": book.retroactive_factor,
        "vat_rate": book.vat_rate, "rates": {},
    }
    arguments.update(overrides)
    return services.price_book_update_draft(book=book, user=user, **arguments)


def test_the_default_book_holds_the_faq_figures(default_book):
    assert default_book.is_published
    assert default_book.nok_per_ssc == Decimal("1.40")
    assert default_book.retroactive_factor == Decimal("2")
    assert default_book.vat_rate == Decimal("0.25")
    assert default_book.rate_map()["port"] == 74
    covered = set(LicenseType.objects.filter(covered=True).values_list("code", flat=True))
    assert set(default_book.rate_map()) == covered


def test_the_book_in_force_on_a_date_is_the_latest_published_one_not_after_it(
    default_book, price_admin
):
    draft = services.price_book_create_draft(source=default_book, user=price_admin)
    edit(draft, price_admin, effective_from=date(2026, 7, 1))
    assert PriceBook.objects.in_force_on(date(2026, 7, 1)) == default_book, "drafts never price"
    services.price_book_publish(book=draft, user=price_admin)
    assert PriceBook.objects.in_force_on(date(2026, 6, 30)) == default_book
    assert PriceBook.objects.in_force_on(date(2026, 7, 1)) == draft
    assert PriceBook.objects.in_force_on(date(2019, 12, 31)) is None


def test_a_draft_copies_every_rate_and_figure(default_book, price_admin):
    draft = services.price_book_create_draft(source=default_book, user=price_admin)
    assert draft.rate_map() == default_book.rate_map()
    assert draft.nok_per_ssc == default_book.nok_per_ssc
    assert draft.based_on == default_book
    assert draft.effective_from > default_book.effective_from


def test_a_published_book_is_refused_by_the_service(default_book, price_admin):
    with pytest.raises(DomainError, match="never changed"):
        edit(default_book, price_admin, nok_per_ssc=Decimal("2"))
    default_book.refresh_from_db()
    assert default_book.nok_per_ssc == Decimal("1.40")


def test_a_published_book_and_its_rates_are_refused_by_the_model(default_book):
    default_book.nok_per_ssc = Decimal("9")
    with pytest.raises(FrozenError):
        default_book.save()
    rate = default_book.rates.get(license_type__code="port")
    rate.ssc_per_year = 1
    with pytest.raises(FrozenError):
        rate.save()
    with pytest.raises(FrozenError):
        rate.delete()
    with pytest.raises(FrozenError):
        default_book.delete()
    assert PriceBook.objects.get(pk=default_book.pk).rate_map()["port"] == 74


def test_publishing_needs_a_rate_for_every_covered_type(default_book, price_admin):
    draft = services.price_book_create_draft(source=default_book, user=price_admin)
    fax = LicenseType.objects.get(code="fax")
    edit(draft, price_admin, effective_from=date(2026, 7, 1), rates={fax.pk: None})
    with pytest.raises(DomainError, match="Fax"):
        services.price_book_publish(book=draft, user=price_admin)
    draft.refresh_from_db()
    assert not draft.is_published


def test_publishing_needs_an_effective_date_after_the_last_published_book(
    default_book, price_admin
):
    draft = services.price_book_create_draft(source=default_book, user=price_admin)
    # Saving the draft refuses the date already (the form says so next to the field) …
    with pytest.raises(DomainError, match="take effect after"):
        edit(draft, price_admin, effective_from=default_book.effective_from)
    # … and publishing refuses a draft whose date a later published book has overtaken.
    PriceBook.objects.filter(pk=draft.pk).update(effective_from=default_book.effective_from)
    draft.refresh_from_db()
    with pytest.raises(DomainError, match="take effect after"):
        services.price_book_publish(book=draft, user=price_admin)


def test_the_database_allows_one_published_book_per_effective_date(default_book):
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceBook.objects.create(name="Twin", state="published",
                                 effective_from=default_book.effective_from,
                                 nok_per_ssc=Decimal("1"), retroactive_factor=Decimal("2"),
                                 vat_rate=Decimal("0.25"))


def test_the_database_refuses_a_factor_below_one(price_admin):
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceBook.objects.create(name="Cheap", effective_from=date(2030, 1, 1),
                                 nok_per_ssc=Decimal("1"), retroactive_factor=Decimal("0.5"),
                                 vat_rate=Decimal("0.25"))


def test_only_price_admins_change_books(default_book, staff, user_a):
    for user in (staff, user_a):
        with pytest.raises(DomainError):
            services.price_book_create_draft(source=default_book, user=user)
    assert PriceBook.objects.count() == 1


def test_every_change_is_recorded_with_who_when_old_and_new(default_book, price_admin):
    with time_machine.travel(date(2026, 3, 6), tick=False):
        draft = services.price_book_create_draft(source=default_book, user=price_admin)
        port = LicenseType.objects.get(code="port")
        edit(draft, price_admin, nok_per_ssc=Decimal("1.50"), effective_from=date(2026, 7, 1),
             rates={port.pk: 80})
        services.price_book_publish(book=draft, user=price_admin)
    changes = price_book_changes(draft)
    described = {(c.what, c.old, c.new, c.who) for c in changes}
    assert ("NOK per SSC", "NOK\u00a01.40", "NOK\u00a01.50", price_admin.username) in described
    assert ("Port license (per registered phone)", "74 SSC", "80 SSC",
            price_admin.username) in described
    # Humanised: state names, dates as people write them (no "draft → published", no 1.4000).
    assert ("State", "Draft", "Published", price_admin.username) in described
    assert any(c.what == "Effective from" and c.new == "1 July 2026" for c in changes)
    assert all(c.when.date() == date(2026, 3, 6) for c in changes)
    rate_history = PriceBookRate.history.filter(book_id=draft.pk, license_type_id=port.pk)
    assert [r.ssc_per_year for r in rate_history.order_by("history_date")] == [74, 80]
