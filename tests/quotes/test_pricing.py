"""Tests of the pure pricing engine: the worked examples of docs/DOMAIN.md#worked-examples and
its properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotes.pricing import (
    DEPLOYMENT_ON_PREMISE,
    DEPLOYMENT_SKYPBX,
    ERROR_END_NOT_AFTER_START,
    ERROR_END_NOT_FIRST_OF_MONTH,
    ERROR_MISSING_RATE,
    KIND_COTERM,
    KIND_FORWARD,
    KIND_RETROACTIVE,
    NOT_APPLICABLE_SKYPBX,
    REASON_NOT_COVERED,
    REASON_RENTED,
    WARNING_OLD_FIRMWARE,
    WARNING_UNKNOWN_FIRMWARE,
    HoldingIn,
    InstallationIn,
    NotApplicable,
    PeriodIn,
    PriceBookIn,
    PricingError,
    PricingResult,
    acceptance_periods,
    add_months,
    default_end,
    due_date,
    first_of_month,
    line_ssc,
    months_between,
    paid_until,
    price,
    round_ore,
)

# --- fixtures as plain helpers ------------------------------------------------------------------

SEED_RATES = {
    "port": 74,
    "uc": 30,
    "mypbx": 30,
    "voicemail": 15,
    "switchboard": 150,
    "reporting": 30,
    "queue-monitor": 30,
    "standby": 20,
    "mobility": 30,
    "video": 15,
    "fax": 15,
    "app-sharing": 15,
}
NAMES = {"port": "Port license", "switchboard": "Switchboard", "recording": "Recording"}

BOOK = PriceBookIn(
    nok_per_ssc=Decimal("1.40"),
    retroactive_factor=Decimal("2"),
    vat_rate=Decimal("0.25"),
    rates=SEED_RATES,
)


def holding(
    id: int,
    quantity: int,
    activated_on: date,
    *,
    code: str = "port",
    covered: bool = True,
    rented: bool = False,
    ended_on: date | None = None,
) -> HoldingIn:
    return HoldingIn(
        id=id,
        license_code=code,
        license_name=NAMES.get(code, code),
        covered=covered,
        rented=rented,
        quantity=quantity,
        activated_on=activated_on,
        ended_on=ended_on,
    )


def paid_until_period(until: date, holdings: tuple[HoldingIn, ...]) -> PeriodIn:
    """docs/DOMAIN.md#worked-examples: "paid until X" is a manual period [X - 1 year, X) paying
    for every holding activated before X."""
    return PeriodIn(
        start=add_months(until, -12),
        end=until,
        holding_ids=frozenset(h.id for h in holdings if h.activated_on < until),
    )


def installation(
    holdings: tuple[HoldingIn, ...],
    periods: tuple[PeriodIn, ...] = (),
    *,
    id: int = 1,
    deployment: str = DEPLOYMENT_ON_PREMISE,
    firmware_released_on: date | None = date(2025, 4, 1),
) -> InstallationIn:
    return InstallationIn(
        id=id,
        name=f"PBX {id}",
        deployment=deployment,
        firmware_version="16r1",
        firmware_released_on=firmware_released_on,
        holdings=holdings,
        periods=periods,
    )


def paid_until_installation(
    until: date | None, holdings: tuple[HoldingIn, ...], **kwargs: object
) -> InstallationIn:
    periods = () if until is None else (paid_until_period(until, holdings),)
    return installation(holdings, periods, **kwargs)  # type: ignore[arg-type]


def price_one(inst: InstallationIn, quote_date: date, **kwargs: object) -> PricingResult:
    return price(installations=[inst], quote_date=quote_date, book=BOOK, **kwargs)  # type: ignore[arg-type]


def summary(result: PricingResult) -> list[tuple[str, str, date, date, int, int, int]]:
    return [
        (line.license_code, line.kind, line.start, line.end, line.months, line.quantity, line.ssc)
        for line in result.lines
    ]


def D(text: str) -> Decimal:
    return Decimal(text)


# --- worked examples (docs/DOMAIN.md#worked-examples) -------------------------------------------


def test_example_a_one_port_paid_until_july_is_renewed_forward_for_twelve_months() -> None:
    inst = paid_until_installation(date(2026, 7, 1), (holding(1, 1, date(2020, 3, 10)),))

    result = price_one(inst, date(2026, 5, 15))

    assert result.start == date(2026, 5, 1)
    assert result.installations[0].end == date(2027, 7, 1)
    assert summary(result) == [
        ("port", KIND_FORWARD, date(2026, 7, 1), date(2027, 7, 1), 12, 1, 74),
    ]
    assert result.lines[0].factor == 1
    assert (result.ssc, result.net, result.vat, result.gross) == (
        74,
        D("103.60"),
        D("25.90"),
        D("129.50"),
    )
    # The FAQ's selling point: the same year bought later costs twice as much.
    assert (result.later_ssc, result.later_nok) == (148, D("207.20"))


def test_example_b_one_port_lapsed_a_year_pays_the_year_retroactively_and_the_next_forward() -> (
    None
):
    inst = paid_until_installation(date(2025, 7, 1), (holding(1, 1, date(2020, 3, 10)),))

    result = price_one(inst, date(2026, 7, 10))

    assert summary(result) == [
        ("port", KIND_RETROACTIVE, date(2025, 7, 1), date(2026, 7, 1), 12, 1, 148),
        ("port", KIND_FORWARD, date(2026, 7, 1), date(2027, 7, 1), 12, 1, 74),
    ]
    assert result.lines[0].factor == 2
    assert (result.ssc, result.net, result.vat, result.gross) == (
        222,
        D("310.80"),
        D("77.70"),
        D("388.50"),
    )


def test_example_c_fifty_ports_quoted_on_the_first_of_june_renew_for_twelve_months() -> None:
    inst = paid_until_installation(date(2026, 7, 1), (holding(1, 50, date(2019, 9, 1)),))

    result = price_one(inst, date(2026, 6, 1))

    assert summary(result) == [
        ("port", KIND_FORWARD, date(2026, 7, 1), date(2027, 7, 1), 12, 50, 3700),
    ]
    assert (result.ssc, result.net, result.vat, result.gross) == (
        3700,
        D("5180.00"),
        D("1295.00"),
        D("6475.00"),
    )


def test_example_d_twelve_ports_lapsed_since_july_pay_seven_months_twice_and_five_forward() -> None:
    inst = paid_until_installation(date(2024, 7, 1), (holding(1, 12, date(2021, 1, 4)),))

    result = price_one(inst, date(2025, 2, 10))

    assert summary(result) == [
        ("port", KIND_RETROACTIVE, date(2024, 7, 1), date(2025, 2, 1), 7, 12, 1036),
        ("port", KIND_FORWARD, date(2025, 2, 1), date(2025, 7, 1), 5, 12, 370),
    ]
    assert (result.ssc, result.net, result.vat, result.gross) == (
        1406,
        D("1968.40"),
        D("492.10"),
        D("2460.50"),
    )


def test_example_e_ports_added_mid_term_are_co_termed_to_the_running_agreement() -> None:
    twenty = holding(1, 20, date(2024, 5, 2))
    five = holding(2, 5, date(2026, 1, 20))
    accepted = PeriodIn(date(2025, 7, 1), date(2026, 7, 1), frozenset({twenty.id}))
    inst = installation((twenty, five), (accepted,))

    result = price_one(inst, date(2026, 3, 5))

    assert result.installations[0].end == date(2026, 7, 1)
    assert summary(result) == [
        ("port", KIND_COTERM, date(2026, 1, 1), date(2026, 3, 1), 2, 5, 62),
        ("port", KIND_FORWARD, date(2026, 3, 1), date(2026, 7, 1), 4, 5, 124),
    ]
    assert all(line.holding_ids == (five.id,) for line in result.lines)
    assert [line.factor for line in result.lines] == [1, 1]
    assert (result.ssc, result.net, result.vat, result.gross) == (
        186,
        D("260.40"),
        D("65.10"),
        D("325.50"),
    )
    # Only the five new ports are charged, from their activation month.
    [charge] = result.installations[0].charges
    assert (charge.holding_id, charge.quantity, charge.due) == (five.id, 5, date(2026, 1, 1))


def test_months_added_mid_term_across_back_to_back_periods_form_one_co_term_line() -> None:
    ports = holding(1, 10, date(2023, 1, 9))
    added = holding(2, 5, date(2025, 3, 10))
    first = PeriodIn(date(2024, 7, 1), date(2025, 7, 1), frozenset({ports.id}))
    second = PeriodIn(date(2025, 7, 1), date(2026, 7, 1), frozenset({ports.id}))
    inst = installation((ports, added), (second, first))

    result = price_one(inst, date(2026, 3, 5))

    # The installation was under agreement without a break, so the boundary between the two
    # periods does not split the co-term months.
    assert summary(result) == [
        ("port", KIND_COTERM, date(2025, 3, 1), date(2026, 3, 1), 12, 5, 370),
        ("port", KIND_FORWARD, date(2026, 3, 1), date(2026, 7, 1), 4, 5, 124),
    ]


def test_a_holding_unpaid_through_a_lapse_between_two_periods_pays_co_term_retro_co_term() -> (
    None
):
    ports = holding(1, 10, date(2023, 1, 9))
    added = holding(2, 1, date(2024, 1, 15))
    first = PeriodIn(date(2023, 7, 1), date(2024, 7, 1), frozenset({ports.id}))
    second = PeriodIn(date(2025, 1, 1), date(2026, 1, 1), frozenset({ports.id}))
    inst = installation((ports, added), (first, second))

    result = price_one(inst, date(2026, 3, 5), end=date(2026, 7, 1))

    # The added port: co-term while an agreement ran, retroactive in the lapses. The ten ports
    # are due from the second period's end and share those months' lines with it.
    assert [(kind, start, end, quantity) for _, kind, start, end, _, quantity, _ in
            summary(result)] == [
        (KIND_COTERM, date(2024, 1, 1), date(2024, 7, 1), 1),
        (KIND_RETROACTIVE, date(2024, 7, 1), date(2025, 1, 1), 1),
        (KIND_COTERM, date(2025, 1, 1), date(2026, 1, 1), 1),
        (KIND_RETROACTIVE, date(2026, 1, 1), date(2026, 3, 1), 11),
        (KIND_FORWARD, date(2026, 3, 1), date(2026, 7, 1), 11),
    ]


def test_example_f_a_skypbx_installation_alone_is_refused_as_not_applicable() -> None:
    inst = installation((holding(1, 10, date(2024, 1, 1)),), deployment=DEPLOYMENT_SKYPBX)

    with pytest.raises(NotApplicable) as raised:
        price_one(inst, date(2026, 3, 5))

    assert str(raised.value) == NOT_APPLICABLE_SKYPBX
    assert "skyPBX includes all upgrades" in str(raised.value)
    assert isinstance(raised.value, PricingError)


def test_skypbx_alone_is_refused_as_not_applicable_before_the_end_is_judged() -> None:
    inst = installation((holding(1, 10, date(2024, 1, 1)),), deployment=DEPLOYMENT_SKYPBX)

    with pytest.raises(NotApplicable):
        price_one(inst, date(2026, 3, 5), end=date(2026, 1, 1))


def test_example_f_in_a_mixed_offer_skypbx_is_listed_not_applicable_and_the_rest_priced() -> None:
    cloud = installation((holding(1, 10, date(2024, 1, 1)),), id=1, deployment=DEPLOYMENT_SKYPBX)
    local = paid_until_installation(date(2026, 7, 1), (holding(2, 1, date(2020, 3, 10)),), id=2)

    result = price(installations=[cloud, local], quote_date=date(2026, 5, 15), book=BOOK)

    cloud_result, local_result = result.installations
    assert not cloud_result.applicable
    assert cloud_result.not_applicable_reason == NOT_APPLICABLE_SKYPBX
    assert cloud_result.lines == () and cloud_result.charges == ()
    assert local_result.applicable and local_result.not_applicable_reason is None
    assert [line.installation_id for line in result.lines] == [2]
    assert (result.ssc, result.net) == (74, D("103.60"))


def test_example_g_new_ports_and_a_switchboard_without_any_agreement_run_to_first_of_july() -> None:
    inst = installation(
        (
            holding(1, 3, date(2026, 2, 14)),
            holding(2, 1, date(2026, 2, 14), code="switchboard"),
        )
    )

    result = price_one(inst, date(2026, 2, 20))

    assert summary(result) == [
        ("port", KIND_FORWARD, date(2026, 2, 1), date(2026, 7, 1), 5, 3, 93),
        ("switchboard", KIND_FORWARD, date(2026, 2, 1), date(2026, 7, 1), 5, 1, 63),
    ]
    assert (result.ssc, result.net, result.vat, result.gross) == (
        156,
        D("218.40"),
        D("54.60"),
        D("273.00"),
    )


def test_lines_of_one_period_and_kind_follow_the_catalogues_order_not_the_license_code() -> None:
    """docs/DOMAIN.md#grouping-into-lines: a price admin orders the catalogue (port first,
    voicemail after switchboard, …); the code breaks ties only."""
    inst = installation(
        (
            replace(holding(1, 2, date(2026, 2, 14), code="voicemail"), catalogue_order=40),
            replace(holding(2, 3, date(2026, 2, 14)), catalogue_order=10),
            replace(holding(3, 1, date(2026, 2, 14), code="switchboard"), catalogue_order=20),
            replace(holding(4, 1, date(2026, 2, 14), code="fax"), catalogue_order=40),
        )
    )

    result = price_one(inst, date(2026, 2, 20))

    assert [line.license_code for line in result.lines] == [
        "port", "switchboard", "fax", "voicemail"]
    assert [line.catalogue_order for line in result.lines] == [10, 20, 40, 40]


def test_example_h_a_june_quote_after_a_lapse_runs_thirteen_months_forward() -> None:
    inst = paid_until_installation(date(2025, 7, 1), (holding(1, 1, date(2020, 3, 10)),))

    result = price_one(inst, date(2026, 6, 20))

    assert summary(result) == [
        ("port", KIND_RETROACTIVE, date(2025, 7, 1), date(2026, 6, 1), 11, 1, 136),
        ("port", KIND_FORWARD, date(2026, 6, 1), date(2027, 7, 1), 13, 1, 81),
    ]
    assert (result.ssc, result.net, result.vat, result.gross) == (
        217,
        D("303.80"),
        D("75.95"),
        D("379.75"),
    )


def test_seed_check_one_port_for_one_year_costs_74_in_advance_and_148_retroactively() -> None:
    assert line_ssc(quantity=1, ssc_per_year=74, months=12, factor=Decimal(1)) == 74
    assert line_ssc(quantity=1, ssc_per_year=74, months=12, factor=Decimal(2)) == 148
    assert round_ore(74 * Decimal("1.40")) == D("103.60")
    assert round_ore(148 * Decimal("1.40")) == D("207.20")


# --- the default end E --------------------------------------------------------------------------


def test_default_end_is_paid_until_when_licenses_were_added_mid_term() -> None:
    old = holding(1, 10, date(2023, 3, 1))
    added = holding(2, 2, date(2025, 11, 3))
    inst = installation(
        (old, added), (PeriodIn(date(2025, 7, 1), date(2026, 7, 1), frozenset({1})),)
    )

    assert default_end(inst, date(2026, 2, 1)) == date(2026, 7, 1)


def test_default_end_ignores_mid_term_additions_that_are_rented_or_not_covered_or_ended() -> None:
    old = holding(1, 10, date(2023, 3, 1))
    rented = holding(2, 2, date(2025, 11, 3), rented=True)
    recording = holding(3, 2, date(2025, 11, 3), code="recording", covered=False)
    gone = holding(4, 2, date(2025, 11, 3), ended_on=date(2025, 11, 1))
    inst = installation(
        (old, rented, recording, gone),
        (PeriodIn(date(2025, 7, 1), date(2026, 7, 1), frozenset({1})),),
    )

    assert default_end(inst, date(2026, 2, 1)) == date(2027, 7, 1)


def test_a_june_quote_without_history_is_never_a_one_month_agreement() -> None:
    inst = installation((holding(1, 4, date(2026, 6, 3)),))

    assert default_end(inst, date(2026, 6, 1)) == date(2027, 7, 1)
    result = price_one(inst, date(2026, 6, 25))
    assert summary(result) == [
        ("port", KIND_FORWARD, date(2026, 6, 1), date(2027, 7, 1), 13, 4, 321),
    ]


@pytest.mark.parametrize(
    ("quote_month", "expected_end"),
    [
        (date(2026, 1, 1), date(2026, 7, 1)),
        (date(2026, 5, 1), date(2026, 7, 1)),
        (date(2026, 6, 1), date(2027, 7, 1)),
        (date(2026, 7, 1), date(2027, 7, 1)),
        (date(2026, 12, 1), date(2027, 7, 1)),
    ],
)
def test_default_end_without_history_is_the_next_first_of_july_after_next_month(
    quote_month: date, expected_end: date
) -> None:
    inst = installation((holding(1, 1, date(2025, 1, 1)),))

    assert paid_until(inst.periods) is None
    assert default_end(inst, quote_month) == expected_end


def test_default_end_after_a_lapse_is_the_next_first_of_july() -> None:
    inst = paid_until_installation(date(2024, 7, 1), (holding(1, 1, date(2020, 1, 1)),))

    assert default_end(inst, date(2026, 3, 1)) == date(2026, 7, 1)


def test_default_end_with_paid_until_far_ahead_and_nothing_due_renews_from_paid_until() -> None:
    inst = paid_until_installation(date(2028, 7, 1), (holding(1, 3, date(2024, 1, 1)),))

    assert default_end(inst, date(2026, 3, 1)) == date(2029, 7, 1)
    result = price_one(inst, date(2026, 3, 9))
    assert summary(result) == [
        ("port", KIND_FORWARD, date(2028, 7, 1), date(2029, 7, 1), 12, 3, 222),
    ]


def test_default_end_with_paid_until_off_july_runs_to_the_following_first_of_july() -> None:
    inst = paid_until_installation(date(2026, 9, 1), (holding(1, 1, date(2024, 1, 1)),))

    assert default_end(inst, date(2026, 3, 1)) == date(2027, 7, 1)


def test_with_paid_until_far_ahead_an_end_before_it_prices_nothing() -> None:
    inst = paid_until_installation(date(2028, 7, 1), (holding(1, 3, date(2024, 1, 1)),))

    result = price_one(inst, date(2026, 3, 9), end=date(2027, 7, 1))

    assert not result.has_lines
    assert (result.ssc, result.net, result.vat, result.gross) == (0, 0, 0, 0)
    assert result.installations[0].charges == ()
    assert result.earliest_end == date(2027, 7, 1)


def test_a_common_end_applies_to_every_installation_instead_of_their_defaults() -> None:
    first = paid_until_installation(date(2026, 7, 1), (holding(1, 1, date(2020, 1, 1)),), id=1)
    second = installation((holding(2, 1, date(2026, 3, 2)),), id=2)

    own = price(installations=[first, second], quote_date=date(2026, 3, 9), book=BOOK)
    common = price(
        installations=[first, second],
        quote_date=date(2026, 3, 9),
        book=BOOK,
        end=date(2027, 1, 1),
    )

    assert [i.end for i in own.installations] == [date(2027, 7, 1), date(2026, 7, 1)]
    assert own.earliest_end == date(2026, 7, 1)
    assert [i.end for i in common.installations] == [date(2027, 1, 1), date(2027, 1, 1)]
    assert [(line.installation_id, line.start, line.end) for line in common.lines] == [
        (1, date(2026, 7, 1), date(2027, 1, 1)),
        (2, date(2026, 3, 1), date(2027, 1, 1)),
    ]


# --- exclusions, ended holdings and errors ------------------------------------------------------


def test_not_covered_and_rented_licenses_are_listed_as_excluded_and_never_charged() -> None:
    ports = holding(1, 5, date(2025, 1, 1))
    recording = holding(2, 5, date(2025, 1, 1), code="recording", covered=False)
    rented = holding(3, 7, date(2025, 1, 1), rented=True)
    inst = installation((rented, recording, ports))

    result = price_one(inst, date(2026, 2, 3))

    [only] = result.installations
    assert [(e.holding_id, e.license_code, e.quantity, e.reason) for e in only.excluded] == [
        (2, "recording", 5, REASON_NOT_COVERED),
        (3, "port", 7, REASON_RENTED),
    ]
    assert {hid for line in result.lines for hid in line.holding_ids} == {1}
    assert [c.holding_id for c in only.charges] == [1]


def test_a_not_covered_license_needs_no_rate_in_the_price_book() -> None:
    inst = installation((holding(1, 5, date(2025, 1, 1), code="recording", covered=False),))

    result = price_one(inst, date(2026, 2, 3))

    assert not result.has_lines


def test_an_ended_holding_is_not_charged_for_months_at_or_after_its_end() -> None:
    kept = holding(1, 2, date(2024, 1, 1))
    removed = holding(2, 3, date(2024, 1, 1), ended_on=date(2026, 10, 1))
    gone_before = holding(3, 4, date(2024, 1, 1), ended_on=date(2026, 7, 1))
    holdings = (kept, removed, gone_before)
    inst = paid_until_installation(date(2026, 7, 1), holdings)

    result = price_one(inst, date(2026, 5, 4))

    assert summary(result) == [
        ("port", KIND_FORWARD, date(2026, 7, 1), date(2026, 10, 1), 3, 3, 56),
        ("port", KIND_FORWARD, date(2026, 7, 1), date(2027, 7, 1), 12, 2, 148),
    ]
    assert [c.holding_id for c in result.installations[0].charges] == [1, 2]


def test_an_ended_holding_still_pays_its_unpaid_months_before_it_ended() -> None:
    removed = holding(1, 1, date(2024, 1, 1), ended_on=date(2025, 10, 1))
    inst = paid_until_installation(date(2025, 7, 1), (removed,))

    result = price_one(inst, date(2026, 3, 2))

    assert summary(result) == [
        ("port", KIND_RETROACTIVE, date(2025, 7, 1), date(2025, 10, 1), 3, 1, 37),
    ]


def test_holdings_of_the_same_type_and_months_share_one_line() -> None:
    a = holding(7, 2, date(2024, 1, 1))
    b = holding(3, 5, date(2024, 6, 1))
    inst = paid_until_installation(date(2026, 7, 1), (a, b))

    result = price_one(inst, date(2026, 5, 4))

    [line] = result.lines
    assert (line.quantity, line.holding_ids, line.ssc) == (7, (3, 7), 518)


def test_a_covered_license_without_a_rate_names_the_missing_code() -> None:
    inst = installation(
        (holding(1, 1, date(2025, 1, 1), code="hotel-x"), holding(2, 1, date(2025, 1, 1)))
    )

    with pytest.raises(PricingError) as raised:
        price_one(inst, date(2026, 2, 3))

    assert raised.value.code == ERROR_MISSING_RATE
    assert "hotel-x" in str(raised.value)
    assert raised.value.params["license_codes"] == ("hotel-x",)


@pytest.mark.parametrize("end", [date(2026, 3, 1), date(2026, 2, 1), date(2025, 7, 1)])
def test_an_end_not_after_the_start_is_refused(end: date) -> None:
    inst = installation((holding(1, 1, date(2025, 1, 1)),))

    with pytest.raises(PricingError) as raised:
        price_one(inst, date(2026, 3, 17), end=end)

    assert raised.value.code == ERROR_END_NOT_AFTER_START
    assert "2026-03-01" in str(raised.value)


def test_an_end_that_is_not_a_first_of_month_is_refused() -> None:
    inst = installation((holding(1, 1, date(2025, 1, 1)),))

    with pytest.raises(PricingError) as raised:
        price_one(inst, date(2026, 3, 17), end=date(2026, 7, 15))

    assert raised.value.code == ERROR_END_NOT_FIRST_OF_MONTH


def test_an_end_one_month_after_the_start_is_allowed_when_chosen() -> None:
    inst = installation((holding(1, 12, date(2025, 1, 1)),))
    inst = replace(inst, periods=(PeriodIn(date(2025, 1, 1), date(2026, 3, 1), frozenset({1})),))

    result = price_one(inst, date(2026, 3, 17), end=date(2026, 4, 1))

    assert summary(result) == [
        ("port", KIND_FORWARD, date(2026, 3, 1), date(2026, 4, 1), 1, 12, 74),
    ]


def test_an_offer_without_installations_is_refused() -> None:
    with pytest.raises(PricingError):
        price(installations=[], quote_date=date(2026, 3, 17), book=BOOK)


def test_a_non_integer_retroactive_factor_is_priced_exactly() -> None:
    inst = paid_until_installation(date(2025, 7, 1), (holding(1, 1, date(2020, 3, 10)),))
    book = replace(BOOK, retroactive_factor=Decimal("1.5"))

    result = price(installations=[inst], quote_date=date(2026, 6, 20), book=book)

    # 74 × 11 × 1.5 / 12 = 101.75 → 102
    assert summary(result)[0] == (
        "port",
        KIND_RETROACTIVE,
        date(2025, 7, 1),
        date(2026, 6, 1),
        11,
        1,
        102,
    )
    assert result.lines[0].factor == Decimal("1.5")


def test_months_between_counts_calendar_months_and_ignores_days() -> None:
    assert months_between(date(2025, 7, 1), date(2026, 7, 1)) == 12
    assert months_between(date(2026, 1, 31), date(2026, 2, 1)) == 1
    assert months_between(date(2026, 7, 1), date(2026, 7, 1)) == 0
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 1), -13) == date(2024, 12, 1)


def test_due_date_is_the_end_of_the_latest_period_that_paid_else_the_activation_month() -> None:
    h = holding(1, 1, date(2023, 4, 18))
    periods = (
        PeriodIn(date(2024, 7, 1), date(2025, 7, 1), frozenset({1})),
        PeriodIn(date(2023, 7, 1), date(2024, 7, 1), frozenset({1})),
        PeriodIn(date(2025, 7, 1), date(2026, 7, 1), frozenset({2})),
    )

    assert due_date(h, periods) == date(2025, 7, 1)
    assert due_date(h, ()) == date(2023, 4, 1)
    assert paid_until(periods) == date(2026, 7, 1)


def test_acceptance_makes_one_period_per_distinct_due_date_up_to_the_end() -> None:
    twenty = holding(1, 20, date(2024, 5, 2))
    five = holding(2, 5, date(2026, 1, 20))
    three = holding(3, 3, date(2026, 2, 2))
    accepted = PeriodIn(date(2025, 7, 1), date(2026, 7, 1), frozenset({1}))
    inst = installation((twenty, five, three), (accepted,))

    result = price_one(inst, date(2026, 3, 5), end=date(2027, 7, 1))

    section = result.installations[0]
    assert acceptance_periods(section.charges, end=section.end) == (
        PeriodIn(date(2026, 1, 1), date(2027, 7, 1), frozenset({2})),
        PeriodIn(date(2026, 2, 1), date(2027, 7, 1), frozenset({3})),
        PeriodIn(date(2026, 7, 1), date(2027, 7, 1), frozenset({1})),
    )


# --- firmware warnings --------------------------------------------------------------------------


def test_firmware_released_more_than_three_years_before_the_newest_gets_a_warning() -> None:
    inst = installation((holding(1, 1, date(2025, 1, 1)),), firmware_released_on=date(2021, 6, 1))

    result = price_one(inst, date(2026, 3, 2), newest_firmware_release=date(2025, 6, 2))

    assert result.installations[0].warnings == (WARNING_OLD_FIRMWARE,)


def test_firmware_exactly_three_years_older_than_the_newest_gets_no_warning() -> None:
    inst = installation((holding(1, 1, date(2025, 1, 1)),), firmware_released_on=date(2022, 6, 2))

    result = price_one(inst, date(2026, 3, 2), newest_firmware_release=date(2025, 6, 2))

    assert result.installations[0].warnings == ()


def test_old_firmware_is_not_judged_without_a_newest_release() -> None:
    inst = installation((holding(1, 1, date(2025, 1, 1)),), firmware_released_on=date(2012, 6, 1))

    assert price_one(inst, date(2026, 3, 2)).installations[0].warnings == ()


def test_an_unknown_firmware_version_gets_a_warning() -> None:
    inst = installation((holding(1, 1, date(2025, 1, 1)),), firmware_released_on=None)

    result = price_one(inst, date(2026, 3, 2), newest_firmware_release=date(2025, 6, 2))

    assert result.installations[0].warnings == (WARNING_UNKNOWN_FIRMWARE,)


def test_skypbx_installations_get_no_firmware_warning() -> None:
    cloud = installation(
        (holding(1, 1, date(2025, 1, 1)),),
        id=1,
        deployment=DEPLOYMENT_SKYPBX,
        firmware_released_on=None,
    )
    local = installation((holding(2, 1, date(2025, 1, 1)),), id=2)

    result = price(
        installations=[cloud, local],
        quote_date=date(2026, 3, 2),
        book=BOOK,
        newest_firmware_release=date(2025, 6, 2),
    )

    assert [i.warnings for i in result.installations] == [(), ()]


# --- properties ---------------------------------------------------------------------------------

CODES = ("port", "uc", "switchboard", "voicemail")
FIRST_MONTH = 2015 * 12
LAST_MONTH = 2031 * 12


def month(index: int) -> date:
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, 1)


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


# Strategies are built once: building them inside every draw dominated the suite's runtime.
_holding_fields = st.tuples(
    st.sampled_from((*CODES, "recording")),
    st.dates(date(2016, 1, 1), date(2030, 12, 31)),
    st.none() | st.integers(min_value=1, max_value=60),  # months from activation to its end
    st.integers(min_value=0, max_value=5).map(lambda n: n == 0),  # rented, now and then
    st.integers(min_value=1, max_value=100),
)
_period_fields = st.tuples(
    st.integers(min_value=FIRST_MONTH, max_value=LAST_MONTH),
    st.integers(min_value=1, max_value=36),
    st.integers(min_value=1, max_value=2**10 - 1),  # which holdings it pays for, as a bit mask
)


def holdings_strategy(first_id: int = 1) -> st.SearchStrategy[tuple[HoldingIn, ...]]:
    def build(fields: list[tuple[str, date, int | None, bool, int]]) -> tuple[HoldingIn, ...]:
        return tuple(
            HoldingIn(
                id=first_id + n,
                license_code=code,
                license_name=code.title(),
                covered=code != "recording",
                rented=rented,
                quantity=quantity,
                activated_on=activated_on,
                ended_on=(
                    None
                    if ended_after is None
                    else add_months(first_of_month(activated_on), ended_after)
                ),
            )
            for n, (code, activated_on, ended_after, rented, quantity) in enumerate(fields)
        )

    return st.lists(_holding_fields, min_size=1, max_size=10).map(build)


def periods_strategy(holding_ids: tuple[int, ...]) -> st.SearchStrategy[tuple[PeriodIn, ...]]:
    """Random agreement periods in which no holding is ever paid twice for a month."""

    def build(fields: list[tuple[int, int, int]]) -> tuple[PeriodIn, ...]:
        paid: dict[int, list[tuple[int, int]]] = {hid: [] for hid in holding_ids}
        periods = []
        for start, length, mask in fields:
            end = start + length
            wanted = [hid for bit, hid in enumerate(holding_ids) if mask >> bit & 1]
            free = {hid for hid in wanted if all(e <= start or end <= s for s, e in paid[hid])}
            if not free:
                continue
            for hid in free:
                paid[hid].append((start, end))
            periods.append(PeriodIn(month(start), month(end), frozenset(free)))
        return tuple(periods)

    return st.lists(_period_fields, max_size=6).map(build)


@st.composite
def installation_strategy(
    draw: st.DrawFn, id: int = 1, first_holding_id: int = 1
) -> InstallationIn:
    holdings = draw(holdings_strategy(first_holding_id))
    periods = draw(periods_strategy(tuple(h.id for h in holdings)))
    return InstallationIn(
        id=id,
        name=f"PBX {id}",
        deployment=DEPLOYMENT_ON_PREMISE,
        firmware_version="14r2",
        firmware_released_on=date(2023, 5, 1),
        holdings=holdings,
        periods=periods,
    )


def hundredths(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(min_value=low, max_value=high).map(lambda n: Decimal(n) / 100)


books = st.builds(
    PriceBookIn,
    nok_per_ssc=hundredths(0, 1000),
    retroactive_factor=hundredths(100, 400),
    vat_rate=hundredths(0, 50),
    rates=st.fixed_dictionaries({code: st.integers(min_value=0, max_value=400) for code in CODES}),
)
quote_dates = st.dates(date(2020, 1, 1), date(2030, 12, 31))
common_ends = st.none() | st.integers(min_value=1, max_value=36)


def end_for(quote_date: date, months_ahead: int | None) -> date | None:
    return None if months_ahead is None else add_months(first_of_month(quote_date), months_ahead)


@settings(max_examples=500)
@given(
    installations=st.integers(min_value=1, max_value=3).flatmap(
        lambda count: st.tuples(
            *(installation_strategy(id=i + 1, first_holding_id=i * 100 + 1) for i in range(count))
        )
    ),
    quote_date=quote_dates,
    book=books,
    months_ahead=common_ends,
)
def test_totals_are_the_sums_of_the_lines_and_nothing_is_negative(
    installations: tuple[InstallationIn, ...],
    quote_date: date,
    book: PriceBookIn,
    months_ahead: int | None,
) -> None:
    result = price(
        installations=installations,
        quote_date=quote_date,
        book=book,
        end=end_for(quote_date, months_ahead),
    )

    assert result.ssc == sum(line.ssc for line in result.lines)
    assert result.net == sum((line.nok for line in result.lines), Decimal(0))
    assert result.vat == round_ore(result.net * book.vat_rate)
    assert result.gross == result.net + result.vat
    assert result.lines == tuple(line for i in result.installations for line in i.lines)
    for inst in result.installations:
        assert inst.ssc == sum(line.ssc for line in inst.lines)
        assert inst.nok == sum((line.nok for line in inst.lines), Decimal(0))
        assert inst.end > result.start
    for line in result.lines:
        assert line.months == months_between(line.start, line.end) > 0
        assert line.quantity > 0
        assert line.ssc >= 0 and line.nok >= 0
        assert line.ssc == line_ssc(
            quantity=line.quantity,
            ssc_per_year=line.ssc_per_year,
            months=line.months,
            factor=line.factor,
        )
        assert line.nok == round_ore(line.ssc * book.nok_per_ssc)
    assert min(result.ssc, result.net, result.vat, result.later_ssc, result.later_nok) >= 0


@settings(max_examples=500)
@given(inst=installation_strategy(), quote_date=quote_dates, book=books, months_ahead=common_ends)
def test_paying_in_advance_never_costs_more_than_paying_retroactively_later(
    inst: InstallationIn, quote_date: date, book: PriceBookIn, months_ahead: int | None
) -> None:
    result = price(
        installations=[inst],
        quote_date=quote_date,
        book=book,
        end=end_for(quote_date, months_ahead),
    )

    forward = [line for line in result.lines if line.kind == KIND_FORWARD]
    assert result.later_ssc >= sum(line.ssc for line in forward)
    assert result.later_nok >= sum((line.nok for line in forward), Decimal(0))
    for line in result.lines:
        later = line_ssc(
            quantity=line.quantity,
            ssc_per_year=line.ssc_per_year,
            months=line.months,
            factor=book.retroactive_factor,
        )
        at_par = line_ssc(
            quantity=line.quantity,
            ssc_per_year=line.ssc_per_year,
            months=line.months,
            factor=Decimal(1),
        )
        assert later >= at_par
        if line.kind == KIND_RETROACTIVE:
            assert line.ssc >= at_par


@settings(max_examples=500)
@given(
    inst=installation_strategy(),
    quote_date=quote_dates,
    book=books,
    months_ahead=common_ends,
    data=st.data(),
)
def test_the_result_does_not_depend_on_the_order_of_holdings_and_periods(
    inst: InstallationIn,
    quote_date: date,
    book: PriceBookIn,
    months_ahead: int | None,
    data: st.DataObject,
) -> None:
    shuffled = replace(
        inst,
        holdings=tuple(data.draw(st.permutations(inst.holdings))),
        periods=tuple(data.draw(st.permutations(inst.periods))),
    )
    end = end_for(quote_date, months_ahead)

    assert price(installations=[shuffled], quote_date=quote_date, book=book, end=end) == price(
        installations=[inst], quote_date=quote_date, book=book, end=end
    )


@settings(max_examples=500)
@given(
    quote_date=quote_dates,
    book=books,
    activated_on=st.dates(date(2016, 1, 1), date(2030, 12, 31)),
)
def test_one_port_for_twelve_forward_months_costs_exactly_the_book_rate(
    quote_date: date, book: PriceBookIn, activated_on: date
) -> None:
    start = first_of_month(quote_date)
    # Paid up to the start, so every month charged is forward.
    port = holding(1, 1, min(activated_on, quote_date))
    paid = PeriodIn(add_months(start, -3), start, frozenset({1}))
    inst = installation((port,), (paid,))

    result = price(
        installations=[inst], quote_date=quote_date, book=book, end=add_months(start, 12)
    )

    [line] = result.lines
    assert (line.kind, line.months, line.quantity) == (KIND_FORWARD, 12, 1)
    assert line.ssc == result.ssc == book.rates["port"]
    assert result.net == round_ore(book.rates["port"] * book.nok_per_ssc)


def expected_kinds(h: HoldingIn, inst: InstallationIn, start: date, end: date) -> dict[date, str]:
    """An independent month-by-month oracle of the rule in docs/DOMAIN.md#the-pricing-rule."""
    first = max(due_date(h, inst.periods), first_of_month(h.activated_on))
    stop = end if h.ended_on is None else min(end, h.ended_on)
    kinds = {}
    for index in range(month_index(first), month_index(stop)):
        m = month(index)
        if m >= start:
            kinds[m] = KIND_FORWARD
        elif any(p.start <= m < p.end for p in inst.periods):
            kinds[m] = KIND_COTERM
        else:
            kinds[m] = KIND_RETROACTIVE
    return kinds


