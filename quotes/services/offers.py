"""Every write of an offer's life (docs/DOMAIN.md#offers): create and edit a draft, mark it
ready, issue, revise, accept, decline, undo an acceptance.

Keyword-only, typed functions named `<entity>_<action>`, each atomic, each raising
`common.errors.DomainError` with a message the user can act on and changing nothing when it
refuses. Whether an action is allowed at all is `quotes.actions`; what it costs is the pricing
engine's (`quotes.pricing`, through `quotes.selectors`).
"""

import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import DomainError
from common.months import is_first_of_month
from customers import services as customer_services
from customers.models import Customer, Installation, LicenseHolding, PeriodSource
from quotes import pricing, selectors, signing, snapshot
from quotes.actions import CUSTOMER, Action, require
from quotes.models import (
    Acceptance,
    AcceptanceLink,
    Quote,
    QuoteCharge,
    QuoteCounter,
    QuoteEvent,
    QuoteLine,
    QuoteSection,
    QuoteState,
)
from quotes.services.common import locked, record_event
from quotes.services.documents import prepare_pdf_after_commit


def _check_inputs(customer: Customer, installations: list[Installation],
                  end: date | None, today: date) -> None:
    if not installations:
        raise DomainError(_("Choose at least one installation."), field="installations")
    if len(installations) > settings.SSA_MAX_INSTALLATIONS_PER_OFFER:
        raise DomainError(too_many_installations(), field="installations")
    if any(installation.customer_id != customer.pk for installation in installations):
        raise DomainError(_("An offer covers installations of one customer only."),
                          field="installations")
    if end is not None and not is_first_of_month(end):
        raise DomainError(_("The agreement ends on the first of a month."), field="end")
    refused = end_refusal(end, today)
    if refused:
        raise DomainError(refused, field="end")


def end_refusal(end: date | None, today: date) -> str:
    """Why the pricing engine would refuse `end` for an offer priced on `today` (empty when it
    would not): the form says so next to the field, and no draft is stored with such an end."""
    if end is None:
        return ""
    try:
        pricing.check_end(end, today)
    except pricing.PricingError as error:
        return selectors.engine_error_message(error)
    return ""


def too_many_installations() -> str:
    return _("An offer covers at most %(max)d installations; make several offers.") % {
        "max": settings.SSA_MAX_INSTALLATIONS_PER_OFFER}


@transaction.atomic
def quote_create(
    *, customer: Customer, installations: list[Installation], user: User,
    end: date | None = None, language: str | None = None, today: date | None = None,
) -> Quote:
    """A draft: only the inputs; it is priced whenever it is looked at."""
    _check_inputs(customer, installations, end, today or timezone.localdate())
    quote = Quote.objects.create(customer=customer, end_override=end,
                                 language=language or customer.language, created_by=user)
    quote.installations.set(installations)
    record_event(quote, QuoteEvent.Kind.CREATED, user)
    return quote


@transaction.atomic
def quote_update_draft(
    *, quote: Quote, user: User, installations: list[Installation], end: date | None,
    language: str,
) -> Quote:
    quote = locked(quote)
    today = timezone.localdate()
    require(Action.EDIT, quote, user, today)
    _check_inputs(quote.customer, installations, end, today)
    quote.end_override, quote.language = end, language
    quote.save(update_fields=["end_override", "language"])
    quote.installations.set(installations)
    record_event(quote, QuoteEvent.Kind.UPDATED, user)
    return quote


@transaction.atomic
def quote_mark_ready(*, quote: Quote, user: User, ready: bool = True) -> Quote:
    """A reseller cannot issue (the distributor signs); it marks a draft ready, and staff see
    it in their queue. Marking it as it already is changes nothing."""
    quote = locked(quote)
    if quote.is_draft and quote.ready_to_issue == ready:
        return quote
    require(Action.MARK_READY if ready else Action.UNMARK_READY, quote, user,
            timezone.localdate())
    quote.ready_to_issue = ready
    quote.save(update_fields=["ready_to_issue"])
    record_event(quote, QuoteEvent.Kind.READY if ready else QuoteEvent.Kind.NOT_READY, user)
    return quote


