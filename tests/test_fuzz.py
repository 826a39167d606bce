"""Hypothesis fuzzing of every form, filter and upload of the portal.

Each test builds the world of tests/security_world.py once, and then, as the roles that use
the form (reseller A's user, staff, a price admin, anonymous), posts or gets generated input:
unicode text with NUL, RTL marks, emoji and up to 10 000 characters; huge, negative and
float-looking numbers as strings; impossible dates; empty, oversized and random files with
wrong names and content types; valid-looking but wrong CSV/XML/PDF; repeated keys where one
value is expected; and the ids of reseller B's objects.

What every case asserts:
- the status is never 5xx (the client turns a server error into a 500 response), and a
  streamed body (CSV exports) can be read to its end;
- a logged-in user is never silently sent to the login page (the case tested something);
- a re-rendered form (200) carries form errors and changed nothing; a 4xx changed nothing;
  a redirect after a write leads to a page that renders;
- reseller B's objects answer 404 and end up in nothing of A's.

Every generated case runs in a savepoint that is rolled back (and with an empty cache), so
the cases are independent of each other and of their order.

Budget: ``EXAMPLES_PER_TEST`` generated cases per test (env ``SSA_FUZZ_EXAMPLES``, default
65), derandomized by the Hypothesis profile "ci" of conftest.py. ``GENERATED_CASES`` at the
bottom is the total: 33 tests × 65 = 2 145 by default. `make fuzz` raises the env variable.

The inputs with which this fuzzing found server errors are kept as regression tests at the
bottom of this module. A new finding is marked there as a strict xfail (and, until fixed, kept
out of the generated input with an ``assume``), so the suite stays green and the bug visible.
"""

import functools
import os
from collections import Counter
from datetime import date
from urllib.parse import quote as urlquote
from urllib.parse import unquote
from xml.sax.saxutils import quoteattr

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core import mail, signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers import services
from customers.import_views import CSV_SALT
from customers.imports import csv_import, pbx
from customers.models import (
    AgreementPeriod,
    Customer,
    Installation,
    LicenseHolding,
    LicenseType,
    Membership,
)
from quotes import services as quote_services
from quotes.models import PriceBook, PriceBookRate, Quote, QuoteEvent, RenewalItem
from quotes.verification import MAX_UPLOAD_BYTES as VERIFY_MAX_BYTES
from tests.security_world import B_ORG_NUMBER, build_world

EXAMPLES_PER_TEST = int(os.environ.get("SSA_FUZZ_EXAMPLES", "65"))
FUZZ_TESTS: list[str] = []  # filled by @fuzz, in definition order
GENERATED: Counter = Counter()  # cases actually run per test (this process)
STATUSES: dict[str, Counter] = {}  # per test: how often each status came back
_running: list[str] = []

# --- the harness -----------------------------------------------------------------------------


def fuzz(test):
    """Register a @given test: its example budget, the health checks fixtures need, and a
    rolled-back savepoint and empty cache around every generated case."""
    FUZZ_TESTS.append(test.__name__)
    inner = test.hypothesis.inner_test
    name = test.__name__

    @functools.wraps(inner)
    def isolated(*args, **kwargs):
        GENERATED[name] += 1
        _running[:] = [name]
        cache.clear()  # the verify upload's rate limit, axes' counters, cached lookups
        mail.outbox = []
        with transaction.atomic():
            inner(*args, **kwargs)
            transaction.set_rollback(True)

    test.hypothesis.inner_test = isolated
    return settings(
        max_examples=EXAMPLES_PER_TEST,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )(test)


@pytest.fixture(autouse=True)
def every_fuzz_test_ran_its_budget(request):
    """Hypothesis may stop early when a strategy runs dry; then the budget would lie."""
    failed_before = request.session.testsfailed
    yield
    name = getattr(request.node, "originalname", "")
    if name in FUZZ_TESTS and request.session.testsfailed == failed_before:
        assert GENERATED[name] >= EXAMPLES_PER_TEST, (
            f"{name} ran only {GENERATED[name]} cases of {EXAMPLES_PER_TEST}")


@pytest.fixture(scope="module", autouse=True)
def report_generated_cases():
    yield
    if GENERATED:
        print(f"\nfuzz: {sum(GENERATED.values())} cases run in {len(GENERATED)} tests", flush=True)
        for name, count in GENERATED.items():
            statuses = " ".join(f"{status}×{n}" for status, n in sorted(
                STATUSES.get(name, Counter()).items()))
            print(f"  {name.removeprefix('test_'):32} {count:5} cases; responses {statuses}",
                  flush=True)


@pytest.fixture
def world(staff, price_admin, outsider, user_a, user_b, customer_a, customer_b, port):
    return build_world(staff=staff, price_admin=price_admin, outsider=outsider, user_a=user_a,
                       user_b=user_b, customer_a=customer_a, customer_b=customer_b, port=port)


def make_client(user=None, language="en") -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def clients(world):
    return {
        "a": make_client(world.a.user), "b": make_client(world.b.user),
        "staff": make_client(world.staff), "price_admin": make_client(world.price_admin),
        "outsider": make_client(world.outsider), "anon": make_client(),
    }


LOGIN_PATH = "/accounts/login/"


def body_of(response) -> bytes:
    """The whole body; a streamed one is read to its end (a failure mid-stream raises)."""
    if response.streaming:
        try:
            return b"".join(response.streaming_content)
        except Exception as error:  # noqa: BLE001 - in production: a response cut off mid-way
            raise AssertionError(f"the streamed body broke off: {error!r}") from error
    return response.content


def check(response, *, logged_in=True):
    """The assertions every case makes about its response."""
    if _running:
        STATUSES.setdefault(_running[0], Counter())[response.status_code] += 1
    assert response.status_code < 500, f"server error {response.status_code}"
    body_of(response)
    if logged_in and response.status_code in (301, 302, 303):
        assert not response["Location"].startswith(LOGIN_PATH), "logged out: tests nothing"
    return response


def snapshot(*models) -> list:
    return [list(model.objects.order_by("pk").values()) for model in models]


CUSTOMER_TABLES = (Customer,)
INVENTORY_TABLES = (Customer, Installation, LicenseHolding, AgreementPeriod,
                    AgreementPeriod.holdings.through)
QUOTE_TABLES = (Quote, QuoteEvent, Quote.installations.through, RenewalItem)


def form_errors(response, name="form") -> bool:
    form = response.context[name] if response.context else None
    return bool(form is not None and form.errors)


def post_form(client, url, data, *, tables, foreign=False, follow=True, headers=None):
    """POST one generated form body and check what came of it."""
    before = snapshot(*tables)
    response = check(client.post(url, data, headers=headers))
    if foreign:
        assert response.status_code == 404, "another reseller's object must answer 404"
    if response.status_code == 200 and data:  # (an empty POST shows the unbound form again)
        assert form_errors(response), "a form page came back without an error"
    if response.status_code == 200 or response.status_code >= 400:
        assert snapshot(*tables) == before, "a rejected input changed something"
    elif follow and response.status_code in (301, 302, 303):
        check(client.get(response["Location"]))
    return response


def assert_no_b_marker(response, world, query: dict, extra: dict) -> None:
    """None of reseller B's markers in the body, except one the request itself carried (a
    search box shows what was searched for)."""
    sent = " ".join([*(v for value in query.values() for v in _values(value)),
                     unquote(extra.get("QUERY_STRING", ""))]).casefold()
    text = body_of(response).decode("utf-8", "replace").casefold()
    for marker in world.b.markers:
        if marker.casefold() not in sent:
            assert marker.casefold() not in text, f"reseller B's {marker!r} shown to A"


def get_page(client, url, data=None, *, foreign=False, headers=None, **extra):
    response = check(client.get(url, data or {}, headers=headers, **extra))
    if foreign:
        assert response.status_code == 404, "another reseller's object must answer 404"
    return response


# --- strategies ------------------------------------------------------------------------------