@settings(max_examples=500)
@given(inst=installation_strategy(), quote_date=quote_dates, book=books, months_ahead=common_ends)
def test_every_charged_month_lies_between_due_and_end_before_ended_on_with_the_right_kind(
    inst: InstallationIn, quote_date: date, book: PriceBookIn, months_ahead: int | None
) -> None:
    result = price(
        installations=[inst],
        quote_date=quote_date,
        book=book,
        end=end_for(quote_date, months_ahead),
    )

    [priced] = result.installations
    charged: dict[int, dict[date, str]] = {h.id: {} for h in inst.holdings}
    by_id = {h.id: h for h in inst.holdings}
    for line in result.lines:
        for hid in line.holding_ids:
            h = by_id[hid]
            assert h.covered and not h.rented
            assert line.license_code == h.license_code
            assert line.start >= due_date(h, inst.periods)
            assert line.end <= priced.end
            assert h.ended_on is None or line.end <= h.ended_on
            for index in range(month_index(line.start), month_index(line.end)):
                assert month(index) not in charged[hid], "a month charged twice"
                charged[hid][month(index)] = line.kind
    for h in inst.holdings:
        chargeable = h.covered and not h.rented
        expected = expected_kinds(h, inst, result.start, priced.end) if chargeable else {}
        assert charged[h.id] == expected
    charges = {c.holding_id: c for c in priced.charges}
    assert set(charges) == {hid for hid, months in charged.items() if months}
    for hid, charge in charges.items():
        assert charge.due == due_date(by_id[hid], inst.periods)
        assert charge.quantity == by_id[hid].quantity


