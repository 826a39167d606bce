"""The SSA pricing engine: pure Python, exact arithmetic, no Django and no database.

The rule (docs/DOMAIN.md#the-pricing-rule), in short:

* An agreement starts at ``S``, the first day of the quote date's month, and ends at ``E``, a
  first-of-month after ``S``. The user may set one common ``E`` for every installation; otherwise
  each installation gets its own default (``default_end``): its paid-until when licenses were
  added mid-term, else the first 1 July strictly after ``max(S, paid-until) + 1 month``.
* Only covered, not rented holdings of on-premise installations are charged. A holding is due
  from ``due(h)`` (the end of the latest period that paid for it, else its activation month).
* Unpaid months before ``S`` are retroactive (the book's factor) when the installation had no
  agreement at all that month, co-term (1x) when it had one (the holding was added mid-term).
  Months from ``max(due(h), S)`` to ``E`` are forward (1x). No month at or after ``ended_on``.
* Runs of one license code with the same kind and ``[from, to)`` are grouped into one line:
  ``SSC = ceil(quantity * rate * months * factor / 12)`` and ``NOK = round_ore(SSC * NOK per SSC)``.
  Totals: SSC and net are sums of the lines, VAT = ``round_ore(net * VAT rate)``, gross = net + VAT.
* skyPBX includes all upgrades: an offer for skyPBX alone is refused (``NotApplicable``); in a
  mixed offer those installations are marked not applicable and never priced as zero.

Money is ``Decimal`` and only ``round_ore`` rounds it; SSC arithmetic is exact integer arithmetic
(the factor as a ratio of integers), so nothing is ever approximated. Charged months are computed
from their boundaries (due, S, E, ended_on and the agreement spans), never month by month, so
the cost does not grow with the length of a lapse. Results do not depend on the order of
holdings or periods.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact
from typing import NamedTuple

# The project's one calendar module: pure Python, no Django (re-exported for callers here).
from common.months import (  # noqa: F401
    add_months,
    first_july_after,
    first_of_month,
    is_first_of_month,
    merge_spans,
    months_between,
)

KIND_FORWARD = "forward"
KIND_COTERM = "coterm"
KIND_RETROACTIVE = "retroactive"

DEPLOYMENT_ON_PREMISE = "on-premise"
DEPLOYMENT_SKYPBX = "skypbx"
DEPLOYMENTS = (DEPLOYMENT_ON_PREMISE, DEPLOYMENT_SKYPBX)

# User-visible texts are constants so that the Django side can translate exactly these.
NOT_APPLICABLE_SKYPBX = "skyPBX includes all upgrades, so an SSA is not applicable."
REASON_NOT_COVERED = "not covered by SSA"
REASON_RENTED = "rented licenses include upgrades"
WARNING_OLD_FIRMWARE = (
    "No support for this version; full use of a new version may need a hardware upgrade."
)
WARNING_UNKNOWN_FIRMWARE = "Unknown firmware version."

# Error codes carried by PricingError.code, for translation on the Django side.
ERROR_NO_INSTALLATIONS = "no-installations"
ERROR_NOT_APPLICABLE = "not-applicable"
ERROR_END_NOT_FIRST_OF_MONTH = "end-not-first-of-month"
ERROR_END_NOT_AFTER_START = "end-not-after-start"
ERROR_MISSING_RATE = "missing-rate"
ERROR_INVALID_BOOK = "invalid-book"
ERROR_INVALID_INSTALLATION = "invalid-installation"

FIRMWARE_SUPPORT_YEARS = 3
RENEWAL_MONTHS = 12

_ORE = Decimal("0.01")
_ONE = Decimal(1)
_KIND_ORDER = {KIND_RETROACTIVE: 0, KIND_COTERM: 1, KIND_FORWARD: 2}


class PricingError(Exception):
    """A domain error whose message a user can read and act on.

    ``code`` names the case (one of the ``ERROR_*`` constants) and ``params`` holds the values in
    the message, so that the Django side can translate it.
    """

    def __init__(
        self, message: str, *, code: str = "", params: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params: dict[str, object] = dict(params or {})


class NotApplicable(PricingError):
    """Every installation priced is skyPBX, which includes all upgrades: no SSA to sell."""


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldingIn:
    id: int
    license_code: str
    license_name: str
    covered: bool  # the license type is covered by the SSA
    rented: bool
    quantity: int  # > 0
    activated_on: date
    ended_on: date | None  # first-of-month, exclusive: no month at/after it exists
    catalogue_order: int = 0  # the license type's place in the catalogue: lines follow it


@dataclass(frozen=True)
class PeriodIn:
    start: date  # first of month
    end: date  # first of month, exclusive
    holding_ids: frozenset[int]


@dataclass(frozen=True)
class InstallationIn:
    id: int
    name: str
    deployment: str  # DEPLOYMENT_ON_PREMISE | DEPLOYMENT_SKYPBX
    firmware_version: str
    firmware_released_on: date | None  # None: the version is unknown
    holdings: tuple[HoldingIn, ...]
    periods: tuple[PeriodIn, ...]


@dataclass(frozen=True)
class PriceBookIn:
    nok_per_ssc: Decimal
    retroactive_factor: Decimal  # >= 1, need not be whole (e.g. 1.5)
    vat_rate: Decimal
    rates: Mapping[str, int]  # whole SSC per unit per year, per covered license code


# --- outputs ----------------------------------------------------------------------------------
# Lines, charges and exclusions are named tuples: immutable like the frozen dataclasses around
# them, and about three times cheaper to build, which counts at 100,000 lines per call.


class Line(NamedTuple):
    installation_id: int
    license_code: str
    license_name: str
    kind: str  # KIND_RETROACTIVE | KIND_COTERM | KIND_FORWARD
    start: date
    end: date  # exclusive
    months: int
    quantity: int
    ssc_per_year: int
    factor: Decimal  # 1 for forward and co-term, the book's factor for retroactive
    ssc: int
    nok: Decimal
    holding_ids: tuple[int, ...]
    catalogue_order: int  # the license type's place in the catalogue (the lines' order)


class Excluded(NamedTuple):
    installation_id: int
    holding_id: int
    license_code: str
    license_name: str
    quantity: int
    reason: str  # REASON_NOT_COVERED | REASON_RENTED


class HoldingCharge(NamedTuple):
    """One charged holding with the ``due(h)`` it was priced from.

    Accepting an offer turns these into agreement periods and refuses when a holding's quantity
    or due date changed since the offer was issued.
    """

    installation_id: int
    holding_id: int
    license_code: str
    quantity: int
    due: date


@dataclass(frozen=True)
class InstallationResult:
    installation_id: int
    name: str
    deployment: str
    applicable: bool
    not_applicable_reason: str | None
    start: date  # S
    end: date  # E
    paid_until: date | None
    lines: tuple[Line, ...]
    excluded: tuple[Excluded, ...]
    charges: tuple[HoldingCharge, ...]
    warnings: tuple[str, ...]
    ssc: int
    nok: Decimal
    later_ssc: int  # the forward lines bought retroactively later
    later_nok: Decimal

    @property
    def has_lines(self) -> bool:
        return bool(self.lines)

    @property
    def kinds(self) -> list[str]:
        return kinds_present(self.lines)


@dataclass(frozen=True)
class PricingResult:
    quote_date: date
    start: date  # S, common to every installation
    end: date | None  # the common E the user chose, None when each installation has its default
    installations: tuple[InstallationResult, ...]
    lines: tuple[Line, ...]
    ssc: int
    net: Decimal
    vat: Decimal
    gross: Decimal
    later_ssc: int  # what the forward lines would cost if bought retroactively later
    later_nok: Decimal

    @property
    def has_lines(self) -> bool:
        return bool(self.lines)

    @property
    def charges(self) -> tuple[HoldingCharge, ...]:
        return tuple(c for inst in self.installations for c in inst.charges)

    @property
    def earliest_end(self) -> date | None:
        """The earliest ``E`` of the applicable installations: an offer is valid until before it."""
        ends = [inst.end for inst in self.installations if inst.applicable]
        return min(ends) if ends else None


# --- calendar ---------------------------------------------------------------------------------


def _years_before(d: date, years: int) -> date:
    # 29 February has no twin in most years; the day before 1 March is close enough.
    return add_months(d, -12 * years)


# --- money ------------------------------------------------------------------------------------


def round_ore(amount: Decimal) -> Decimal:
    """Round NOK to øre (0.01), halves away from zero: the one rounding rule for money."""
    return amount.quantize(_ORE, rounding=ROUND_HALF_UP)


# Enough precision that products and sums of money are exact; Inexact is trapped so that they can
# never drift. Used through its methods, so no context switch is paid per figure.
_EXACT = Context(prec=80, traps=[Inexact])


def _exact_product(a: Decimal, b: Decimal) -> Decimal:
    return _EXACT.multiply(a, b)


def _exact_sum(amounts: Iterable[Decimal]) -> Decimal:
    total = Decimal("0.00")
    for amount in amounts:
        total = _EXACT.add(total, amount)
    return total


def line_ssc(*, quantity: int, ssc_per_year: int, months: int, factor: Decimal) -> int:
    """``ceil(quantity × SSC-per-year × months × factor / 12)``, computed exactly."""
    numerator, denominator = factor.as_integer_ratio()
    return _ceil_ssc(quantity * ssc_per_year * months, numerator, denominator)


def _ceil_ssc(units: int, numerator: int, denominator: int) -> int:
    """The one SSC formula: ``ceil(units × n / (12 d))`` for a factor that is exactly ``n / d``,
    one integer division (``units`` = quantity × SSC per year × months)."""
    return -(-(units * numerator) // (12 * denominator))


def line_nok(*, ssc: int, nok_per_ssc: Decimal) -> Decimal:
    return round_ore(_exact_product(Decimal(ssc), nok_per_ssc))


def vat_for(net: Decimal, vat_rate: Decimal) -> Decimal:
    return round_ore(_exact_product(net, vat_rate))


# --- agreement history ------------------------------------------------------------------------


def paid_until(periods: Iterable[PeriodIn]) -> date | None:
    """The latest end of the installation's agreement periods, None without any."""
    return max((p.end for p in periods), default=None)


