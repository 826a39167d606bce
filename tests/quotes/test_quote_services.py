from datetime import date, timedelta
from decimal import Decimal

import pytest

from common.errors import DomainError
from customers import services as customer_services
from customers.models import AgreementPeriod, PeriodSource
from quotes import selectors, services
from quotes.models import FrozenError, PriceBook, Quote, QuoteCounter, QuoteState
from tests.conftest import make_installation
from tests.quotes.factories import add_ports, example_d, example_e, paid_until

D_ISSUE = date(2025, 2, 10)


def draft_for(installation, user, **kwargs):
    return services.quote_create(customer=installation.customer, installations=[installation],
                                 user=user, **kwargs)


def issue(quote, user, today):
    return services.quote_issue(quote=quote, user=user, today=today)


def price_now(installation, quote_date):
    result, _ = selectors.price_installations(
        installations=list(selectors.with_pricing_data(
            type(installation).objects.filter(pk=installation.pk))),
        quote_date=quote_date)
    return result


def test_a_draft_keeps_only_its_inputs_and_is_priced_on_the_day_it_is_viewed(user_a, customer_a):
    installation = example_d(customer_a)
    quote = draft_for(installation, user_a)
    assert quote.number is None and quote.total_ssc is None and not quote.lines.exists()
    early, _ = selectors.price_quote(quote=quote, quote_date=D_ISSUE)
    later, _ = selectors.price_quote(quote=quote, quote_date=date(2025, 4, 2))
    assert early.ssc == 1406
    assert later.ssc != early.ssc, "re-priced on the day it is viewed"


def test_issuing_numbers_snapshots_and_sets_validity(staff, user_a, customer_a):
    installation = example_d(customer_a)
    quote = issue(draft_for(installation, user_a), staff, D_ISSUE)
    assert quote.number == "SSA-2025-00001"
    assert quote.state == QuoteState.ISSUED
    assert (quote.total_ssc, quote.net, quote.vat, quote.gross) == (
        1406, Decimal("1968.40"), Decimal("492.10"), Decimal("2460.50"))
    assert quote.valid_until == D_ISSUE + timedelta(days=30)
    assert quote.customer_name == customer_a.name and quote.customer_org_number == "923609016"
    assert quote.reseller == customer_a.reseller and quote.reseller_name == "Alfa Tele AS"
    assert (quote.nok_per_ssc, quote.retroactive_factor, quote.vat_rate) == (
        Decimal("1.40"), Decimal("2"), Decimal("0.25"))
    assert [(line.kind, line.months, line.ssc) for line in quote.lines.all()] == [
        ("retroactive", 7, 1036), ("forward", 5, 370)]
    assert [(c.quantity, c.due) for c in quote.charges.all()] == [(12, date(2024, 7, 1))]
    assert len(quote.verification_token) >= 32
    assert [e.kind for e in quote.events.all()] == ["created", "issued"]


def test_validity_ends_the_day_before_the_agreement_would_end_if_that_is_earlier(
    staff, user_a, customer_a
):
    installation = make_installation(customer_a)
    add_ports(installation, 1, date(2026, 3, 1))
    quote = issue(draft_for(installation, user_a, end=date(2026, 4, 1)), staff,
                  date(2026, 3, 20))
    assert quote.valid_until == date(2026, 3, 31)


def test_only_staff_issue_offers(user_a, customer_a):
    quote = draft_for(example_d(customer_a), user_a)
    with pytest.raises(DomainError, match="staff"):
        issue(quote, user_a, D_ISSUE)
    quote.refresh_from_db()
    assert quote.is_draft and not QuoteCounter.objects.exists()


def test_an_offer_with_nothing_due_cannot_be_issued(staff, user_a, customer_a):
    installation = make_installation(customer_a)
    holding = add_ports(installation, 1, date(2024, 1, 5))
    customer_services.period_create(installation=installation, start=date(2025, 7, 1),
                                    end=date(2027, 7, 1), holdings=[holding])
    quote = draft_for(installation, user_a, end=date(2027, 7, 1))
    with pytest.raises(DomainError, match="Nothing is due before 01.07.2027"):
        issue(quote, staff, date(2026, 3, 5))
    assert not QuoteCounter.objects.exists(), "no number used"