@settings(max_examples=500)
@given(inst=installation_strategy(), quote_date=quote_dates, book=books, months_ahead=common_ends)
def test_consecutive_months_of_one_holding_with_the_same_kind_form_one_run(
    inst: InstallationIn, quote_date: date, book: PriceBookIn, months_ahead: int | None
) -> None:
    result = price(
        installations=[inst],
        quote_date=quote_date,
        book=book,
        end=end_for(quote_date, months_ahead),
    )

    runs: dict[int, list[tuple[date, date, str]]] = {h.id: [] for h in inst.holdings}
    for line in result.lines:
        for hid in line.holding_ids:
            runs[hid].append((line.start, line.end, line.kind))
    for holding_runs in runs.values():
        holding_runs.sort()
        for (_, a_end, a_kind), (b_start, _, b_kind) in zip(
            holding_runs, holding_runs[1:], strict=False
        ):
            assert not (a_end == b_start and a_kind == b_kind), "a run split in two"


@settings(max_examples=500)
@given(inst=installation_strategy(), quote_date=quote_dates, book=books, months_ahead=common_ends)
def test_after_acceptance_the_same_quote_prices_nothing(
    inst: InstallationIn, quote_date: date, book: PriceBookIn, months_ahead: int | None
) -> None:
    end = end_for(quote_date, months_ahead)
    [priced] = price(installations=[inst], quote_date=quote_date, book=book, end=end).installations
    new_periods = acceptance_periods(priced.charges, end=priced.end)
    accepted = replace(inst, periods=inst.periods + new_periods)

    again = price(installations=[accepted], quote_date=quote_date, book=book, end=priced.end)

    assert not again.has_lines
    assert again.installations[0].charges == ()
    # Accepting keeps the invariant: no holding is paid twice for one month.
    for h in accepted.holdings:
        paying = sorted((p.start, p.end) for p in accepted.periods if h.id in p.holding_ids)
        assert all(
            a_end <= b_start for (_, a_end), (b_start, _) in zip(paying, paying[1:], strict=False)
        )


@settings(max_examples=500)
@given(inst=installation_strategy(), quote_date=quote_dates)
def test_the_default_end_is_a_first_of_month_after_the_start_and_never_one_month_by_default(
    inst: InstallationIn, quote_date: date
) -> None:
    start = first_of_month(quote_date)
    end = default_end(inst, start)
    until = paid_until(inst.periods)

    assert end.day == 1 and end > start
    if until is None or until <= start:
        assert end.month == 7 and months_between(start, end) >= 2
    elif end != until:
        assert end.month == 7 and months_between(until, end) >= 2