def due_date(holding: HoldingIn, periods: Iterable[PeriodIn]) -> date:
    """``due(h)``: the end of the latest period that paid for ``h``, else its activation month."""
    return _due(holding, _latest_payments(periods))


def _latest_payments(periods: Iterable[PeriodIn]) -> dict[int, date]:
    """The end of the latest period that paid for each holding, by holding id (one pass)."""
    latest: dict[int, date] = {}
    for period in periods:
        for holding_id in period.holding_ids:
            paid = latest.get(holding_id)
            if paid is None or period.end > paid:
                latest[holding_id] = period.end
    return latest


def _due(holding: HoldingIn, latest_payments: Mapping[int, date]) -> date:
    paid = latest_payments.get(holding.id)
    return paid if paid is not None else first_of_month(holding.activated_on)


def is_chargeable(holding: HoldingIn) -> bool:
    # Rent already includes upgrades; not-covered types are separate products.
    return holding.covered and not holding.rented


def exclusion_reason(holding: HoldingIn) -> str | None:
    if not holding.covered:
        return REASON_NOT_COVERED
    if holding.rented:
        return REASON_RENTED
    return None


def _first_charged_month(holding: HoldingIn, due: date) -> date:
    # A period may (wrongly) have ended before the holding existed; never charge such months.
    return max(due, first_of_month(holding.activated_on))