NASTY_STRINGS = [
    "", " ", "\x00", "a\x00b", "\u202eevil\u202c", "\u200f\u200e\u061c", "🙂👍🏽🇳🇴", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "Ærlig Øl & Ås", "ǅİıßẞ", "' OR '1'='1", "'); DROP TABLE customers_customer; --",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ request.user }}",
    "{% debug %}", "%(name)s %s %d %n", "../../../etc/passwd", "\r\nSet-Cookie: x=1",
    "a\r\nBcc: victim@example.com", "\ufeff", "\x01\x1f\x7f", "null", "None", "[]", "{}",
    "١٢٣", "²", "①", "Ⅻ", "１２", "\t\n\r", "\\", "%00", "%ff%fe",
]
NUMBER_STRINGS = [
    "0", "-0", "-1", "1", "+3", " 7 ", "1.5", "1,5", "0.0001", "1e3", "1E400", "-1e400",
    "1e-10", "NaN", "nan", "inf", "-Infinity", "0x1F", "0b11", "1_000", "١٢٣", "²", "①",
    "１２", "2147483648", "9223372036854775807", "9223372036854775808",
    "18446744073709551616", "9" * 30, "-" + "9" * 30, "9" * 5000, "100000", "100001",
]
BAD_DATES = [
    "2026-02-30", "31.13.2026", "0000-00-00", "9999-99", "2026-13", "2026-00", "2026-1",
    "26-03", "2026/03/01", "01.03.2026", "2026-03-01T00:00", "2026-03-05", "2026-03",
    "2026-02-29", "2024-02-29", "0001-01", "0001-01-01", "1900-01-01", "-2026-01",
    "2026-W10", "tomorrow", "١٩٩٩-٠١-٠١", "2026-03-01\x00", "2026-3-1", "20260301",
]


def long_text():
    """Up to ~10 000 characters, built by repetition (Hypothesis' buffer stays small)."""
    return st.builds(lambda unit, size: (unit * size)[:size],
                     st.text(min_size=1, max_size=4), st.integers(1_000, 10_000))


TEXT = st.one_of(st.text(max_size=30), st.text(max_size=300), st.sampled_from(NASTY_STRINGS),
                 long_text())
SHORT_TEXT = st.one_of(st.text(max_size=30), st.sampled_from(NASTY_STRINGS))
NUMBERISH = st.one_of(
    st.integers().map(str), st.integers(-(10**40), 10**40).map(str), st.floats().map(str),
    st.sampled_from(NUMBER_STRINGS), SHORT_TEXT)
DATEISH = st.one_of(
    st.dates().map(lambda d: d.isoformat()), st.dates().map(lambda d: f"{d:%d.%m.%Y}"),
    st.dates(date(2000, 1, 1), date(2030, 12, 31)).map(lambda d: d.isoformat()),
    st.sampled_from(BAD_DATES), SHORT_TEXT)
MONTHISH = st.one_of(
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}"),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)).map(lambda d: f"{d:%Y-%m}"), DATEISH)
EMAILISH = st.one_of(st.emails(), st.sampled_from(["a@alfa.example.no", "x@y", "@", "a@b@c",
                                                   "ø@æ.no", "a@example.com\r\nBcc: b@c.d"]),
                     SHORT_TEXT)
BOOLISH = st.one_of(st.sampled_from(["on", "true", "1", "", "false", "0", "off"]), SHORT_TEXT)
LANGUAGE = st.one_of(st.sampled_from(["nb", "en", "de", "EN", "nb-NO"]), SHORT_TEXT)


def scalar_or_repeated(strategy):
    """One value, or the same key repeated (a list where a scalar is expected)."""
    return st.one_of(strategy, strategy, strategy, st.lists(strategy, min_size=2, max_size=3))


def ids(*pools):
    """An object id: one of the given pools (own, foreign, …) or anything number-like."""
    choices = [st.sampled_from([str(pk) for pk in pool]) for pool in pools if pool]
    return st.one_of(*choices, NUMBERISH)


def form(fields: dict, *, optional=None) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {name: scalar_or_repeated(value) for name, value in fields.items()},
        optional={name: scalar_or_repeated(value) for name, value in (optional or {}).items()})


@st.composite
def mixed_form(draw, valid: dict, fuzzed: dict):
    """A valid body with up to three fields replaced by fuzz (now and then every field fuzzed,
    or one left out): most cases get past the other fields to the one under attack, and some
    succeed and store what they sent."""
    body = {name: draw(strategy, label=f"valid {name}") for name, strategy in valid.items()}
    names = sorted(fuzzed)
    if draw(st.integers(0, 3), label="fuzz all?") == 3:
        chosen = names
    else:
        chosen = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    for name in chosen:
        body[name] = draw(scalar_or_repeated(fuzzed[name]), label=name)
    if draw(st.integers(0, 5), label="drop one?") == 5:
        body.pop(draw(st.sampled_from(names)), None)
    return body


def request_headers():
    return st.fixed_dictionaries({}, optional={
        "accept-language": st.one_of(st.sampled_from(["nb", "en", "*", "xx-YY;q=2"]),
                                     SHORT_TEXT.map(lambda t: t.encode("ascii", "ignore")
                                                    .decode())),
        "hx-request": st.sampled_from(["true", "1", ""]),
    })


def pick(data, own, foreign):
    """Own object usually, another reseller's now and then: (object, is_foreign). (Hypothesis
    favours the first of a `sampled_from` and the low end of `integers`: the rare branch is
    always put last.)"""
    if data.draw(st.sampled_from(["own", "own", "own", "foreign"]), label="whose") == "foreign":
        return data.draw(st.sampled_from(foreign), label="foreign object"), True
    return data.draw(st.sampled_from(own), label="own object"), False




def _values(value) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


# --- customers, installations, holdings, periods ---------------------------------------------

VALID_CUSTOMER = {
    "name": st.sampled_from(["Ny Kunde AS", "Ærlig Øl AS"]), "org_number": st.just(""),
    "contact_name": st.just(""), "email": st.just(""), "phone": st.just(""),
    "street": st.just(""), "postal_code": st.just(""), "city": st.just("Bergen"),
    "language": st.sampled_from(["nb", "en"]),
}
CUSTOMER_FIELDS = {
    "name": st.one_of(st.sampled_from(["Ny Kunde AS", "Ærlig Øl & Å AS"]), TEXT),
    "org_number": st.one_of(st.sampled_from(["", "923609016", "923 609 016", "NO923609016MVA",
                                             "123456789", B_ORG_NUMBER]), NUMBERISH),
    "contact_name": SHORT_TEXT, "email": st.one_of(st.just(""), EMAILISH),
    "phone": st.one_of(NUMBERISH, SHORT_TEXT), "street": TEXT, "postal_code": NUMBERISH,
    "city": SHORT_TEXT, "language": LANGUAGE,
}


@fuzz
@given(data=st.data())
def test_customer_create(world, clients, data):
    role = data.draw(st.sampled_from(["a", "staff"]))
    valid, fuzzed = dict(VALID_CUSTOMER), dict(CUSTOMER_FIELDS)
    if role == "staff":
        valid["reseller"] = st.just(str(world.a.reseller.pk))
        fuzzed["reseller"] = ids([world.a.reseller.pk, world.b.reseller.pk])
    body = data.draw(mixed_form(valid, fuzzed))
    post_form(clients[role], reverse("customer_create"), body, tables=CUSTOMER_TABLES)


@fuzz
@given(data=st.data())
def test_customer_edit(world, clients, data):
    customer, foreign = pick(data, [world.a.customer], [world.b.customer])
    body = data.draw(mixed_form(VALID_CUSTOMER, CUSTOMER_FIELDS))
    post_form(clients["a"], reverse("customer_edit", args=[customer.pk]), body,
              tables=CUSTOMER_TABLES, foreign=foreign)


@fuzz
@given(data=st.data())
def test_customer_move(world, clients, data):
    role = data.draw(st.sampled_from(["staff", "a"]))
    body = data.draw(form({"reseller": ids([world.a.reseller.pk, world.b.reseller.pk])}))
    before = snapshot(Customer)
    response = check(clients[role].post(reverse("customer_move", args=[world.a.customer.pk]),
                                        body))
    if role == "a":
        assert response.status_code == 403 and snapshot(Customer) == before
    elif response.status_code == 200:
        assert form_errors(response) and snapshot(Customer) == before


VALID_INSTALLATION = {"name": st.just("Filial"), "deployment": st.just("on-premise")}
INSTALLATION_FIELDS = {
    "name": st.one_of(st.just("Filial"), TEXT),
    "deployment": st.one_of(st.sampled_from(["on-premise", "skypbx"]), SHORT_TEXT),
    "hardware_model": st.one_of(st.sampled_from(["IP811", "IPVA", ""]), SHORT_TEXT),
    "firmware_version": st.one_of(st.sampled_from(["14r2", "13r3", "99r9", ""]), SHORT_TEXT),
    "serial_number": SHORT_TEXT, "notes": TEXT,
}


