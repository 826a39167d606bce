from datetime import date

from customers import services
from customers.timeline import AgreementTimeline


def test_paid_until_is_the_latest_end_of_the_periods(installation_a, holding_a, period_a, port):
    added = services.holding_add(installation=installation_a, license_type=port, quantity=5,
                                 activated_on=date(2025, 1, 20))
    services.period_create(installation=installation_a, start=date(2025, 1, 1),
                           end=date(2025, 7, 1), holdings=[added])
    services.period_create(installation=installation_a, start=date(2026, 7, 1),
                           end=date(2027, 7, 1), holdings=[holding_a, added])
    assert type(installation_a).objects.get(pk=installation_a.pk).paid_until == date(2027, 7, 1)


def test_an_installation_without_periods_has_no_paid_until(installation_a):
    assert type(installation_a).objects.get(pk=installation_a.pk).paid_until is None
    timeline = AgreementTimeline.build([], until=date(2026, 3, 1))
    assert timeline.paid_until is None
    assert timeline.gaps == ()


def test_gaps_lie_between_periods_and_after_paid_until():
    timeline = AgreementTimeline.build(
        [(date(2022, 7, 1), date(2023, 7, 1)), (date(2024, 1, 1), date(2025, 7, 1))],
        until=date(2026, 3, 1),
    )
    assert timeline.gaps == ((date(2023, 7, 1), date(2024, 1, 1)),
                             (date(2025, 7, 1), date(2026, 3, 1)))
    assert timeline.months_lapsed == 8


def test_overlapping_and_adjacent_periods_merge_into_one_covered_run():
    timeline = AgreementTimeline.build(
        [(date(2025, 7, 1), date(2026, 7, 1)), (date(2026, 1, 1), date(2026, 7, 1)),
         (date(2026, 7, 1), date(2027, 7, 1))],
        until=date(2026, 3, 1),
    )
    assert timeline.covered == ((date(2025, 7, 1), date(2027, 7, 1)),)
    assert timeline.gaps == ()
    assert timeline.months_lapsed == 0


def test_months_under_agreement_are_known_month_by_month():
    timeline = AgreementTimeline.build([(date(2025, 7, 1), date(2026, 7, 1))],
                                       until=date(2026, 9, 1))
    assert timeline.is_covered(date(2025, 7, 1))
    assert timeline.is_covered(date(2026, 6, 1))
    assert not timeline.is_covered(date(2026, 7, 1))
    assert not timeline.is_covered(date(2025, 6, 1))


def test_the_installation_page_shows_paid_until_and_the_gaps(client, user_a, installation_a,
                                                             period_a):
    client.force_login(user_a)
    html = client.get(f"/installations/{installation_a.pk}/").content.decode()
    assert "07.2025 – 02.2026" in html, "the gap from paid-until up to last month"
    assert 'class="badge text-bg-danger' in html
