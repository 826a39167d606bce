"""One offer shape for every output: the offer page, the PDF, the CSV export, e-mails and the API.

`present_offer` builds it in one place, from a draft priced on the day asked or from an issued
offer's frozen snapshot, so no output ever asks "draft or issued?" again; `summarize_offer` is
the header alone (number, state, parties, totals) for lists and exports, without pricing drafts.
How an offer travels from the form to the signed PDF: docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from quotes import pricing, selectors
from quotes.models import DisplayState, Quote


@dataclass(frozen=True)
class LineView:
    license_code: str
    license_name: str
    kind: str
    start: date
    end: date  # exclusive
    months: int
    quantity: int
    ssc_per_year: int
    factor: Decimal
    ssc: int
    nok: Decimal


@dataclass(frozen=True)
class LineGroup:
    """Consecutive lines of one kind, period and factor: the line table states these once."""

    kind: str
    start: date
    end: date
    months: int
    factor: Decimal
    lines: tuple[LineView, ...]


@dataclass(frozen=True)
class ExcludedView:
    license_name: str
    quantity: int
    reason: str  # one of the pricing engine's REASON_* texts (translated where shown)


@dataclass(frozen=True)
class SectionView:
    """One installation of the offer."""

    installation_id: int
    name: str
    deployment: str
    hardware_model: str
    firmware_version: str
    paid_until: date | None
    start: date
    end: date
    applicable: bool
    not_applicable_reason: str
    warnings: tuple[str, ...]
    excluded: tuple[ExcludedView, ...]
    lines: tuple[LineView, ...]
    ssc: int
    nok: Decimal

    @property
    def skypbx(self) -> bool:
        return self.deployment == pricing.DEPLOYMENT_SKYPBX

    @property
    def groups(self) -> tuple[LineGroup, ...]:
        return line_groups(self.lines)

    @property
    def kinds(self) -> list[str]:
        return pricing.kinds_present(self.lines)

    @property
    def retroactive_months(self) -> int:
        """The longest run of retroactive months on one line."""
        return max((line.months for line in self.lines
                    if line.kind == pricing.KIND_RETROACTIVE), default=0)

    @property
    def unrecorded_history(self) -> bool:
        """No agreement was ever recorded and more than a year is charged retroactively: worth
        a person's look before it goes out (the history may just not be in the portal)."""
        return self.paid_until is None and self.retroactive_months > 12


@dataclass(frozen=True)
class Party:
    """The customer as the offer names it, and the reseller it goes through."""

    name: str
    org_number: str
    address_lines: tuple[str, ...]
    contact: str
    email: str
    reseller: str
    reseller_email: str = ""
    reseller_phone: str = ""


@dataclass(frozen=True)
class OfferSummary:
    """An offer's header: what lists, exports and notifications show."""

    quote_id: int
    is_draft: bool
    number: str  # empty for a draft
    state: DisplayState
    ready_to_issue: bool
    language: str
    customer: Party
    issue_date: date | None
    valid_until: date | None
    ssc: int | None  # None for a draft (priced only when shown)
    net: Decimal | None
    vat: Decimal | None
    gross: Decimal | None


@dataclass(frozen=True)
class OfferPresentation:
    """Everything an offer shows: its header, its installations with their lines, the totals
    and the figures they were priced with. A draft that cannot be priced carries `error`."""

    summary: OfferSummary
    priced_on: date  # the issue date, or the day a draft was priced
    revision_of: str
    sections: tuple[SectionView, ...]
    error: str
    ssc: int | None
    net: Decimal | None
    vat: Decimal | None
    gross: Decimal | None
    later_ssc: int | None  # the forward months bought retroactively later
    later_nok: Decimal | None
    vat_rate: Decimal | None
    factor: Decimal | None
    nok_per_ssc: Decimal | None
    book_name: str
    start: date | None
    earliest_end: date | None  # a draft's validity ends before the earliest agreement end

    @property
    def lines(self) -> tuple[LineView, ...]:
        return tuple(line for section in self.sections for line in section.lines)

    @property
    def has_lines(self) -> bool:
        return bool(self.lines)

    @property
    def kinds(self) -> list[str]:
        return pricing.kinds_present(self.lines)

    @property
    def forward_ssc(self) -> int:
        return sum(line.ssc for line in self.lines if line.kind == pricing.KIND_FORWARD)

    @property
    def forward_nok(self) -> Decimal:
        return sum((line.nok for line in self.lines if line.kind == pricing.KIND_FORWARD),
                   Decimal("0.00"))

    @property
    def several_priced(self) -> bool:
        """More than one installation has lines: the line tables get subtotals."""
        return sum(1 for s in self.sections if s.applicable and s.lines) > 1


def line_groups(lines: Sequence[LineView]) -> tuple[LineGroup, ...]:
    """The lines in runs of the same kind, period and factor (the engine sorts them by period
    and kind)."""
    groups: list[list] = []
    for line in lines:
        key = (line.kind, line.start, line.end, line.months, line.factor)
        if not groups or groups[-1][0] != key:
            groups.append([key, []])
        groups[-1][1].append(line)
    return tuple(LineGroup(kind, start, end, months, factor, tuple(members))
                 for (kind, start, end, months, factor), members in groups)




# --- building it -------------------------------------------------------------------------------


