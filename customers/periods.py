"""The rules an agreement period follows before it is written (docs/DOMAIN.md#agreement-periods).

One check with two callers, so the rule is written once:
- the period services (`services.period_create`, `period_update`) check a period against the
  periods recorded for its installation;
- the CSV import's planner (customers/imports/csv_history.py, docs/IMPORT.md) checks the
  periods a file would create against those recorded and against each other, before any of
  them (or the holdings they pay for) exists, so that the preview shows what the commit would
  refuse. Its holdings not saved yet have no `pk`; its periods not saved yet are `unsaved`.

Reads the database; writes nothing.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

from django.utils.translation import gettext as _

from common.errors import DomainError
from common.months import is_first_of_month, last_month_label, month_label
from customers.models import AgreementPeriod


class PaidHolding(Protocol):
    """A LicenseHolding, or one the CSV import is about to create (pk None)."""

    pk: int | None
    installation_id: int | None
    activated_on: date
    ended_on: date | None


class UnsavedPeriod(Protocol):
    """A period about to be created alongside others (the CSV import's), and how to name it."""

    start: date
    end: date
    holdings: Sequence[PaidHolding]
    label: str  # e.g. "this file, line 4"


def validate_period(
    *, installation_id: int | None, start: date, end: date, holdings: list[PaidHolding],
    exclude_pk: int | None = None, unsaved: Iterable[UnsavedPeriod] = (),
) -> None:
    """Refuse (DomainError) a period `[start, end)` of an installation paying for `holdings`
    unless: both are first-of-month dates, the end is after the start, it pays for some
    holdings, all of its own installation, each existing during it; and no holding is paid
    twice for the same month by a recorded period (other than `exclude_pk`, the one being
    edited) or by one of the `unsaved` periods."""
    errors: dict[str, list[str]] = {}
    if not is_first_of_month(start):
        errors.setdefault("start", []).append(_("A period starts on the first day of a month."))
    if not is_first_of_month(end):
        errors.setdefault("end", []).append(
            _("A period ends on the first day of a month (that month is not included).")
        )
    if start and end and end <= start:
        errors.setdefault("end", []).append(_("The end must be after the start."))
    if not holdings:
        errors.setdefault("holdings", []).append(
            _("Choose the licenses this period paid for.")
        )
    if errors:
        raise DomainError(errors=errors)
    for holding in holdings:
        if holding.installation_id != installation_id:
            raise DomainError(_("A period pays only for its own installation's licenses."),
                              field="holdings")
        if holding.activated_on >= end:
            raise DomainError(_(
                "%(holding)s were activated on %(date)s, after this period ends; they cannot "
                "be paid by it.") % {"holding": holding, "date": holding.activated_on},
                field="holdings")
        if holding.ended_on is not None and holding.ended_on <= start:
            raise DomainError(_("%(holding)s ended before this period starts.") % {
                "holding": holding}, field="holdings")
    # One holding is never paid twice for the same month.
    saved = [h for h in holdings if h.pk is not None]
    if installation_id is not None and saved:
        clash = (
            AgreementPeriod.objects.filter(installation_id=installation_id, start__lt=end,
                                           end__gt=start, holdings__in=saved)
            .exclude(pk=exclude_pk).distinct().order_by("start").first()
        )
        if clash is not None:
            paid = set(clash.holdings.all())
            raise _paid_twice(clash.start, clash.end, clash.get_source_display().lower(),
                              [h for h in saved if h in paid])
    for other in unsaved:
        if other.start < end and other.end > start:
            paid_twice = [h for h in holdings if any(_same(h, o) for o in other.holdings)]
            if paid_twice:
                raise _paid_twice(other.start, other.end, other.label, paid_twice)


def _same(a: PaidHolding, b: PaidHolding) -> bool:
    return a is b or (a.pk is not None and a.pk == b.pk)


def _paid_twice(start: date, end: date, source: str, holdings: list) -> DomainError:
    return DomainError(_(
        "The period %(start)s – %(end)s (%(source)s) already paid for %(holdings)s in some of "
        "these months. One license is never paid twice for the same month; shorten one of "
        "the periods or leave those licenses out.") % {
            "start": month_label(start), "end": last_month_label(end),
            "source": source, "holdings": ", ".join(str(h) for h in holdings),
    })
