"""Fixed-window rate limits in the shared cache (common/ratelimit.py): the public /verify/
upload, password-reset mail (per client address and per e-mail address asked for) and sending
offers (per user)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from common.ratelimit import RateLimit
from customers import account_views
from quotes import services
from quotes.services import customer_side
from tests.quotes.factories import example_d

# --- the helper ------------------------------------------------------------------------------


def test_a_limit_allows_its_count_in_a_window_then_refuses(db):
    limit = RateLimit("test", limit=3, window=60)
    assert [limit.hit("k") for _ in range(5)] == [True, True, True, False, False]


def test_keys_and_scopes_are_counted_apart(db):
    one, other = RateLimit("one", limit=1, window=60), RateLimit("other", limit=1, window=60)
    assert [one.hit("k"), one.hit("k"), one.hit("j"), other.hit("k")] == [
        True, False, True, True]


def test_the_next_window_starts_afresh(db, frozen_clock):
    limit = RateLimit("test", limit=1, window=600)
    assert [limit.hit("k"), limit.hit("k")] == [True, False]
    frozen_clock.shift(timedelta(seconds=600))
    assert limit.hit("k") is True


def test_a_count_lasts_its_whole_window_even_through_quiet_spells(db, frozen_clock):
    """The database cache stores an incremented count with its default timeout (5 minutes);
    the count must still last the hour."""
    frozen_clock.move_to("2026-03-05 09:00:00+00:00")
    limit = RateLimit("test", limit=2, window=3600)
    hits = []
    for _ in range(3):
        hits.append(limit.hit("k"))
        frozen_clock.shift(timedelta(minutes=20))
    assert hits == [True, True, False]


# --- password reset --------------------------------------------------------------------------


def ask_for_reset(email, *, address="203.0.113.5", language="en"):
    return Client(HTTP_ACCEPT_LANGUAGE=language).post(
        "/accounts/password-reset/", {"email": email}, REMOTE_ADDR=address)


def test_password_reset_mail_is_limited_per_e_mail_address(user_a):
    limit = account_views.PASSWORD_RESETS_PER_EMAIL.limit
    statuses = [ask_for_reset(user_a.email, address=f"198.51.100.{n}").status_code
                for n in range(limit + 1)]
    assert statuses == [302] * limit + [429]
    assert len(mail.outbox) == limit
    refused = ask_for_reset(user_a.email.upper(), address="192.0.2.1")
    assert refused.status_code == 429, "the same address however it is written"
    assert "Too many password reset requests" in refused.content.decode()
    assert len(mail.outbox) == limit


def test_password_reset_mail_is_limited_per_client_address(user_a):
    limit = account_views.PASSWORD_RESETS_PER_ADDRESS.limit
    statuses = [ask_for_reset(f"someone{n}@example.no").status_code for n in range(limit + 1)]
    assert statuses == [302] * limit + [429], "counted for addresses nobody has too"
    assert ask_for_reset(user_a.email).status_code == 429
    assert mail.outbox == []
    assert ask_for_reset(user_a.email, address="198.51.100.7").status_code == 302


def test_the_reset_limit_is_answered_in_the_users_language(user_a, monkeypatch):
    monkeypatch.setattr(account_views, "PASSWORD_RESETS_PER_EMAIL",
                        RateLimit("password-reset-email", limit=0, window=3600))
    response = ask_for_reset(user_a.email, language="nb")
    assert response.status_code == 429
    assert "For mange forespørsler om å tilbakestille passord" in response.content.decode()


# --- sending offers --------------------------------------------------------------------------


@pytest.fixture
def issued(staff, user_a, customer_a, django_capture_on_commit_callbacks):
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    with django_capture_on_commit_callbacks(execute=True):
        quote = services.quote_issue(quote=draft, user=staff)
    quote.refresh_from_db()
    return quote


def deliver():
    from django.test import TestCase
    from django_tasks import default_task_backend

    for result in list(default_task_backend.results):
        if result.task.name == "deliver_email":
            with TestCase.captureOnCommitCallbacks(execute=True):
                result.task.call(*result.args)
    default_task_backend.clear()


def test_sending_offers_is_limited_per_user(client, user_a, issued, monkeypatch,
                                            django_capture_on_commit_callbacks):
    monkeypatch.setattr(customer_side, "OFFER_MAILS_PER_USER",
                        RateLimit("offer-mail", limit=2, window=3600))
    client.force_login(user_a)

    def send():
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/offers/{issued.pk}/send/", {"to": "it@kunde.example.no"})
        deliver()
        return response

    mail.outbox.clear()
    assert [send().status_code, send().status_code] == [302, 302]
    refused = send()
    assert refused.status_code == 200
    assert "You have sent too many offers by e-mail in a short time" in (
        refused.content.decode())
    assert len(mail.outbox) == 2
    assert issued.events.filter(kind="emailed").count() == 2, "the refusal records nothing"


def test_the_offer_mail_limit_is_per_user(user_a, staff, issued, monkeypatch,
                                          django_capture_on_commit_callbacks):
    from common.errors import DomainError

    monkeypatch.setattr(customer_side, "OFFER_MAILS_PER_USER",
                        RateLimit("offer-mail", limit=1, window=3600))

    def send(user):
        with django_capture_on_commit_callbacks(execute=True):
            services.quote_send_to_customer(quote=issued, user=user, to=["a@example.no"],
                                            cc=[], message="")
        deliver()

    mail.outbox.clear()
    send(user_a)
    with pytest.raises(DomainError, match="too many offers"):
        send(user_a)
    send(staff)
    assert len(mail.outbox) == 2


def test_the_default_limits_leave_room_for_a_working_day():
    assert customer_side.OFFER_MAILS_PER_USER.limit >= 30
    assert account_views.PASSWORD_RESETS_PER_EMAIL.limit >= 3


# --- /verify/ ----------------------------------------------------------------------------------


def test_verify_uploads_are_limited_per_client_address_through_the_shared_helper(client):
    from quotes.views import documents as document_views

    limit = document_views.VERIFY_UPLOADS
    assert isinstance(limit, RateLimit) and (limit.limit, limit.window) == (30, 600)
    for _ in range(limit.limit):
        limit.hit("203.0.113.5")
    response = client.post("/verify/", {
        "pdf": SimpleUploadedFile("x.pdf", b"not a pdf", "application/pdf")},
        REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 429
    assert "Too many checks from your address" in response.content.decode()
