"""Production settings, headers, login lockout and sessions."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "x-pass-1234!"


def test_the_production_settings_pass_check_deploy_with_nothing_silenced():
    env = {**os.environ, "SSA_ENV": "production", "DEBUG": "false",
           "SECRET_KEY": "k" * 20 + "-production-like-secret-value-0123456789",
           "ALLOWED_HOSTS": "ssa.example.no", "SSA_PUBLIC_BASE_URL": "https://ssa.example.no",
           "SSA_DISTRIBUTOR_NAME": "Nordic Unified AS",
           "SSA_DISTRIBUTOR_ADDRESS": "Postboks 123 Sentrum, 0102 Oslo",
           "SSA_DISTRIBUTOR_ORG_NUMBER": "923609016", "SSA_DISTRIBUTOR_EMAIL": "ssa@example.no"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' harness only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_production_refuses_debug_and_a_missing_secret_key():
    for extra in ({"DEBUG": "true", "SECRET_KEY": "x" * 60}, {"DEBUG": "false"}):
        env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
        env.update({"SSA_ENV": "production", "ALLOWED_HOSTS": "ssa.example.no", **extra})
        result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                                capture_output=True, text=True)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr


def test_every_page_carries_the_content_security_policy_and_safe_headers(client, user_a):
    client.force_login(user_a)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'", "no unsafe-inline, no eval for scripts"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_has_an_inline_script_or_event_handler():
    import re

    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(
                r"\son[a-z]+\s*=", text) or "javascript:" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    from axes.utils import reset

    reset()
    yield
    reset()


def attempt(client, username, password, ip="10.1.2.3"):
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_that_username_from_that_address(lockout, user_a):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    statuses = [attempt(client, user_a.username, "wrong").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429], "the fifth failure locks"
    locked = attempt(client, user_a.username, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    other_address = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert attempt(other_address, user_a.username, PASSWORD, ip="10.9.9.9").status_code == 302


def test_the_lockout_is_per_username_so_others_at_the_address_still_log_in(lockout, user_a,
                                                                           user_b):
    client = Client()
    for _ in range(5):
        attempt(client, user_a.username, "wrong")
    assert attempt(Client(), user_b.username, PASSWORD).status_code == 302


def test_a_successful_login_rotates_the_session(client, user_a):
    client.get("/accounts/login/")
    session = client.session
    session["before_login"] = True
    session.save()
    before = session.session_key
    client.post("/accounts/login/", {"username": user_a.username, "password": PASSWORD})
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_logging_out_drops_the_session(client, user_a):
    client.post("/accounts/login/", {"username": user_a.username, "password": PASSWORD})
    key = client.session.session_key
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302


def test_changing_the_password_ends_the_users_other_sessions(user_a):
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        device.post("/accounts/login/", {"username": user_a.username, "password": PASSWORD})
    response = laptop.post("/accounts/password-change/", {
        "old_password": PASSWORD, "new_password1": "Nytt-Passord-2026",
        "new_password2": "Nytt-Passord-2026"})
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200, "the device that changed it stays in"
    assert phone.get("/").status_code == 302, "every other session is dropped"


@pytest.mark.parametrize(("password", "reason"), [
    ("kort1!", "too short"), ("password123", "too common"), ("1234567890123", "entirely numeric")])
def test_weak_passwords_are_refused(client, user_a, password, reason):
    client.force_login(user_a)
    response = client.post("/accounts/password-change/", {
        "old_password": PASSWORD, "new_password1": password, "new_password2": password})
    assert response.status_code == 200
    assert reason in response.content.decode()
    user = User.objects.get(pk=user_a.pk)
    assert user.check_password(PASSWORD)


def test_audit_rows_cannot_be_edited_in_the_admin_either(client, staff):
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    for model in ("quote", "pricebook", "renewalbatch"):
        assert client.get(f"/admin/quotes/{model}/").status_code == 200
        assert client.get(f"/admin/quotes/{model}/add/").status_code == 403
