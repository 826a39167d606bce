"""What the fault test does in the portal's database itself, through Django's ORM in this process
(after django.setup()): the drafts before the run, and afterwards the checks that every
acknowledged offer is issued, that each year's numbers run 1..max without a gap or a duplicate,
and that no offer was issued or accepted twice."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from faults.clients import Tally
from faults.common import STAFF_USER, Failure, log


def create_drafts(count: int, reserve: int) -> tuple[list[int], list[int]]:
    """`count` drafts for installations with something due, several per installation, and
    `reserve` more on installations of their own (accepted later, so they must not share an
    installation with any other offer that is issued meanwhile)."""
    from django.contrib.auth.models import User
    from django.db import connections
    from django.utils import timezone

    from customers.models import Installation
    from quotes import selectors, services

    staff = User.objects.get(username=STAFF_USER)
    today = timezone.localdate()
    due = []
    for installation in selectors.with_pricing_data(Installation.objects.order_by("pk")):
        try:
            result, _book = selectors.price_installations(installations=[installation],
                                                          quote_date=today)
        except selectors.PricingUnavailable:
            continue
        if result.has_lines:
            due.append(installation)
    if len(due) < reserve + 1:
        raise Failure(f"only {len(due)} demo installations have something due")
    reserved, pool = due[:reserve], due[reserve:]

    def draft(installation) -> int:
        return services.quote_create(customer=installation.customer,
                                     installations=[installation], user=staff).pk

    load_ids = [draft(pool[index % len(pool)]) for index in range(count)]
    double_ids = [draft(installation) for installation in reserved]
    log(f"{count} drafts on {len(pool)} installations with something due, "
        f"{len(double_ids)} more for the double submissions")
    connections.close_all()
    return load_ids, double_ids


@dataclass
class Checks:
    issued: int = 0
    lost: list[int] = field(default_factory=list)
    not_done: list[int] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    issued_twice: list[int] = field(default_factory=list)
    double_problems: list[str] = field(default_factory=list)
    pdf_signed: int = 0
    pdf_failed: dict[str, int] = field(default_factory=dict)
    pdf_silent: list[str] = field(default_factory=list)  # no PDF, no error, nothing recorded

    def failures(self) -> list[str]:
        """What the checks found wrong, one line each."""
        found: list[str] = []
        if self.lost:
            found.append(f"acknowledged but not issued: {self.lost}")
        if self.not_done:
            found.append(f"{len(self.not_done)} drafts never acknowledged: "
                         f"{self.not_done[:20]}")
        if self.gaps:
            found.append(f"gaps in the numbering: {self.gaps[:20]}")
        if self.duplicates:
            found.append(f"duplicate numbers: {self.duplicates[:20]}")
        if self.issued_twice:
            found.append(f"offers issued twice (two 'issued' events): {self.issued_twice}")
        return found + [f"double submission: {p}" for p in self.double_problems]


def check_database(load_ids: list[int], double_ids: list[int], tally: Tally) -> Checks:
    from django.db import connections
    from django.db.models import Count

    from customers.models import AgreementPeriod
    from quotes.models import Quote, QuoteCounter, QuoteEvent, QuoteState

    connections.close_all()  # the connection from before the restarts is gone
    checks = Checks()
    quotes = {q.pk: q for q in Quote.objects.filter(pk__in=load_ids + double_ids)}
    issued_states = (QuoteState.ISSUED, QuoteState.ACCEPTED)
    checks.issued = sum(1 for pk in load_ids
                        if quotes[pk].state in issued_states and quotes[pk].number)
    checks.lost = sorted(pk for pk in tally.acknowledged
                         if not (quotes[pk].state in issued_states and quotes[pk].number))
    checks.not_done = sorted(pk for pk in load_ids if pk not in tally.acknowledged)

    numbered = Quote.objects.exclude(number_sequence=None)
    for year in sorted(set(numbered.values_list("number_year", flat=True))):
        sequences = list(numbered.filter(number_year=year, revision=1)
                         .values_list("number_sequence", flat=True))
        repeated = [s for s, n in Counter(sequences).items() if n > 1]
        checks.duplicates += [f"{year}/{s}" for s in sorted(repeated)]
        missing = sorted(set(range(1, max(sequences) + 1)) - set(sequences))
        checks.gaps += [f"{year}/{s}" for s in missing]
        counter = QuoteCounter.objects.filter(year=year).first()
        if counter is None or counter.last != max(sequences):
            checks.gaps.append(f"{year}: counter at {counter and counter.last}, "
                               f"highest number {max(sequences)}")
    repeated_numbers = (Quote.objects.exclude(number=None).values("number")
                        .annotate(n=Count("pk")).filter(n__gt=1))
    checks.duplicates += [row["number"] for row in repeated_numbers]
    checks.issued_twice = sorted(
        row["quote_id"] for row in QuoteEvent.objects.filter(kind=QuoteEvent.Kind.ISSUED)
        .values("quote_id").annotate(n=Count("pk")).filter(n__gt=1))

    for pk in double_ids:
        quote = Quote.objects.get(pk=pk)
        accepted = quote.events.filter(kind=QuoteEvent.Kind.ACCEPTED).count()
        periods = quote.periods.count()
        made = AgreementPeriod.objects.filter(note=quote.number).count() if quote.number else 0
        if quote.state != QuoteState.ACCEPTED or accepted != 1 or not periods or \
                periods != made:
            checks.double_problems.append(
                f"#{pk} {quote.number}: state {quote.state}, {accepted} acceptance events, "
                f"{periods} periods on the offer, {made} periods noted with its number")

    issued = Quote.objects.filter(pk__in=load_ids + double_ids).exclude(number=None)
    checks.pdf_signed = issued.exclude(pdf_sha256="").count()
    failed = Counter(error.split(":", 1)[0] for error in issued.filter(pdf_sha256="")
                     .values_list("pdf_error", flat=True))
    checks.pdf_failed = dict(failed)
    checks.pdf_silent = list(issued.filter(pdf_sha256="", pdf_error="", pdf_attempts=0)
                             .order_by("number").values_list("number", flat=True))
    connections.close_all()
    return checks