def test_a_skypbx_only_offer_is_refused_with_the_reason(staff, user_a, customer_a):
    sky = customer_services.installation_create(
        customer=customer_a, name="Sky", deployment="skypbx", hardware_model="",
        firmware_version="", serial_number="", notes="")
    with pytest.raises(DomainError, match="not applicable"):
        issue(draft_for(sky, user_a), staff, D_ISSUE)


def test_numbers_are_consecutive_per_year_and_restart_in_a_new_year(staff, user_a, customer_a):
    installations = [example_d(customer_a, f"D{i}") for i in range(3)]
    numbers = [issue(draft_for(i, user_a), staff, D_ISSUE).number for i in installations[:2]]
    numbers.append(issue(draft_for(installations[2], user_a), staff, date(2026, 1, 5)).number)
    assert numbers == ["SSA-2025-00001", "SSA-2025-00002", "SSA-2026-00001"]


def test_an_issue_that_rolls_back_leaves_no_gap(staff, user_a, customer_a):
    good = example_d(customer_a, "good")
    sky = customer_services.installation_create(
        customer=customer_a, name="Sky", deployment="skypbx", hardware_model="",
        firmware_version="", serial_number="", notes="")
    with pytest.raises(DomainError):
        issue(draft_for(sky, user_a), staff, D_ISSUE)
    assert issue(draft_for(good, user_a), staff, D_ISSUE).number == "SSA-2025-00001"


def test_an_issued_offer_refuses_edits_in_the_service_and_in_the_model(staff, user_a,
                                                                      customer_a):
    installation = example_d(customer_a)
    quote = issue(draft_for(installation, user_a), staff, D_ISSUE)
    with pytest.raises(DomainError, match="revision"):
        services.quote_update_draft(quote=quote, user=staff, installations=[installation],
                                    end=None, language="en")
    quote.net = Decimal("1.00")
    with pytest.raises(FrozenError):
        quote.save()
    line = quote.lines.first()
    line.ssc = 1
    with pytest.raises(FrozenError):
        line.save()
    with pytest.raises(FrozenError):
        line.delete()
    assert Quote.objects.get(pk=quote.pk).net == Decimal("1968.40")


def test_publishing_a_new_price_book_leaves_issued_offers_unchanged(staff, user_a, customer_a,
                                                                   price_admin):
    quote = issue(draft_for(example_d(customer_a), user_a), staff, D_ISSUE)
    book = PriceBook.objects.get()
    draft_book = services.price_book_create_draft(source=book, user=price_admin)
    services.price_book_update_draft(
        book=draft_book, user=price_admin, name="Dearer", effective_from=date(2025, 2, 11),
        nok_per_ssc=Decimal("3"), retroactive_factor=Decimal("3"), vat_rate=Decimal("0.5"),
        rates={})
    services.price_book_publish(book=draft_book, user=price_admin)
    quote.refresh_from_db()
    assert (quote.total_ssc, quote.net, quote.gross) == (1406, Decimal("1968.40"),
                                                        Decimal("2460.50"))
    assert [line.nok for line in quote.lines.all()] == [Decimal("1450.40"), Decimal("518.00")]


def test_example_d_end_to_end_the_next_quote_has_no_retroactive_line(staff, user_a,
                                                                     customer_a):
    installation = example_d(customer_a)
    quote = issue(draft_for(installation, user_a), staff, D_ISSUE)
    services.quote_accept(quote=quote, user=user_a, accepted_by_name="Kari Kunde",
                          today=D_ISSUE)
    assert type(installation).objects.get(pk=installation.pk).paid_until == date(2025, 7, 1)
    period = quote.periods.get()
    assert (period.start, period.end, period.source) == (date(2024, 7, 1), date(2025, 7, 1),
                                                         PeriodSource.QUOTE)
    follow_up = price_now(installation, date(2025, 3, 1))
    assert {line.kind for line in follow_up.lines} == {"forward"}
    assert follow_up.lines[0].start == date(2025, 7, 1), "forward from the new paid-until"
    assert follow_up.lines[0].end == date(2026, 7, 1)


