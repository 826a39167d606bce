"""The customer's side (docs/DOMAIN.md#customer-acceptance-and-notifications): an offer sent
with a personal acceptance link, answered online through the one acceptance service with the
evidence, notifications per user setting, reminders once each, and deliveries that are never
silently lost."""

import hashlib
import logging
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.utils import translation
from django_tasks import default_task_backend

from customers.models import AgreementPeriod
from quotes import services
from quotes.models import (
    Acceptance,
    NotificationSettings,
    OutgoingEmail,
    Quote,
    QuoteEvent,
)
from tests.conftest import make_user
from tests.quotes.factories import example_d

ISSUE_DAY = date(2026, 3, 5)  # the suite's frozen clock
LINK = re.compile(r"https://ssa\.example\.no(/o/[A-Za-z0-9_-]+/)")


def run_tasks():
    """What the worker does: run the queued tasks until none is left (each commits, so what it
    queues on commit is queued)."""
    while default_task_backend.results:
        results = list(default_task_backend.results)
        default_task_backend.clear()
        for result in results:
            with TestCase.captureOnCommitCallbacks(execute=True):
                result.task.call(*result.args, **result.kwargs)


@pytest.fixture
def offer(staff, user_a, customer_a, django_capture_on_commit_callbacks):
    """Example D issued today with its signed PDF: 12 ports, lapsed since July 2024."""
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    with django_capture_on_commit_callbacks(execute=True):
        quote = services.quote_issue(quote=draft, user=staff, today=ISSUE_DAY)
    run_tasks()
    mail.outbox.clear()
    quote.refresh_from_db()
    return quote


def send(quote, user, capture, to="kunde@fjordtann.example.no"):
    with capture(execute=True):
        services.quote_send_to_customer(quote=quote, user=user, to=[to], cc=[], message="Hei")
    run_tasks()
    sent = next(m for m in mail.outbox if to in m.to)
    return LINK.search(sent.body).group(1), sent


def test_the_customer_s_page_links_to_nothing_that_needs_a_login(
        client, offer, user_a, django_capture_on_commit_callbacks):
    path, _sent = send(offer, user_a, django_capture_on_commit_callbacks)
    for page in (path, f"{path}accept/", f"{path}decline/"):
        html = client.get(page).content.decode()
        links = set(re.findall(r'href="(/[^"]*)"', html))
        assert links and all(link.startswith(("/o/", "/verify/", "/static/", "/favicon"))
                             for link in links), (page, links)


def test_the_offer_mail_greets_the_contact_and_is_signed_for_the_sender_s_firm(
        offer, staff, user_a, customer_a, django_capture_on_commit_callbacks):
    user_a.first_name, user_a.last_name = "Kari", "Nordmann"
    user_a.save()
    _path, sent = send(offer, user_a, django_capture_on_commit_callbacks)
    # No contact person recorded: the customer by name. A reseller's user signs for it.
    assert sent.body.startswith(f"Hei {offer.customer_name},")
    assert "Kari Nordmann\nAlfa Tele AS\n" in sent.body
    assert "fra Nordic Unified AS" in sent.body
    assert "via forhandleren deres Alfa Tele AS" in sent.body
    customer_a.contact_name = "Ola Tannlege"
    customer_a.save()
    mail.outbox.clear()
    _path, sent = send(Quote.objects.get(pk=offer.pk), staff, django_capture_on_commit_callbacks,
                       to="ola@fjordtann.no")
    assert sent.body.startswith("Hei Ola Tannlege,")
    assert sent.body.rstrip().endswith("Nordic Unified AS"), "staff sign for the distributor"


def test_sending_mails_the_signed_pdf_with_a_personal_link_distinct_from_the_verification_token(
        offer, user_a, django_capture_on_commit_callbacks):
    path, sent = send(offer, user_a, django_capture_on_commit_callbacks)
    assert sent.attachments[0][0] == f"{offer.number}.pdf"
    assert sent.alternatives and "text/html" == sent.alternatives[0][1]
    token = path.split("/")[2]
    assert len(token) >= 43 and token != offer.verification_token  # ≥ 256 bits
    assert offer.verification_token in sent.body, "the verification link is there too"
    # Stored only as its SHA-256: the token itself is in no column of the link.
    link = offer.acceptance_links.get()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in str(getattr(link, f.attname)) for f in link._meta.concrete_fields)
    kinds = list(offer.events.values_list("kind", flat=True))
    assert kinds[-2:] == [QuoteEvent.Kind.EMAILED, QuoteEvent.Kind.MESSAGE_SENT]