def _charged_until(holding: HoldingIn, end: date) -> date:
    if holding.ended_on is not None and holding.ended_on < end:
        return holding.ended_on
    return end


def default_end(installation: InstallationIn, start: date) -> date:
    """The default ``E`` of one installation for an agreement starting at ``start`` (``S``).

    Licenses added mid-term are brought up to the common end (``E`` = paid-until). Otherwise the
    agreement runs to the next 1 July, but at least two months so that it is never a one-month
    agreement by default (a June quote runs to 1 July of the next year).
    """
    until = paid_until(installation.periods)
    if until is not None and until > start:
        latest = _latest_payments(installation.periods)
        for holding in installation.holdings:
            if not is_chargeable(holding):
                continue
            first = _first_charged_month(holding, _due(holding, latest))
            if first < until and first < _charged_until(holding, until):
                return until
    anchor = start if until is None else max(start, until)
    return first_july_after(add_months(anchor, 1))


def agreement_start(quote_date: date) -> date:
    """``S``: the first day of the quote date's month (it cannot be chosen)."""
    return first_of_month(quote_date)


def check_end(end: date, quote_date: date) -> None:
    """Refuse (PricingError) an ``E`` that the engine would refuse for an offer quoted on
    ``quote_date``: not a first-of-month, or not after ``S``. Forms and services ask this before
    they store an end, so a draft never holds one it could not be priced with."""
    _check_end(end, agreement_start(quote_date))