@fuzz
@given(data=st.data())
def test_installation_create(world, clients, data):
    customer, foreign = pick(data, [world.a.customer], [world.b.customer])
    post_form(clients["a"], reverse("installation_create", args=[customer.pk]),
              data.draw(mixed_form(VALID_INSTALLATION, INSTALLATION_FIELDS)),
              tables=INVENTORY_TABLES, foreign=foreign)


@fuzz
@given(data=st.data())
def test_installation_edit(world, clients, data):
    installation, foreign = pick(data, world.a.installations, world.b.installations)
    post_form(clients["a"], reverse("installation_edit", args=[installation.pk]),
              data.draw(mixed_form(VALID_INSTALLATION, INSTALLATION_FIELDS)),
              tables=INVENTORY_TABLES, foreign=foreign)


def valid_holding(world):
    return {"license_type": st.just(str(world.port.pk)), "quantity": st.just("3"),
            "activated_on": st.just("2026-02-01")}


def holding_fields(world):
    return {
        "license_type": ids(list(LicenseType.objects.values_list("pk", flat=True))),
        "quantity": st.one_of(st.integers(-5, 100_005).map(str), NUMBERISH),
        "activated_on": DATEISH,
        "rented": BOOLISH,
    }


@fuzz
@given(data=st.data())
def test_holding_create(world, clients, data):
    installation, foreign = pick(data, world.a.installations, world.b.installations)
    post_form(clients["a"], reverse("holding_create", args=[installation.pk]),
              data.draw(mixed_form(valid_holding(world), holding_fields(world))),
              tables=INVENTORY_TABLES, foreign=foreign)


@fuzz
@given(data=st.data())
def test_holding_edit(world, clients, data):
    holding, foreign = pick(data, [world.a.holding, world.a.paid_holding],
                            [world.b.holding, world.b.paid_holding])
    post_form(clients["a"], reverse("holding_edit", args=[holding.pk]),
              data.draw(mixed_form(valid_holding(world), holding_fields(world))),
              tables=INVENTORY_TABLES, foreign=foreign)


@fuzz
@given(data=st.data())
def test_holding_end(world, clients, data):
    holding, foreign = pick(data, [world.a.holding, world.a.paid_holding],
                            [world.b.holding, world.b.paid_holding])
    body = data.draw(mixed_form(
        {"ended_on": st.sampled_from(["2026-04", "2026-07"]), "keep": st.just("1")},
        {"ended_on": MONTHISH, "keep": st.one_of(st.integers(-2, 12).map(str), NUMBERISH)}))
    post_form(clients["a"], reverse("holding_end", args=[holding.pk]), body,
              tables=INVENTORY_TABLES, foreign=foreign)


def period_fields(world):
    holdings = ids([world.a.holding.pk, world.a.paid_holding.pk],
                   [world.b.holding.pk, world.b.paid_holding.pk])
    return {"start": MONTHISH, "end": MONTHISH,
            "holdings": st.one_of(holdings, st.lists(holdings, max_size=4)),
            "note": TEXT}


def no_foreign_holding_in_a_period(world):
    foreign = [world.b.holding.pk, world.b.paid_holding.pk]
    assert not AgreementPeriod.holdings.through.objects.filter(
        agreementperiod__installation__customer=world.a.customer,
        licenseholding__in=foreign).exists()


@fuzz
@given(data=st.data())
def test_period_create(world, clients, data):
    installation, foreign = pick(data, [world.a.installation], [world.b.installation])
    body = data.draw(mixed_form({"start": st.just("2025-07"), "end": st.just("2026-07"),
                                 "holdings": st.just(str(world.a.holding.pk))},
                                period_fields(world)))
    post_form(clients["a"], reverse("period_create", args=[installation.pk]), body,
              tables=INVENTORY_TABLES, foreign=foreign)
    no_foreign_holding_in_a_period(world)


@fuzz
@given(data=st.data())
def test_period_edit(world, clients, data):
    period, foreign = pick(data, [world.a.period], [world.b.period])
    body = data.draw(mixed_form({"start": st.just("2023-08"), "end": st.just("2024-08"),
                                 "holdings": st.just(str(world.a.paid_holding.pk))},
                                period_fields(world)))
    post_form(clients["a"], reverse("period_edit", args=[period.pk]), body,
              tables=INVENTORY_TABLES, foreign=foreign)
    no_foreign_holding_in_a_period(world)


# --- accounts --------------------------------------------------------------------------------


@fuzz
@given(data=st.data())
def test_invite(world, clients, data):
    role = data.draw(st.sampled_from(["staff", "staff", "a"]))
    body = data.draw(mixed_form(
        {"email": st.just("ny@alfa.example.no"), "first_name": st.just("Nina"),
         "reseller": st.sampled_from(["", str(world.a.reseller.pk)])},
        {"email": EMAILISH, "first_name": TEXT, "last_name": SHORT_TEXT,
         "reseller": ids([world.a.reseller.pk, world.b.reseller.pk])}))
    before = snapshot(User, Membership)
    response = check(clients[role].post(reverse("invite"), body))
    if role == "a":
        assert response.status_code == 403
    if response.status_code != 302:
        assert snapshot(User, Membership) == before
    if response.status_code == 200:
        assert form_errors(response)


def local_redirect(response) -> None:
    if response.status_code in (301, 302, 303):
        assert url_has_allowed_host_and_scheme(response["Location"], {"testserver"}), (
            f"redirect off the site: {response['Location']!r}")


@fuzz
@given(data=st.data())
def test_login_form(world, data):
    body = data.draw(mixed_form(
        {"username": st.sampled_from([world.a.user.username, "A@ALFA.EXAMPLE.NO"]),
         "password": st.just("x-pass-1234!")},
        {"username": TEXT, "password": TEXT,
         "next": st.one_of(st.sampled_from(["/", "//evil.example", "https://evil.example/",
                                            "/\\evil.example", "javascript:alert(1)"]),
                           SHORT_TEXT)}))
    forwarded = data.draw(st.one_of(st.just(None), st.sampled_from(["1.2.3.4", "::1", "x"]),
                                    SHORT_TEXT.map(lambda t: t.encode("ascii", "ignore")
                                                   .decode())))
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    response = check(make_client().post(LOGIN_PATH, body, **extra), logged_in=False)
    local_redirect(response)


@fuzz
@given(data=st.data())
def test_password_reset_forms(world, data):
    client = make_client()
    step = data.draw(st.sampled_from(["request", "request", "confirm"]))
    if step == "request":
        body = data.draw(form({"email": st.one_of(st.just(world.a.user.email), EMAILISH)}))
        response = check(client.post(reverse("password_reset"), body), logged_in=False)
        if response.status_code == 200:
            assert form_errors(response)
        return
    user = world.a.user
    uid = data.draw(st.one_of(st.just(urlsafe_base64_encode(force_bytes(user.pk))),
                              SHORT_TEXT), label="uidb64")
    token = data.draw(st.one_of(st.just(default_token_generator.make_token(user)),
                                st.just("set-password"), SHORT_TEXT), label="token")
    url = f"/accounts/reset/{urlquote(uid, safe='')}/{urlquote(token, safe='')}/"
    response = check(client.get(url), logged_in=False)
    if response.status_code == 302:
        body = data.draw(form({"new_password1": TEXT, "new_password2": TEXT}))
        check(client.post(response["Location"], body), logged_in=False)


@fuzz
@given(data=st.data())
def test_password_change_form(world, data):
    client = make_client(world.a.user)  # a change rotates the session: a fresh one per case
    body = data.draw(mixed_form(
        {"old_password": st.just("x-pass-1234!"), "new_password1": st.just("Fjordtann-2026!x"),
         "new_password2": st.just("Fjordtann-2026!x")},
        {"old_password": TEXT, "new_password1": TEXT, "new_password2": TEXT}))
    response = check(client.post(reverse("password_change"), body))
    if response.status_code == 200:
        assert form_errors(response)


