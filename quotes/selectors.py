"""The quotes app's reads: what feeds the pricing engine (Django models in, pure dataclasses
out), the offer list's filters, and the renewals worklist with its estimates.

The engine (quotes/pricing.py) knows nothing of the database; this module loads exactly what it
needs in a fixed number of queries and translates its errors for the user. Every queryset it is
given is already scoped to the user (customers/access.py, quotes/access.py); `renewal_rows_for`
scopes the worklist itself.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Sum
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.languages import offer_language
from common.months import first_july_after, first_of_month, months_lapsed
from common.search import folded_contains
from common.web import sort_ordering
from customers import access as customer_access
from customers.models import AgreementPeriod, FirmwareRelease, Installation, LicenseHolding
from quotes import access, pricing
from quotes.models import DisplayState, PriceBook, Quote, QuoteState, RenewalTarget


class PricingUnavailable(DomainError):
    """A quote cannot be priced; `message` says why in the user's language."""


# The engine's user-visible texts, marked here for translation (the engine stays free of Django);
# a test checks that they match the engine's constants word for word.
ENGINE_TEXTS = (
    gettext_noop("skyPBX includes all upgrades, so an SSA is not applicable."),
    gettext_noop("not covered by SSA"),
    gettext_noop("rented licenses include upgrades"),
    gettext_noop("No support for this version; full use of a new version may need a hardware "
                 "upgrade."),
    gettext_noop("Unknown firmware version."),
)

# The engine's errors that background work records by code (quotes.models.renewals.REASONS).
_ERROR_CODES = {pricing.ERROR_NOT_APPLICABLE: "not_applicable",
                pricing.ERROR_MISSING_RATE: "missing_rate"}


def engine_error_message(error: pricing.PricingError) -> str:
    params = error.params
    if error.code == pricing.ERROR_NOT_APPLICABLE:
        return _("skyPBX includes all upgrades, so an SSA is not applicable.")
    if error.code == pricing.ERROR_MISSING_RATE:
        return _("The price book in force has no rate for %(codes)s; a price admin must add "
                 "it before this can be priced.") % {
            "codes": ", ".join(params.get("license_codes", ()))}
    if error.code in (pricing.ERROR_END_NOT_AFTER_START, pricing.ERROR_END_NOT_FIRST_OF_MONTH):
        return _("The agreement must end on the first of a month after it starts; choose an "
                 "end month after this month.")
    if error.code == pricing.ERROR_NO_INSTALLATIONS:
        return _("Choose at least one installation.")
    return error.message


def book_input(book: PriceBook) -> pricing.PriceBookIn:
    return pricing.PriceBookIn(
        nok_per_ssc=book.nok_per_ssc, retroactive_factor=book.retroactive_factor,
        vat_rate=book.vat_rate, rates=book.rate_map(),
    )


def installation_inputs(
    installations: Iterable[Installation], releases: dict[str, date], language: str | None = None
) -> list[pricing.InstallationIn]:
    """Engine inputs for installations loaded with `with_pricing_data`, the license types named
    in `language` (by default the active one: the reader's, or the offer's being rendered) and
    placed in the catalogue's order."""
    language = offer_language(language or get_language())
    return [
        pricing.InstallationIn(
            id=installation.pk,
            name=installation.name,
            deployment=installation.deployment,
            firmware_version=installation.firmware_version,
            firmware_released_on=releases.get(installation.firmware_version.strip().lower()),
            holdings=tuple(
                pricing.HoldingIn(
                    id=h.pk, license_code=h.license_type.code,
                    license_name=h.license_type.name_in(language),
                    covered=h.license_type.covered, rented=h.rented, quantity=h.quantity,
                    activated_on=h.activated_on, ended_on=h.ended_on,
                    catalogue_order=h.license_type.sort_order,
                )
                for h in installation.holdings.all()
            ),
            periods=tuple(
                pricing.PeriodIn(start=p.start, end=p.end,
                                 holding_ids=frozenset(h.pk for h in p.holdings.all()))
                for p in installation.periods.all()
            ),
        )
        for installation in installations
    ]


def with_pricing_data(installations):
    """Prefetch what the engine reads, so pricing N installations costs a constant number of
    queries."""
    return installations.select_related("customer").prefetch_related(
        Prefetch("holdings", queryset=LicenseHolding.objects.select_related("license_type")),
        Prefetch("periods", queryset=AgreementPeriod.objects.prefetch_related(
            Prefetch("holdings", queryset=LicenseHolding.objects.only("pk")))),
    )