def coming_cycle_end(quote_date: date) -> date:
    """The rule's default ``E`` for an installation without agreement quoted on ``quote_date``:
    the first 1 July after ``S`` + 1 month — the end the new-offer form judges "owes something"
    by (docs/DOMAIN.md#the-agreement-start-and-end)."""
    return first_july_after(add_months(agreement_start(quote_date), 1))


def renewal_end(window_end: date) -> date:
    """``E`` of a renewal offer for the cycle ending ``window_end`` (a 1 July): the cycle after
    it, so that the retroactive months, the co-term months of licenses added mid-term and the
    forward year are one offer (docs/DOMAIN.md#renewals)."""
    return add_months(window_end, RENEWAL_MONTHS)


def firmware_warnings(
    installation: InstallationIn, newest_firmware_release: date | None
) -> tuple[str, ...]:
    """Support warnings for an on-premise installation's firmware version.

    Versions more than three years older than the newest release get no support; the age check
    needs the newest release date, so it is skipped without one.
    """
    if installation.deployment != DEPLOYMENT_ON_PREMISE:
        return ()
    released = installation.firmware_released_on
    if released is None:
        return (WARNING_UNKNOWN_FIRMWARE,)
    if newest_firmware_release is not None and released < _years_before(
        newest_firmware_release, FIRMWARE_SUPPORT_YEARS
    ):
        return (WARNING_OLD_FIRMWARE,)
    return ()


def acceptance_periods(charges: Iterable[HoldingCharge], *, end: date) -> tuple[PeriodIn, ...]:
    """The agreement periods that accepting an offer creates for one installation, from the
    charges it was priced with and its ``E`` (``end``).

    A holding's charged months run without a break from ``due(h)`` to ``E``, so one period
    ``[d, E)`` per distinct due date ``d`` pays for exactly the holdings due from ``d``.
    """
    by_due: dict[date, set[int]] = defaultdict(set)
    for charge in charges:
        by_due[charge.due].add(charge.holding_id)
    return tuple(
        PeriodIn(start=due, end=end, holding_ids=frozenset(ids))
        for due, ids in sorted(by_due.items())
    )


# --- validation -------------------------------------------------------------------------------


def _check_book(book: PriceBookIn) -> None:
    if book.retroactive_factor < 1:
        raise PricingError(
            f"The retroactive factor must be at least 1, not {book.retroactive_factor}.",
            code=ERROR_INVALID_BOOK,
            params={"factor": book.retroactive_factor},
        )
    if book.nok_per_ssc < 0 or book.vat_rate < 0:
        raise PricingError(
            "The SSC price and the VAT rate of the price book cannot be negative.",
            code=ERROR_INVALID_BOOK,
        )
    for code, rate in book.rates.items():
        if not isinstance(rate, int) or isinstance(rate, bool) or rate < 0:
            raise PricingError(
                f"The rate for license type “{code}” must be a whole number of SSC, not {rate!r}.",
                code=ERROR_INVALID_BOOK,
                params={"license_code": code, "rate": rate},
            )


def _invalid(installation: InstallationIn, problem: str) -> PricingError:
    return PricingError(
        f"Installation “{installation.name}”: {problem}",
        code=ERROR_INVALID_INSTALLATION,
        params={"installation": installation.name, "problem": problem},
    )