@transaction.atomic
def quote_delete_draft(*, quote: Quote, user: User) -> None:
    quote = locked(quote)
    require(Action.DELETE, quote, user, timezone.localdate())
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


@transaction.atomic
def quote_issue(*, quote: Quote, user: User, today: date | None = None,
                prepare_pdf: bool = True) -> Quote:
    """Staff issue an offer: re-price on the issue date, number it, copy every input and
    figure onto it. One short transaction; nothing on the offer changes afterwards but its
    state. The signed PDF is prepared once the transaction commits (`prepare_pdf=False` leaves
    it to the background task, e.g. when many threads issue at once: WeasyPrint is not
    thread-safe)."""
    today = today or timezone.localdate()
    require(Action.ISSUE, quote, user, today)
    try:
        # The key first: a missing or unreadable key refuses before anything is numbered.
        signing.load_signer()
    except signing.SigningUnavailable as error:
        raise DomainError(error.message, code="signing_unavailable") from error
    quote = locked(quote)
    require(Action.ISSUE, quote, user, today)
    predecessor = quote.revision_of
    chain = []
    if predecessor is not None:
        # Every issued offer of the same base number, locked in one order: a revision
        # supersedes them all, and none of them may have been accepted meanwhile.
        chain = list(Quote.objects.select_for_update().filter(
            number_year=predecessor.number_year, number_sequence=predecessor.number_sequence,
        ).exclude(state=QuoteState.DRAFT).order_by("pk"))
        accepted = next((q for q in chain if q.state == QuoteState.ACCEPTED), None)
        if accepted is not None:
            raise DomainError(_("%(number)s, of the offer this draft revises, has been accepted "
                                "meanwhile.") % {"number": accepted.number})
    # Its license types named in the offer's language, as it freezes them.
    result, book = selectors.price_quote(quote=quote, quote_date=today, language=quote.language)
    if not result.has_lines:
        day = f"{result.earliest_end or result.start:%d.%m.%Y}"
        raise DomainError(_("Nothing is due before %(date)s, so there is nothing to offer.") % {
            "date": day}, code="nothing_due", params={"date": day})

    if predecessor is not None:
        year, sequence, revision = _revision_number(predecessor)
    else:
        year, sequence, revision = today.year, _next_number(today.year), 1
    quote.number = Quote.format_number(year, sequence, revision)
    quote.number_year, quote.number_sequence, quote.revision = year, sequence, revision
    quote.state = QuoteState.ISSUED
    quote.ready_to_issue = False
    quote.issued_at, quote.issued_by, quote.issue_date = timezone.now(), user, today
    quote.valid_until = snapshot.valid_until(today, result, settings.SSA_QUOTE_VALIDITY_DAYS)
    for name, value in snapshot.offer_fields(customer=quote.customer, book=book,
                                             result=result).items():
        setattr(quote, name, value)
    quote.verification_token = secrets.token_urlsafe(24)  # 192 bits, for the QR link
    quote.save()
    _store_sections(quote, result)
    record_event(quote, QuoteEvent.Kind.ISSUED, user, quote.number)
    for earlier in chain:
        if earlier.state == QuoteState.ISSUED:
            earlier.state = QuoteState.SUPERSEDED
            earlier.save(update_fields=["state"])
            record_event(earlier, QuoteEvent.Kind.SUPERSEDED, user, quote.number)
    quote_id = quote.pk
    transaction.on_commit(lambda: prepare_pdf_after_commit(quote_id, render_now=prepare_pdf),
                          robust=True)
    return quote


def _store_sections(quote: Quote, result: pricing.PricingResult) -> None:
    installations = {i.pk: i for i in quote.installations.all()}
    ended_on = dict(LicenseHolding.objects.filter(installation__in=installations).values_list(
        "pk", "ended_on"))
    for section in snapshot.section_snapshots(result, installations, ended_on):
        stored = QuoteSection.objects.create(quote=quote, **section.fields)
        QuoteLine.objects.bulk_create(QuoteLine(quote=quote, section=stored, **line)
                                      for line in section.lines)
        QuoteCharge.objects.bulk_create(QuoteCharge(quote=quote, section=stored, **charge)
                                        for charge in section.charges)