def test_example_e_end_to_end_all_25_ports_renew_once_forward_for_12_months(staff, user_a,
                                                                             customer_a):
    installation = example_e(customer_a)
    quote = issue(draft_for(installation, user_a), staff, date(2026, 3, 5))
    assert (quote.total_ssc, quote.net) == (186, Decimal("260.40"))
    services.quote_accept(quote=quote, user=user_a, accepted_by_name="Kari",
                          today=date(2026, 3, 5))
    created = quote.periods.get()
    assert (created.start, created.end) == (date(2026, 1, 1), date(2026, 7, 1))
    next_cycle = price_now(installation, date(2026, 6, 10))
    assert [(line.kind, line.quantity, line.months, line.start, line.end)
            for line in next_cycle.lines] == [
        ("forward", 25, 12, date(2026, 7, 1), date(2027, 7, 1))]


def test_acceptance_needs_the_accepting_persons_name(staff, user_a, customer_a):
    quote = issue(draft_for(example_d(customer_a), user_a), staff, D_ISSUE)
    with pytest.raises(DomainError, match="name"):
        services.quote_accept(quote=quote, user=user_a, accepted_by_name="  ", today=D_ISSUE)
    quote.refresh_from_db()
    assert quote.state == QuoteState.ISSUED


def test_an_expired_offer_cannot_be_accepted(staff, user_a, customer_a):
    quote = issue(draft_for(example_d(customer_a), user_a), staff, D_ISSUE)
    assert quote.valid_until == date(2025, 3, 12)
    services_today = date(2025, 3, 13)
    with pytest.raises(DomainError, match="expired on 12.03.2025"):
        services.quote_accept(quote=quote, user=user_a, accepted_by_name="Kari",
                              today=services_today)
    assert not AgreementPeriod.objects.filter(source=PeriodSource.QUOTE).exists()
    assert quote.display_state(services_today) == "expired"
    assert quote.display_state(date(2025, 3, 12)) == "issued", "valid through its last day"


def test_expiry_follows_the_oslo_clock_at_the_end_of_the_last_day(staff, user_a, customer_a,
                                                                  frozen_clock):
    quote = issue(draft_for(example_d(customer_a), user_a), staff, D_ISSUE)
    frozen_clock.move_to("2025-03-12T22:59:00+00:00")  # 23:59 in Oslo on the last day
    services.quote_accept(quote=quote, user=user_a, accepted_by_name="Kari")
    assert Quote.objects.get(pk=quote.pk).state == QuoteState.ACCEPTED


def test_of_two_offers_for_the_same_months_only_the_first_can_be_accepted(staff, user_a,
                                                                          customer_a):
    installation = example_d(customer_a)
    first = issue(draft_for(installation, user_a), staff, D_ISSUE)
    second = issue(draft_for(installation, user_a), staff, D_ISSUE)
    services.quote_accept(quote=first, user=user_a, accepted_by_name="Kari", today=D_ISSUE)
    with pytest.raises(DomainError, match="changed since this offer was issued"):
        services.quote_accept(quote=second, user=user_a, accepted_by_name="Kari",
                              today=D_ISSUE)
    second.refresh_from_db()
    assert second.state == QuoteState.ISSUED
    assert installation.periods.filter(source=PeriodSource.QUOTE).count() == 1


def test_accepting_is_refused_when_a_charged_holding_ended_since_issue(staff, user_a,
                                                                       customer_a):
    installation = example_d(customer_a)
    quote = issue(draft_for(installation, user_a), staff, D_ISSUE)
    customer_services.holding_end(holding=installation.holdings.get(), ended_on=date(2025, 6, 1))
    with pytest.raises(DomainError, match="revise it"):
        services.quote_accept(quote=quote, user=user_a, accepted_by_name="Kari", today=D_ISSUE)


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_an_answered_offer_cannot_be_answered_again(staff, user_a, customer_a, answer):
    quote = issue(draft_for(example_d(customer_a), user_a), staff, D_ISSUE)
    if answer == "accept":
        services.quote_accept(quote=quote, user=user_a, accepted_by_name="Kari", today=D_ISSUE)
    else:
        services.quote_decline(quote=quote, user=user_a, reason="Too dear", today=D_ISSUE)
    for again in (lambda: services.quote_accept(quote=quote, user=user_a,
                                                accepted_by_name="Per", today=D_ISSUE),
                  lambda: services.quote_decline(quote=quote, user=user_a, today=D_ISSUE)):
        with pytest.raises(DomainError, match="already been accepted|was declined"):
            again()