@fuzz
@given(data=st.data())
def test_set_language(world, clients, data):
    role = data.draw(st.sampled_from(["anon", "a"]))
    body = data.draw(form({"language": LANGUAGE}, optional={
        "next": st.one_of(st.sampled_from(["/", "/offers/", "//evil.example",
                                           "https://evil.example/", "/\\evil.example"]),
                          SHORT_TEXT)}))
    referer = data.draw(st.one_of(st.just(""), st.just("https://evil.example/"),
                                  SHORT_TEXT.map(lambda t: t.encode("ascii", "ignore")
                                                 .decode())))
    method = data.draw(st.sampled_from(["post", "post", "get"]))
    response = check(getattr(clients[role], method)(reverse("set_language"), body,
                                                    HTTP_REFERER=referer), logged_in=False)
    local_redirect(response)


# --- price books -----------------------------------------------------------------------------


@fuzz
@given(data=st.data())
def test_price_book_edit(world, clients, data):
    book = data.draw(st.sampled_from([world.draft_book, world.draft_book, world.book]))
    covered = LicenseType.objects.filter(covered=True).values_list("pk", flat=True)
    rates = {f"rate_{pk}": st.one_of(st.integers(-1, 100_001).map(str), st.just(""), NUMBERISH)
             for pk in covered}
    body = data.draw(mixed_form({
        "name": st.just("Prisliste 2027"), "effective_from": st.just("2026-07-01"),
        "nok_per_ssc": st.just("1.5"), "retroactive_factor": st.just("2"),
        "vat_percent": st.just("25"), **{f"rate_{pk}": st.just("30") for pk in covered},
    }, {
        "name": TEXT, "effective_from": DATEISH,
        "nok_per_ssc": st.one_of(st.decimals(allow_nan=False, places=4).map(str), NUMBERISH),
        "retroactive_factor": st.one_of(st.sampled_from(["1", "2", "10", "0.99", "10.01"]),
                                        NUMBERISH),
        "vat_percent": st.one_of(st.sampled_from(["0", "25", "100", "-1", "100.01"]),
                                 NUMBERISH),
        **rates,
    }))
    role = data.draw(st.sampled_from(["price_admin", "price_admin", "staff", "a"]))
    before = snapshot(PriceBook, PriceBookRate)
    response = check(clients[role].post(reverse("price_book_edit", args=[book.pk]), body))
    if role != "price_admin" or book.is_published:
        assert response.status_code in (302, 403, 404) and snapshot(
            PriceBook, PriceBookRate) == before
    elif response.status_code == 200:
        assert form_errors(response) and snapshot(PriceBook, PriceBookRate) == before
    else:
        check(clients[role].get(response["Location"]))
        if data.draw(st.booleans(), label="publish and price with it?"):
            # Stored extremes (a factor of 10, 0.0001 NOK, 100 % VAT) must price, too.
            check(clients[role].post(reverse("price_book_publish", args=[book.pk])))
            saved = PriceBook.objects.get(pk=book.pk)  # (never refresh the shared object)
            if saved.is_published:
                preview = reverse("installation_preview", args=[world.a.installation.pk])
                get_page(clients["a"], preview,
                         {"quote_date": saved.effective_from.isoformat()})
                get_page(clients["a"], reverse("quote_detail", args=[world.a.draft_quote.pk]))
                get_page(clients["a"], reverse("dashboard"))


# --- prices, offers and the offer form -------------------------------------------------------


@fuzz
@given(data=st.data())
def test_preview_filters(world, clients, data):
    installation, foreign = pick(data, world.a.installations, world.b.installations)
    query = data.draw(form({}, optional={"end": MONTHISH, "quote_date": DATEISH}))
    get_page(clients["a"], reverse("installation_preview", args=[installation.pk]), query,
             foreign=foreign, headers=data.draw(request_headers()))


def quote_form_fields(world):
    own = [i.pk for i in world.a.installations]
    foreign = [i.pk for i in world.b.installations]
    return {"installations": st.one_of(ids(own, foreign), st.lists(ids(own, foreign),
                                                                   max_size=4)),
            "language": LANGUAGE, "end": st.one_of(st.just(""), MONTHISH)}


def no_foreign_installation_in_a_quote(world):
    assert not Quote.installations.through.objects.filter(
        quote__customer=world.a.customer,
        installation__in=[i.pk for i in world.b.installations]).exists()


@fuzz
@given(data=st.data())
def test_quote_form(world, clients, data):
    body = data.draw(mixed_form(
        {"installations": st.sampled_from([str(i.pk) for i in world.a.installations]),
         "language": st.just("en"), "end": st.sampled_from(["", "2026-07", "2027-07"])},
        {**quote_form_fields(world), "end_default": MONTHISH}))
    if data.draw(st.booleans(), label="edit?"):
        quote, foreign = pick(data, [world.a.draft_quote], [world.b.draft_quote])
        url = reverse("quote_edit", args=[quote.pk])
    else:
        customer, foreign = pick(data, [world.a.customer], [world.b.customer])
        url = reverse("quote_create", args=[customer.pk])
    post_form(clients["a"], url, body, tables=QUOTE_TABLES, foreign=foreign)
    no_foreign_installation_in_a_quote(world)


@fuzz
@given(data=st.data())
def test_quote_form_live_totals(world, clients, data):
    customer, foreign = pick(data, [world.a.customer], [world.b.customer])
    query = data.draw(mixed_form(
        {"installations": st.sampled_from([str(i.pk) for i in world.a.installations]),
         "language": st.just("en")}, quote_form_fields(world)))
    get_page(clients["a"], reverse("quote_form_totals", args=[customer.pk]), query,
             foreign=foreign, headers=data.draw(request_headers()))


def raw_query():
    """A raw query string: percent-encoded random bytes, odd separators."""
    return st.one_of(
        st.binary(max_size=60).map(lambda b: "q=" + "".join(f"%{x:02x}" for x in b)),
        st.sampled_from(["q", "q=&q=&q=", "&&&", "page=%00", "state=%ff", "q=%", "%zz=1",
                         "expiring_within=1e3", "customer=-1", "page=-1&page=2"]))


@fuzz
@given(data=st.data())
def test_quote_list_filters_and_export(world, clients, data):
    role = data.draw(st.sampled_from(["a", "a", "staff"]))
    query = data.draw(form({}, optional={
        "q": st.one_of(st.sampled_from(["CANARY", "SSA-2026", "SSA-2026-00003"]), TEXT),
        "state": st.one_of(st.sampled_from(["", "draft", "ready", "open", "expired",
                                            "accepted", "declined", "superseded"]),
                           SHORT_TEXT),
        "reseller": ids([world.a.reseller.pk], [world.b.reseller.pk]),
        "customer": ids([world.a.customer.pk], [world.b.customer.pk]),
        "expiring_within": st.one_of(st.integers(-2, 400).map(str), NUMBERISH),
        "page": st.one_of(st.integers(-3, 5).map(str), st.sampled_from(["last", "0"]),
                          NUMBERISH),
        "sort": st.one_of(st.sampled_from(["number", "-gross", "customer", "-created"]),
                          SHORT_TEXT),
    }))
    url = reverse(data.draw(st.sampled_from(["quote_list", "quote_export"])))
    extra = {"QUERY_STRING": data.draw(raw_query())} if data.draw(st.booleans()) else {}
    response = get_page(clients[role], url, query, **extra)
    assert response.status_code == 200
    if role == "a":
        assert_no_b_marker(response, world, query, extra)


@fuzz
@given(data=st.data())
def test_renewal_filters_and_export(world, clients, data):
    role = data.draw(st.sampled_from(["a", "a", "staff"]))
    query = data.draw(form({}, optional={
        "window_end": MONTHISH, "lapsed": BOOLISH,
        "q": st.one_of(st.sampled_from(["CANARY", "Hovedkontor"]), TEXT),
        "reseller": ids([world.a.reseller.pk], [world.b.reseller.pk]),
        "order": st.one_of(st.sampled_from(["paid_until", "-paid_until", "customer",
                                            "reseller", "-pk", "customer__name"]), SHORT_TEXT),
        "page": st.one_of(st.integers(-3, 5).map(str), NUMBERISH),
    }))
    url = reverse(data.draw(st.sampled_from(["renewal_list", "renewal_export",
                                             "renewal_totals"])))
    response = get_page(clients[role], url, query)
    assert response.status_code == 200
    if role == "a":
        assert_no_b_marker(response, world, query, {})


