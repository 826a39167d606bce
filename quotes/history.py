"""The change history of a price book — who changed what, when, from what to what — read from
django-simple-history's records of the book and its rates."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from common import formatting
from common.history import author, field_label, shown_value
from customers.models import LicenseType
from quotes.models import PriceBook, PriceBookRate

SHOWN_FIELDS = ("name", "state", "effective_from", "nok_per_ssc", "retroactive_factor",
                "vat_rate")


@dataclass(frozen=True)
class Change:
    when: datetime
    who: str
    what: str
    old: str
    new: str


# The price book's own figures; every other field reads as on any history tab.
MONEY_AND_RATES = {
    "nok_per_ssc": formatting.format_unit_price,
    "retroactive_factor": formatting.format_factor,
    "vat_rate": lambda rate: f"{formatting.format_percent(rate)} %",
}


def _shown(field: str, value) -> str:
    """A recorded value as people read it: state names, money, factors, percentages, dates."""
    if field in MONEY_AND_RATES and value not in (None, ""):
        return MONEY_AND_RATES[field](value)
    return shown_value(PriceBook, field, value)


def price_book_changes(book: PriceBook) -> list[Change]:
    changes: list[Change] = []
    records = list(book.history.select_related("history_user").order_by("history_date",
                                                                         "history_id"))
    for previous, record in zip([None, *records], records, strict=False):
        if previous is None:
            changes.append(Change(record.history_date, author(record), _("created"), "", ""))
            continue
        delta = record.diff_against(previous, included_fields=list(SHOWN_FIELDS))
        for change in delta.changes:
            changes.append(Change(record.history_date, author(record),
                                  field_label(PriceBook, change.field),
                                  _shown(change.field, change.old),
                                  _shown(change.field, change.new)))
    names = {t.pk: t.localized_name for t in LicenseType.objects.only("pk", "name", "name_en")}
    rate_records = (PriceBookRate.history.filter(book_id=book.pk)
                    .select_related("history_user").order_by("history_date", "history_id"))
    last_rate: dict[int, int] = {}
    for record in rate_records:
        name = names.get(record.license_type_id, "?")
        old = last_rate.get(record.license_type_id)
        if record.history_type == "-":
            changes.append(Change(record.history_date, author(record), name,
                                  _("%(ssc)s SSC") % {"ssc": old}, "–"))
            last_rate.pop(record.license_type_id, None)
            continue
        if old != record.ssc_per_year:
            changes.append(Change(record.history_date, author(record), name,
                                  "–" if old is None else _("%(ssc)s SSC") % {"ssc": old},
                                  _("%(ssc)s SSC") % {"ssc": record.ssc_per_year}))
        last_rate[record.license_type_id] = record.ssc_per_year
    return sorted(changes, key=lambda change: change.when, reverse=True)
