"""Agreement history in the CSV import (docs/IMPORT.md, columns paid_until and periods): manual
periods created through the period service, the same "never paid twice" rule as the installation
page, and a warning for installations that would be charged years of retroactive months."""

from datetime import date

import pytest

from common.errors import DomainError
from customers import services
from customers.models import AgreementPeriod, Customer, Installation, LicenseHolding, PeriodSource
from tests.conftest import TODAY
from tests.customers.test_csv_import import confirm, csv_file, upload

HEADER = "customer;installation;deployment;license_code;quantity;activated_on;rented;" \
         "paid_until;periods"


def csv(*rows: str) -> str:
    return HEADER + "\n" + "\n".join(rows) + "\n"


def counts() -> tuple[int, int, int, int]:
    return (Customer.objects.count(), Installation.objects.count(),
            LicenseHolding.objects.count(), AgreementPeriod.objects.count())


def holdings_of(period: AgreementPeriod) -> list[tuple[str, int]]:
    return sorted(period.holdings.values_list("license_type__code", "quantity"))


# --- paid_until ------------------------------------------------------------------------------


@pytest.mark.parametrize("paid_until", ["2026-07", "2026-07-01", "01.07.2026", " 1.7.2026 "])
def test_paid_until_creates_one_manual_period_of_twelve_months_paying_for_the_licenses(
    client, user_a, paid_until
):
    text = csv(
        f"Fjellet AS;Kontor;;port;10;2023-05-15;;{paid_until};",
        "Fjellet AS;Kontor;;uc;4;2025-09-01;;;",  # activated mid-period: paid from its start
        "Fjellet AS;Kontor;;voicemail;2;2026-02-12;;;",
        "Fjellet AS;Kontor;;port;3;2026-03-02;ja;;",  # rented: still a holding of the period
    )
    client.force_login(user_a)
    plan = upload(client, text).context["plan"]
    assert plan.errors == []
    assert [(p.start, p.end, p.line) for p in plan.new_periods] == [
        (date(2025, 7, 1), date(2026, 7, 1), 2)]
    assert confirm(client, text).status_code == 302
    period = AgreementPeriod.objects.get()
    assert (period.start, period.end, period.source) == (
        date(2025, 7, 1), date(2026, 7, 1), PeriodSource.MANUAL)
    assert holdings_of(period) == [("port", 3), ("port", 10), ("uc", 4), ("voicemail", 2)]
    assert period.note == "CSV import import.csv, line 2"
    assert period.created_by == user_a
    assert Installation.objects.get().paid_until == date(2026, 7, 1)


def test_paid_until_for_an_existing_installation_pays_for_its_recorded_licenses_too(
    client, user_a, customer_a, installation_a, holding_a, port
):
    gone = services.holding_add(installation=installation_a, license_type=port, quantity=2,
                                activated_on=date(2023, 1, 10), ended_on=date(2025, 7, 1))
    text = csv(f";{installation_a.name};;uc;5;2025-03-01;;2026-07;").replace(
        "\n;", f"\n{customer_a.name};", 1)
    client.force_login(user_a)
    assert confirm(client, text).status_code == 302
    period = AgreementPeriod.objects.get()
    assert (period.installation, period.start, period.end) == (
        installation_a, date(2025, 7, 1), date(2026, 7, 1))
    # The 10 recorded ports and the file's 5 UC; the 2 ports that ended when it began are not.
    assert holdings_of(period) == [("port", 10), ("uc", 5)]
    assert gone not in period.holdings.all()
    installation_a.refresh_from_db()
    assert installation_a.paid_until == date(2026, 7, 1)


def test_a_file_adds_history_to_customers_imported_before_without_it(client, user_a):
    client.force_login(user_a)
    without = csv("Fjellet AS;Kontor;;port;10;2021-05-15;;;",
                  "Fjellet AS;Kontor;;uc;4;2022-01-03;;;")
    assert confirm(client, without).status_code == 302
    with_history = without.replace("2021-05-15;;;", "2021-05-15;;2026-07;2021-07..2022-07")
    plan = upload(client, with_history).context["plan"]
    assert plan.errors == [] and len(plan.skipped_holdings) == 2
    assert [(p.start, p.end) for p in plan.new_periods] == [
        (date(2021, 7, 1), date(2022, 7, 1)), (date(2025, 7, 1), date(2026, 7, 1))]
    assert confirm(client, with_history).status_code == 302
    first, last = AgreementPeriod.objects.order_by("start")
    assert holdings_of(first) == holdings_of(last) == [("port", 10), ("uc", 4)]
    assert counts() == (1, 1, 2, 2)