@fuzz
@given(data=st.data())
def test_renewal_bulk_post(world, clients, data):
    role = data.draw(st.sampled_from(["a", "a", "staff", "outsider"]))
    own = [i.pk for i in world.a.installations]
    foreign = [i.pk for i in world.b.installations]
    body = data.draw(form({}, optional={
        "installation": st.one_of(ids(own, foreign), st.lists(ids(own, foreign), max_size=5)),
        "all": st.one_of(st.just("1"), SHORT_TEXT),
        "confirm": st.one_of(st.just("1"), SHORT_TEXT),
        "per_installation": st.one_of(st.just("1"), SHORT_TEXT),
        "include_flagged": st.one_of(st.just("1"), SHORT_TEXT),
    }))
    query = data.draw(form({}, optional={"window_end": MONTHISH, "q": SHORT_TEXT,
                                         "lapsed": BOOLISH}))
    url = reverse("renewal_list") + "?" + "&".join(
        f"{key}={urlquote(value if isinstance(value, str) else value[0])}"
        for key, value in query.items())
    foreign_items = RenewalItem.objects.filter(installations__in=foreign).count()
    response = check(clients[role].post(url, body))
    if role != "staff":
        assert RenewalItem.objects.filter(installations__in=foreign).count() == foreign_items
    if response.status_code == 302:
        check(clients[role].get(response["Location"]))


@fuzz
@given(data=st.data())
def test_quote_answer_forms(world, clients, data):
    action = data.draw(st.sampled_from(["quote_accept", "quote_decline",
                                        "quote_undo_acceptance"]))
    quote, foreign = pick(data, world.a.quotes, world.b.quotes)
    role = data.draw(st.sampled_from(["a", "staff"])) if not foreign else "a"
    body = data.draw(mixed_form(
        {"accepted_by_name": st.just("Kari Kunde"), "reason": st.just("For dyrt")},
        {"accepted_by_name": TEXT, "reason": TEXT}))
    post_form(clients[role], reverse(action, args=[quote.pk]), body, tables=QUOTE_TABLES,
              foreign=foreign)


@fuzz
@given(data=st.data())
def test_customer_link_pages(world, clients, data):
    """The customer's pages (no login): a real personal link or a made-up token, the accept and
    decline forms with generated input, with or without the confirmation."""
    from quotes.services.customer_side import link_create

    quote = data.draw(st.sampled_from([q for q in world.a.quotes if q.number]))
    real = link_create(quote=quote, email="kunde@example.no", user=None)[1]
    token = data.draw(st.one_of(st.just(real), st.sampled_from(
        ["x", "a" * 43, quote.verification_token, real[:-1]]), SHORT_TEXT.filter(
        lambda t: t and "/" not in t and "\x00" not in t)))
    page = data.draw(st.sampled_from(["", "accept/", "decline/", "pdf/"]))
    body = data.draw(mixed_form(
        {"name": st.just("Kari Kunde"), "role": st.just("CFO"),
         "email": st.just("kari@example.no"), "terms": st.just("on"),
         "reason": st.just("For dyrt"), "confirm": st.just("1")},
        {"name": TEXT, "role": TEXT, "email": TEXT, "terms": SHORT_TEXT, "reason": TEXT,
         "purchase_order": TEXT, "confirm": SHORT_TEXT}))
    url = f"/o/{urlquote(token, safe='')}/{page}"
    response = check(clients["anon"].post(url, body) if page in ("accept/", "decline/")
                     else clients["anon"].get(url), logged_in=False)
    if token != real:
        assert response.status_code == 404


@fuzz
@given(data=st.data())
def test_quote_small_actions(world, clients, data):
    """The one-button forms: ready, revise, issue, delete, PDF retry, batch retry."""
    action = data.draw(st.sampled_from(["quote_ready", "quote_revise", "quote_issue",
                                        "quote_delete", "quote_pdf_retry",
                                        "renewal_batch_retry"]))
    # Staff's PDF retry renders and signs a PDF (a second each): only its refusal is fuzzed.
    role = "a" if action == "quote_pdf_retry" else data.draw(st.sampled_from(["a", "staff"]))
    if action == "renewal_batch_retry":
        target, foreign = pick(data, [world.a.batch], [world.b.batch])
    else:
        target, foreign = pick(data, world.a.quotes, world.b.quotes)
    if foreign:
        role = "a"
    body = data.draw(form({}, optional={"ready": st.one_of(st.sampled_from(["0", "1"]),
                                                           SHORT_TEXT)}))
    before = snapshot(*QUOTE_TABLES)
    response = check(clients[role].post(reverse(action, args=[target.pk]), body))
    if foreign:
        assert response.status_code == 404 and snapshot(*QUOTE_TABLES) == before
    if response.status_code in (301, 302, 303):
        check(clients[role].get(response["Location"]))


@fuzz
@given(data=st.data())
def test_quote_send_form(world, clients, data, signed_offer_pdf):
    a = world.a  # only the issued offer has its signed PDF ready: it is sent most often
    quote, foreign = pick(data, [a.issued_quote, a.issued_quote, a.draft_quote,
                                 a.answered_quote], world.b.quotes)
    addresses = st.lists(EMAILISH, max_size=4).map(", ".join)
    body = data.draw(mixed_form(
        {"to": st.just("kunde@example.no"), "cc": st.just(""), "message": st.just("")},
        {"to": st.one_of(addresses, TEXT), "cc": st.one_of(addresses, TEXT),
         "message": TEXT}))
    post_form(clients["a"], reverse("quote_send", args=[quote.pk]), body, tables=QUOTE_TABLES,
              foreign=foreign)
    for message in mail.outbox:
        for address in [*message.to, *message.cc]:
            assert "\n" not in address and "\r" not in address
        assert "\n" not in message.subject


@pytest.fixture
def signed_offer_pdf(world) -> bytes:
    """A's issued offer, rendered and signed (what the background task does)."""
    outcome = quote_services.quote_prepare_pdf(quote_id=world.a.issued_quote.pk)
    assert not outcome.failed, outcome.quote.pdf_error
    world.a.issued_quote.refresh_from_db()
    return quote_services.quote_pdf_bytes(quote=world.a.issued_quote)


@fuzz
@given(data=st.data())
def test_stored_extremes_price_and_issue(world, clients, data):
    """Whatever the forms accept must price, issue and read back: a holding of up to 100 000
    licenses activated on any day the form takes, under an extreme price book the price admin
    publishes (up to its limits of NOK per SSC, factor 10, 100 % VAT and rates of 100 000).
    What a form refuses stops the case there, with a form error and nothing stored."""
    a, staff, prices = clients["a"], clients["staff"], clients["price_admin"]
    installation = services.installation_create(
        customer=world.a.customer, name="Ekstrem", deployment="on-premise", hardware_model="",
        firmware_version="", serial_number="", notes="")
    covered = list(LicenseType.objects.filter(covered=True))
    holding = {
        "license_type": str(data.draw(st.sampled_from(covered)).pk),
        "quantity": str(data.draw(st.one_of(st.sampled_from([100_000, 1]),
                                            st.integers(1, 100_000)))),
        "activated_on": data.draw(st.one_of(
            st.sampled_from([date(1990, 1, 1), date(2026, 3, 5), date(1, 1, 1)]),
            st.dates(date(1985, 1, 1), date(2026, 3, 5)), st.dates(max_value=date(2026, 3, 5))
        )).isoformat(),
        "rented": data.draw(st.sampled_from(["", "", "on"])),
    }
    if not stored(a.post(reverse("holding_create", args=[installation.pk]), holding)):
        return
    if data.draw(st.booleans(), label="extreme price book?"):
        book = quote_services.price_book_create_draft(source=world.book, user=world.price_admin)
        figures = {
            "name": "Ekstrem", "effective_from": "2026-03-05",
            "nok_per_ssc": data.draw(st.sampled_from(["1000", "0.0001", "999999.9999", "1.4"])),
            "retroactive_factor": data.draw(st.sampled_from(["10", "1", "2"])),
            "vat_percent": data.draw(st.sampled_from(["100", "0", "25"])),
            **{f"rate_{t.pk}": str(data.draw(st.sampled_from([100_000, 0, 1]), label=t.code))
               for t in covered},
        }
        if not stored(prices.post(reverse("price_book_edit", args=[book.pk]), figures)):
            return
        check(prices.post(reverse("price_book_publish", args=[book.pk])))
        assert PriceBook.objects.get(pk=book.pk).is_published
    get_page(a, reverse("installation_preview", args=[installation.pk]))
    assert stored(a.post(reverse("quote_create", args=[world.a.customer.pk]),
                         {"installations": installation.pk, "language": "en"}))
    draft = Quote.objects.filter(customer=world.a.customer).latest("pk")
    get_page(a, reverse("quote_detail", args=[draft.pk]))
    check(staff.post(reverse("quote_issue", args=[draft.pk])))
    for url in (reverse("quote_detail", args=[draft.pk]), reverse("quote_list"),
                reverse("quote_export"), reverse("dashboard"), reverse("renewal_list")):
        get_page(a, url)


