"""Every write of the quotes app: price books now, offers later (DESIGN.md §2.3, §3).

Keyword-only, typed functions named `<entity>_<action>`, each atomic, each raising
`QuoteError` — one domain error type — with a message the user can act on, and changing nothing
when it refuses.
"""

import hashlib
import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from customers import services as customer_services
from customers.access import is_distributor_staff, is_price_admin, reseller_of
from customers.models import (
    AgreementPeriod,
    Customer,
    Installation,
    LicenseHolding,
    LicenseType,
    PeriodSource,
)
from customers.months import first_of_month, is_first_of_month
from quotes import pricing, selectors, signing
from quotes.models import (
    PriceBook,
    PriceBookRate,
    PriceBookState,
    Quote,
    QuoteCharge,
    QuoteCounter,
    QuoteEvent,
    QuoteLine,
    QuoteSection,
    QuoteState,
    RenewalBatch,
    RenewalItem,
)
from quotes.verification import verification_url

logger = logging.getLogger(__name__)


class QuoteError(Exception):
    """A refused write in the quotes app; `message` is for the user, `field` names the form
    field to blame, if one is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _require_price_admin(user: User) -> None:
    if not is_price_admin(user):
        raise QuoteError(_("Only price admins can change price books."))


def _require_draft(book: PriceBook) -> None:
    if book.is_published:
        raise QuoteError(_("A published price book is never changed. Make a new draft from it "
                           "instead."))


# --- price books -----------------------------------------------------------------------------


@transaction.atomic
def price_book_create_draft(*, source: PriceBook, user: User) -> PriceBook:
    """A new draft copied from `source`, effective the day after the latest published book (the
    price admin moves it to the day the new prices apply)."""
    _require_price_admin(user)
    latest = PriceBook.objects.published().order_by("-effective_from").first()
    effective_from = timezone.localdate()
    if latest and effective_from <= latest.effective_from:
        effective_from = latest.effective_from + timedelta(days=1)
    draft = PriceBook(
        name=_("Copy of %(name)s") % {"name": source.name}, state=PriceBookState.DRAFT,
        effective_from=effective_from, nok_per_ssc=source.nok_per_ssc,
        retroactive_factor=source.retroactive_factor, vat_rate=source.vat_rate,
        based_on=source, created_by=user,
    )
    _save_as(draft, user)
    for rate in source.rates.all():
        _save_as(PriceBookRate(book=draft, license_type_id=rate.license_type_id,
                               ssc_per_year=rate.ssc_per_year), user)
    return draft


def _save_as(obj, user: User) -> None:
    """Save and record `user` in the change history (also outside a request, e.g. a command)."""
    obj._history_user = user
    obj.save()


@transaction.atomic
def price_book_update_draft(
    *, book: PriceBook, user: User, name: str, effective_from: date, nok_per_ssc: Decimal,
    retroactive_factor: Decimal, vat_rate: Decimal, rates: dict[int, int | None],
) -> PriceBook:
    """Edit a draft: its figures and one whole-SSC rate per license type (id → rate; None
    removes the rate)."""
    _require_price_admin(user)
    book = PriceBook.objects.select_for_update().get(pk=book.pk)
    _require_draft(book)
    if retroactive_factor < 1:
        raise QuoteError(_("The retroactive factor is at least 1."), field="retroactive_factor")
    book.name, book.effective_from = name, effective_from
    book.nok_per_ssc, book.retroactive_factor, book.vat_rate = (
        nok_per_ssc, retroactive_factor, vat_rate)
    _save_as(book, user)
    existing = {rate.license_type_id: rate for rate in book.rates.all()}
    for type_id, value in rates.items():
        rate = existing.get(type_id)
        if value is None:
            if rate is not None:
                rate._history_user = user
                rate.delete()
        elif rate is None:
            _save_as(PriceBookRate(book=book, license_type_id=type_id, ssc_per_year=value), user)
        elif rate.ssc_per_year != value:
            rate.ssc_per_year = value
            _save_as(rate, user)
    return book


@transaction.atomic
def price_book_publish(*, book: PriceBook, user: User) -> PriceBook:
    """Publish a draft. Every covered license type must have a rate, and the book must take
    effect after the last published one (history is never rewritten)."""
    _require_price_admin(user)
    # One publisher at a time: lock every published book's row as well as this one.
    list(PriceBook.objects.select_for_update().filter(state=PriceBookState.PUBLISHED))
    book = PriceBook.objects.select_for_update().get(pk=book.pk)
    _require_draft(book)
    priced = set(book.rates.values_list("license_type_id", flat=True))
    unpriced = LicenseType.objects.filter(covered=True).exclude(pk__in=priced)
    if unpriced.exists():
        raise QuoteError(_("Every license type covered by the SSA needs a rate before the book "
                           "is published. Missing: %(types)s.") % {
            "types": ", ".join(t.name for t in unpriced)})
    latest = PriceBook.objects.published().order_by("-effective_from").first()
    if latest and book.effective_from <= latest.effective_from:
        raise QuoteError(_("The book must take effect after %(date)s, when the last published "
                           "book (%(name)s) took effect.") % {
            "date": f"{latest.effective_from:%d.%m.%Y}", "name": latest.name},
            field="effective_from")
    book.state = PriceBookState.PUBLISHED
    book.published_at = timezone.now()
    book.published_by = user
    _save_as(book, user)
    return book


@transaction.atomic
def price_book_delete_draft(*, book: PriceBook, user: User) -> None:
    _require_price_admin(user)
    _require_draft(book)
    book.delete()


# --- offers ----------------------------------------------------------------------------------


def _event(quote: Quote, kind: str, user: User | None, note: str = "") -> None:
    QuoteEvent.objects.create(quote=quote, at=timezone.now(), by=user, kind=kind, note=note)


def _locked(quote: Quote) -> Quote:
    """The offer's row, locked for this transaction: two people acting on one offer at once
    are served one after the other, and the second sees what the first did."""
    return Quote.objects.select_for_update().get(pk=quote.pk)


def _require_editable_draft(quote: Quote) -> None:
    if not quote.is_draft:
        raise QuoteError(_("Offer %(number)s is issued and can no longer be changed. Make a "
                           "revision instead.") % {"number": quote.number})


def _check_inputs(customer: Customer, installations: list[Installation],
                  end: date | None) -> None:
    if not installations:
        raise QuoteError(_("Choose at least one installation."), field="installations")
    if any(installation.customer_id != customer.pk for installation in installations):
        raise QuoteError(_("An offer covers installations of one customer only."),
                         field="installations")
    if end is not None and not is_first_of_month(end):
        raise QuoteError(_("The agreement ends on the first of a month."), field="end")


@transaction.atomic
def quote_create(
    *, customer: Customer, installations: list[Installation], user: User,
    end: date | None = None, language: str | None = None,
) -> Quote:
    """A draft: only the inputs; it is priced whenever it is looked at."""
    _check_inputs(customer, installations, end)
    quote = Quote.objects.create(customer=customer, end_override=end,
                                 language=language or customer.language, created_by=user)
    quote.installations.set(installations)
    _event(quote, QuoteEvent.Kind.CREATED, user)
    return quote


@transaction.atomic
def quote_update_draft(
    *, quote: Quote, user: User, installations: list[Installation], end: date | None,
    language: str,
) -> Quote:
    quote = _locked(quote)
    _require_editable_draft(quote)
    _check_inputs(quote.customer, installations, end)
    quote.end_override, quote.language = end, language
    quote.save(update_fields=["end_override", "language"])
    quote.installations.set(installations)
    _event(quote, QuoteEvent.Kind.UPDATED, user)
    return quote


@transaction.atomic
def quote_mark_ready(*, quote: Quote, user: User, ready: bool = True) -> Quote:
    """A reseller cannot issue (the distributor signs); it marks a draft ready, and staff see
    it in their queue."""
    quote = _locked(quote)
    _require_editable_draft(quote)
    if quote.ready_to_issue != ready:
        quote.ready_to_issue = ready
        quote.save(update_fields=["ready_to_issue"])
        _event(quote, QuoteEvent.Kind.READY if ready else QuoteEvent.Kind.NOT_READY, user)
    return quote


@transaction.atomic
def quote_delete_draft(*, quote: Quote, user: User) -> None:
    quote = _locked(quote)
    _require_editable_draft(quote)
    quote.delete()


def _next_number(year: int) -> int:
    """The next number of `year`, from its counter row locked until this transaction ends."""
    QuoteCounter.objects.get_or_create(year=year)
    counter = QuoteCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _revision_number(predecessor: Quote) -> tuple[int, int, int]:
    """A revision keeps its predecessor's year and number with the chain's next revision."""
    siblings = Quote.objects.filter(number_year=predecessor.number_year,
                                    number_sequence=predecessor.number_sequence)
    last = siblings.aggregate(last=Max("revision"))["last"] or 1
    return predecessor.number_year, predecessor.number_sequence, last + 1


def _address(customer: Customer) -> str:
    return "\n".join(customer.address_lines)


@transaction.atomic
def quote_issue(*, quote: Quote, user: User, today: date | None = None,
                prepare_pdf: bool = True) -> Quote:
    """Staff issue an offer: re-price on the issue date, number it, copy every input and
    figure onto it. One short transaction; nothing on the offer changes afterwards but its
    state. The signed PDF is prepared once the transaction commits (`prepare_pdf=False` leaves
    it to the background task, e.g. when many threads issue at once: WeasyPrint is not
    thread-safe)."""
    if not is_distributor_staff(user):
        raise QuoteError(_("Only the distributor's staff issue offers; mark the draft ready to "
                           "issue and they will see it."))
    try:
        # The key first: a missing or unreadable key refuses before anything is numbered.
        signing.load_signer()
    except signing.SigningUnavailable as error:
        raise QuoteError(error.message) from error
    today = today or timezone.localdate()
    quote = _locked(quote)
    _require_editable_draft(quote)
    predecessor = quote.revision_of
    if predecessor is not None:
        predecessor = _locked(predecessor)
        if predecessor.state == QuoteState.ACCEPTED:
            raise QuoteError(_("%(number)s, which this draft revises, has been accepted "
                               "meanwhile.") % {"number": predecessor.number})
    try:
        result, book = selectors.price_quote(quote=quote, quote_date=today)
    except selectors.PricingUnavailable as error:
        raise QuoteError(error.message) from error
    if not result.has_lines:
        raise QuoteError(_("Nothing is due before %(date)s, so there is nothing to offer.") % {
            "date": f"{result.earliest_end or result.start:%d.%m.%Y}"})

    if predecessor is not None:
        year, sequence, revision = _revision_number(predecessor)
    else:
        year, sequence, revision = today.year, _next_number(today.year), 1
    customer = quote.customer
    validity = today + timedelta(days=settings.SSA_QUOTE_VALIDITY_DAYS)
    quote.number = Quote.format_number(year, sequence, revision)
    quote.number_year, quote.number_sequence, quote.revision = year, sequence, revision
    quote.state = QuoteState.ISSUED
    quote.ready_to_issue = False
    quote.issued_at, quote.issued_by, quote.issue_date = timezone.now(), user, today
    quote.valid_until = min(validity, result.earliest_end - timedelta(days=1))
    quote.reseller, quote.reseller_name = customer.reseller, customer.reseller.name
    quote.customer_name, quote.customer_org_number = customer.name, customer.org_number
    quote.customer_address, quote.customer_contact = _address(customer), customer.contact_name
    quote.customer_email = customer.email
    quote.price_book, quote.price_book_name = book, book.name
    quote.nok_per_ssc, quote.retroactive_factor = book.nok_per_ssc, book.retroactive_factor
    quote.vat_rate, quote.start = book.vat_rate, result.start
    quote.total_ssc, quote.net, quote.vat, quote.gross = (
        result.ssc, result.net, result.vat, result.gross)
    quote.later_ssc, quote.later_nok = result.later_ssc, result.later_nok
    quote.verification_token = secrets.token_urlsafe(24)  # 192 bits, for the QR link
    quote.save()
    _snapshot_sections(quote, result)
    _event(quote, QuoteEvent.Kind.ISSUED, user, quote.number)
    if predecessor is not None and predecessor.state == QuoteState.ISSUED:
        predecessor.state = QuoteState.SUPERSEDED
        predecessor.save(update_fields=["state"])
        _event(predecessor, QuoteEvent.Kind.SUPERSEDED, user, quote.number)
    quote_id = quote.pk
    if prepare_pdf:
        transaction.on_commit(lambda: prepare_pdf_after_commit(quote_id), robust=True)
    else:
        transaction.on_commit(lambda: _enqueue_pdf(quote_id))
    return quote


def _enqueue_pdf(quote_id: int) -> None:
    from quotes.tasks import prepare_offer_pdf

    prepare_offer_pdf.enqueue(quote_id)


def _snapshot_sections(quote: Quote, result: pricing.PricingResult) -> None:
    installations = {i.pk: i for i in quote.installations.all()}
    for position, section in enumerate(result.installations):
        installation = installations[section.installation_id]
        stored = QuoteSection.objects.create(
            quote=quote, installation=installation, position=position, name=section.name,
            deployment=installation.deployment, hardware_model=installation.hardware_model,
            firmware_version=installation.firmware_version, paid_until=section.paid_until,
            start=section.start, end=section.end, applicable=section.applicable,
            not_applicable_reason=section.not_applicable_reason or "",
            warnings=list(section.warnings),
            excluded=[{"license_code": e.license_code, "license_name": e.license_name,
                       "quantity": e.quantity, "reason": e.reason} for e in section.excluded],
            ssc=section.ssc, nok=section.nok,
        )
        QuoteLine.objects.bulk_create(
            QuoteLine(quote=quote, section=stored, position=index,
                      license_code=line.license_code, license_name=line.license_name,
                      kind=line.kind, start=line.start, end=line.end, months=line.months,
                      quantity=line.quantity, ssc_per_year=line.ssc_per_year,
                      factor=line.factor, ssc=line.ssc, nok=line.nok)
            for index, line in enumerate(section.lines)
        )
        ended_on = dict(installation.holdings.values_list("pk", "ended_on"))
        QuoteCharge.objects.bulk_create(
            QuoteCharge(quote=quote, section=stored, holding_id=charge.holding_id,
                        license_code=charge.license_code, quantity=charge.quantity,
                        ended_on=ended_on.get(charge.holding_id), due=charge.due)
            for charge in section.charges
        )


@transaction.atomic
def quote_revise(*, quote: Quote, user: User) -> Quote:
    """A new draft with the inputs of an issued offer; issued, it takes the same base number
    with the next revision and supersedes its predecessor."""
    quote = _locked(quote)
    if quote.state not in (QuoteState.ISSUED, QuoteState.DECLINED):
        raise QuoteError(_("Only an issued or declined offer can be revised."))
    draft = Quote.objects.create(customer=quote.customer, end_override=quote.end_override,
                                 language=quote.language, created_by=user, revision_of=quote)
    draft.installations.set(quote.installations.all())
    _event(draft, QuoteEvent.Kind.CREATED, user, _("revision of %(number)s") % {
        "number": quote.number})
    _event(quote, QuoteEvent.Kind.REVISED, user)
    return draft


CHANGED_SINCE_ISSUE = _lazy("The installation changed since this offer was issued — revise it.")


@transaction.atomic
def quote_accept(*, quote: Quote, user: User, accepted_by_name: str,
                 today: date | None = None) -> Quote:
    """Record the customer's yes and create the agreement periods the offer paid for: per
    installation one period [d, E) for each distinct due(h) = d of its charged holdings."""
    today = today or timezone.localdate()
    accepted_by_name = accepted_by_name.strip()
    if not accepted_by_name:
        raise QuoteError(_("Enter the name of the person who accepted."),
                         field="accepted_by_name")
    quote = _locked(quote)
    _require_open(quote, today)
    sections = list(quote.sections.filter(applicable=True).order_by("installation_id"))
    # Lock the installations (in one order, so two acceptances cannot deadlock) before
    # comparing: no other acceptance can pay these holdings between the check and the write.
    list(Installation.objects.select_for_update().filter(
        pk__in=[s.installation_id for s in sections]).order_by("pk"))
    charges = list(quote.charges.select_related("holding"))
    _check_unchanged(charges)
    for section in sections:
        by_due: dict[date, list[int]] = {}
        for charge in charges:
            if charge.section_id == section.pk:
                by_due.setdefault(charge.due, []).append(charge.holding_id)
        for due, holding_ids in sorted(by_due.items()):
            try:
                period = customer_services.period_create(
                    installation=section.installation, start=due, end=section.end,
                    holdings=LicenseHolding.objects.filter(pk__in=holding_ids), user=user,
                    source=PeriodSource.QUOTE, note=quote.number)
            except ValidationError as error:
                raise QuoteError(str(CHANGED_SINCE_ISSUE)) from error
            quote.periods.add(period)
    quote.state = QuoteState.ACCEPTED
    quote.answered_at, quote.answered_by = timezone.now(), user
    quote.accepted_by_name = accepted_by_name
    quote.save(update_fields=["state", "answered_at", "answered_by", "accepted_by_name"])
    _event(quote, QuoteEvent.Kind.ACCEPTED, user, accepted_by_name)
    return quote


def _require_open(quote: Quote, today: date) -> None:
    if quote.state == QuoteState.DRAFT:
        raise QuoteError(_("A draft cannot be answered; it must be issued first."))
    if quote.state == QuoteState.ACCEPTED:
        raise QuoteError(_("%(number)s has already been accepted.") % {"number": quote.number})
    if quote.state == QuoteState.DECLINED:
        raise QuoteError(_("%(number)s was declined.") % {"number": quote.number})
    if quote.state == QuoteState.SUPERSEDED:
        raise QuoteError(_("%(number)s has been superseded by a revision; answer that one "
                           "instead.") % {"number": quote.number})
    if quote.is_expired(today):
        raise QuoteError(_("%(number)s expired on %(date)s; revise it for a new offer.") % {
            "number": quote.number, "date": f"{quote.valid_until:%d.%m.%Y}"})


def _check_unchanged(charges: list[QuoteCharge]) -> None:
    """Every charged holding still exists with the quantity, end and due(h) of the issue."""
    holding_ids = [c.holding_id for c in charges]
    periods = AgreementPeriod.objects.filter(holdings__in=holding_ids).prefetch_related(
        "holdings").distinct()
    latest_end: dict[int, date] = {}
    for period in periods:
        for holding in period.holdings.all():
            if holding.pk in latest_end:
                latest_end[holding.pk] = max(latest_end[holding.pk], period.end)
            else:
                latest_end[holding.pk] = period.end
    for charge in charges:
        holding = charge.holding
        due_now = latest_end.get(holding.pk, first_of_month(holding.activated_on))
        if (holding.quantity, holding.ended_on, due_now) != (charge.quantity, charge.ended_on,
                                                             charge.due):
            raise QuoteError(str(CHANGED_SINCE_ISSUE))


@transaction.atomic
def quote_decline(*, quote: Quote, user: User, reason: str = "",
                  today: date | None = None) -> Quote:
    today = today or timezone.localdate()
    quote = _locked(quote)
    _require_open(quote, today)
    quote.state = QuoteState.DECLINED
    quote.answered_at, quote.answered_by = timezone.now(), user
    quote.decline_reason = reason.strip()[:500]
    quote.save(update_fields=["state", "answered_at", "answered_by", "decline_reason"])
    _event(quote, QuoteEvent.Kind.DECLINED, user, quote.decline_reason)
    return quote


@transaction.atomic
def quote_undo_acceptance(*, quote: Quote, user: User, reason: str = "") -> Quote:
    """Staff undo a mistaken acceptance: its periods go, unless a later acceptance builds on
    them. The offer is issued again (and expired, if its validity has passed)."""
    if not is_distributor_staff(user):
        raise QuoteError(_("Only the distributor's staff can undo an acceptance."))
    quote = _locked(quote)
    if quote.state != QuoteState.ACCEPTED:
        raise QuoteError(_("Only an accepted offer's acceptance can be undone."))
    periods = list(quote.periods.prefetch_related("holdings"))
    for period in periods:
        later = AgreementPeriod.objects.filter(
            installation_id=period.installation_id, start__gte=period.end,
            holdings__in=period.holdings.all()).exclude(pk=period.pk).first()
        if later is not None:
            raise QuoteError(_("A later agreement period (%(period)s) builds on this acceptance; "
                               "undo that one first.") % {"period": later})
    quote.periods.clear()
    for period in periods:
        period.delete()
    customer_services.installations_refresh_paid_until(
        Installation.objects.filter(pk__in={period.installation_id for period in periods}))
    quote.state = QuoteState.ISSUED
    quote.answered_at = quote.answered_by = None
    quote.accepted_by_name = ""
    quote.save(update_fields=["state", "answered_at", "answered_by", "accepted_by_name"])
    _event(quote, QuoteEvent.Kind.ACCEPTANCE_UNDONE, user, reason.strip()[:500])
    return quote


# --- the signed PDF --------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfOutcome:
    quote: Quote
    failed: bool
    attempts: int


def quote_prepare_pdf(*, quote_id: int) -> PdfOutcome:
    """Render, sign and store an issued offer's PDF with its SHA-256 — once. Runs outside the
    numbering transaction (slow work never holds the number lock). A signature is made once:
    when a hash is stored, nothing is rendered or signed again, so every download returns the
    same bytes and the customer's copy keeps verifying."""
    from quotes.pdf import render_quote_pdf

    quote = Quote.objects.get(pk=quote_id)
    if quote.is_draft or quote.pdf_sha256:
        return PdfOutcome(quote, failed=False, attempts=quote.pdf_attempts)
    try:
        signed = signing.sign_pdf(render_quote_pdf(quote))
    except Exception as error:  # noqa: BLE001 - recorded on the offer and retried in the background
        logger.exception("Rendering or signing %s failed", quote.number)
        with transaction.atomic():
            quote = _locked(quote)
            quote.pdf_attempts += 1
            quote.pdf_error = f"{type(error).__name__}: {error}"[:2000]
            quote.save(update_fields=["pdf_attempts", "pdf_error"])
        return PdfOutcome(quote, failed=True, attempts=quote.pdf_attempts)
    digest = hashlib.sha256(signed).hexdigest()
    with transaction.atomic():
        quote = _locked(quote)
        if quote.pdf_sha256:  # another worker stored its copy first; keep that one
            return PdfOutcome(quote, failed=False, attempts=quote.pdf_attempts)
        name = default_storage.save(f"offers/{quote.number_year}/{quote.number}.pdf",
                                    ContentFile(signed))
        quote.pdf.name = name
        quote.pdf_sha256 = digest
        quote.pdf_attempts += 1
        quote.pdf_error = ""
        quote.save(update_fields=["pdf", "pdf_sha256", "pdf_attempts", "pdf_error"])
    return PdfOutcome(quote, failed=False, attempts=quote.pdf_attempts)