# --- periods ---------------------------------------------------------------------------------


def test_past_periods_are_created_as_listed_each_paying_for_the_licenses_of_its_months(
    client, user_a
):
    text = csv(
        'Fjellet AS;Kontor;;port;10;2021-05-15;;;"2021-07..2022-07, 01.07.2022..2023-07"',
        "Fjellet AS;Kontor;;uc;4;2022-09-01;;;2021-07-01..2022-07|2022-07..01.07.2023",
    )
    client.force_login(user_a)
    plan = upload(client, text).context["plan"]
    assert plan.errors == []
    assert confirm(client, text).status_code == 302
    first, second = AgreementPeriod.objects.order_by("start")
    assert (first.start, first.end, second.start, second.end) == (
        date(2021, 7, 1), date(2022, 7, 1), date(2022, 7, 1), date(2023, 7, 1))
    assert holdings_of(first) == [("port", 10)]  # the UC came later
    assert holdings_of(second) == [("port", 10), ("uc", 4)]
    assert {first.source, second.source} == {PeriodSource.MANUAL}
    assert Installation.objects.get().paid_until == date(2023, 7, 1)


def test_rows_of_one_installation_that_disagree_about_its_history_are_a_row_error(
    client, user_a
):
    text = csv(
        "Fjellet AS;Kontor;;port;10;2021-05-15;;2026-07;2021-07..2022-07",
        "Fjellet AS;Kontor;;uc;4;2022-09-01;;01.07.2026;",  # the same month, written otherwise
        "Fjellet AS;Kontor;;fax;1;2022-09-01;;2025-07;",
        "Fjellet AS;Kontor;;video;1;2022-09-01;;;2021-07..2022-07|2022-07..2023-07",
    )
    client.force_login(user_a)
    response = upload(client, text)
    errors = response.context["plan"].errors
    assert [(e.line, e.column) for e in errors] == [(4, "paid_until"), (5, "periods")]
    assert "Line 2 gives this installation paid_until 2026-07" in errors[0].message
    assert "Line 2 gives this installation other periods" in errors[1].message
    assert "Confirm import" not in response.content.decode()
    with pytest.raises(DomainError):
        services.csv_import_commit(user=user_a, text=text, today=TODAY)
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(("paid_until", "periods"), [
    ("", "2021-07..2022-07|2022-01..2023-01"),  # two ranges of the file overlap
    ("2023-07", "2021-07..2022-07|2022-07..2023-07"),  # paid_until's year is listed already
    ("", "2021-07..2022-07|2021-07..2022-07"),  # the same range twice
])
def test_overlapping_history_for_the_same_licenses_is_a_row_error_and_nothing_is_written(
    client, user_a, paid_until, periods
):
    text = csv(f"Fjellet AS;Kontor;;port;10;2021-05-15;;{paid_until};{periods}")
    client.force_login(user_a)
    response = upload(client, text)
    errors = response.context["plan"].errors
    assert [(e.line, e.column) for e in errors] == [(2, "periods" if not paid_until
                                                     else "paid_until")]
    assert "already paid for 10 × Port license" in errors[0].message
    assert "(this file, line 2)" in errors[0].message
    assert "never paid twice for the same month" in errors[0].message
    assert "Confirm import" not in response.content.decode()
    response = confirm(client, text)
    assert response.status_code == 200 and "Nothing was imported" in response.content.decode()
    assert counts() == (0, 0, 0, 0)


def test_history_overlapping_a_recorded_period_is_a_row_error_naming_that_period(
    client, user_a, customer_a, installation_a, holding_a, period_a
):
    text = (HEADER + f"\n{customer_a.name};{installation_a.name};;;;;;2026-01;\n")
    client.force_login(user_a)
    errors = upload(client, text).context["plan"].errors
    assert [(e.line, e.column) for e in errors] == [(2, "paid_until")]
    assert "The period 07.2024 – 06.2025 (entered by hand) already paid for 10 × Port" in (
        errors[0].message)
    assert confirm(client, text).status_code == 200
    assert AgreementPeriod.objects.count() == 1


