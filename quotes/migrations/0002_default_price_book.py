"""The default price book (docs/DOMAIN.md#price-books): NOK 1.40 per SSC, retroactive factor 2,
VAT 25 %, and the rates of the license catalogue (docs/DOMAIN.md#the-license-catalogue). Only
the port rate (74 SSC) is a published figure; the other rates are placeholders for the price
admin to replace (copy the book, edit, publish)."""

from datetime import date
from decimal import Decimal

from django.db import migrations

RATES = {
    "port": 74, "uc": 30, "mypbx": 30, "voicemail": 15, "switchboard": 150, "reporting": 30,
    "queue-monitor": 30, "standby": 20, "mobility": 30, "video": 15, "fax": 15,
    "app-sharing": 15,
}
NAME = "Standard (FAQ)"


def create_default_book(apps, schema_editor):
    PriceBook = apps.get_model("quotes", "PriceBook")
    PriceBookRate = apps.get_model("quotes", "PriceBookRate")
    LicenseType = apps.get_model("customers", "LicenseType")
    if PriceBook.objects.exists():
        return
    # Rates first, then publish: a published book's rates are frozen.
    book = PriceBook.objects.create(
        name=NAME, state="draft", effective_from=date(2020, 1, 1),
        nok_per_ssc=Decimal("1.40"), retroactive_factor=Decimal("2"), vat_rate=Decimal("0.25"),
    )
    for license_type in LicenseType.objects.filter(code__in=RATES):
        PriceBookRate.objects.create(book=book, license_type=license_type,
                                     ssc_per_year=RATES[license_type.code])
    PriceBook.objects.filter(pk=book.pk).update(state="published")


def remove_default_book(apps, schema_editor):
    apps.get_model("quotes", "PriceBook").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("quotes", "0001_price_books"),
        ("customers", "0003_seed_license_catalogue_and_firmware"),
    ]
    operations = [migrations.RunPython(create_default_book, remove_default_book)]