def stored(response) -> bool:
    """A write answered with a redirect (stored), or a form error (refused, nothing stored)."""
    check(response)
    if response.status_code == 200:
        assert form_errors(response), "a form page came back without an error"
        return False
    assert response.status_code == 302
    return True


# --- uploads ---------------------------------------------------------------------------------

CONTENT_TYPES = st.one_of(st.sampled_from([
    "text/csv", "text/plain", "application/pdf", "application/xml", "text/xml",
    "application/octet-stream", "text/html", "image/png", "application/zip", "",
    "multipart/form-data", "text/csv; charset=utf-16"]), st.just(None))
FILENAMES = st.one_of(st.sampled_from(["import.csv", "users.xml", "offer.pdf", "x", ".csv",
                                       "a" * 300 + ".csv", "../../etc/passwd", "kunder æøå.csv",
                                       "evil\".csv", "nul\x00.csv", "crlf\r\n.csv"]),
                      SHORT_TEXT)


def sized(head: bytes, size: int) -> bytes:
    return (head + b"x" * size)[:size] if size > len(head) else head[:size]


def upload(content: bytes, name: str, content_type) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


BOUNDARY = "----ssa-fuzz-7MA4YWxkTrZu0gW"


def post_file(client, url, field: str, content: bytes, filename: str, content_type):
    """POST one file part with its name and type exactly as generated (the test client's own
    encoder refuses names such as "/" before the server could see them)."""
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\n')
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    body = (head.encode("utf-8", "surrogatepass") + b"\r\n" + content
            + f"\r\n--{BOUNDARY}--\r\n".encode())
    return client.generic("POST", url, body,
                          content_type=f"multipart/form-data; boundary={BOUNDARY}")


def files(valid_looking, *, limit: int):
    """Random bytes, valid-looking documents, and sizes around and far above `limit`."""
    return st.one_of(
        st.binary(max_size=2_000), valid_looking, valid_looking,
        st.sampled_from([0, 1, limit - 1, limit, limit + 1]).map(
            lambda size: sized(b"customer;installation\n", size)),
        st.sampled_from([b"PK\x03\x04rest-of-a-zip", b"\xd0\xcf\x11\xe0ole", b"%PDF-1.7\n%",
                         b"\xff\xfe<\x00i\x00", b"\xef\xbb\xbf", b"\x00" * 64,
                         b"GIF89a" + b"\x00" * 20]))


CSV_CELL = st.one_of(
    st.sampled_from(["Alfa Tele AS", "Beta Kommunikasjon AS", "port", "uc", "recording",
                     "PORT", "yes", "nei", "skypbx", "on-premise", "2026-01-15", "15.01.2026",
                     "923609016", B_ORG_NUMBER, "Ny Kunde CSV", "Kontor", ""]),
    st.sampled_from(NUMBER_STRINGS), st.sampled_from(BAD_DATES), SHORT_TEXT)


@st.composite
def csv_documents(draw):
    columns = draw(st.one_of(
        st.just(list(csv_import.COLUMNS)), st.just(list(csv_import.REQUIRED_COLUMNS)),
        st.lists(st.one_of(st.sampled_from(csv_import.COLUMNS), SHORT_TEXT), max_size=15)))
    delimiter = draw(st.sampled_from([";", ",", "\t", "|"]))
    valid_row = {"customer": "Ny Kunde CSV", "installation": "Kontor", "license_code": "port",
                 "quantity": "3", "activated_on": "2026-01-15", "reseller": "Alfa Tele AS"}
    rows = draw(st.lists(st.one_of(
        st.lists(CSV_CELL, max_size=len(columns) + 2),
        st.just([valid_row.get(column, "") for column in columns])), max_size=8))
    lines = [delimiter.join(columns), *(delimiter.join(row) for row in rows)]
    if draw(st.booleans()):
        lines.insert(0, f"sep={delimiter}")
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace")


@fuzz
@given(data=st.data())
def test_csv_import_upload(world, clients, data):
    content = data.draw(files(csv_documents(), limit=csv_import.MAX_UPLOAD_BYTES))
    name, content_type = data.draw(FILENAMES), data.draw(CONTENT_TYPES)
    role = data.draw(st.sampled_from(["a", "a", "staff", "outsider"]))
    field = "other" if data.draw(st.integers(0, 9)) == 9 else "file"
    before = snapshot(*INVENTORY_TABLES)
    response = check(post_file(clients[role], reverse("csv_import"), field, content, name,
                               content_type))
    assert snapshot(*INVENTORY_TABLES) == before, "an upload (a dry run) wrote something"
    if response.status_code == 200 and response.context and "plan" not in response.context:
        assert form_errors(response)


@fuzz
@given(data=st.data())
def test_csv_import_confirm(world, clients, data):
    text_strategy = st.one_of(csv_documents().map(lambda b: b.decode("utf-8", "replace")),
                              TEXT)
    payload = data.draw(st.one_of(
        text_strategy.map(lambda t: signing.dumps({"text": t.replace("\x00", ""),
                                                   "file": "x.csv"},
                                                  salt=CSV_SALT, compress=True)),
        st.sampled_from([None, 1, [], {"text": None}, {"file": "x"}, {"text": 1, "file": 2}])
        .map(lambda obj: signing.dumps(obj, salt=CSV_SALT)),
        text_strategy.map(lambda t: signing.dumps({"text": t, "file": "x"}, salt="other")),
        SHORT_TEXT))
    if data.draw(st.integers(0, 5)) == 5 and len(payload) > 10:  # one character tampered
        index = data.draw(st.integers(0, len(payload) - 1))
        payload = payload[:index] + ("A" if payload[index] != "A" else "B") + payload[
            index + 1:]
    role = data.draw(st.sampled_from(["a", "a", "staff", "b"]))
    repeated = data.draw(st.integers(0, 5)) == 5
    body = {"payload": [payload, "x"] if repeated else payload}
    response = check(clients[role].post(reverse("csv_import_confirm"), body))
    if response.status_code in (301, 302, 303):
        check(clients[role].get(response["Location"]))


PBX_ATTRIBUTES = ["cn", "loc", "h323", "e164", "uclic", "mypbx", "voicemail", "reporting",
                  "mobility", "video", "fax", "app-sharing", "node", "guid"]


XML_SAFE_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cc", "Cs", "Cn", "Co"]),
                        max_size=20)


@st.composite
def user_lists(draw, *, well_formed=False):
    """A PBX user list: users with random attributes and pseudo objects; unless
    `well_formed`, also DTDs, entity bombs, other roots, truncation and other encodings."""
    users = []
    for _ in range(draw(st.integers(1 if well_formed else 0, 8))):
        name = st.from_regex(r"[a-z][a-z0-9-]{0,8}" if well_formed else r"[a-z][a-z0-9:-]{0,8}",
                             fullmatch=True)
        value = st.one_of(st.sampled_from(["oslo", "Bergen", "x", "", "  "]),
                          XML_SAFE_TEXT if well_formed else SHORT_TEXT)
        attributes = draw(st.dictionaries(st.one_of(st.sampled_from(PBX_ATTRIBUTES), name),
                                          value, max_size=6))
        raw = "".join(f" {k}={quoteattr(v)}" for k, v in attributes.items())
        inner = draw(st.sampled_from(["", "<pseudo type='loc'/>", "<pseudo type='config'/>",
                                      "<pseudo type='gw'/>", "<x/>"]))
        users.append(f"<user{raw}>{inner}</user>")
    if well_formed:
        return f"<info>{''.join(users)}</info>".encode()
    prologue = draw(st.sampled_from([
        "", "<?xml version='1.0' encoding='utf-8'?>",
        "<!DOCTYPE info [<!ENTITY a 'b'>]>",
        "<!DOCTYPE l [<!ENTITY l0 'ha'><!ENTITY l1 '&l0;&l0;&l0;&l0;&l0;'>]>",
        "<!DOCTYPE x SYSTEM 'file:///etc/passwd'>",
        "<?xml version='1.0' encoding='utf-16'?>"]))
    root = draw(st.sampled_from(["info", "ns:info", "users", "user"]))
    document = f"{prologue}<{root}>{''.join(users)}</{root}>"
    if draw(st.integers(0, 6)) == 6:
        document = document[:draw(st.integers(0, len(document)))]
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return document.encode(encoding, errors="replace")