@transaction.atomic
def quote_revise(*, quote: Quote, user: User) -> Quote:
    """A new draft with the inputs of an issued offer; issued, it takes the same base number
    with the next revision and supersedes its predecessor."""
    quote = locked(quote)
    require(Action.REVISE, quote, user, timezone.localdate())
    draft = Quote.objects.create(customer=quote.customer, end_override=quote.end_override,
                                 language=quote.language, created_by=user, revision_of=quote)
    draft.installations.set(quote.installations.all())
    record_event(draft, QuoteEvent.Kind.CREATED, user, _("revision of %(number)s") % {
        "number": quote.number})
    record_event(quote, QuoteEvent.Kind.REVISED, user)
    return draft


CHANGED_SINCE_ISSUE = gettext_lazy(
    "The installation changed since this offer was issued — revise it.")


@dataclass(frozen=True)
class Evidence:
    """What is recorded with an acceptance besides the accepting person's name: given online
    through the customer's link, with where it came from; or recorded in the portal."""

    channel: str = Acceptance.Channel.PORTAL
    role: str = ""
    email: str = ""
    purchase_order: str = ""
    client_ip: str | None = None
    user_agent: str = ""
    link: AcceptanceLink | None = None


def _actor(user) -> User | None:
    """The portal user acting, None for the customer answering through a link."""
    return None if user is CUSTOMER else user


@transaction.atomic
def quote_accept(*, quote: Quote, user, accepted_by_name: str, today: date | None = None,
                 evidence: Evidence | None = None) -> Quote:
    """Record the customer's yes and create the agreement periods the offer paid for — the
    pricing engine's `acceptance_periods` of the charges frozen at issue, per installation.
    `user` is a portal user recording the answer, or CUSTOMER (with `evidence` from the link)."""
    today = today or timezone.localdate()
    evidence = evidence or Evidence()
    accepted_by_name = accepted_by_name.strip()
    if not accepted_by_name:
        raise DomainError(_("Enter the name of the person who accepted."),
                          field="accepted_by_name")
    quote = locked(quote)
    require(Action.ACCEPT, quote, user, today)
    sections = list(quote.sections.filter(applicable=True).select_related("installation")
                    .order_by("installation_id"))
    # Lock the installations (in one order, so two acceptances cannot deadlock) before
    # comparing: no other acceptance can pay these holdings between the check and the write.
    list(Installation.objects.select_for_update().filter(
        pk__in=[s.installation_id for s in sections]).order_by("pk"))
    charges = list(quote.charges.all())
    _check_unchanged(charges)
    for section in sections:
        frozen = [pricing.HoldingCharge(section.installation_id, c.holding_id, c.license_code,
                                        c.quantity, c.due)
                  for c in charges if c.section_id == section.pk]
        for paid in pricing.acceptance_periods(frozen, end=section.end):
            try:
                period = customer_services.period_create(
                    installation=section.installation, start=paid.start, end=paid.end,
                    holdings=LicenseHolding.objects.filter(pk__in=paid.holding_ids),
                    user=_actor(user), source=PeriodSource.QUOTE, note=quote.number)
            except DomainError as error:
                raise DomainError(str(CHANGED_SINCE_ISSUE)) from error
            quote.periods.add(period)
    now = timezone.now()
    quote.state = QuoteState.ACCEPTED
    quote.answered_at, quote.answered_by = now, _actor(user)
    quote.accepted_by_name = accepted_by_name
    quote.save(update_fields=["state", "answered_at", "answered_by", "accepted_by_name"])
    Acceptance.objects.create(
        quote=quote, channel=evidence.channel, name=accepted_by_name, role=evidence.role[:200],
        email=evidence.email, purchase_order=evidence.purchase_order[:100], accepted_at=now,
        by=_actor(user), link=evidence.link, client_ip=evidence.client_ip,
        user_agent=evidence.user_agent[:500], pdf_sha256=quote.pdf_sha256)
    # Who accepted; that it was the customer online shows as the event's missing user.
    record_event(quote, QuoteEvent.Kind.ACCEPTED, _actor(user), accepted_by_name)
    return quote


