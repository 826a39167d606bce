"""The change history of a customer, an installation or one license holding — who changed what,
when, from what to what — read from django-simple-history's records of the inventory
(docs/ARCHITECTURE.md#change-history). Reading only; the records are written by every save.

A customer's history holds its own changes and those of its installations, their holdings and
their agreement periods; an installation's its own, its holdings' and its periods'. Values read
as on the pages: choice labels, names instead of ids, dates, the last month a period covers."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import models
from django.utils.translation import gettext as _

from common.history import author, field_label, shown_value
from common.months import last_month_label, span_label
from customers.access import is_distributor_staff, reseller_of
from customers.models import (
    AgreementPeriod,
    Customer,
    Installation,
    LicenseHolding,
    LicenseType,
    Membership,
)

# Bookkeeping fields nobody edits; everything else a form can change is shown.
HIDDEN_FIELDS = {"id", "created_at", "created_by", "paid_until"}


@dataclass(frozen=True)
class Change:
    when: datetime
    who: str
    subject: str
    action: str  # created, changed or deleted, in the reader's language
    field: str = ""
    old: str = ""
    new: str = ""
    author_id: int | None = None


def customer_changes(customer: Customer, *, viewer) -> list[Change]:
    installation_ids = set(Installation.history.filter(customer_id=customer.pk)
                           .values_list("id", flat=True))
    return _as_seen_by(viewer, [
        *_changes(Customer, Customer.history.filter(id=customer.pk)),
        *_inventory_changes(installation_ids, named_installations=True),
    ])


def installation_changes(installation: Installation, *, viewer) -> list[Change]:
    return _as_seen_by(viewer, _inventory_changes({installation.pk}, named_installations=False))


def holding_changes(holding: LicenseHolding, *, viewer) -> list[Change]:
    return _as_seen_by(viewer, _changes(
        LicenseHolding, LicenseHolding.history.filter(id=holding.pk), named=False))


def _inventory_changes(installation_ids: set[int], *, named_installations: bool) -> list[Change]:
    installations = Installation.history.filter(id__in=installation_ids)
    return [
        *_changes(Installation, installations, named=named_installations),
        *_changes(LicenseHolding,
                  LicenseHolding.history.filter(installation_id__in=installation_ids),
                  named=named_installations),
        *_changes(AgreementPeriod,
                  AgreementPeriod.history.filter(installation_id__in=installation_ids),
                  named=named_installations),
    ]


def _as_seen_by(viewer, changes: list[Change]) -> list[Change]:
    """Newest first (changes saved at the same moment keep the order they were made in). A
    reseller's user reads the names of the distributor's staff and of their own colleagues;
    a user of another reseller (the customer's reseller before a move) is not named."""
    order = sorted(range(len(changes)), key=lambda index: (changes[index].when, index),
                   reverse=True)
    changes = [changes[index] for index in order]
    if is_distributor_staff(viewer):
        return changes
    own = reseller_of(viewer)
    authors = {change.author_id for change in changes} - {None}
    elsewhere = set(Membership.objects.filter(user_id__in=authors)
                    .exclude(reseller_id=own.pk if own else None)
                    .values_list("user_id", flat=True))
    return [replace(change, who=_("a user of another reseller"))
            if change.author_id in elsewhere else change for change in changes]


def _changes(model, records, *, named: bool = True) -> list[Change]:
    """One entry for each creation and deletion, one for each field a save changed. `named`:
    say which installation a record belongs to (on a page that shows several)."""
    by_object = defaultdict(list)
    for record in records.select_related("history_user").order_by("history_date", "history_id"):
        by_object[record.id].append(record)
    names = _related_names(model, [r for object_records in by_object.values()
                                   for r in object_records])
    fields = [field.name for field in model._meta.concrete_fields
              if field.name not in HIDDEN_FIELDS]
    changes = []
    for object_records in by_object.values():
        previous = None
        for record in object_records:
            subject = _subject(model, record, names, named=named)
            base = {"when": record.history_date, "who": author(record), "subject": subject,
                    "author_id": record.history_user_id}
            if record.history_type == "+" or previous is None:
                changes.append(Change(action=_("created"), **base))
            elif record.history_type == "-":
                changes.append(Change(action=_("deleted"), **base))
            else:
                delta = record.diff_against(previous, included_fields=fields)
                changes += [Change(action=_("changed"), field=field_label(model, change.field),
                                   old=_shown(model, change.field, change.old, names),
                                   new=_shown(model, change.field, change.new, names), **base)
                            for change in delta.changes]
            previous = record
    return changes


def _related_names(model, records) -> dict[type, dict[int, str]]:
    """Today's names of the objects the records point to (a reseller, a license type)."""
    names = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.name not in HIDDEN_FIELDS:
            ids = {getattr(record, field.attname) for record in records} - {None}
            related = field.related_model
            names[related] = {obj.pk: _name(obj) for obj in related.objects.filter(pk__in=ids)}
    return names


def _name(obj) -> str:
    """A license type in the reader's language; anything else by its name."""
    return getattr(obj, "localized_name", None) or getattr(obj, "name", None) or str(obj)


def _shown(model, field_name: str, value, names) -> str:
    if model is AgreementPeriod and field_name == "end" and value:
        return last_month_label(value)  # the last month covered, as everywhere
    return shown_value(model, field_name, value, names)


def _subject(model, record, names, *, named: bool) -> str:
    if model is Customer:
        return _("Customer")
    if model is Installation:
        return (_("Installation %(name)s") % {"name": record.name} if named
                else _("Installation"))
    if model is LicenseHolding:
        license_type = names.get(LicenseType, {}).get(record.license_type_id, "?")
        subject = _("Licenses %(quantity)s × %(license)s") % {"quantity": record.quantity,
                                                              "license": license_type}
    else:
        subject = _("Agreement period %(months)s") % {
            "months": span_label(record.start, record.end)}
    if not named:
        return subject
    installation = names.get(Installation, {}).get(record.installation_id, "?")
    return _("%(subject)s on %(installation)s") % {"subject": subject,
                                                   "installation": installation}