def test_the_link_shows_the_offer_and_its_first_opening_tells_the_reseller_once(
        client, offer, user_a, django_capture_on_commit_callbacks):
    path, _sent = send(offer, user_a, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(path)
        client.get(path)
    run_tasks()
    html = page.content.decode()
    assert page.status_code == 200 and offer.number in html and "Fjordtann" in html
    assert f"{path}accept/" in html and f"{path}pdf/" in html
    assert offer.events.filter(kind=QuoteEvent.Kind.OPENED).count() == 1
    assert [m.to for m in mail.outbox] == [[user_a.email]]
    assert "har åpnet" in mail.outbox[0].subject  # the user's language: bokmål by default
    pdf = client.get(f"{path}pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == offer.pdf.open("rb").read()


def test_accepting_online_runs_the_one_acceptance_with_a_confirmation_step_and_evidence(
        client, offer, staff, user_a, django_capture_on_commit_callbacks):
    path, _sent = send(offer, user_a, django_capture_on_commit_callbacks)
    answer = {"name": "Kari Nordmann", "role": "Daglig leder", "email": "kari@fjordtann.no",
              "purchase_order": "PO-77", "terms": "on"}
    confirm = client.post(f"{path}accept/", answer)
    assert confirm.status_code == 200 and confirm.context["confirming"]
    assert "Vennligst bekreft" in confirm.content.decode(), "in the offer's language"
    assert Quote.objects.get(pk=offer.pk).state == "issued", "not before confirming"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"{path}accept/", {**answer, "confirm": "1"},
                           HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="198.51.100.7")
    run_tasks()
    assert done.status_code == 302
    offer.refresh_from_db()
    assert offer.state == "accepted" and offer.answered_by is None
    evidence = Acceptance.objects.get(quote=offer)
    assert (evidence.channel, evidence.name, evidence.role, evidence.purchase_order) == (
        "customer_link", "Kari Nordmann", "Daglig leder", "PO-77")
    assert (evidence.client_ip, evidence.user_agent) == ("198.51.100.7", "Firefox/140")
    assert evidence.pdf_sha256 == offer.pdf_sha256 and evidence.link is not None
    assert AgreementPeriod.objects.filter(installation__quotes=offer, source="quote").exists()
    accepted = offer.events.get(kind="accepted")
    assert (accepted.note, accepted.by) == ("Kari Nordmann", None)
    recipients = {address for m in mail.outbox for address in m.to}
    assert recipients == {"kari@fjordtann.no", user_a.email, staff.email}
    # The confirmation names who invoices, as the offer does (the distributor by default).
    confirmation = next(m for m in mail.outbox if m.to == ["kari@fjordtann.no"])
    assert "Nordic Unified AS fakturerer avtalen." in confirmation.body
    verified = client.get(f"/verify/{offer.verification_token}/").content.decode()
    assert "accepted online by Kari Nordmann on 05.03.2026" in verified
    page = client.get(path).content.decode()
    assert "Godtatt online av Kari Nordmann" in page and f"{path}accept/" not in page


@pytest.mark.parametrize("state", ["expired", "superseded", "accepted", "declined"])
def test_an_offer_that_cannot_be_answered_says_so_through_the_link_and_refuses(
        client, state, offer, staff, user_a, frozen_clock, django_capture_on_commit_callbacks):
    path, _sent = send(offer, user_a, django_capture_on_commit_callbacks)
    if state == "expired":
        frozen_clock.shift(timedelta(days=40))
    elif state == "accepted":
        services.quote_accept(quote=offer, user=user_a, accepted_by_name="K", today=ISSUE_DAY)
    elif state == "declined":
        services.quote_decline(quote=offer, user=user_a, reason="nei", today=ISSUE_DAY)
    else:
        services.quote_revise(quote=offer, user=user_a)  # a draft: the offer is still open
        Quote.objects.filter(pk=offer.pk).update(state="superseded")
    before = Quote.objects.get(pk=offer.pk).state
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    heading = {"expired": "Utløpt", "superseded": "Erstattet", "accepted": "Godtatt",
               "declined": "Avslått"}[state]
    assert f">{heading}</h2>" in page
    assert f"{path}accept/" not in page and f"{path}decline/" not in page
    response = client.post(f"{path}accept/", {"name": "K", "role": "x", "email": "k@x.no",
                                               "terms": "on", "confirm": "1"}, follow=True)
    assert Acceptance.objects.filter(channel="customer_link").count() == 0
    assert response.status_code == 200
    assert Quote.objects.get(pk=offer.pk).state == before


def test_a_revision_makes_the_old_link_lead_to_it(client, offer, staff, user_a,
                                                  django_capture_on_commit_callbacks):
    path, _sent = send(offer, user_a, django_capture_on_commit_callbacks)
    revision = services.quote_issue(
        quote=services.quote_revise(quote=offer, user=user_a), user=staff, today=ISSUE_DAY,
        prepare_pdf=False)
    page = client.get(path).content.decode()
    assert revision.number in page and "er revidert" in page
    assert f"{path}accept/" in page, "the revision can be answered"


def test_declining_online_asks_for_a_reason_and_records_it(client, offer, user_a,
                                                           django_capture_on_commit_callbacks):
    path, _sent = send(offer, user_a, django_capture_on_commit_callbacks)
    missing = client.post(f"{path}decline/", {"name": "Kari", "reason": ""})
    assert missing.context["form"].errors["reason"]
    client.post(f"{path}decline/", {"name": "Kari", "reason": "For dyrt", "confirm": "1"})
    offer.refresh_from_db()
    assert offer.state == "declined" and offer.decline_reason == "For dyrt"
    assert offer.events.get(kind="declined").note == "Kari: For dyrt"


def test_wrong_short_and_verification_tokens_answer_404_and_count_against_the_limit(
        client, offer, user_a, django_capture_on_commit_callbacks):
    path, _sent = send(offer, user_a, django_capture_on_commit_callbacks)
    wrong = ["x", "a" * 43, offer.verification_token, path.split("/")[2][:-1] + "A"]
    for token in wrong:
        assert client.get(f"/o/{token}/").status_code == 404
    for _ in range(10 - len(wrong)):
        assert client.get("/o/nope/accept/").status_code == 404
    assert client.get(path).status_code == 429, "the right link waits too, from that address"
    assert client.get(path, REMOTE_ADDR="192.0.2.44").status_code == 200


def test_tokens_never_reach_the_logs(client, offer, user_a, caplog,
                                     django_capture_on_commit_callbacks):
    from common.logs import MaskSecrets
    from ssa_portal.gunicorn import MaskedLogger

    path, _sent = send(offer, user_a, django_capture_on_commit_callbacks)
    token = path.split("/")[2]
    caplog.set_level(logging.WARNING, logger="django.request")
    # The filter settings.LOGGING installs, not one added here.
    assert any(isinstance(f, MaskSecrets) for f in logging.getLogger("django.request").filters)
    client.get(f"/o/{token}X/")
    assert caplog.records and all(token not in r.getMessage() for r in caplog.records)

    link_path = path

    class Request:
        method, path, query, uri, version = "GET", link_path, "", link_path, (1, 1)
        headers = []

    class Response:
        status, sent, headers = "200 OK", 10, []

    atoms = MaskedLogger.atoms(MaskedLogger.__new__(MaskedLogger), Response(), Request(),
                               {"RAW_URI": path, "REMOTE_ADDR": "203.0.113.5",
                                "REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1",
                                "PATH_INFO": path, "QUERY_STRING": ""}, timedelta(0))
    assert token not in str(atoms) and "/o/…/" in atoms["U"]


def test_a_delivery_that_keeps_failing_is_retried_then_shown_on_the_offer(
        client, offer, user_a, monkeypatch, django_capture_on_commit_callbacks):
    def refuse(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        services.quote_send_to_customer(quote=offer, user=user_a, to=["k@x.no"], cc=[],
                                        message="")
    for attempt in range(6):
        (queued,) = default_task_backend.results
        assert (queued.task.run_after is not None) == (attempt > 0), "retried later"
        default_task_backend.clear()
        with django_capture_on_commit_callbacks(execute=True):
            queued.task.call(*queued.args)
    assert not default_task_backend.results, "given up after the retries"
    email = OutgoingEmail.objects.get(quote=offer, kind="offer")
    assert (email.status, email.attempts) == ("failed", 6)
    assert offer.events.filter(kind="message_failed").exists()
    client.force_login(user_a)
    page = client.get(f"/offers/{offer.pk}/").content.decode()
    assert "not delivered" in page and "connection refused" in page


# --- notifications -----------------------------------------------------------------------------


def test_staff_hear_of_a_ready_draft_unless_switched_off_and_in_their_language(
        client, staff, price_admin, user_a, customer_a, django_capture_on_commit_callbacks):
    NotificationSettings.objects.create(user=price_admin, language="en",
                                        switched_off=["draft_ready"])
    NotificationSettings.objects.create(user=staff, language="nb")
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.quote_mark_ready(quote=draft, user=user_a)
    run_tasks()
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert "klar til utstedelse" in mail.outbox[0].subject
    assert "/offers/" in mail.outbox[0].body and mail.outbox[0].alternatives


def test_the_notification_settings_page_switches_kinds_and_language(client, user_a):
    client.force_login(user_a)
    client.post("/accounts/notifications/", {"language": "en", "offer_issued": "on"})
    settings = NotificationSettings.objects.get(user=user_a)
    assert settings.language == "en"
    assert "offer_issued" not in settings.switched_off
    assert {"offer_opened", "offer_accepted", "offer_declined"} <= set(settings.switched_off)


# --- reminders ----------------------------------------------------------------------------------


def test_the_reminder_command_run_twice_on_a_day_sends_each_reminder_once(
        offer, user_a, customer_a, frozen_clock, django_capture_on_commit_callbacks):
    from tests.conftest import make_installation
    from tests.quotes.factories import add_ports, paid_until

    send(offer, user_a, django_capture_on_commit_callbacks)
    ending = make_installation(customer_a, "Ender")
    paid_until(ending, date(2026, 5, 1), [add_ports(ending, 2, date(2024, 1, 1))])
    mail.outbox.clear()
    frozen_clock.shift(timedelta(days=25))  # 30.03.2026: the offer ends 04.04, Ender 01.05
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
        run_tasks()
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2, subjects
    assert any("Påminnelse" in s or "Reminder" in s for s in subjects)
    assert any("Ender" in s for s in subjects)
    customer_mail = next(m for m in mail.outbox if "kunde@" in m.to[0])
    assert LINK.search(customer_mail.body), "a fresh personal link"


def test_no_paid_until_reminder_when_an_open_offer_covers_the_installation(
        staff, user_a, customer_a, django_capture_on_commit_callbacks):
    from tests.conftest import make_installation
    from tests.quotes.factories import add_ports, paid_until

    ending = make_installation(customer_a, "Ender")
    paid_until(ending, date(2026, 5, 1), [add_ports(ending, 2, date(2024, 1, 1))])
    quiet = make_installation(customer_a, "Quiet")
    paid_until(quiet, date(2026, 5, 1), [add_ports(quiet, 2, date(2024, 1, 1))])
    services.quote_issue(quote=services.quote_create(
        customer=customer_a, installations=[quiet], user=user_a), user=staff,
        prepare_pdf=False)
    with django_capture_on_commit_callbacks(execute=True):
        reminded = services.reminders_send(today=ISSUE_DAY)
    assert reminded.paid_until == 1
    assert [e.installation.name for e in OutgoingEmail.objects.filter(
        kind="reminder_paid_until")] == ["Ender"]


def test_reminder_texts_read_in_the_recipients_language(offer, user_a, customer_a,
                                                        django_capture_on_commit_callbacks):
    from tests.conftest import make_installation
    from tests.quotes.factories import add_ports, paid_until

    NotificationSettings.objects.create(user=user_a, language="en")
    other = make_user("nb@alfa.example.no", reseller=user_a.membership.reseller)
    ending = make_installation(customer_a, "Ender")
    paid_until(ending, date(2026, 5, 1), [add_ports(ending, 2, date(2024, 1, 1))])
    with translation.override("nb"), django_capture_on_commit_callbacks(execute=True):
        services.reminders_send(today=ISSUE_DAY)
    run_tasks()
    by_recipient = {m.to[0]: m.subject for m in mail.outbox}
    assert "ends" in by_recipient[user_a.email]
    assert "utløper" in by_recipient[other.email]