def firmware_releases() -> dict[str, date]:
    return {version.lower(): released_on
            for version, released_on in FirmwareRelease.objects.values_list("version",
                                                                            "released_on")}


def price_installations(
    *, installations: Sequence[Installation], quote_date: date, end: date | None = None,
    book: PriceBook | None = None, language: str | None = None,
) -> tuple[pricing.PricingResult, PriceBook]:
    """Price installations (loaded with `with_pricing_data`) on `quote_date` with the book in
    force that day, license types named in `language` (default: the active language). Raises
    PricingUnavailable with a message the user can act on."""
    if book is None:
        book = PriceBook.objects.in_force_on(quote_date)
    if book is None:
        day = f"{quote_date:%d.%m.%Y}"
        raise PricingUnavailable(_("No price book is in force on %(date)s; a price admin must "
                                   "publish one.") % {"date": day},
                                 code="no_price_book", params={"date": day})
    releases = firmware_releases()
    try:
        result = pricing.price(
            installations=installation_inputs(installations, releases, language),
            quote_date=quote_date, book=book_input(book), end=end,
            newest_firmware_release=max(releases.values(), default=None),
        )
    except pricing.PricingError as error:
        raise PricingUnavailable(engine_error_message(error), code=_ERROR_CODES.get(error.code, ""),
                                 params={"codes": ", ".join(error.params.get("license_codes", ()))}
                                 ) from error
    return result, book


def price_quote(*, quote, quote_date: date,
                language: str | None = None) -> tuple[pricing.PricingResult, PriceBook]:
    """Price a draft offer's inputs on `quote_date` (its installations in a stable order), the
    license types named in `language` (default: the active one; issuing passes the offer's)."""
    installations = list(with_pricing_data(quote.installations.order_by("name", "pk")))
    return price_installations(installations=installations, quote_date=quote_date,
                               end=quote.end_override, language=language)


# --- renewals --------------------------------------------------------------------------------

RENEWAL_ORDERINGS = {
    "paid_until": (F("paid_until").asc(nulls_first=True), "customer__name", "name"),
    "-paid_until": (F("paid_until").desc(nulls_last=True), "customer__name", "name"),
    "customer": ("customer__name", "name"),
    "reseller": ("customer__reseller__name", "customer__name", "name"),
}


def open_offers(today: date):
    """Offers that already answer for their installations: issued and still valid (not
    answered, not superseded), or drafts marked ready to issue."""
    return Quote.objects.filter(Q(state=QuoteState.ISSUED, valid_until__gte=today)
                                | Q(state=QuoteState.DRAFT, ready_to_issue=True))


def renewal_worklist(installations, *, visible_quotes, window_end: date, this_month: date,
                     today: date, lapsed_only: bool = False, query: str = "",
                     order: str = "paid_until"):
    """What owes something for the cycle after `window_end`: on-premise installations due in the
    window, lapsed, or never under agreement (`installations`, the user's scoped queryset).
    Each row says whether it was renewed for this window already, whether an open offer covers
    it, and which offers those are — only among `visible_quotes`, the offers the user may see
    (after a move, another reseller's open offer flags the row without being named)."""
    rows = (installations.lapsed(this_month) if lapsed_only
            else installations.owing_by(window_end, this_month))
    renewed = RenewalTarget.objects.filter(installation=OuterRef("pk"), window_end=window_end)
    covering_any = open_offers(today).filter(installations=OuterRef("pk"))
    covering = covering_any.filter(pk__in=visible_quotes.values("pk")).order_by("-pk")
    rows = rows.annotate(
        renewal_exists=Exists(renewed),
        renewal_quote_id=Subquery(renewed.filter(item__quote__in=visible_quotes.values("pk"))
                                  .values("item__quote_id")[:1]),
        has_open_offer=Exists(covering_any),
        open_offer_id=Subquery(covering.values("pk")[:1]),
        open_offer_number=Subquery(covering.values("number")[:1]),
    ).select_related("customer", "customer__reseller")
    query = query.replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
    if query:
        rows = rows.filter(folded_contains("customer__name", query)
                           | folded_contains("name", query))
    return rows.order_by(*RENEWAL_ORDERINGS.get(order, RENEWAL_ORDERINGS["paid_until"]))


def renewal_rows_for(user, filters: dict, *, today: date):
    """The worklist as `user` sees it with a RenewalFilterForm's cleaned `filters` (the page's
    and the API's), and the window it is for."""
    window_end = filters.get("window_end") or first_july_after(today)
    installations = customer_access.installations_for(user)
    if filters.get("reseller"):
        installations = installations.filter(customer__reseller=filters["reseller"])
    rows = renewal_worklist(
        installations, visible_quotes=access.quotes_for(user), window_end=window_end,
        this_month=first_of_month(today), today=today, lapsed_only=filters.get("lapsed", False),
        query=filters.get("q", ""), order=filters.get("order") or "paid_until")
    return rows, window_end


