"""`manage.py seed_bulk`: the benchmark data set, seeded small, must be data the portal itself
could have made — numbers, snapshots, figures, periods and scoping — and its pages must render."""

import re
from collections import defaultdict
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from customers.models import AgreementPeriod, Customer, Deployment, Installation, PeriodSource
from quotes import pricing, selectors
from quotes.management.commands.seed_bulk import (
    BULK_MARKER,
    RESELLER_USERNAME,
    STAFF_USERNAME,
    already_seeded,
)
from quotes.models import Quote, QuoteCounter, QuoteEvent, QuoteState
from tests.conftest import TODAY

NUMBER = re.compile(r"^SSA-(\d{4})-(\d{5})(?:-R(\d+))?$")


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_bulk", customers=40, seed=1, today=TODAY, stdout=out)
    return out.getvalue()


def reseller_user(reseller) -> User:
    return User.objects.get(membership__reseller=reseller)


def test_it_seeds_the_requested_customers_with_consistent_quotes(seeded):
    assert Customer.objects.count() == 40
    assert 40 <= Installation.objects.count() <= 160
    assert Installation.objects.filter(deployment=Deployment.SKYPBX).count() < (
        Installation.objects.count() / 4)
    quotes = Quote.objects.all()
    assert quotes.count() >= 40 * 5
    states = set(quotes.values_list("state", flat=True))
    assert states == {s.value for s in QuoteState}
    assert Quote.objects.expired(TODAY).exists() and Quote.objects.open(TODAY).exists()
    assert already_seeded()
    assert "No PDFs were made" in seeded
    connection.check_constraints()  # every foreign key points at a row


def test_numbers_are_unique_well_formed_gapless_and_the_counter_continues_after_them(seeded):
    issued = list(Quote.objects.issued())
    numbers = [q.number for q in issued]
    assert len(numbers) == len(set(numbers))
    originals = defaultdict(list)
    for quote in issued:
        year, sequence, revision = NUMBER.match(quote.number).groups()
        assert (int(year), int(sequence), int(revision or 1)) == (
            quote.number_year, quote.number_sequence, quote.revision)
        if quote.revision == 1:
            assert quote.revision_of is None
            assert quote.number_year == quote.issue_date.year
            originals[quote.number_year].append(quote.number_sequence)
        else:
            before = quote.revision_of
            assert (before.number_year, before.number_sequence, before.revision + 1) == (
                quote.number_year, quote.number_sequence, quote.revision)
            assert before.state == QuoteState.SUPERSEDED
            assert before.issued_at < quote.issued_at
    for year, sequences in originals.items():
        assert sorted(sequences) == list(range(1, len(sequences) + 1))
        counter = QuoteCounter.objects.get(year=year)
        assert counter.last == max(sequences)
    assert not Quote.objects.drafts().exclude(number=None).exists()


def test_issued_quotes_carry_the_snapshot_the_issue_makes(seeded):
    tokens = set()
    for quote in Quote.objects.issued().select_related("customer", "price_book"):
        assert quote.verification_token and len(quote.verification_token) >= 32
        tokens.add(quote.verification_token)
        assert quote.customer_name == quote.customer.name
        assert quote.reseller_name == quote.reseller.name
        assert quote.price_book_name == quote.price_book.name
        assert quote.start == quote.issue_date.replace(day=1)
        assert quote.issue_date <= quote.valid_until <= date.fromordinal(
            quote.issue_date.toordinal() + 30)
        assert quote.issue_date <= TODAY
        assert quote.created_at <= quote.issued_at
        assert quote.pdf_sha256 == "" and not quote.pdf
        kinds = list(quote.events.values_list("kind", flat=True))
        assert kinds[0] == QuoteEvent.Kind.CREATED and QuoteEvent.Kind.ISSUED in kinds
        if quote.state in (QuoteState.ACCEPTED, QuoteState.DECLINED):
            assert quote.answered_at >= quote.issued_at
            assert quote.answered_at.date() <= quote.valid_until
    assert len(tokens) == Quote.objects.issued().count()