def test_a_revision_keeps_the_number_and_supersedes_its_predecessor(staff, user_a, customer_a):
    installation = example_d(customer_a)
    original = issue(draft_for(installation, user_a), staff, D_ISSUE)
    revision = services.quote_revise(quote=original, user=user_a)
    assert revision.is_draft and revision.number is None
    assert list(revision.installations.all()) == [installation]
    revision = issue(revision, staff, date(2025, 2, 20))
    assert revision.number == "SSA-2025-00001-R2"
    original.refresh_from_db()
    assert original.state == QuoteState.SUPERSEDED
    with pytest.raises(DomainError, match="superseded"):
        services.quote_accept(quote=original, user=user_a, accepted_by_name="K", today=D_ISSUE)
    third = issue(services.quote_revise(quote=revision, user=staff), staff, date(2025, 2, 21))
    assert third.number == "SSA-2025-00001-R3"
    assert QuoteCounter.objects.get(year=2025).last == 1, "revisions use no new number"


def test_issuing_one_of_two_revisions_supersedes_every_other_open_offer_of_the_number(
        staff, user_a, customer_a):
    original = issue(draft_for(example_d(customer_a), user_a), staff, D_ISSUE)
    second, third = (services.quote_revise(quote=original, user=user_a) for _ in range(2))
    r2 = issue(second, staff, D_ISSUE)
    r3 = issue(third, staff, D_ISSUE)
    states = {q.number: q.state for q in Quote.objects.issued()}
    assert states == {"SSA-2025-00001": "superseded", "SSA-2025-00001-R2": "superseded",
                      "SSA-2025-00001-R3": "issued"}
    assert r2.number != r3.number
    with pytest.raises(DomainError, match="superseded"):
        services.quote_accept(quote=r2, user=user_a, accepted_by_name="Kari", today=D_ISSUE)


def test_a_revision_cannot_be_issued_once_another_offer_of_its_number_was_accepted(
        staff, user_a, customer_a):
    original = issue(draft_for(example_d(customer_a), user_a), staff, D_ISSUE)
    second, third = (services.quote_revise(quote=original, user=user_a) for _ in range(2))
    r2 = issue(second, staff, D_ISSUE)
    services.quote_accept(quote=r2, user=user_a, accepted_by_name="Kari", today=D_ISSUE)
    with pytest.raises(DomainError, match="-R2, of the offer this draft revises, has been "
                                          "accepted"):
        issue(third, staff, D_ISSUE)
    assert Quote.objects.get(pk=third.pk).is_draft


def test_undoing_an_acceptance_removes_its_periods_and_is_recorded(staff, user_a, customer_a):
    installation = example_d(customer_a)
    quote = issue(draft_for(installation, user_a), staff, D_ISSUE)
    services.quote_accept(quote=quote, user=user_a, accepted_by_name="Kari", today=D_ISSUE)
    with pytest.raises(DomainError, match="staff"):
        services.quote_undo_acceptance(quote=quote, user=user_a)
    services.quote_undo_acceptance(quote=quote, user=staff, reason="wrong customer")
    quote.refresh_from_db()
    assert quote.state == QuoteState.ISSUED
    assert type(installation).objects.get(pk=installation.pk).paid_until == date(2024, 7, 1)
    assert quote.events.last().kind == "acceptance_undone"


