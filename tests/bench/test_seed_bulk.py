"""`bench/seed_bulk.py`: the benchmark data set, seeded small, must be data the portal itself
could have made — numbers, snapshots, figures, periods and scoping — and its pages must render."""

import dataclasses
import re
from collections import defaultdict
from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.models import Prefetch
from django.urls import reverse

from bench import seed_bulk
from bench.seed_bulk import (
    BULK_MARKER,
    RESELLER_USERNAME,
    STAFF_USERNAME,
    SeedError,
    already_seeded,
)
from customers.models import AgreementPeriod, Customer, Deployment, Installation, PeriodSource
from quotes import pricing, selectors, snapshot
from quotes.models import PriceBook, Quote, QuoteCounter, QuoteEvent, QuoteState
from tests.conftest import TODAY

NUMBER = re.compile(r"^SSA-(\d{4})-(\d{5})(?:-R(\d+))?$")


@pytest.fixture
def seeded(db):
    out = StringIO()
    seed_bulk.seed(customers=40, seed=1, today=TODAY, stdout=out)
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


def as_it_stood(engine_input: pricing.InstallationIn, installation: Installation, day: date,
                issued_at) -> pricing.InstallationIn:
    """The engine's input for `installation` as the portal knew it when an offer was issued on
    `day`: the holdings activated by then (an end only once its month had come), and the
    agreement periods made before the offer was issued (by hand or by earlier acceptances)."""
    made = [period.created_at for period in installation.periods.all()]
    return dataclasses.replace(
        engine_input,
        holdings=tuple(
            dataclasses.replace(h, ended_on=h.ended_on if h.ended_on and h.ended_on <= day
                                else None)
            for h in engine_input.holdings if h.activated_on <= day),
        periods=tuple(period for period, at in zip(engine_input.periods, made, strict=True)
                      if at < issued_at))


def stored_as(rows, expected: list[dict]) -> list[dict]:
    """Stored `rows` as dicts of the fields `expected` names (a row too many or too few shows)."""
    names = expected[0].keys() if expected else ()
    return [{name: getattr(row, name) for name in names} for row in rows]


def test_every_issued_offer_holds_what_quote_issue_stores_for_its_inputs(seeded):
    """The seed writes its offers with COPY, but their frozen values must be quote_issue's:
    re-price each issued offer from the database on its issue date, as `quote_issue` would
    (its installations by name, the book in force, its end), and every stored value — the
    offer's fields, its validity, sections, lines and charges — is what `quotes.snapshot` makes
    of that result."""
    releases = selectors.firmware_releases()
    installations = {i.pk: i for i in selectors.with_pricing_data(Installation.objects.all())}
    inputs = {language: {i.id: i for i in selectors.installation_inputs(
        installations.values(), releases, language)} for language in ("nb", "en")}
    quotes = Quote.objects.issued().select_related("customer__reseller").prefetch_related(
        Prefetch("installations", queryset=Installation.objects.order_by("name", "pk")),
        "sections__lines", "sections__charges")
    checked = 0
    for quote in quotes:
        day = quote.issue_date
        ordered = [installations[i.pk] for i in quote.installations.all()]
        book = PriceBook.objects.in_force_on(day)
        result = pricing.price(
            installations=[as_it_stood(inputs[quote.language][i.pk], i, day, quote.issued_at)
                           for i in ordered],
            quote_date=day, book=selectors.book_input(book), end=quote.end_override,
            newest_firmware_release=max((d for d in releases.values() if d <= day),
                                        default=None))

        offer = snapshot.offer_fields(customer=quote.customer, book=book, result=result)
        assert {name: getattr(quote, name) for name in offer} == offer, quote.number
        assert quote.valid_until == snapshot.valid_until(day, result,
                                                         settings.SSA_QUOTE_VALIDITY_DAYS)
        ended_on = {h.id: h.ended_on for i in ordered
                    for h in as_it_stood(inputs[quote.language][i.pk], i, day,
                                         quote.issued_at).holdings}
        expected = snapshot.section_snapshots(result, {i.pk: i for i in ordered}, ended_on)
        stored = sorted(quote.sections.all(), key=lambda s: s.position)
        assert len(stored) == len(expected), quote.number
        for section, want in zip(stored, expected, strict=True):
            assert stored_as([section], [want.fields]) == [want.fields], quote.number
            lines = sorted(section.lines.all(), key=lambda line: line.position)
            assert stored_as(lines, want.lines) == want.lines, quote.number
            charges = sorted(section.charges.all(), key=lambda charge: charge.pk)
            assert stored_as(charges, want.charges) == want.charges, quote.number
        checked += 1
    assert checked == Quote.objects.issued().count() > 100


def test_a_value_the_snapshot_gains_is_refused_never_dropped(db, monkeypatch):
    """A field `quotes.snapshot` starts to copy must be written by the seed as well: until it
    is, the seed refuses and writes nothing."""
    real = snapshot.section_snapshots

    def with_a_new_field(*args):
        return [dataclasses.replace(s, fields={**s.fields, "new_field": 1})
                for s in real(*args)]

    monkeypatch.setattr(snapshot, "section_snapshots", with_a_new_field)
    with pytest.raises(SeedError, match="new_field"):
        seed_bulk.seed(customers=3, seed=1, today=TODAY, stdout=StringIO())
    assert not already_seeded() and not Quote.objects.exists()


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
    with pytest.raises(SeedError, match=BULK_MARKER):
        seed_bulk.seed(customers=1, seed=1, today=TODAY, stdout=StringIO())