def _check_installation(installation: InstallationIn) -> None:
    if installation.deployment not in DEPLOYMENTS:
        raise _invalid(installation, f"unknown deployment “{installation.deployment}”.")
    for h in installation.holdings:
        if h.quantity <= 0:
            raise _invalid(installation, f"holding {h.id} has quantity {h.quantity}.")
        if h.ended_on is not None and not is_first_of_month(h.ended_on):
            raise _invalid(installation, f"holding {h.id} ends on {h.ended_on}, not a 1st.")
    for p in installation.periods:
        if not (is_first_of_month(p.start) and is_first_of_month(p.end)):
            raise _invalid(installation, f"period {p.start}–{p.end} does not run month to month.")
        if p.start >= p.end:
            raise _invalid(installation, f"period {p.start}–{p.end} is empty.")


def _check_end(end: date, start: date) -> None:
    if not is_first_of_month(end):
        raise PricingError(
            f"The agreement must end on the first day of a month, not on {end.isoformat()}.",
            code=ERROR_END_NOT_FIRST_OF_MONTH,
            params={"end": end},
        )
    if end <= start:
        raise PricingError(
            f"The agreement must end after it starts: it starts on {start.isoformat()}, "
            f"so choose an end of {add_months(start, 1).isoformat()} or later.",
            code=ERROR_END_NOT_AFTER_START,
            params={"start": start, "end": end},
        )


# --- pricing ----------------------------------------------------------------------------------


# One run: consecutive months ``[from, to)`` of one holding with one kind.
_Run = tuple[str, date, date]  # (kind, from, to)
# Runs of one license code with the same kind and months make one line.
_LineKey = tuple[str, str, date, date]  # (license code, kind, from, to)


def agreement_spans(periods: Iterable[PeriodIn]) -> tuple[tuple[date, date], ...]:
    """The months the installation was under agreement (whichever holdings each period paid
    for) as ``[from, to)`` spans in order; periods that overlap or meet are merged, so no two
    spans touch."""
    return merge_spans((period.start, period.end) for period in periods)


def _holding_runs(
    first: date, until: date, start: date, spans: Sequence[tuple[date, date]]
) -> list[_Run]:
    """The charged months ``[first, until)`` of one chargeable holding, split into runs of one kind.

    Months before ``start`` are co-term inside an agreement span (the holding was added
    mid-term) and retroactive outside one (the whole installation lapsed); months from ``start``
    are forward. The runs come from the boundaries, not from walking month by month; since spans
    never touch, neighbouring runs always differ in kind.
    """
    if first >= start:  # the common case: nothing unpaid before the agreement starts
        return [(KIND_FORWARD, first, until)] if first < until else []
    runs: list[_Run] = []
    past_until = min(start, until)
    cursor = first
    for span_start, span_end in spans:
        if cursor >= past_until or span_start >= past_until:
            break
        if span_end <= cursor:
            continue
        if span_start > cursor:
            runs.append((KIND_RETROACTIVE, cursor, span_start))
            cursor = span_start
        stop = min(span_end, past_until)
        runs.append((KIND_COTERM, cursor, stop))
        cursor = stop
    if cursor < past_until:
        runs.append((KIND_RETROACTIVE, cursor, past_until))
    if start < until:
        runs.append((KIND_FORWARD, start, until))
    return runs


def kinds_present(lines: Iterable[Line]) -> list[str]:
    """The kinds among ``lines``, retroactive first (the order an offer explains them in)."""
    present = {line.kind for line in lines}
    return sorted(present, key=_KIND_ORDER.__getitem__)


def _line_sort_key(line: Line) -> tuple[date, date, int, int, str]:
    """By period, kind, then the catalogue's order of license types; the code only breaks ties
    between types the catalogue places alike (docs/DOMAIN.md#grouping-into-lines)."""
    return (line.start, line.end, _KIND_ORDER[line.kind], line.catalogue_order,
            line.license_code)