def test_a_range_already_recorded_is_skipped_and_the_rest_is_added(
    client, user_a, customer_a, installation_a, holding_a, period_a
):
    text = (HEADER + f"\n{customer_a.name};{installation_a.name};;;;;;2026-07;"
            "2024-07..2025-07\n")
    client.force_login(user_a)
    plan = upload(client, text).context["plan"]
    assert plan.errors == []
    assert [(p.start, p.already_recorded) for p in plan.periods] == [
        (date(2024, 7, 1), True), (date(2025, 7, 1), False)]
    assert any("already recorded" in w.message for w in plan.warnings)
    assert confirm(client, text).status_code == 302
    assert list(installation_a.periods.values_list("start", "end")) == [
        (date(2024, 7, 1), date(2025, 7, 1)), (date(2025, 7, 1), date(2026, 7, 1))]


@pytest.mark.parametrize(("row", "column", "message"), [
    ("port;10;2021-05-15;;2026-07-15;", "paid_until", "not the first day of a month"),
    ("port;10;2021-05-15;;15.07.2026;", "paid_until", "not the first day of a month"),
    ("port;10;2021-05-15;;07.2026;", "paid_until", "write the month as YYYY-MM"),
    ("port;10;2021-05-15;;juli 2026;", "paid_until", "write the month as YYYY-MM"),
    ("port;10;2021-05-15;;2026-13;", "paid_until", "write the month as YYYY-MM"),
    ("port;10;2021-05-15;;1996-07;", "paid_until", "before 1997"),
    ("port;10;2021-05-15;;2032-07;", "paid_until", "more than five years ahead"),
    ("port;10;2021-05-15;;9999-12;", "paid_until", "more than five years ahead"),
    ("port;10;2021-05-15;;;2023-07..2022-07", "periods", "end must be after the start"),
    ("port;10;2021-05-15;;;2023-07..2023-07", "periods", "end must be after the start"),
    ("port;10;2021-05-15;;;2022-07", "periods", "not a range"),
    ("port;10;2021-05-15;;;2022-07-2023-07", "periods", "not a range"),
    ("port;10;2021-05-15;;;2022-07..2023-07-15", "periods", "not the first day of a month"),
    ("port;10;2021-05-15;;;2022-07..", "periods", "not a range"),
    ("port;10;2021-05-15;;;2012-07..2013-07", "periods", "No licenses of Kontor"),
    ("port;10;2021-05-15;;2019-07;", "paid_until", "No licenses of Kontor"),
])
def test_bad_history_cells_are_named_with_their_line_and_column(
    client, user_a, row, column, message
):
    text = csv("Fjellet AS;Kontor;;uc;1;2021-05-15;;;", "Fjellet AS;Kontor;;" + row)
    client.force_login(user_a)
    errors = upload(client, text).context["plan"].errors
    assert [(e.line, e.column) for e in errors] == [(3, column)]
    assert message in errors[0].message
    assert counts() == (0, 0, 0, 0)


def test_history_needs_an_installation_and_an_on_premise_one(client, user_a):
    text = csv("Fjellet AS;;;;;;;2026-07;",
               "Fjellet AS;Sky;skypbx;port;5;2024-01-01;;2026-07;",
               "Fjellet AS;Tom;;;;;;;2024-07..2025-07")
    client.force_login(user_a)
    errors = upload(client, text).context["plan"].errors
    assert [(e.line, e.column) for e in errors] == [(2, "paid_until"), (3, "paid_until"),
                                                    (4, "periods")]
    assert "Name the installation" in errors[0].message
    assert "skyPBX includes all upgrades" in errors[1].message
    assert "No licenses of Tom" in errors[2].message


def test_an_imported_history_is_what_the_engine_prices_retroactive_months_from(client, user_a):
    """The case that started it: without a history, 2019's ports cost 81 months at 2×."""
    from quotes import pricing, selectors

    def retroactive_months() -> int:
        loaded = list(selectors.with_pricing_data(Installation.objects.all()))
        result, _book = selectors.price_installations(installations=loaded, quote_date=TODAY)
        return sum(line.months for line in result.lines
                   if line.kind == pricing.KIND_RETROACTIVE)

    client.force_login(user_a)
    assert confirm(client, csv("Fjellet AS;Kontor;;port;10;2019-06-12;;;")).status_code == 302
    assert retroactive_months() == 81
    assert confirm(client, csv("Fjellet AS;Kontor;;port;10;2019-06-12;;2025-07;")
                   ).status_code == 302
    assert retroactive_months() == 8  # lapsed since 07.2025: 2025-07..2026-03


