"""The CSV import of customers, installations and holdings (docs/IMPORT.md): a dry-run preview,
then an all-or-nothing commit through the services."""

from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django_tasks import default_task_backend

from common.errors import DomainError
from customers import services
from customers.import_views import CSV_SALT
from customers.imports import csv_import
from customers.models import (
    AgreementPeriod,
    Customer,
    ImportJob,
    Installation,
    LicenseHolding,
    Reseller,
)
from tests.conftest import TODAY, make_user

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-import.csv"
HEADER = ("reseller;customer;org_number;customer_email;city;installation;deployment;"
          "hardware_model;firmware_version;license_code;quantity;activated_on;rented")


def csv_file(text: str, *, bom: bool = False, name: str = "import.csv") -> SimpleUploadedFile:
    data = text.encode("utf-8")
    return SimpleUploadedFile(name, (b"\xef\xbb\xbf" if bom else b"") + data,
                              content_type="text/csv")


def upload(client, text_or_file, **kwargs):
    file = text_or_file if isinstance(text_or_file, SimpleUploadedFile) else csv_file(
        text_or_file, **kwargs)
    return client.post("/customers/import/", {"file": file})


def confirm(client, text: str):
    payload = signing.dumps({"text": text, "file": "import.csv"}, salt=CSV_SALT, compress=True)
    return post_confirm(client, payload)


