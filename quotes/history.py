"""The change history of a price book — who changed what, when, from what to what — read from
django-simple-history's records of the book and its rates."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from common import formatting
from customers.models import LicenseType
from quotes.models import PriceBook, PriceBookRate, PriceBookState

SHOWN_FIELDS = ("name", "state", "effective_from", "nok_per_ssc", "retroactive_factor",
                "vat_rate")


@dataclass(frozen=True)
class Change:
    when: datetime
    who: str
    what: str
    old: str
    new: str


def _who(record) -> str:
    user = record.history_user
    return (user.get_full_name() or user.username) if user else _("system")


def _label(field: str) -> str:
    text = str(PriceBook._meta.get_field(field).verbose_name)
    return text[:1].upper() + text[1:]


def _shown(field: str, value) -> str:
    """A recorded value as people read it: state names, money, factors, percentages, dates."""
    if value is None or value == "":
        return "–"
    if field == "state":
        return str(PriceBookState(value).label)
    if field == "nok_per_ssc":
        return formatting.format_unit_price(value)
    if field == "retroactive_factor":
        return formatting.format_factor(value)
    if field == "vat_rate":
        return f"{formatting.format_percent(value)} %"
    if field == "effective_from":
        return formatting.long_date(value)
    return str(value)


def price_book_changes(book: PriceBook) -> list[Change]:
    changes: list[Change] = []
    records = list(book.history.select_related("history_user").order_by("history_date",
                                                                         "history_id"))
    for previous, record in zip([None, *records], records, strict=False):
        if previous is None:
            changes.append(Change(record.history_date, _who(record), _("created"), "", ""))
            continue
        delta = record.diff_against(previous, included_fields=list(SHOWN_FIELDS))
        for change in delta.changes:
            changes.append(Change(record.history_date, _who(record), _label(change.field),
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
            changes.append(Change(record.history_date, _who(record), name,
                                  _("%(ssc)s SSC") % {"ssc": old}, "–"))
            last_rate.pop(record.license_type_id, None)
            continue
        if old != record.ssc_per_year:
            changes.append(Change(record.history_date, _who(record), name,
                                  "–" if old is None else _("%(ssc)s SSC") % {"ssc": old},
                                  _("%(ssc)s SSC") % {"ssc": record.ssc_per_year}))
        last_rate[record.license_type_id] = record.ssc_per_year
    return sorted(changes, key=lambda change: change.when, reverse=True)
