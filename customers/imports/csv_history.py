"""The CSV import's agreement history (docs/IMPORT.md, columns `paid_until` and `periods`): reading
the two cells, holding an installation's rows to one history, and planning the hand-entered
periods the commit creates through `services.period_create`. Reads the database; never writes.

- `read_history_cells` reads one row's cells;
- `note_history` keeps one installation's history the same on all of its rows;
- `plan_history` plans the periods of every installation in the file, each paying for the
  installation's licenses that exist during it (recorded ones and the file's own), checked by
  the same rule as every period (`customers.periods.validate_period`: one license is never paid
  twice for the same month), and warns about installations that would be charged more than a
  year of retroactive months for want of a history
  (docs/DOMAIN.md#retroactive-co-term-and-forward-months).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from common.errors import DomainError
from common.months import add_months, first_of_month, is_first_of_month, months_between, span_label
from customers.imports.csv_format import RowError, parse_month
from customers.models import AgreementPeriod, Deployment, LicenseHolding
from customers.periods import validate_period

EARLIEST_MONTH = date(1997, 1, 1)  # innovaphone's first PBX; anything earlier is a typo
YEARS_AHEAD = 5  # a month further ahead than this is a typo of the year
MAX_RANGES = 40  # per installation: decades of yearly periods
RETROACTIVE_WARNING_MONTHS = 12  # warn above a year of retroactive months
PAID_UNTIL, PERIODS = "paid_until", "periods"

Range = tuple[date, date]


@dataclass
class History:
    """One installation's history as its rows give it: the cell's value and the line it is on."""

    paid_until: date | None = None
    paid_until_line: int = 0
    ranges: tuple[Range, ...] | None = None
    ranges_line: int = 0
    disputed: bool = False  # rows disagree: no period is planned until they agree

    @property
    def given(self) -> bool:
        return self.paid_until is not None or self.ranges is not None


@dataclass
class PlannedPeriod:
    """A hand-entered agreement period the import creates (or finds already recorded)."""

    installation: object  # csv_import.PlannedInstallation
    start: date
    end: date
    holdings: list = field(default_factory=list)  # LicenseHolding and csv_import.PlannedHolding
    line: int = 0
    column: str = ""
    already_recorded: bool = False

    @property
    def label(self) -> str:
        """How a refusal names it (customers.periods.UnsavedPeriod)."""
        return _("this file, line %(line)d") % {"line": self.line}


# --- one row's cells -------------------------------------------------------------------------


def read_history_cells(cells: dict[str, str], *, today: date) -> tuple[
        date | None, tuple[Range, ...] | None, list[tuple[str, str]]]:
    """paid_until and periods of one row: (paid_until, ranges, [(column, problem)]); None for
    an empty cell."""
    this_month = first_of_month(today)
    problems: list[tuple[str, str]] = []
    paid_until = None
    text = cells.get(PAID_UNTIL, "")
    if text:
        paid_until, problem = _month(text, this_month)
        if problem:
            problems.append((PAID_UNTIL, problem))
    ranges = None
    text = cells.get(PERIODS, "")
    parts = [part.strip() for part in re.split(r"[,|]", text) if part.strip()]
    if len(parts) > MAX_RANGES:
        problems.append((PERIODS, _("At most %(max)d periods per installation.")
                         % {"max": MAX_RANGES}))
    elif parts:
        found = []
        for part in parts:
            start_text, separator, end_text = part.partition("..")
            if not separator or not start_text.strip() or not end_text.strip():
                problems.append((PERIODS, _(
                    "“%(value)s” is not a range; write start..end, e.g. 2022-07..2023-07 (the "
                    "end month is not included).") % {"value": part}))
                continue
            start, problem = _month(start_text, this_month)
            end, end_problem = _month(end_text, this_month)
            if problem or end_problem:
                problems.append((PERIODS, problem or end_problem))
            elif end <= start:
                problems.append((PERIODS, _(
                    "“%(value)s”: the end must be after the start (the end month is not "
                    "included: 2022-07..2023-07 is July 2022 to June 2023).") % {"value": part}))
            else:
                found.append((start, end))
        ranges = tuple(sorted(found))
    return paid_until, ranges, problems


def _month(text: str, this_month: date) -> tuple[date | None, str]:
    text = text.strip()
    month = parse_month(text)
    if month is None:
        return None, _("“%(value)s” is not a month; write the month as YYYY-MM (e.g. 2026-07) "
                       "or as its first day (2026-07-01 or 01.07.2026).") % {"value": text}
    if not is_first_of_month(month):
        return None, _("“%(value)s” is not the first day of a month. Agreements run in whole "
                       "months: write the month as YYYY-MM (e.g. 2026-07).") % {"value": text}
    if month < EARLIEST_MONTH:
        return None, _("“%(value)s” is before 1997; check the year.") % {"value": text}
    if months_between(this_month, month) > YEARS_AHEAD * 12:
        return None, _("“%(value)s” is more than five years ahead; check the year.") % {
            "value": text}
    return month, ""


# --- one installation's rows -----------------------------------------------------------------


def note_history(history: History, *, line: int, paid_until: date | None,
                 ranges: tuple[Range, ...] | None) -> list[tuple[str, str]]:
    """Record what a row says about its installation's history; [(column, problem)] when it
    disagrees with an earlier row of the same installation."""
    problems = []
    if paid_until is not None:
        if history.paid_until is None:
            history.paid_until, history.paid_until_line = paid_until, line
        elif history.paid_until != paid_until:
            history.disputed = True
            problems.append((PAID_UNTIL, _(
                "Line %(line)d gives this installation paid_until %(month)s; this row says "
                "%(other)s. Give it on one row, or the same on every row.") % {
                    "line": history.paid_until_line, "month": f"{history.paid_until:%Y-%m}",
                    "other": f"{paid_until:%Y-%m}"}))
    if ranges is not None:
        if history.ranges is None:
            history.ranges, history.ranges_line = ranges, line
        elif history.ranges != ranges:
            history.disputed = True
            problems.append((PERIODS, _(
                "Line %(line)d gives this installation other periods. Give them on one row, "
                "or the same on every row.") % {"line": history.ranges_line}))
    return problems


# --- the plan --------------------------------------------------------------------------------


def plan_history(plan, *, today: date, unsure: set[str] = frozenset()) -> None:
    """Plan every installation's periods into `plan.periods`; problems into `plan.errors`,
    ranges already recorded into `plan.warnings`, and installations without any history that
    would pay more than a year retroactively into `plan.history_warnings`.

    Installations named in `unsure` (casefolded: a row naming one had a problem, so some of its
    licenses or history may be missing) and those whose rows disagree are left out: their
    periods are checked once those rows are fixed."""
    existing = [i.existing for i in plan.installations if i.existing is not None]
    recorded_holdings: dict[int, list[LicenseHolding]] = defaultdict(list)
    for holding in (LicenseHolding.objects.filter(installation__in=existing)
                    .select_related("license_type").order_by("pk")):
        recorded_holdings[holding.installation_id].append(holding)
    recorded_periods: dict[int, set[Range]] = defaultdict(set)
    for pk, start, end in AgreementPeriod.objects.filter(installation__in=existing).values_list(
            "installation_id", "start", "end"):
        recorded_periods[pk].add((start, end))
    new_holdings: dict[int, list] = defaultdict(list)
    for holding in plan.new_holdings:
        new_holdings[id(holding.installation)].append(holding)
    for installation in plan.installations:
        pk = installation.existing.pk if installation.existing is not None else None
        holdings = recorded_holdings.get(pk, []) + new_holdings[id(installation)]
        history: History = installation.history
        if history.disputed or installation.name.casefold() in unsure:
            continue
        if history.given:
            _plan_periods(plan, installation, pk, holdings, recorded_periods.get(pk, set()))
        elif pk not in recorded_periods:
            _warn_without_history(plan, installation, holdings, first_of_month(today))


def _recorded_or_planned(planned):
    """What the portal will show: the record found, else what the file gives."""
    return planned.existing or planned


def _plan_periods(plan, installation, pk: int | None, holdings: list,
                  recorded: set[Range]) -> None:
    history: History = installation.history
    name = _recorded_or_planned(installation).name
    ranges = [(start, end, history.ranges_line, PERIODS) for start, end in history.ranges or ()]
    if history.paid_until is not None:
        ranges.append((add_months(history.paid_until, -12), history.paid_until,
                       history.paid_until_line, PAID_UNTIL))
    if _recorded_or_planned(installation).deployment == Deployment.SKYPBX:
        _error(plan, ranges[0][2], ranges[0][3], _(
            "skyPBX includes all upgrades, so an SSA is not applicable; leave paid_until and "
            "periods empty for %(installation)s.") % {"installation": name})
        return
    planned: list[PlannedPeriod] = []
    # The listed periods first: a paid_until repeating one of them is the row error.
    for start, end, line, column in sorted(ranges, key=lambda r: (r[0], r[1], r[3] != PERIODS)):
        period = PlannedPeriod(installation=installation, start=start, end=end, line=line,
                               column=column)
        if (start, end) in recorded:
            period.already_recorded = True
            plan.periods.append(period)
            plan.warnings.append(RowError(line, column, _(
                "The period %(period)s of %(installation)s is already recorded; it is skipped.")
                % {"period": span_label(start, end), "installation": name}))
            continue
        period.holdings = [h for h in holdings if h.activated_on < end
                           and (h.ended_on is None or h.ended_on > start)]
        if not period.holdings:
            _error(plan, line, column, _(
                "No licenses of %(installation)s exist in %(period)s, so no period can pay for "
                "them; check the months, or add the licenses with their activation dates.")
                % {"installation": name, "period": span_label(start, end)})
            continue
        try:
            validate_period(installation_id=pk, start=start, end=end, holdings=period.holdings,
                            unsaved=planned)
        except DomainError as refused:
            for message in refused.messages:
                _error(plan, line, column, message)
            continue
        planned.append(period)
        plan.periods.append(period)


def _warn_without_history(plan, installation, holdings: list, this_month: date) -> None:
    """Without any period, every month from a license's activation up to this month is
    retroactive (docs/DOMAIN.md#retroactive-co-term-and-forward-months): on-premise, covered
    and not rented licenses only."""
    if _recorded_or_planned(installation).deployment != Deployment.ON_PREMISE:
        return
    months = max((months_between(first_of_month(h.activated_on), min(
        this_month, h.ended_on or this_month)) for h in holdings
        if h.license_type.covered and not h.rented), default=0)
    if months > RETROACTIVE_WARNING_MONTHS:
        plan.history_warnings.append(RowError(installation.line, PAID_UNTIL, _(
            "%(customer)s – %(installation)s has no agreement history. An offer made today "
            "would charge its licenses %(months)d months retroactively, at the retroactive "
            "factor. If it had an SSA, add the history: the columns paid_until or periods, or "
            "on the installation page after the import.") % {
                "customer": _recorded_or_planned(installation.customer).name,
                "installation": _recorded_or_planned(installation).name, "months": months}))


def _error(plan, line: int, column: str, message: str) -> None:
    plan.errors.append(RowError(line, column, message))