def prepare_pdf_after_commit(quote_id: int) -> None:
    """Called once the issuing transaction has committed: try at once, and leave failures to
    the background task's retries. The offer is issued whatever happens here, so nothing may
    escape into the response: even when the database itself is gone (then no retry can be
    queued either, and `manage.py prepare_missing_pdfs` picks the offer up later)."""
    from quotes.tasks import schedule_pdf_retry

    try:
        outcome = quote_prepare_pdf(quote_id=quote_id)
        if outcome.failed:
            schedule_pdf_retry(quote_id, attempts=outcome.attempts)
    except Exception:  # noqa: BLE001 - logged; the sweeper retries offers still without a PDF
        logger.exception("Preparing the PDF of offer %s after issuing failed", quote_id)


def quote_prepare_missing_pdfs(*, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Queue the PDF of every issued offer that has none, issued more than `older_than` ago and
    not already waiting for a retry (e.g. the database went away while it was being stored)."""
    from quotes.tasks import prepare_offer_pdf

    cutoff = timezone.now() - older_than
    missing = list(Quote.objects.issued().filter(pdf_sha256="", issued_at__lt=cutoff,
                                                 pdf_attempts=0).values_list("pk", flat=True))
    for quote_id in missing:
        prepare_offer_pdf.enqueue(quote_id)
    return missing


def quote_pdf_bytes(*, quote: Quote) -> bytes:
    """The stored signed PDF, checked against its hash. A missing or altered file is an
    operator error (QuoteError); it is never papered over by signing again."""
    if not quote.pdf_sha256:
        raise QuoteError(_("The signed PDF is being prepared; try again in a minute."))
    try:
        with default_storage.open(quote.pdf.name, "rb") as stored:
            data = stored.read()
    except OSError:
        logger.error("Signed PDF of %s is missing from storage: %s", quote.number, quote.pdf.name)
        raise QuoteError(_("The signed PDF of %(number)s is missing from storage. This is an "
                           "operator error: restore the file from backup (it cannot be signed "
                           "again).") % {"number": quote.number}) from None
    if hashlib.sha256(data).hexdigest() != quote.pdf_sha256:
        logger.error("Signed PDF of %s does not match its stored hash", quote.number)
        raise QuoteError(_("The stored PDF of %(number)s does not match its recorded hash. "
                           "This is an operator error: restore the file from backup.") % {
            "number": quote.number})
    return data


# --- e-mail ----------------------------------------------------------------------------------


def quote_send_email(*, quote: Quote, user: User, to: list[str], cc: list[str],
                     message: str) -> Quote:
    """Send the signed offer to the customer (the reseller copied) in the offer's language, and
    record the sending on the timeline. A failure says so and changes nothing."""
    if quote.is_draft:
        raise QuoteError(_("A draft is not sent; issue it first."))
    if not to:
        raise QuoteError(_("Give at least one recipient."), field="to")
    pdf = quote_pdf_bytes(quote=quote)
    with translation.override(quote.language):
        subject = _("Offer %(number)s: SSA upgrade agreement") % {"number": quote.number}
        body = render_to_string("quotes/email/offer.txt", {
            "quote": quote, "message": message.strip(), "sender": user,
            "distributor": settings.SSA_DISTRIBUTOR_NAME,
            "verification_url": verification_url(quote),
        })
    email = EmailMessage(subject=subject, body=body, to=to, cc=cc,
                         reply_to=[user.email] if user.email else None)
    email.attach(f"{quote.number}.pdf", pdf, "application/pdf")
    try:
        email.send(fail_silently=False)
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("Sending %s failed: %s", quote.number, error)
        raise QuoteError(_("The e-mail could not be sent (%(error)s). Nothing was recorded; "
                           "try again.") % {"error": error}) from error
    recipients = ", ".join([*to, *cc])
    _event(quote, QuoteEvent.Kind.EMAILED, user, recipients[:500])
    return quote


# --- renewal campaigns -----------------------------------------------------------------------


@dataclass(frozen=True)
class BatchCreated:
    batch: RenewalBatch
    added: int
    already_in_a_batch: int


@transaction.atomic
def renewal_batch_create(*, user: User, installations: list[Installation],
                         window_end: date) -> BatchCreated:
    """A batch renewing `installations` for the window ending `window_end`: staff issue offers,
    a reseller makes drafts marked ready to issue. Installations already renewed for this window
    (by any batch) are left out, so a batch run twice creates nothing new. The work runs as one
    background task per installation once this transaction commits."""
    staff = is_distributor_staff(user)
    own = reseller_of(user)
    if not staff and own is None:
        raise QuoteError(_("Your user belongs to no reseller; ask the distributor."))
    if not installations:
        raise QuoteError(_("Choose at least one installation."))
    if not staff and any(i.customer.reseller_id != own.pk for i in installations):
        raise QuoteError(_("A reseller renews only its own customers' installations."))
    batch = RenewalBatch.objects.create(
        window_end=window_end, created_by=user, reseller=None if staff else own,
        mode=RenewalBatch.Mode.ISSUE if staff else RenewalBatch.Mode.DRAFT)
    taken = set(RenewalItem.objects.filter(
        window_end=window_end, installation__in=installations).values_list(
        "installation_id", flat=True))
    fresh = [i for i in installations if i.pk not in taken]
    RenewalItem.objects.bulk_create(
        [RenewalItem(batch=batch, installation=i, window_end=window_end) for i in fresh],
        ignore_conflicts=True)  # a concurrent batch may have taken one meanwhile
    item_ids = list(batch.items.values_list("pk", flat=True))
    transaction.on_commit(lambda: _enqueue_renewals(item_ids))
    return BatchCreated(batch, added=len(item_ids),
                        already_in_a_batch=len(installations) - len(item_ids))


def _enqueue_renewals(item_ids: list[int]) -> None:
    from quotes.tasks import renew_installation

    for item_id in item_ids:
        renew_installation.enqueue(item_id)


def renewal_item_run(*, item_id: int, today: date | None = None) -> RenewalItem:
    """Renew one installation of a batch: idempotent, so a retried or repeated task never makes
    a second offer. Refusals (nothing due, no price book, …) are recorded on the item."""
    today = today or timezone.localdate()
    with transaction.atomic():
        item = RenewalItem.objects.select_for_update(of=("self",)).select_related(
            "batch", "batch__created_by", "installation__customer").get(pk=item_id)
        if item.status != RenewalItem.Status.PENDING:
            return item
        batch, installation = item.batch, item.installation
        try:
            with transaction.atomic():
                quote = quote_create(customer=installation.customer,
                                     installations=[installation], user=batch.created_by)
                if batch.mode == RenewalBatch.Mode.ISSUE:
                    quote = quote_issue(quote=quote, user=batch.created_by, today=today)
                else:
                    quote = quote_mark_ready(quote=quote, user=batch.created_by)
        except QuoteError as error:
            item.status, item.error = RenewalItem.Status.FAILED, error.message[:500]
        else:
            item.status, item.quote = RenewalItem.Status.DONE, quote
        item.finished_at = timezone.now()
        item.save(update_fields=["status", "quote", "error", "finished_at"])
    return item


@transaction.atomic
def renewal_batch_retry_failed(*, batch: RenewalBatch, user: User) -> int:
    """Put the failed installations of a batch back in the queue (after the cause is fixed)."""
    failed = list(batch.items.filter(status=RenewalItem.Status.FAILED).values_list("pk",
                                                                                   flat=True))
    batch.items.filter(pk__in=failed).update(status=RenewalItem.Status.PENDING, error="",
                                             finished_at=None)
    transaction.on_commit(lambda: _enqueue_renewals(failed))
    return len(failed)