@fuzz
@given(data=st.data())
def test_pbx_user_list_upload(world, clients, data):
    installation, foreign = pick(data, world.a.installations, world.b.installations)
    content = data.draw(files(user_lists(), limit=pbx.MAX_UPLOAD_BYTES))
    before = snapshot(*INVENTORY_TABLES)
    response = check(post_file(clients["a"], reverse("pbx_import", args=[installation.pk]),
                               "file", content, data.draw(FILENAMES), data.draw(CONTENT_TYPES)))
    assert snapshot(*INVENTORY_TABLES) == before, "an upload wrote something"
    if foreign:
        assert response.status_code == 404


@fuzz
@given(data=st.data())
def test_pbx_import_later_steps(world, clients, data):
    installation, foreign = pick(data, [world.a.installation], [world.b.installation])
    own = world.a.installation
    user_list = pbx.parse_user_list(data.draw(user_lists(well_formed=True).filter(_parses),
                                               label="user list"))
    today = timezone.localdate()
    current = pbx.current_quantities(own, today=today, codes=["port", "uc", "voicemail"])
    targets = data.draw(st.dictionaries(st.sampled_from(["port", "uc", "voicemail", "nope"]),
                                        st.integers(0, pbx.MAX_QUANTITY), max_size=3))
    upload_token = data.draw(st.one_of(
        st.just(pbx.dump_upload(user_list, installation_pk=own.pk, filename="u.xml")),
        st.just(pbx.dump_upload(user_list, installation_pk=world.b.installation.pk,
                                filename="u.xml")),
        SHORT_TEXT), label="upload token")
    plan_token = data.draw(st.one_of(
        st.just(pbx.dump_plan(installation_pk=own.pk, location="oslo", targets=targets,
                              current=current, filename="u.xml")),
        st.builds(lambda stale: pbx.dump_plan(installation_pk=own.pk, location="oslo",
                                              targets=targets, current=stale, filename="u.xml"),
                  st.dictionaries(st.sampled_from(["port", "uc"]), st.integers(0, 50))),
        SHORT_TEXT), label="plan token")
    locations = [location.name or "(none)" for location in user_list.locations.values()]
    body = data.draw(form({}, optional={
        "upload": st.just(upload_token), "plan": st.just(plan_token),
        "location": st.one_of(st.sampled_from(locations or ["oslo"]), SHORT_TEXT),
        "port": st.one_of(st.integers(-1, pbx.MAX_QUANTITY + 1).map(str), NUMBERISH),
    }))
    step = data.draw(st.sampled_from(["pbx_import_proposal", "pbx_import_review",
                                      "pbx_import_apply"]))
    before = snapshot(*INVENTORY_TABLES)
    response = check(clients["a"].post(reverse(step, args=[installation.pk]), body))
    if foreign:
        assert response.status_code == 404
    if foreign or step != "pbx_import_apply":
        assert snapshot(*INVENTORY_TABLES) == before, "only the apply step writes"
    if response.status_code in (301, 302, 303):
        check(clients["a"].get(response["Location"]))


def _parses(content: bytes) -> bool:
    try:
        pbx.parse_user_list(content)
    except Exception:  # noqa: BLE001 - ImportFileError, or anything the parser raises
        return False
    return True


MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")


@fuzz
@given(data=st.data())
def test_verify_upload(world, signed_offer_pdf, data):
    genuine = signed_offer_pdf

    def mutate(change):
        kind, position, byte = change
        position %= len(genuine)
        if kind == "flip":
            return genuine[:position] + bytes([byte]) + genuine[position + 1:]
        if kind == "truncate":
            return genuine[:position]
        if kind == "append":
            return genuine + bytes([byte]) * (position % 64 + 1)
        return b" \n" + genuine

    content = data.draw(st.one_of(
        files(st.one_of(st.just(MINIMAL_PDF), st.binary(max_size=500).map(
            lambda junk: b"%PDF-1.7\n" + junk)), limit=VERIFY_MAX_BYTES),
        st.just(genuine),
        st.tuples(st.sampled_from(["flip", "truncate", "append", "prepend"]),
                  st.integers(0, 10**7), st.integers(0, 255)).map(mutate)), label="pdf")
    name, content_type = data.draw(FILENAMES), data.draw(CONTENT_TYPES)
    field = data.draw(st.sampled_from(["pdf", "pdf", "pdf", "file"]))
    client = make_client()
    response = check(post_file(client, reverse("verify"), field, content, name, content_type),
                     logged_in=False)
    assert response.status_code in (200, 400)  # 400: a multipart header Django refuses
    verdict = response.context["verdict"] if response.status_code == 200 else None
    if verdict is not None and verdict.genuine:
        assert content == signed_offer_pdf, "a changed file was called genuine"


# --- searches, exports, odd requests ---------------------------------------------------------


@fuzz
@given(data=st.data())
def test_customer_search(world, clients, data):
    role = data.draw(st.sampled_from(["a", "a", "staff", "outsider"]))
    query = data.draw(form({}, optional={
        "q": st.one_of(st.sampled_from(["CANARY", "canary-b", B_ORG_NUMBER, "986 345",
                                        "Tromsø"]), TEXT),
        "page": st.one_of(st.integers(-3, 5).map(str), NUMBERISH)}))
    extra = {"QUERY_STRING": data.draw(raw_query())} if data.draw(st.integers(0, 4)) == 4 else {}
    # The customer list's search box, and the one in the navigation (every kind at once).
    url_name = data.draw(st.sampled_from(["customer_list", "search"]), label="page")
    response = get_page(clients[role], reverse(url_name), query, **extra)
    assert response.status_code == 200
    if role != "staff":
        assert_no_b_marker(response, world, query, extra)