def _check_unchanged(charges: list[QuoteCharge]) -> None:
    """Every charged holding still exists with the quantity, end and `due(h)` (the engine's
    `due_date`, from the periods as they are now) that the offer was priced from."""
    installations = selectors.with_pricing_data(Installation.objects.filter(
        holdings__in=[c.holding_id for c in charges]).distinct())
    now = {holding.id: (holding, inputs.periods)
           for inputs in selectors.installation_inputs(installations, releases={})
           for holding in inputs.holdings}
    for charge in charges:
        holding, periods = now[charge.holding_id]
        if (holding.quantity, holding.ended_on, pricing.due_date(holding, periods)) != (
                charge.quantity, charge.ended_on, charge.due):
            raise DomainError(str(CHANGED_SINCE_ISSUE))


@transaction.atomic
def quote_decline(*, quote: Quote, user, reason: str = "", today: date | None = None,
                  declined_by_name: str = "") -> Quote:
    """The customer's no, recorded in the portal or given online (`user` CUSTOMER, with the
    name the contact gave)."""
    today = today or timezone.localdate()
    quote = locked(quote)
    require(Action.DECLINE, quote, user, today)
    quote.state = QuoteState.DECLINED
    quote.answered_at, quote.answered_by = timezone.now(), _actor(user)
    quote.decline_reason = reason.strip()[:500]
    quote.save(update_fields=["state", "answered_at", "answered_by", "decline_reason"])
    note = quote.decline_reason
    if user is CUSTOMER and declined_by_name.strip():
        note = f"{declined_by_name.strip()}: {note}"
    record_event(quote, QuoteEvent.Kind.DECLINED, _actor(user), note)
    return quote


@transaction.atomic
def quote_undo_acceptance(*, quote: Quote, user: User, reason: str = "") -> Quote:
    """Staff undo a mistaken acceptance: its periods go, unless a later acceptance builds on
    them. The offer is issued again (and expired, if its validity has passed)."""
    quote = locked(quote)
    require(Action.UNDO_ACCEPTANCE, quote, user, timezone.localdate())
    periods = list(quote.periods.prefetch_related("holdings"))
    for period in periods:
        later = period.installation.periods.filter(
            start__gte=period.end, holdings__in=period.holdings.all()).exclude(
            pk=period.pk).first()
        if later is not None:
            raise DomainError(_("A later agreement period (%(period)s) builds on this "
                                "acceptance; undo that one first.") % {"period": later})
    quote.periods.clear()
    for period in periods:
        period.delete()
    customer_services.installations_refresh_paid_until(
        Installation.objects.filter(pk__in={period.installation_id for period in periods}))
    quote.state = QuoteState.ISSUED
    quote.answered_at = quote.answered_by = None
    quote.accepted_by_name = ""
    quote.save(update_fields=["state", "answered_at", "answered_by", "accepted_by_name"])
    quote.acceptances.filter(undone_at__isnull=True).update(undone_at=timezone.now())
    record_event(quote, QuoteEvent.Kind.ACCEPTANCE_UNDONE, user, reason.strip())
    return quote


def quote_record_expiries(*, today: date) -> list[Quote]:
    """Put "expired" on the timeline of every offer whose validity ended before `today` and
    that has no such entry yet (its state stays issued: expiry is derived from `valid_until`;
    this only tells the timeline and those listening to offer events). Idempotent."""
    expired = list(Quote.objects.expired(today).exclude(events__kind=QuoteEvent.Kind.EXPIRED))
    recorded = []
    for quote in expired:
        try:
            with transaction.atomic():
                record_event(quote, QuoteEvent.Kind.EXPIRED, None,
                             f"{quote.valid_until:%d.%m.%Y}")
        except IntegrityError:  # another run recorded it at the same moment
            continue
        recorded.append(quote)
    return recorded
