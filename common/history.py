"""The change history (docs/ARCHITECTURE.md#change-history): who it records as the author of a
save (django-simple-history takes the signed-in user of the current request), and how a
recorded value reads on the history tabs."""

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from common import formatting


@contextmanager
def changes_made_by(user) -> Iterator[None]:
    """Background work done for `user` (a CSV import run by the worker) is recorded as theirs,
    as it would be had they waited for it in the browser."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is None:
            del context.request
        else:
            context.request = previous


# --- reading the records: the change history tabs (customers/history.py, quotes/history.py) ---


def author(record) -> str:
    """Who saved a history record, as people know them ("system" for background work)."""
    user = record.history_user
    return (user.get_full_name() or user.email or user.username) if user else _("system")


def field_label(model, field: str) -> str:
    return capfirst(str(model._meta.get_field(field).verbose_name))


def shown_value(model, field_name: str, value, names: dict | None = None) -> str:
    """A recorded value as the pages show it: a dash for nothing, a choice's label, a related
    object's name (from `names`: related model → {pk: name}), yes/no, a written-out date."""
    field = model._meta.get_field(field_name)
    if value is None or value == "":
        return "–"
    if isinstance(field, models.ForeignKey):
        return (names or {}).get(field.related_model, {}).get(getattr(value, "pk", value), "?")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateField):
        return formatting.long_date(value)
    return str(value)