def test_line_figures_and_totals_re_derive_from_the_pricing_helpers(seeded):
    for quote in Quote.objects.issued().prefetch_related("sections__lines"):
        net, ssc = 0, 0
        for section in quote.sections.all():
            lines = list(section.lines.all())
            assert section.applicable == bool(lines) or not lines
            for line in lines:
                assert line.ssc == pricing.line_ssc(
                    quantity=line.quantity, ssc_per_year=line.ssc_per_year, months=line.months,
                    factor=line.factor)
                assert line.nok == pricing.line_nok(ssc=line.ssc, nok_per_ssc=quote.nok_per_ssc)
                assert line.months == pricing.months_between(line.start, line.end)
                expected = quote.retroactive_factor if line.kind == "retroactive" else 1
                assert line.factor == expected
            assert section.ssc == sum(line.ssc for line in lines)
            assert section.nok == sum(line.nok for line in lines)
            net += section.nok
            ssc += section.ssc
        assert ssc > 0
        assert (quote.total_ssc, quote.net) == (ssc, net)
        assert quote.vat == pricing.vat_for(quote.net, quote.vat_rate)
        assert quote.gross == quote.net + quote.vat


def test_reseller_scoping_holds_on_every_quote_and_period(seeded):
    for quote in Quote.objects.select_related("customer").prefetch_related(
            "installations", "sections"):
        installations = list(quote.installations.all())
        assert installations and all(i.customer_id == quote.customer_id for i in installations)
        if not quote.is_draft:
            assert quote.reseller_id == quote.customer.reseller_id
            assert {s.installation_id for s in quote.sections.all()} == {
                i.pk for i in installations}
    for period in AgreementPeriod.objects.prefetch_related("holdings", "quotes"):
        assert all(h.installation_id == period.installation_id for h in period.holdings.all())
        if period.source == PeriodSource.QUOTE:
            (quote,) = period.quotes.all()
            assert quote.state == QuoteState.ACCEPTED and period.note == quote.number
            assert period.start.day == period.end.day == 1


def test_no_holding_is_paid_twice_for_the_same_month(seeded):
    paid = defaultdict(list)
    for period in AgreementPeriod.objects.prefetch_related("holdings"):
        for holding in period.holdings.all():
            paid[holding.pk].append((period.start, period.end))
    for spans in paid.values():
        spans.sort()
        for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
            assert e1 <= s2


def test_pages_render_for_the_reseller_and_for_staff(seeded, client):
    draft = Quote.objects.drafts().select_related("customer").first()
    issued = Quote.objects.filter(state=QuoteState.ACCEPTED,
                                  reseller=draft.customer.reseller_id).first()
    installation = issued.installations.first()
    staff = User.objects.get(username=STAFF_USERNAME)
    own = reseller_user(issued.reseller)
    assert own.username.startswith(RESELLER_USERNAME[:14])
    pages = [
        reverse("quote_detail", args=[issued.pk]),
        reverse("quote_detail", args=[draft.pk]),
        reverse("installation_detail", args=[installation.pk]),
        reverse("customer_detail", args=[issued.customer_id]),
        reverse("customer_list"),
        reverse("customer_list") + "?q=AS",
        reverse("quote_list"),
        reverse("quote_list") + "?state=expired&q=SSA-2025",
        reverse("renewal_list"),
    ]
    for user in (staff, own):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 200, (user.username, url)
    other = Quote.objects.issued().exclude(reseller=issued.reseller).first()
    client.force_login(own)
    assert client.get(reverse("quote_detail", args=[other.pk])).status_code == 404


def test_every_seeded_installation_prices_today(seeded):
    installations = list(selectors.with_pricing_data(
        Installation.objects.filter(deployment=Deployment.ON_PREMISE)))
    for installation in installations:
        selectors.price_installations(installations=[installation], quote_date=TODAY)
    out = StringIO()
    call_command("price_installation", installations[0].pk, "--date", TODAY.isoformat(),
                 "--json", stdout=out)
    assert '"installations"' in out.getvalue()


def test_it_refuses_a_database_that_holds_the_bulk_data_already(seeded):
    with pytest.raises(CommandError, match=BULK_MARKER):
        call_command("seed_bulk", customers=1, seed=1, today=TODAY, stdout=StringIO())