# --- the warning -----------------------------------------------------------------------------


def test_the_preview_warns_about_installations_without_history_that_would_pay_years_back(
    client, user_a, customer_a, installation_a, holding_a, port
):
    services.installation_create(customer=customer_a, name="Lageret")  # recorded, no history
    services.holding_add(installation=customer_a.installations.get(name="Lageret"),
                         license_type=port, quantity=4, activated_on=date(2020, 1, 20))
    text = csv(
        "Fjellet AS;Gammel;;port;10;2019-06-12;;;",  # 2019-06 → 2026-03: 81 months, no history
        "Fjellet AS;Med historikk;;port;10;2019-06-12;;2026-07;",
        "Fjellet AS;Nylig;;port;10;2025-02-03;;;",  # 2025-02 → 2026-03: 13 months
        "Fjellet AS;Ett år;;port;10;2025-03-31;;;",  # 12 months: not more than 12
        "Fjellet AS;Sky;skypbx;port;10;2019-06-12;;;",
        "Fjellet AS;Leid;;port;10;2019-06-12;ja;;",
        "Fjellet AS;Utenfor SSA;;recording;2;2019-06-12;;;",
        f"{customer_a.name};Lageret;;;;;;;",  # in the database since 2020, no history
    )
    client.force_login(user_a)
    response = upload(client, text)
    plan = response.context["plan"]
    assert plan.errors == []
    warned = {w.line: w.message for w in plan.history_warnings}
    assert sorted(warned) == [2, 4, 9]
    assert "Fjellet AS – Gammel has no agreement history" in warned[2]
    assert "81 months" in warned[2] and "paid_until or periods" in warned[2]
    assert "13 months" in warned[4]
    assert f"{customer_a.name} – Lageret" in warned[9] and "74 months" in warned[9]
    html = response.content.decode()
    assert "Fjellet AS – Gammel has no agreement history" in html
    assert response.context["token"] and "Confirm import" in html  # a warning, not an error
    assert confirm(client, text).status_code == 302


def test_an_installation_with_recorded_history_gets_no_warning(
    client, user_a, customer_a, installation_a, holding_a, period_a
):
    text = HEADER + f"\n{customer_a.name};{installation_a.name};;uc;5;2019-01-01;;;\n"
    client.force_login(user_a)
    plan = upload(client, text).context["plan"]
    assert plan.errors == [] and plan.history_warnings == []


# --- twice -----------------------------------------------------------------------------------


def test_importing_a_file_with_history_twice_adds_nothing_the_second_time(client, user_a):
    text = csv(
        "Fjellet AS;Kontor;;port;10;2021-05-15;;2026-07;2021-07..2022-07|2022-07..2023-07",
        "Fjellet AS;Kontor;;uc;4;2022-09-01;;;",
        "Fjellet AS;Filial;;port;2;2024-09-01;;01.07.2025;",
    )
    client.force_login(user_a)
    assert confirm(client, text).status_code == 302
    assert counts() == (1, 2, 3, 4)
    response = upload(client, text)
    plan = response.context["plan"]
    assert plan.errors == [] and not plan.changes_anything
    assert len(plan.skipped_periods) == 4 and plan.new_periods == []
    assert "Nothing to import" in response.content.decode()
    assert confirm(client, text).status_code == 302
    assert counts() == (1, 2, 3, 4)


def test_the_history_reads_in_norwegian_for_a_norwegian_user(client, user_a):
    text = csv("Fjellet AS;Gammel;;port;10;2019-06-12;;;",
               "Fjellet AS;Kontor;;port;10;2021-05-15;;30.06.2026;")
    client.force_login(user_a)
    response = client.post("/customers/import/", {"file": csv_file(text)},
                           HTTP_ACCEPT_LANGUAGE="nb")
    html = response.content.decode()
    assert "«30.06.2026» er ikke den første dagen i en måned" in html
    text = text.replace("30.06.2026", "2026-07")
    response = client.post("/customers/import/", {"file": csv_file(text)},
                           HTTP_ACCEPT_LANGUAGE="nb")
    html = response.content.decode()
    assert "Installasjoner uten avtalehistorikk" in html
    assert "Fjellet AS – Gammel har ingen avtalehistorikk" in html and "81 måneder" in html
    assert "nye avtaleperioder" in html and "07.2025 – 06.2026" in html