def test_an_acceptance_a_later_one_builds_on_cannot_be_undone(staff, user_a, customer_a):
    installation = example_d(customer_a)
    first = issue(draft_for(installation, user_a), staff, D_ISSUE)
    services.quote_accept(quote=first, user=user_a, accepted_by_name="Kari", today=D_ISSUE)
    second = issue(draft_for(installation, user_a), staff, date(2025, 5, 2))
    services.quote_accept(quote=second, user=user_a, accepted_by_name="Kari",
                          today=date(2025, 5, 2))
    with pytest.raises(DomainError, match="builds on"):
        services.quote_undo_acceptance(quote=first, user=staff)
    services.quote_undo_acceptance(quote=second, user=staff)
    services.quote_undo_acceptance(quote=first, user=staff)
    assert type(installation).objects.get(pk=installation.pk).paid_until == date(2024, 7, 1)


def test_resellers_see_their_customers_drafts_and_the_offers_issued_in_their_name(
    staff, user_a, user_b, customer_a, reseller_b
):
    from quotes.access import quotes_for

    installation = example_d(customer_a)
    issued = issue(draft_for(installation, user_a), staff, D_ISSUE)
    draft = draft_for(installation, user_a)
    assert set(quotes_for(user_a)) == {issued, draft}
    assert not quotes_for(user_b).exists()
    customer_services.customer_move(customer=customer_a, reseller=reseller_b, user=staff)
    assert set(quotes_for(user_a)) == {issued}, "issued offers stay with their reseller"
    assert set(quotes_for(user_b)) == {draft}, "drafts follow the customer"


def test_an_offer_covers_one_customers_installations_only(user_a, customer_a, customer_b):
    mine, theirs = make_installation(customer_a), make_installation(customer_b)
    with pytest.raises(DomainError, match="one customer"):
        services.quote_create(customer=customer_a, installations=[mine, theirs], user=user_a)
    assert not Quote.objects.exists()


def test_several_installations_each_get_their_own_end_unless_one_is_set(staff, user_a,
                                                                        customer_a):
    d = example_d(customer_a)
    fresh = make_installation(customer_a, "Fresh")
    add_ports(fresh, 3, date(2025, 2, 1))
    paid_until(fresh, date(2025, 7, 1), list(fresh.holdings.all()))
    quote = services.quote_create(customer=customer_a, installations=[d, fresh], user=user_a)
    result, _ = selectors.price_quote(quote=quote, quote_date=D_ISSUE)
    ends = {section.name: section.end for section in result.installations}
    assert ends == {"Example D": date(2025, 7, 1), "Fresh": date(2026, 7, 1)}
    quote = services.quote_update_draft(quote=quote, user=user_a, installations=[d, fresh],
                                        end=date(2026, 7, 1), language="nb")
    result, _ = selectors.price_quote(quote=quote, quote_date=D_ISSUE)
    assert {section.end for section in result.installations} == {date(2026, 7, 1)}


def test_licenses_an_issued_offer_charges_cannot_be_deleted_only_ended(staff, user_a,
                                                                       customer_a):
    installation = make_installation(customer_a)
    holding = add_ports(installation, 2, date(2025, 1, 7))
    issue(draft_for(installation, user_a), staff, D_ISSUE)
    with pytest.raises(DomainError, match="issued offer charges"):
        customer_services.holding_delete(holding=holding)
    assert installation.holdings.filter(pk=holding.pk).exists()


def test_an_offer_covers_at_most_the_configured_number_of_installations(settings, user_a,
                                                                       customer_a, client):
    settings.SSA_MAX_INSTALLATIONS_PER_OFFER = 2
    sites = [make_installation(customer_a, f"Site {i}") for i in range(3)]
    with pytest.raises(DomainError, match="at most 2 installations") as refused:
        services.quote_create(customer=customer_a, installations=sites, user=user_a)
    assert refused.value.field == "installations" and not Quote.objects.exists()
    client.force_login(user_a)
    response = client.post(f"/customers/{customer_a.pk}/offers/new/", {
        "installations": [s.pk for s in sites], "language": "nb", "end": ""})
    assert response.status_code == 200 and not Quote.objects.exists()
    assert response.context["form"].errors["installations"] == [
        "An offer covers at most 2 installations; make several offers."]