class _Tariff:
    """A price book applied to lines. Many lines share an SSC figure, so its NOK amount is
    computed once per figure (by the same `line_nok`)."""

    def __init__(self, book: PriceBookIn) -> None:
        self.book = book
        self._nok: dict[int, Decimal] = {}
        self._retro = book.retroactive_factor.as_integer_ratio()

    def ssc(self, quantity: int, rate: int, months: int, kind: str) -> int:
        """`line_ssc` with the kind's factor, its exact ratio worked out once per book."""
        numerator, denominator = self._retro if kind == KIND_RETROACTIVE else (1, 1)
        return _ceil_ssc(quantity * rate * months, numerator, denominator)

    def nok(self, ssc: int) -> Decimal:
        nok = self._nok.get(ssc)
        if nok is None:
            nok = self._nok[ssc] = line_nok(ssc=ssc, nok_per_ssc=self.book.nok_per_ssc)
        return nok



@dataclass
class _Lines:
    """One installation's lines with what their forward part would cost later."""

    lines: list[Line]
    later_ssc: int
    later_nok: list[Decimal]


# Builds a Line from one tuple of its fields, without the named tuple's keyword-parsing __new__.
_new_line = functools.partial(tuple.__new__, Line)


def _lines_from_groups(
    installation_id: int, groups: Mapping[_LineKey, list[HoldingIn]], tariff: _Tariff
) -> _Lines:
    book = tariff.book
    lines: list[Line] = []
    later_ssc = 0
    later_nok: list[Decimal] = []
    for (code, kind, start, end), holdings in groups.items():
        if len(holdings) == 1:  # the common case, without building generators
            quantity, holding_ids = holdings[0].quantity, (holdings[0].id,)
        else:
            quantity, holding_ids = sum(h.quantity for h in holdings), tuple(h.id for h in holdings)
        rate = book.rates[code]
        months = months_between(start, end)
        ssc = tariff.ssc(quantity, rate, months, kind)
        factor = book.retroactive_factor if kind == KIND_RETROACTIVE else _ONE
        lines.append(_new_line((
            installation_id, code, holdings[0].license_name, kind, start, end, months,
            quantity, rate, factor, ssc, tariff.nok(ssc), holding_ids,
            holdings[0].catalogue_order,
        )))
        if kind == KIND_FORWARD:
            later = tariff.ssc(quantity, rate, months, KIND_RETROACTIVE)
            later_ssc += later
            later_nok.append(tariff.nok(later))
    lines.sort(key=_line_sort_key)
    return _Lines(lines, later_ssc, later_nok)


@dataclass(frozen=True)
class _Plan:
    """One installation's charged runs grouped into lines, before the price book is applied.
    Each group lists its holdings in id order."""

    installation: InstallationIn
    end: date
    groups: dict[_LineKey, list[HoldingIn]]
    excluded: tuple[Excluded, ...]
    charges: tuple[HoldingCharge, ...]


def _plan(installation: InstallationIn, start: date, end: date) -> _Plan:
    latest = _latest_payments(installation.periods)
    spans = agreement_spans(installation.periods)
    groups: dict[_LineKey, list[HoldingIn]] = {}
    excluded: list[Excluded] = []
    charges: list[HoldingCharge] = []
    for holding in sorted(installation.holdings, key=lambda h: h.id):
        reason = exclusion_reason(holding)
        if reason is not None:
            # A license gone before the agreement starts is no longer the customer's to list.
            if holding.ended_on is None or holding.ended_on > start:
                excluded.append(
                    Excluded(
                        installation_id=installation.id,
                        holding_id=holding.id,
                        license_code=holding.license_code,
                        license_name=holding.license_name,
                        quantity=holding.quantity,
                        reason=reason,
                    )
                )
            continue
        due = _due(holding, latest)
        first = _first_charged_month(holding, due)
        runs = _holding_runs(first, _charged_until(holding, end), start, spans)
        if runs:
            code = holding.license_code
            for kind, run_from, run_to in runs:
                key = (code, kind, run_from, run_to)
                group = groups.get(key)
                if group is None:
                    groups[key] = [holding]
                else:
                    group.append(holding)
            charges.append(
                HoldingCharge(installation.id, holding.id, code, holding.quantity, due)
            )
    return _Plan(installation, end, groups, tuple(excluded), tuple(charges))