def with_renewal_estimates(rows, *, window_end: date, today: date) -> list:
    """The rows (a page of them) with the engine's estimate of renewing each (SSC, net NOK)
    and the months it has lapsed."""
    rows = list(rows)
    estimates = renewal_estimates(rows, quote_date=today, window_end=window_end)
    this_month = first_of_month(today)
    for row in rows:
        row.estimate = estimates.get(row.pk)
        row.months_lapsed = months_lapsed(row.paid_until, this_month)
    return rows


def renewal_estimates(installations, *, quote_date: date,
                      window_end: date) -> dict[int, tuple[int, Decimal]]:
    """What renewing each installation to the cycle after `window_end` would cost (SSC, net
    NOK), priced on `quote_date`; nothing when they cannot be priced."""
    loaded = list(with_pricing_data(Installation.objects.filter(
        pk__in=[i.pk for i in installations]))) if installations else []
    if not loaded:
        return {}
    try:
        result, _book = price_installations(installations=loaded, quote_date=quote_date,
                                             end=pricing.renewal_end(window_end))
    except PricingUnavailable:
        return {}  # e.g. no price book in force: the page shows no estimates
    return {section.installation_id: (section.ssc, section.nok)
            for section in result.installations}


def renewal_totals(installations, *, quote_date: date, window_end: date) -> dict:
    """How many of `installations` there are and what renewing them all to the cycle after
    `window_end` comes to (SSC, net NOK), priced on `quote_date`; `ssc` is None when they
    cannot be priced today."""
    loaded = list(with_pricing_data(installations))
    totals = {"count": len(loaded), "ssc": 0, "net": Decimal("0.00")}
    if loaded:
        try:
            result, _book = price_installations(installations=loaded, quote_date=quote_date,
                                                 end=pricing.renewal_end(window_end))
        except PricingUnavailable:
            return {**totals, "ssc": None, "net": None}
        totals.update(ssc=result.ssc, net=result.net)
    return totals


# --- the offer list --------------------------------------------------------------------------


OFFER_ORDERINGS = {
    "number": (F("number").asc(nulls_last=True), "pk"),
    "customer": ("customer__name", "-pk"),
    "gross": (F("gross").asc(nulls_last=True), "-pk"),
    "valid_until": (F("valid_until").asc(nulls_last=True), "-pk"),
    "created": ("created_at", "pk"),
}


def offer_totals(quotes) -> dict:
    """The SSC, net and gross of the issued offers among `quotes` (drafts are priced only when
    looked at: counted, not summed)."""
    return quotes.order_by().aggregate(
        ssc=Sum("total_ssc"), net=Sum("net"), gross=Sum("gross"),
        issued=Count("pk", filter=~Q(state=QuoteState.DRAFT)),
        drafts=Count("pk", filter=Q(state=QuoteState.DRAFT)))


def offers_for(user, *, today: date, **filters):
    """The user's offers for the offer list (the page's, its export's and the API's) as its
    filters ask."""
    quotes = access.quotes_for(user).select_related("customer", "reseller", "customer__reseller")
    return filter_offers(quotes, today=today, **filters)


def filter_offers(quotes, *, today: date, q: str = "", state: str = "", reseller=None,
                  customer=None, expiring_within: int | None = None, sort: str = ""):
    """The user's offers (`quotes`, already scoped) as the list's filters ask: a search, a
    state ("open" for awaiting an answer, "expired", "ready" for drafts ready to issue, or a
    stored state), a reseller (the one an offer was
    issued through, or a draft's customer's), a customer, and offers expiring soon."""
    quotes = quotes.search(q or "")
    if state == "ready":
        quotes = quotes.ready_to_issue()
    elif state == "open":
        quotes = quotes.open(today)
    elif state == DisplayState.EXPIRED:
        quotes = quotes.expired(today)
    elif state:
        quotes = quotes.filter(state=state)
    if reseller:
        quotes = quotes.filter(Q(reseller=reseller)
                               | Q(state=QuoteState.DRAFT, customer__reseller=reseller))
    if customer:
        quotes = quotes.filter(customer_id=customer)
    if expiring_within is not None:
        quotes = quotes.expiring_within(today, expiring_within)
    return quotes.order_by(*sort_ordering(sort or "", OFFER_ORDERINGS, ("-created_at", "-pk")))