FORM_POST_URLS = [
    ("customer_create", None), ("customer_edit", "customer"), ("installation_create",
                                                               "customer"),
    ("installation_edit", "installation"), ("holding_create", "installation"),
    ("holding_end", "holding"), ("period_create", "installation"), ("period_edit", "period"),
    ("quote_create", "customer"), ("quote_accept", "issued_quote"),
    ("quote_decline", "issued_quote"), ("quote_send", "issued_quote"), ("renewal_list", None),
    ("csv_import", None), ("csv_import_confirm", None), ("pbx_import", "installation"),
    ("pbx_import_review", "installation"), ("verify", None), ("login", None),
    ("password_reset", None), ("set_language", None), ("invite", None),
]
RAW_CONTENT_TYPES = st.one_of(st.sampled_from([
    "application/json", "text/plain", "application/xml", "multipart/form-data",
    "multipart/form-data; boundary=xyz", "multipart/form-data; boundary=",
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=no-such-charset", "*/*", ""]),
    SHORT_TEXT.map(lambda t: t.encode("ascii", "ignore").decode()))


@fuzz
@given(data=st.data())
def test_wrong_request_bodies(world, clients, data):
    name, kind = data.draw(st.sampled_from(FORM_POST_URLS))
    content_type = data.draw(RAW_CONTENT_TYPES)
    body = data.draw(st.one_of(
        st.binary(max_size=2_000), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from([b"{}", b"[]", b'{"name": ["x"]}', b"a=1&a=2&a[]=3",
                         b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1",
                         b"--xyz--", b"%ff%fe=%00", b"=&=&=="])))
    objects = {"customer": world.a.customer, "installation": world.a.installation,
               "holding": world.a.holding, "period": world.a.period,
               "issued_quote": world.a.issued_quote}
    url = reverse(name, args=[objects[kind].pk] if kind else [])
    before = snapshot(*INVENTORY_TABLES)
    response = check(clients["a"].generic("POST", url, body, content_type=content_type),
                     logged_in=False)
    if response.status_code >= 400 or (response.status_code == 200 and name not in (
            "csv_import", "verify", "renewal_list")):
        assert snapshot(*INVENTORY_TABLES) == before


@pytest.mark.parametrize("case", ["verify_11_mb", "csv_3_mb", "pbx_6_mb", "form_body_3_mb"])
def test_oversized_uploads_and_bodies_are_refused_politely(world, clients, case):
    """Far above each limit: a form error or a 400, never a server error, nothing written."""
    before = snapshot(*INVENTORY_TABLES)
    if case == "verify_11_mb":
        response = make_client().post(reverse("verify"), {
            "pdf": upload(sized(b"%PDF-1.7\n", 11 * 2**20), "big.pdf", "application/pdf")})
        assert response.status_code == 200
        assert "10 MB" in response.context["verdict"].message
    elif case == "csv_3_mb":
        header = b"customer;installation;license_code;quantity;activated_on\n"
        response = clients["a"].post(reverse("csv_import"), {
            "file": upload(sized(header, 3 * 2**20), "big.csv", "text/csv")})
        assert response.status_code == 200 and form_errors(response)
    elif case == "pbx_6_mb":
        response = clients["a"].post(reverse("pbx_import", args=[world.a.installation.pk]), {
            "file": upload(sized(b"<info>", 6 * 2**20), "big.xml", "text/xml")})
        assert response.status_code == 200 and form_errors(response)
    else:
        body = b"name=" + b"x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
        response = clients["a"].generic("POST", reverse("customer_create"), body,
                                        content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400
    assert snapshot(*INVENTORY_TABLES) == before


# --- the budget ------------------------------------------------------------------------------

#: Generated cases in this module under the "ci" profile: EXAMPLES_PER_TEST per @fuzz test
#: (cases Hypothesis rejects through `assume` come on top). 33 tests × 65 = 2 145 by default.
GENERATED_CASES = EXAMPLES_PER_TEST * len(FUZZ_TESTS)


def test_the_default_budget_is_at_least_2000_generated_cases():
    assert len(FUZZ_TESTS) * 65 >= 2000
    if "SSA_FUZZ_EXAMPLES" not in os.environ:
        assert GENERATED_CASES >= 2000


# --- regressions: the inputs with which this fuzzing found server errors ---------------------
#
# Each was a 500 when found, is fixed in the product now, and stays here as a plain test. A new
# finding goes here as pytest.mark.xfail(strict=True, reason="…the input and the traceback…").


@pytest.mark.parametrize("case", ["preview_end", "preview_quote_date", "live_totals_end",
                                  "draft_with_end", "period_ending_9999"])
def test_regression_year_9999(world, clients, case):
    """Was: ValueError "year 10000 is out of range" in customers/months.py add_months /
    first_july_after, called by quotes/pricing.py _holding_runs and default_end; a draft or a
    period ending in 9999 was stored and broke its pages from then on."""
    client, a = clients["a"], world.a
    if case == "preview_end":
        response = client.get(reverse("installation_preview", args=[a.installation.pk]),
                              {"end": "9999-12"})
    elif case == "preview_quote_date":
        response = client.get(reverse("installation_preview", args=[a.installation.pk]),
                              {"quote_date": "9999-06-30"})
    elif case == "live_totals_end":
        response = client.get(reverse("quote_form_totals", args=[a.customer.pk]),
                              {"installations": a.installation.pk, "language": "en",
                               "end": "9999-12"})
    elif case == "draft_with_end":
        response = client.post(reverse("quote_create", args=[a.customer.pk]),
                               {"installations": a.installation.pk, "language": "en",
                                "end": "9999-12"}, follow=True)
    else:
        client.post(reverse("period_create", args=[a.installation.pk]),
                    {"start": "9999-11", "end": "9999-12", "holdings": a.holding.pk})
        response = client.get(reverse("installation_preview", args=[a.installation.pk]))
    assert response.status_code < 500


@pytest.mark.parametrize(("url_name", "query"), [
    ("quote_list", {"customer": "9223372036854775808"}),
    ("quote_export", {"customer": "9223372036854775808"}),
    ("customer_list", {"q": "a\x00b"}),
])
def test_regression_filters(world, clients, url_name, query):
    """Was (SQLite): OverflowError for a customer id of 2**63 in the offer filter (the CSV
    export broke off mid-stream after its 200); was (PostgreSQL): DataError for a NUL in the
    customer search."""
    response = check(clients["a"].get(reverse(url_name), query))
    assert response.status_code == 200


@pytest.mark.parametrize("form_name", ["period_create", "quote_create", "quote_form_totals"])
def test_regression_multiple_choice_id_overflow(world, clients, form_name):
    """Was (SQLite): OverflowError from ModelMultipleChoiceField's pk__in for an id ≥ 2**63."""
    a, huge = world.a, "9223372036854775808"
    if form_name == "period_create":
        response = clients["a"].post(reverse(form_name, args=[a.installation.pk]),
                                     {"start": "2025-07", "end": "2026-07", "holdings": huge})
    elif form_name == "quote_create":
        response = clients["a"].post(reverse(form_name, args=[a.customer.pk]),
                                     {"installations": huge, "language": "en"})
    else:
        response = clients["a"].get(reverse(form_name, args=[a.customer.pk]),
                                    {"installations": huge, "language": "en"})
    assert response.status_code < 500


@pytest.mark.parametrize("value", ["²", "9" * 5000, "9223372036854775808"])
def test_regression_renewal_bulk_post_ids(world, clients, value):
    """Was: ValueError from int() in quotes/views.py renewal_list for '²' (str.isdigit() is
    true) and for 5 000 digits (Python's 4 300-digit limit); OverflowError (SQLite) for 2**63."""
    response = clients["a"].post(reverse("renewal_list"), {"installation": value})
    assert response.status_code < 500


@pytest.mark.parametrize("port_value", ["²", "9" * 5000])
def test_regression_pbx_proposal_port(world, clients, port_value):
    """Was: ValueError from int() in customers/import_views.py pbx_import_proposal."""
    installation = world.a.installation
    user_list = pbx.parse_user_list(b'<info><user cn="A" loc="oslo"/></info>')
    token = pbx.dump_upload(user_list, installation_pk=installation.pk, filename="u.xml")
    response = clients["a"].post(reverse("pbx_import_proposal", args=[installation.pk]),
                                 {"upload": token, "location": "oslo", "port": port_value})
    assert response.status_code < 500


@pytest.mark.parametrize(("activated_on", "nok_per_ssc", "rate"), [
    ("0001-01-01", "1.4", "74"), ("0001-01-01", "999999.9999", "74"),
    ("2026-02-01", "1000", "100000"),
])
def test_regression_issued_figures_fit_their_columns(world, clients, activated_on,
                                                     nok_per_ssc, rate):
    """Was: an offer whose figures outgrew its columns (SSC in 32-bit integers, NOK in
    DecimalField(max_digits=14)): PostgreSQL refused the issue with a DataError, SQLite stored
    it and then raised InvalidOperation on every read of the offer. 100 000 port licenses,
    issued under the book the case names (each value goes through its form, which may refuse
    it: then nothing more is asked)."""
    a = world.a
    installation = services.installation_create(
        customer=a.customer, name="Ekstrem", deployment="on-premise", hardware_model="",
        firmware_version="", serial_number="", notes="")
    if not stored(clients["a"].post(reverse("holding_create", args=[installation.pk]), {
            "license_type": world.port.pk, "quantity": "100000", "activated_on": activated_on})):
        return
    book = quote_services.price_book_create_draft(source=world.book, user=world.price_admin)
    figures = {"name": "Ekstrem", "effective_from": "2026-03-05", "nok_per_ssc": nok_per_ssc,
               "retroactive_factor": "10", "vat_percent": "100",
               **{f"rate_{t.pk}": rate for t in LicenseType.objects.filter(covered=True)}}
    if not stored(clients["price_admin"].post(reverse("price_book_edit", args=[book.pk]),
                                              figures)):
        return
    check(clients["price_admin"].post(reverse("price_book_publish", args=[book.pk])))
    draft = quote_services.quote_create(customer=a.customer, installations=[installation],
                                        user=a.user)
    check(clients["staff"].post(reverse("quote_issue", args=[draft.pk])))
    assert Quote.objects.get(pk=draft.pk).state == "issued"
    assert check(clients["a"].get(reverse("quote_detail", args=[draft.pk]))).status_code == 200