def post_confirm(client, payload):
    """Confirm a previewed file, and let the worker import it (as the queued task does)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/customers/import/confirm/", {"payload": payload})
    for result in list(default_task_backend.results):
        if result.task.name == "csv_import":
            result.task.call(*result.args)
    default_task_backend.clear()
    return response


def counts() -> tuple[int, int, int]:
    return (Customer.objects.count(), Installation.objects.count(),
            LicenseHolding.objects.count())


@pytest.fixture
def vest(db):
    """The reseller the sample file names."""
    return Reseller.objects.create(name="Telekompaniet Vest AS")


@pytest.fixture
def vest_user(vest):
    return make_user("kari@vest.example.no", reseller=vest)


# --- a good file -----------------------------------------------------------------------------


def test_the_sample_file_previews_what_it_would_create_and_writes_nothing(client, staff, vest):
    client.force_login(staff)
    response = upload(client, SimpleUploadedFile("sample.csv", SAMPLE.read_bytes()))
    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.errors == []
    assert (len(plan.new_customers), len(plan.new_installations), len(plan.new_holdings)) == (
        6, 9, 23)
    assert response.context["token"]
    html = response.content.decode()
    assert "Confirm import" in html and "Åsane Rørleggerservice AS" in html
    assert len(plan.new_periods) == 9 and "07.2025 – 06.2026" in html
    # Only Ellingsøy's 10 ports from January 2020 would be charged years back: no history.
    assert [(w.line, w.message.split(" has ")[0]) for w in plan.history_warnings] == [
        (15, "Møre Fisk og Skalldyr AS – Filetfabrikken Ellingsøy")]
    assert "74 months" in plan.history_warnings[0].message
    assert counts() == (0, 0, 0) and not AgreementPeriod.objects.exists()


def test_the_sample_file_imports_exactly_as_written(client, staff, vest):
    client.force_login(staff)
    text = SAMPLE.read_text(encoding="utf-8")
    response = confirm(client, text)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/import/jobs/{job.pk}/"
    assert counts() == (6, 9, 23)
    assert (job.status, job.summary["customers"], job.text) == ("done", 6, "")
    page = client.get(response["Location"]).content.decode()
    assert "6 new customers" in page and "every 2s" not in page
    assert set(Customer.objects.values_list("reseller__name", flat=True)) == {vest.name}

    asane = Customer.objects.get(org_number="998877660")
    assert (asane.name, asane.city, asane.email) == (
        "Åsane Rørleggerservice AS", "Åsane", "firmapost@asanror.example.no")
    assert sorted(asane.installations.values_list("name", "hardware_model",
                                                  "firmware_version")) == [
        ("Hovedkontor Myrdal", "IP811", "15r1"), ("Lager Sandsli", "IP0013", "14r2")]
    myrdal = asane.installations.get(name="Hovedkontor Myrdal")
    assert sorted(myrdal.holdings.values_list("license_type__code", "quantity", "activated_on",
                                              "rented", "ended_on")) == [
        ("mobility", 8, date(2024, 3, 1), False, None),
        ("port", 25, date(2022, 9, 1), False, None),
        ("uc", 25, date(2022, 9, 1), False, None),
    ]
    floyen = Installation.objects.get(name="Klinikken Fløyen")
    assert sorted(floyen.holdings.values_list("license_type__code", "quantity",
                                              "activated_on")) == [
        ("port", 3, date(2025, 2, 14)), ("port", 12, date(2023, 5, 15)),
        ("switchboard", 1, date(2023, 5, 15)), ("voicemail", 12, date(2023, 5, 15))]
    rented = LicenseHolding.objects.get(installation__name="Filetfabrikken Ellingsøy",
                                        rented=True)
    assert (rented.quantity, rented.activated_on) == (6, date(2024, 8, 19))
    assert Installation.objects.get(name="Sky Trondheim").deployment == "skypbx"
    assert not Installation.objects.get(name="Dyrevakta Nærbø").holdings.exists()
    stord = Customer.objects.get(name="Stord Båtforening")
    assert stord.org_number == "" and stord.installations.get().holdings.count() == 2
    assert Customer.objects.get(name="Trøndelag Elektro AS").org_number == "936925812"

    assert AgreementPeriod.objects.count() == 9
    assert set(AgreementPeriod.objects.values_list("source", flat=True)) == {"manual"}
    assert [(p.start, p.end, len(p.holdings.all())) for p in myrdal.periods.all()] == [
        (date(2022, 9, 1), date(2023, 7, 1), 2), (date(2023, 7, 1), date(2024, 7, 1), 3),
        (date(2024, 7, 1), date(2025, 7, 1), 3), (date(2025, 7, 1), date(2026, 7, 1), 3)]
    paid_until = dict(Installation.objects.values_list("name", "paid_until"))
    assert paid_until == {
        "Klinikken Fløyen": date(2026, 7, 1), "Hovedkontor Myrdal": date(2026, 7, 1),
        "Lager Sandsli": date(2026, 7, 1), "Fiskebrygga": date(2025, 7, 1),
        "Klubbhuset": date(2020, 7, 1), "Filetfabrikken Ellingsøy": None,
        "Klinikk Sandnes sentrum": None, "Dyrevakta Nærbø": None, "Sky Trondheim": None}
    assert floyen.periods.get().holdings.count() == 4


@pytest.mark.parametrize(("bom", "separator"), [(True, ";"), (False, ","), (True, ",")])
def test_a_file_with_a_byte_order_mark_or_commas_keeps_the_norwegian_letters(
    client, user_a, reseller_a, bom, separator
):
    rows = [
        ["reseller", "customer", "org_number", "city", "installation", "license_code",
         "quantity", "activated_on"],
        ["", "Bjørkøy Sjømat AS", "987 654 325", "Ålesund", "Kaia", "port", "7", "01.09.2024"],
        ["Alfa Tele AS", "Bjørkøy Sjømat AS", "987654325", "", "Kaia", "voicemail", "2",
         "2024-09-01"],
        ["", "Øvre Årdal Økonomi, Regnskap og Rådgivning AS", "", "Årdal", "Hovudkontoret",
         "uc", "3", "2025-01-02"],
    ]
    text = "\r\n".join(
        separator.join(f'"{cell}"' if separator in cell else cell for cell in row)
        for row in rows) + "\r\n"
    client.force_login(user_a)
    response = upload(client, text, bom=bom)
    assert response.status_code == 200 and response.context["plan"].errors == []
    response = post_confirm(client, response.context["token"])
    assert response.status_code == 302
    fish = Customer.objects.get(name="Bjørkøy Sjømat AS")
    assert (fish.city, fish.org_number, fish.reseller) == ("Ålesund", "987654325", reseller_a)
    assert sorted(fish.installations.get(name="Kaia").holdings.values_list(
        "license_type__code", "quantity")) == [("port", 7), ("voicemail", 2)]
    other = Customer.objects.get(name="Øvre Årdal Økonomi, Regnskap og Rådgivning AS")
    assert other.installations.get().name == "Hovudkontoret"
    assert counts() == (2, 2, 3)


def test_a_reseller_user_imports_for_its_own_reseller_only(client, vest_user, vest):
    client.force_login(vest_user)
    response = confirm(client, SAMPLE.read_text(encoding="utf-8"))
    assert response.status_code == 302
    assert Customer.objects.filter(reseller=vest).count() == 6


# --- nothing or everything -------------------------------------------------------------------


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row_and_column(
    client, staff, vest
):
    text = SAMPLE.read_text(encoding="utf-8").rstrip("\n") + (
        "\nTelekompaniet Vest AS;Voss Kraft AS;;;Voss;Kraftstasjonen;;;;port;-3;2024-01-01;nei\n")
    client.force_login(staff)
    response = upload(client, text)
    assert response.status_code == 200
    errors = response.context["plan"].errors
    assert [(e.line, e.column) for e in errors] == [(26, "quantity")]
    html = response.content.decode()
    assert "Nothing has been imported" in html and "Confirm import" not in html
    assert "<td>26</td>" in html and "quantity" in html
    # Even if someone forges the confirm step, the commit refuses the whole file.
    response = confirm(client, text)
    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    assert counts() == (0, 0, 0)


def test_the_commit_refuses_the_whole_file_and_names_the_line(staff, vest):
    text = SAMPLE.read_text(encoding="utf-8").replace("mobility;8;01.03.2024",
                                                      "mobility;8;31.02.2024")
    with pytest.raises(DomainError) as refused:
        services.csv_import_commit(user=staff, text=text, today=TODAY)
    assert refused.value.messages == [
        "Line 8, column activated_on: “31.02.2024” is not a date; write YYYY-MM-DD or "
        "DD.MM.YYYY."]
    assert counts() == (0, 0, 0)


def test_a_service_refusal_during_the_commit_rolls_back_what_was_already_written(
    staff, vest, monkeypatch
):
    real_holding_add = services.holding_add
    calls = []

    def refuse_the_fifth(**kwargs):
        calls.append(kwargs)
        if len(calls) == 5:
            raise DomainError("the database said no")
        return real_holding_add(**kwargs)

    monkeypatch.setattr(services, "holding_add", refuse_the_fifth)
    with pytest.raises(DomainError) as refused:
        services.csv_import_commit(user=staff, text=SAMPLE.read_text(encoding="utf-8"),
                                   today=TODAY)
    assert refused.value.messages == ["Line 6: the database said no"]
    assert counts() == (0, 0, 0)


# --- rights ----------------------------------------------------------------------------------


def test_a_reseller_cannot_import_into_another_reseller(client, user_a, reseller_a, reseller_b):
    text = (HEADER + "\nBeta Kommunikasjon AS;Smøla Sag AS;;;Smøla;Saga;;;;port;4;2024-02-02;\n"
            "Alfa Tele AS;Hitra Hus AS;;;Hitra;Kontor;;;;port;2;2024-02-02;\n")
    client.force_login(user_a)
    response = upload(client, text)
    errors = response.context["plan"].errors
    assert [(e.line, e.column) for e in errors] == [(2, "reseller")]
    assert "only your own customers" in errors[0].message
    assert confirm(client, text).status_code == 200
    assert counts() == (0, 0, 0)


def test_staff_must_name_an_existing_reseller_on_every_row(client, staff, reseller_a):
    client.force_login(staff)
    text = (HEADER + "\n;Hitra Hus AS;;;;Kontor;;;;port;2;2024-02-02;\n"
            "Alfa Tele;Hitra Hus AS;;;;Kontor;;;;port;2;2024-02-02;\n"
            "Alfa Tele AS;Hitra Hus AS;;;;Kontor;;;;port;2;2024-02-02;\n")
    errors = upload(client, text).context["plan"].errors
    assert [(e.line, e.column) for e in errors] == [(2, "reseller"), (3, "reseller")]
    assert "No reseller is named “Alfa Tele”" in errors[1].message
    without_column = ("customer;installation;license_code;quantity;activated_on\n"
                      "A;B;port;1;2024-01-01")
    response = upload(client, without_column)
    assert "has no reseller column" in response.content.decode()


def test_a_user_of_no_reseller_cannot_import(client, outsider):
    client.force_login(outsider)
    response = client.get("/customers/import/")
    assert response.status_code == 302 and response["Location"] == "/customers/"
    assert confirm(client, SAMPLE.read_text(encoding="utf-8")).status_code == 302
    assert counts() == (0, 0, 0)


# --- existing data ---------------------------------------------------------------------------


def test_existing_customers_and_installations_are_reused_not_duplicated(
    client, user_a, customer_a, installation_a, customer_b
):
    text = (HEADER + "\n"
            # Found by org number although the name differs; its installation by name.
            ";Fjordtann AS;923 609 016;;;hovedkontor;;;;voicemail;5;2025-03-01;\n"
            # No org number here, but another row gives this name one: the same customer.
            ";Fjordtann AS;;;;Filial Os;on-premise;IP0011;14r2;port;3;2025-03-01;\n"
            # Found by name (no org number anywhere); not reseller B's customer of that name.
            ";Nordlys Regnskap AS CANARY-B;;;;Kontor;;;;;;;\n")
    client.force_login(user_a)
    plan = upload(client, text).context["plan"]
    assert plan.errors == []
    assert [c.name for c in plan.new_customers] == ["Nordlys Regnskap AS CANARY-B"]
    assert [c.existing for c in plan.reused_customers] == [customer_a]
    assert [i.name for i in plan.new_installations] == ["Filial Os", "Kontor"]
    assert [i.existing for i in plan.reused_installations] == [installation_a]
    assert confirm(client, text).status_code == 302
    assert Customer.objects.filter(org_number="923609016").count() == 1
    assert customer_a.installations.count() == 2
    assert installation_a.holdings.get().quantity == 5
    customer_a.refresh_from_db()
    assert customer_a.name == "Fjordtann AS CANARY-A"  # existing customers are not changed
    assert Customer.objects.filter(name="Nordlys Regnskap AS CANARY-B").count() == 2


def test_importing_the_same_file_twice_adds_nothing_the_second_time(client, staff, vest):
    client.force_login(staff)
    text = SAMPLE.read_text(encoding="utf-8")
    confirm(client, text)
    response = upload(client, text)
    plan = response.context["plan"]
    assert plan.errors == [] and not plan.changes_anything
    assert len(plan.skipped_holdings) == 23 and len(plan.skipped_periods) == 9
    assert "Nothing to import" in response.content.decode()
    assert not response.context["token"]
    assert counts() == (6, 9, 23) and AgreementPeriod.objects.count() == 9


def test_the_dry_run_writes_nothing(client, user_a, customer_a, installation_a):
    client.force_login(user_a)
    before = (list(Customer.objects.values()), list(Installation.objects.values()),
              list(LicenseHolding.objects.values()), User.objects.count())
    text = (HEADER + "\n;Fjordtann AS;923609016;;;Hovedkontor;;;;port;5;2025-03-01;\n"
            ";Ny Kunde AS;;;;Kontor;;;;uc;2;2025-03-01;\n")
    response = upload(client, text)
    assert response.status_code == 200 and response.context["token"]
    assert (list(Customer.objects.values()), list(Installation.objects.values()),
            list(LicenseHolding.objects.values()), User.objects.count()) == before


# --- bad input never 500s --------------------------------------------------------------------

ROW = ";Kunde AS;;;;Kontor;;;;port;5;2025-03-01;"


@pytest.mark.parametrize(("data", "message"), [
    ("Kunde;Fløyen".encode("cp1252"), "not UTF-8"),
    (b"", "file is empty"),
    (b"   \r\n  ", "The file is empty."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
    (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet file (Excel)"),
    (b"Dear reseller, here are the licenses.\nBest regards", "Missing: customer"),
    (b"customer;installation\nA;B", "Missing: license_code, quantity, activated_on"),
    (HEADER.encode(), "no rows to import"),
    ((HEADER + ";quantity\n" + ROW + ";5").encode(), "names these columns twice"),
    ((b"a\x00b"), "not a CSV file"),
])
def test_an_unusable_file_gets_a_clear_message(client, user_a, data, message):
    client.force_login(user_a)
    response = upload(client, SimpleUploadedFile("x.csv", data))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(("row", "column", "message"), [
    (";Kunde AS;;;;Kontor;;;;portx;5;2025-03-01;", "license_code", "not a license code"),
    (";Kunde AS;;;;Kontor;;;;port;0;2025-03-01;", "quantity", "at least 1"),
    (";Kunde AS;;;;Kontor;;;;port;-4;2025-03-01;", "quantity", "at least 1"),
    (";Kunde AS;;;;Kontor;;;;port;1000000;2025-03-01;", "quantity", "At most 100 000"),
    (";Kunde AS;;;;Kontor;;;;port;2.5;2025-03-01;", "quantity", "not a whole number"),
    (";Kunde AS;;;;Kontor;;;;port;fem;2025-03-01;", "quantity", "not a whole number"),
    (";Kunde AS;;;;Kontor;;;;port;;2025-03-01;", "quantity", "Give the number"),
    (";Kunde AS;;;;Kontor;;;;port;5;2025/03/01;", "activated_on", "not a date"),
    (";Kunde AS;;;;Kontor;;;;port;5;30.02.2025;", "activated_on", "not a date"),
    (";Kunde AS;;;;Kontor;;;;port;5;2026-03-06;", "activated_on", "in the future"),
    (";Kunde AS;;;;Kontor;;;;port;5;1896-01-01;", "activated_on", "before 1997"),
    (";Kunde AS;;;;Kontor;;;;port;5;;", "activated_on", "Give the date"),
    (";Kunde AS;123456789;;;Kontor;;;;port;5;2025-03-01;", "org_number", "not a valid"),
    (";Kunde AS;12345;;;Kontor;;;;port;5;2025-03-01;", "org_number", "not a valid"),
    (";Kunde AS;;ikke-en-epost;;Kontor;;;;port;5;2025-03-01;", "customer_email", "valid email"),
    (";;;;;Kontor;;;;port;5;2025-03-01;", "customer", "Name the customer"),
    (";Kunde AS;;;;;;;;port;5;2025-03-01;", "installation", "Name the installation"),
    (";Kunde AS;;;;Kontor;cloud9;;;port;5;2025-03-01;", "deployment", "not a deployment"),
    (";Kunde AS;;;;Kontor;;;;port;5;2025-03-01;kanskje", "rented", "yes or no"),
    (";Kunde AS;;;;Kontor;;;;;5;;", "license_code", "Name the license type"),
    (";Kunde AS;;;;Kontor;;IP811-med-et-altfor-langt-modellnavn-som-ingen-har;;port;5;"
     "2025-03-01;", "hardware_model", "at most 40"),
    (";Bjørnøya Værstasjon AS;;;;Kontor;;;;port;5;2025-03-01;;ekstra", "", "more cells"),
    ("Beta Kommunikasjon AS;Kunde AS;;;;Kontor;;;;port;5;2025-03-01;", "reseller",
     "only your own customers"),
])
def test_a_bad_row_is_named_with_its_line_and_column(
    client, user_a, reseller_b, row, column, message
):
    client.force_login(user_a)
    response = upload(client, HEADER + "\n" + ROW + "\n" + row + "\n")
    assert response.status_code == 200
    errors = response.context["plan"].errors
    assert [(e.line, e.column) for e in errors] == [(3, column)]
    assert message in errors[0].message
    assert "Confirm import" not in response.content.decode()
    assert counts() == (0, 0, 0)


def test_an_upload_over_two_megabytes_is_refused(client, user_a):
    client.force_login(user_a)
    big = (HEADER + "\n" + (ROW + "\n") * 50_000).encode()
    assert len(big) > csv_import.MAX_UPLOAD_BYTES
    response = upload(client, SimpleUploadedFile("big.csv", big))
    assert "larger than 2 MB" in " ".join(response.context["form"].errors["file"])


def test_a_file_of_more_than_five_thousand_rows_is_refused(client, user_a):
    client.force_login(user_a)
    response = upload(client, HEADER + "\n" + (ROW + "\n") * 5001)
    assert "more than 5000 rows" in " ".join(response.context["form"].errors["file"])


def test_a_tampered_confirmation_is_refused(client, user_a):
    client.force_login(user_a)
    response = client.post("/customers/import/confirm/", {"payload": "forged:abc"}, follow=True)
    assert "expired or is not valid" in response.content.decode()
    assert counts() == (0, 0, 0)


# --- the format helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-03-01", date(2025, 3, 1)), ("01.03.2025", date(2025, 3, 1)),
    ("1.3.2025", date(2025, 3, 1)), (" 2024-02-29 ", date(2024, 2, 29)),
    ("2025-02-29", None), ("03/01/2025", None), ("01.03.25", None), ("", None),
])
def test_dates_are_iso_or_norwegian(text, expected):
    assert csv_import.parse_date(text) == expected


@pytest.mark.parametrize("text", ["923609016", "923 609 016", "NO 923 609 016 MVA",
                                  "923.609.016", "923-609-016"])
def test_org_numbers_are_read_the_way_people_write_them(text):
    assert csv_import.clean_org_number(text) == "923609016"


def test_the_delimiter_is_sniffed_from_the_header_line():
    assert csv_import.read_csv("customer,installation,license_code,quantity,activated_on\n"
                               "A;B,C,port,1,2024-01-01").rows[0].cells["customer"] == "A;B"
    assert csv_import.read_csv("sep=,\ncustomer,installation,license_code,quantity,"
                               "activated_on\nA,B,port,1,2024-01-01").delimiter == ","


def test_the_sample_file_has_norwegian_data_and_every_column():
    text = SAMPLE.read_text(encoding="utf-8")
    parsed = csv_import.read_csv(text)
    assert tuple(parsed.columns) == csv_import.COLUMNS
    assert all(letter in text for letter in "æøåÅ")


# --- strict reading --------------------------------------------------------------------------


def test_a_customer_name_with_an_opening_quote_and_no_closing_one_is_refused_at_its_line(
    client, user_a
):
    text = (HEADER + "\n" + ROW + "\n"
            + ';"Bjørnøya Værstasjon AS;;;;Kontor;;;;port;5;2025-03-01;\n'
            + ROW.replace("Kunde AS", "Hopen Havn AS") + "\n"
            + ROW.replace("Kunde AS", "Jan Mayen Drift AS") + "\n")
    client.force_login(user_a)
    response = upload(client, text)
    assert response.status_code == 200 and "plan" not in response.context
    message = " ".join(response.context["form"].errors["file"])
    assert "Line 3" in message and "never closed" in message
    assert counts() == (0, 0, 0)
    with pytest.raises(DomainError) as refused:
        services.csv_import_commit(user=user_a, text=text, today=TODAY)
    assert "Line 3" in refused.value.message
    assert counts() == (0, 0, 0)


def test_a_broken_quote_is_refused_in_norwegian_for_a_norwegian_user(client, user_a):
    text = HEADER + "\n" + ROW + "\n" + ';"Bjørnøya Værstasjon AS;;;;Kontor;;;;port;5;;\n'
    client.force_login(user_a)
    response = client.post("/customers/import/", {"file": csv_file(text)},
                           HTTP_ACCEPT_LANGUAGE="nb")
    message = " ".join(response.context["form"].errors["file"])
    assert "Linje 3" in message and "aldri lukkes" in message


@pytest.mark.parametrize(("text", "line", "words"), [
    # The broken field starts on the third line of a record that begins on line 2.
    ('customer;installation;license_code;quantity;activated_on\n"Fjord\nTann\nAS";"Kontor\n'
     'nord;port;1;2024-01-01\nB;C;port;1;2024-01-01\n', 4, "never closed"),
    ('customer;installation;license_code;quantity;activated_on\nA;B;port;1;2024-01-01\n'
     '"Kunde" AS;Kontor;port;1;2024-01-01\n', 3, "after the closing quote"),
    ('customer;installation;license_code;quantity;activated_on\n"A;B;port;1;2024-01-01\n',
     2, "never closed"),
    ('"customer;installation;license_code;quantity;activated_on\nA;B;port;1;2024-01-01\n',
     1, "never closed"),
])
def test_every_broken_quote_names_the_line_where_its_field_starts(text, line, words):
    with pytest.raises(csv_import.ImportFileError) as refused:
        csv_import.read_csv(text)
    assert f"Line {line}:" in refused.value.message and words in refused.value.message


def test_quotes_inside_an_unquoted_value_are_just_characters():
    parsed = csv_import.read_csv('customer;installation;license_code;quantity;activated_on\n'
                                 'Kunde "Best" AS;Kontor;port;1;2024-01-01\n')
    assert parsed.rows[0].cells["customer"] == 'Kunde "Best" AS'


def test_a_large_file_is_committed_in_the_background_with_progress(client, staff, vest,
                                                                   monkeypatch):
    """The commit runs in the worker: the request answers at once with the job's page, which
    follows the progress the commit reports to the shared cache until the file is in."""
    from customers import services as customer_services

    client.force_login(staff)
    text = SAMPLE.read_text(encoding="utf-8")
    payload = signing.dumps({"text": text, "file": "big.csv"}, salt=CSV_SALT, compress=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/customers/import/confirm/", {"payload": payload})
    job = ImportJob.objects.get()
    assert counts() == (0, 0, 0), "nothing imported in the request"
    page = client.get(response["Location"]).content.decode()
    assert "every 2s" in page and "big.csv" in page
    seen = []
    real = customer_services.csv_import_commit

    def watched(**kwargs):
        progress = kwargs["progress"]
        kwargs["progress"] = lambda done, steps: (progress(done, steps),
                                                  seen.append(customer_services.import_progress(
                                                      job)))
        return real(**kwargs)

    monkeypatch.setattr(customer_services, "csv_import_commit", watched)
    (queued,) = default_task_backend.results
    queued.task.call(*queued.args)
    assert seen and seen[-1][0] == seen[-1][1] and seen == sorted(seen)
    assert counts() == (6, 9, 23)
    assert customer_services.import_progress(job) is None, "the progress is cleared"
    queued.task.call(*queued.args)  # a second run changes nothing
    assert counts() == (6, 9, 23)


def test_someone_elses_import_job_answers_404(client, staff, user_a, vest):
    job = ImportJob.objects.create(created_by=staff, filename="x.csv", text="")
    client.force_login(user_a)
    assert client.get(f"/customers/import/jobs/{job.pk}/").status_code == 404


def test_a_file_imported_by_the_worker_is_in_the_history_as_the_importer_s(staff, vest):
    job = ImportJob.objects.create(created_by=staff, filename="sample.csv",
                                   text=SAMPLE.read_text(encoding="utf-8"))
    services.csv_import_run(job_id=job.pk, today=TODAY)  # no request: as in the worker
    authors = {record.history_user for model in (Customer, Installation, LicenseHolding)
               for record in model.history.all()}
    assert authors == {staff}