def _party(quote: Quote) -> Party:
    if quote.is_draft:
        customer = quote.customer
        reseller = customer.reseller
        return Party(customer.name, customer.org_number, tuple(customer.address_lines),
                     customer.contact_name, customer.email, reseller.name, reseller.email,
                     reseller.phone)
    return Party(quote.customer_name, quote.customer_org_number,
                 tuple(line for line in quote.customer_address.splitlines() if line),
                 quote.customer_contact, quote.customer_email, quote.reseller_name,
                 quote.reseller_email, quote.reseller_phone)


def summarize_offer(quote: Quote, *, today: date) -> OfferSummary:
    """The header of `quote` as a person sees it on `today`. Reads the customer and its
    reseller for a draft (select them with the quote) and nothing else."""
    return OfferSummary(
        quote_id=quote.pk, is_draft=quote.is_draft, number=quote.number or "",
        state=quote.display_state(today), ready_to_issue=quote.ready_to_issue,
        language=quote.language, customer=_party(quote), issue_date=quote.issue_date,
        valid_until=quote.valid_until, ssc=quote.total_ssc, net=quote.net, vat=quote.vat,
        gross=quote.gross,
    )


def present_offer(quote: Quote, *, today: date) -> OfferPresentation:
    """The whole offer: a draft priced on `today`, an issued offer as it was issued."""
    summary = summarize_offer(quote, today=today)
    revision_of = quote.revision_of.number if quote.revision_of_id else ""
    if quote.is_draft:
        return _present_draft(quote, summary, revision_of, today)
    sections = tuple(_frozen_section(section)
                     for section in quote.sections.prefetch_related("lines"))
    return OfferPresentation(
        summary=summary, priced_on=quote.issue_date, revision_of=revision_of,
        sections=sections, error="", ssc=quote.total_ssc, net=quote.net, vat=quote.vat,
        gross=quote.gross, later_ssc=quote.later_ssc, later_nok=quote.later_nok,
        vat_rate=quote.vat_rate, factor=quote.retroactive_factor, nok_per_ssc=quote.nok_per_ssc,
        book_name=quote.price_book_name, start=quote.start,
        earliest_end=min((s.end for s in sections if s.applicable), default=None),
    )


def _present_draft(quote: Quote, summary: OfferSummary, revision_of: str,
                   today: date) -> OfferPresentation:
    try:
        result, book = selectors.price_quote(quote=quote, quote_date=today)
    except selectors.PricingUnavailable as error:
        return OfferPresentation(
            summary=summary, priced_on=today, revision_of=revision_of, sections=(),
            error=error.message, ssc=None, net=None, vat=None, gross=None, later_ssc=None,
            later_nok=None, vat_rate=None, factor=None, nok_per_ssc=None, book_name="",
            start=None, earliest_end=None)
    return OfferPresentation(
        summary=summary, priced_on=today, revision_of=revision_of,
        sections=live_sections(result, quote.installations.all()),
        error="", ssc=result.ssc, net=result.net, vat=result.vat, gross=result.gross,
        later_ssc=result.later_ssc, later_nok=result.later_nok, vat_rate=book.vat_rate,
        factor=book.retroactive_factor, nok_per_ssc=book.nok_per_ssc, book_name=book.name,
        start=result.start, earliest_end=result.earliest_end,
    )


def live_sections(result: pricing.PricingResult, installations) -> tuple[SectionView, ...]:
    """The installations of a priced result (a draft's, or the API's price preview), shown as
    an offer shows them."""
    by_pk = {i.pk: i for i in installations}
    return tuple(_live_section(s, by_pk[s.installation_id]) for s in result.installations)


def _line_view(line) -> LineView:
    """A priced line (the engine's `Line`) or a frozen one (`QuoteLine`): the same fields."""
    return LineView(line.license_code, line.license_name, line.kind, line.start, line.end,
                    line.months, line.quantity, line.ssc_per_year, line.factor, line.ssc,
                    line.nok)


def _live_section(section: pricing.InstallationResult, installation) -> SectionView:
    return SectionView(
        installation_id=section.installation_id, name=section.name,
        deployment=section.deployment, hardware_model=installation.hardware_model,
        firmware_version=installation.firmware_version, paid_until=section.paid_until,
        start=section.start, end=section.end, applicable=section.applicable,
        not_applicable_reason=section.not_applicable_reason or "",
        warnings=tuple(section.warnings),
        excluded=tuple(ExcludedView(e.license_name, e.quantity, e.reason)
                       for e in section.excluded),
        lines=tuple(_line_view(line) for line in section.lines),
        ssc=section.ssc, nok=section.nok,
    )


def _frozen_section(section) -> SectionView:
    return SectionView(
        installation_id=section.installation_id, name=section.name,
        deployment=section.deployment, hardware_model=section.hardware_model,
        firmware_version=section.firmware_version, paid_until=section.paid_until,
        start=section.start, end=section.end, applicable=section.applicable,
        not_applicable_reason=section.not_applicable_reason, warnings=tuple(section.warnings),
        excluded=tuple(ExcludedView(e["license_name"], e["quantity"], e["reason"])
                       for e in section.excluded),
        lines=tuple(_line_view(line) for line in section.lines.all()),
        ssc=section.ssc, nok=section.nok,
    )