def _check_rates(plans: Iterable[_Plan], book: PriceBookIn) -> None:
    missing = sorted({key[0] for p in plans for key in p.groups} - set(book.rates))
    if missing:
        codes = ", ".join(missing)
        raise PricingError(
            f"The price book has no rate for license type {codes}; "
            "a price admin must add one before this can be priced.",
            code=ERROR_MISSING_RATE,
            params={"license_codes": tuple(missing)},
        )


def _priced(
    plan: _Plan, start: date, tariff: _Tariff, newest_firmware_release: date | None
) -> InstallationResult:
    installation = plan.installation
    priced = _lines_from_groups(installation.id, plan.groups, tariff)
    lines = priced.lines
    return InstallationResult(
        installation_id=installation.id,
        name=installation.name,
        deployment=installation.deployment,
        applicable=True,
        not_applicable_reason=None,
        start=start,
        end=plan.end,
        paid_until=paid_until(installation.periods),
        lines=tuple(lines),
        excluded=plan.excluded,
        charges=plan.charges,
        warnings=firmware_warnings(installation, newest_firmware_release),
        ssc=sum(line.ssc for line in lines),
        nok=_exact_sum(line.nok for line in lines),
        later_ssc=priced.later_ssc,
        later_nok=_exact_sum(priced.later_nok),
    )


def _not_applicable(installation: InstallationIn, start: date, end: date) -> InstallationResult:
    return InstallationResult(
        installation_id=installation.id,
        name=installation.name,
        deployment=installation.deployment,
        applicable=False,
        not_applicable_reason=NOT_APPLICABLE_SKYPBX,
        start=start,
        end=end,
        paid_until=paid_until(installation.periods),
        lines=(),
        excluded=(),
        charges=(),
        warnings=(),
        ssc=0,
        nok=Decimal("0.00"),
        later_ssc=0,
        later_nok=Decimal("0.00"),
    )


def price(
    *,
    installations: Sequence[InstallationIn],
    quote_date: date,
    book: PriceBookIn,
    end: date | None = None,
    newest_firmware_release: date | None = None,
) -> PricingResult:
    """Price an SSA offer for ``installations`` on ``quote_date`` with ``book``.

    ``end`` is the common ``E`` the user chose for every installation; without it each
    installation gets ``default_end``. Installations keep the order given; everything inside
    one is sorted, so the order of holdings and periods never matters.
    """
    if not installations:
        raise PricingError(
            "Choose at least one installation to price.", code=ERROR_NO_INSTALLATIONS
        )
    _check_book(book)
    for installation in installations:
        _check_installation(installation)
    # Not applicable is the more fundamental answer than a badly chosen end, so it comes first.
    if all(i.deployment == DEPLOYMENT_SKYPBX for i in installations):
        raise NotApplicable(
            NOT_APPLICABLE_SKYPBX,
            code=ERROR_NOT_APPLICABLE,
            params={"installations": tuple(i.name for i in installations)},
        )
    start = agreement_start(quote_date)
    if end is not None:
        _check_end(end, start)

    def end_of(installation: InstallationIn) -> date:
        return end if end is not None else default_end(installation, start)

    plans = [
        _plan(i, start, end_of(i)) if i.deployment == DEPLOYMENT_ON_PREMISE else None
        for i in installations
    ]
    # Every missing rate is reported at once, before anything is priced.
    _check_rates((p for p in plans if p is not None), book)
    tariff = _Tariff(book)
    results = tuple(
        _priced(plan, start, tariff, newest_firmware_release)
        if plan is not None
        else _not_applicable(i, start, end_of(i))
        for i, plan in zip(installations, plans, strict=True)
    )
    # Sums of the installations' exact sums: the same figures as summing every line again.
    net = _exact_sum(r.nok for r in results)
    vat = vat_for(net, book.vat_rate)
    return PricingResult(
        quote_date=quote_date,
        start=start,
        end=end,
        installations=results,
        lines=tuple(line for r in results for line in r.lines),
        ssc=sum(r.ssc for r in results),
        net=net,
        vat=vat,
        gross=_exact_sum((net, vat)),
        later_ssc=sum(r.later_ssc for r in results),
        later_nok=_exact_sum(r.later_nok for r in results),
    )
