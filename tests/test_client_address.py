"""The client's address behind a reverse proxy (common/clients.py): one function, read by the login
lockout and by every rate limit. Requests here come "through a proxy": REMOTE_ADDR is the
proxy, X-Forwarded-For carries what the proxy saw."""

import pytest
from django.test import Client, RequestFactory

from common.clients import client_ip

PASSWORD = "x-pass-1234!"
PROXY = "10.0.0.1"
ALICE, BOB = "203.0.113.5", "198.51.100.7"


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    from axes.utils import reset

    reset()
    yield
    reset()


def log_in(username, password, *, remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"username": username, "password": password}, **extra)


def test_behind_a_proxy_one_clients_failures_do_not_lock_another_client_out(settings, lockout,
                                                                            user_a):
    settings.SSA_TRUSTED_PROXY_COUNT = 1
    statuses = [log_in(user_a.username, "wrong", forwarded=ALICE).status_code for _ in range(5)]
    assert statuses[-1] == 429, "the fifth failure locks the user out for that client"
    assert log_in(user_a.username, PASSWORD, forwarded=ALICE).status_code == 429
    assert log_in(user_a.username, PASSWORD, forwarded=BOB).status_code == 302, (
        "another client behind the same proxy still logs in")


def test_the_lockout_records_the_clients_address_not_the_proxys(settings, lockout, user_a):
    from axes.models import AccessAttempt

    settings.SSA_TRUSTED_PROXY_COUNT = 1
    log_in(user_a.username, "wrong", forwarded=f"192.0.2.99, {ALICE}")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [ALICE]


def test_without_trusted_proxies_a_forged_x_forwarded_for_is_ignored(settings, lockout, user_a):
    settings.SSA_TRUSTED_PROXY_COUNT = 0
    statuses = [log_in(user_a.username, "wrong", remote=ALICE,
                       forwarded=f"192.0.2.{n}").status_code for n in range(5)]
    assert statuses[-1] == 429, "five different forged headers are still one client"
    assert log_in(user_a.username, PASSWORD, remote=ALICE, forwarded=BOB).status_code == 429


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "expected"), [
    (0, ALICE, None, ALICE),
    (0, PROXY, BOB, PROXY),                          # no proxy trusted: the header is anyone's
    (1, PROXY, ALICE, ALICE),
    (1, PROXY, f"6.6.6.6, {ALICE}", ALICE),          # what the client wrote itself is ignored
    (2, "10.0.0.2", f"6.6.6.6, {ALICE}, {PROXY}", ALICE),
    (1, PROXY, " 2001:DB8::1 ", "2001:db8::1"),
    (2, PROXY, ALICE, PROXY),                        # shorter than the chain: not via the proxies
    (1, PROXY, "", PROXY),
    (1, PROXY, "not-an-address", PROXY),
    (1, PROXY, f"{ALICE}:4711", PROXY),
])
def test_the_client_is_the_address_the_outermost_trusted_proxy_saw(settings, proxies, remote,
                                                                   forwarded, expected):
    settings.SSA_TRUSTED_PROXY_COUNT = proxies
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **extra)) == expected


def test_django_axes_asks_the_portal_for_the_client_address(settings):
    from axes.helpers import get_client_ip_address

    settings.SSA_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ALICE)
    assert settings.AXES_CLIENT_IP_CALLABLE == "common.clients.client_ip"
    assert get_client_ip_address(request) == ALICE


def test_behind_a_proxy_the_verify_upload_limit_is_per_client(settings, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.SSA_TRUSTED_PROXY_COUNT = 1

    def check(client_address):
        return Client(HTTP_ACCEPT_LANGUAGE="en").post(
            "/verify/", {"pdf": SimpleUploadedFile("x.pdf", b"not a pdf", "application/pdf")},
            REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address).status_code

    assert [check(ALICE) for _ in range(31)][-2:] == [200, 429]
    assert check(BOB) == 200, "another client behind the same proxy is not limited"
