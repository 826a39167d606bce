"""Shared fixtures: a fixed cast (staff, price admin, reseller A and B users, an outsider with
no reseller), their customers and installations, and a frozen clock.

No test reads the wall clock: every test runs at FROZEN_NOW unless it travels elsewhere itself.
"""

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.db.models import Max
from hypothesis import settings as hypothesis_settings

from customers import services
from customers.access import PRICE_ADMIN_GROUP, STAFF_GROUP
from customers.models import LicenseType, Membership, Reseller

hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

OSLO = ZoneInfo("Europe/Oslo")
FROZEN_NOW = datetime(2026, 3, 5, 10, 30, tzinfo=OSLO)
TODAY = FROZEN_NOW.date()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory):
    """One development signing key for the whole run (RSA key generation is not free)."""
    from datetime import UTC

    from quotes.signing import build_p12

    path = tmp_path_factory.mktemp("signing") / "test-signing.p12"
    path.write_bytes(build_p12(organisation="Nordic Unified AS", passphrase=b"test-passphrase",
                               now=datetime(2026, 1, 1, tzinfo=UTC)))
    return path


@pytest.fixture(autouse=True)
def portal_test_settings(settings, signing_key, tmp_path):
    """The signing key, a throwaway media folder, and a task queue the tests can inspect."""
    settings.SSA_SIGNING_P12 = signing_key
    settings.SSA_SIGNING_PASSPHRASE = "test-passphrase"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.SSA_PUBLIC_BASE_URL = "https://ssa.example.no"
    # The test client's login() authenticates without a request, which django-axes refuses;
    # tests/test_security.py switches the lockout on where it is the subject.
    settings.AXES_ENABLED = False


def _uses_database(request) -> bool:
    """Whether the test uses the database; if so, set it up first, so that a check after the
    test runs before its rollback."""
    uses_database = {"db", "transactional_db", "live_server"} & set(request.fixturenames) or (
        request.node.get_closest_marker("django_db"))
    if uses_database:
        request.getfixturevalue("db")
    return bool(uses_database)


@pytest.fixture(autouse=True)
def every_installation_paid_until_matches_its_periods(request, portal_test_settings):
    """The `paid_until` column the services keep equals the latest end of the installation's
    periods after every test: no write path forgets to refresh it."""
    if not _uses_database(request):
        yield
        return
    yield
    from customers.models import Installation

    stale = [(i.pk, i.paid_until, i.latest)
             for i in Installation.objects.annotate(latest=Max("periods__end"))
             if i.paid_until != i.latest]
    assert not stale, f"installations whose paid_until is stale (pk, column, periods): {stale}"


@pytest.fixture(autouse=True)
def every_stored_offer_pdf_verifies(request, portal_test_settings):
    """Every offer PDF the suite signs validates with pyHanko against the distributor's
    recorded certificates: intact, valid, the signature covers the entire file, and the offer
    names the certificate that signed it."""
    uses_database = _uses_database(request)
    yield
    if not uses_database:
        return
    from django.core.files.storage import default_storage

    from quotes.models import Quote
    from quotes.verification import check_signature

    for number, name, certificate in Quote.objects.exclude(pdf_sha256="").values_list(
            "number", "pdf", "signing_certificate"):
        with default_storage.open(name, "rb") as pdf:
            check = check_signature(pdf.read())
        assert check.genuine, f"{number}'s PDF does not verify"
        assert check.fingerprint == certificate, f"{number} names another certificate"


@pytest.fixture(autouse=True)
def empty_cache(request):
    """Each test starts with an empty cache (rate limits, the dashboard's renewal estimate).
    The cache is the database cache (a table `migrate` makes), so a test that touches it uses
    the database; one that does not use the database cannot have anything in it."""
    if not _uses_database(request):
        yield
        return
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(FROZEN_NOW, tick=False) as traveller:
        yield traveller


def make_user(username: str, *, group: str | None = None, reseller: Reseller | None = None):
    user = User.objects.create_user(username=username, email=username, password="x-pass-1234!")
    if group:
        user.groups.add(Group.objects.get(name=group))
    if reseller:
        Membership.objects.create(user=user, reseller=reseller)
    return user


@pytest.fixture
def reseller_a(db):
    return Reseller.objects.create(name="Alfa Tele AS")


@pytest.fixture
def reseller_b(db):
    return Reseller.objects.create(name="Beta Kommunikasjon AS")


@pytest.fixture
def staff(db):
    return make_user("staff@example.no", group=STAFF_GROUP)


@pytest.fixture
def price_admin(db):
    return make_user("prices@example.no", group=PRICE_ADMIN_GROUP)


@pytest.fixture
def user_a(reseller_a):
    return make_user("a@alfa.example.no", reseller=reseller_a)


@pytest.fixture
def user_b(reseller_b):
    return make_user("b@beta.example.no", reseller=reseller_b)


@pytest.fixture
def outsider(db):
    """Logged in, but member of no reseller and no staff group: sees nothing."""
    return make_user("nobody@example.no")


@pytest.fixture
def port(db):
    return LicenseType.objects.get(code="port")


@pytest.fixture
def customer_a(user_a, reseller_a):
    return services.customer_create(
        user=user_a, name="Fjordtann AS CANARY-A", org_number="923609016", city="Bergen",
        contact_name="", email="", phone="", street="", postal_code="", language="nb",
    )


@pytest.fixture
def customer_b(user_b, reseller_b):
    return services.customer_create(
        user=user_b, name="Nordlys Regnskap AS CANARY-B", org_number="", city="Tromsø",
        contact_name="", email="", phone="", street="", postal_code="", language="nb",
    )


def make_installation(customer, name="Hovedkontor"):
    return services.installation_create(
        customer=customer, name=name, deployment="on-premise", hardware_model="IP811",
        firmware_version="14r2", serial_number="", notes="",
    )


@pytest.fixture
def installation_a(customer_a):
    return make_installation(customer_a)


@pytest.fixture
def installation_b(customer_b):
    return make_installation(customer_b)


@pytest.fixture
def holding_a(installation_a, port):
    return services.holding_add(installation=installation_a, license_type=port, quantity=10,
                                activated_on=date(2024, 3, 14))


@pytest.fixture
def holding_b(installation_b, port):
    return services.holding_add(installation=installation_b, license_type=port, quantity=7,
                                activated_on=date(2024, 3, 14))


@pytest.fixture
def period_a(installation_a, holding_a):
    return services.period_create(installation=installation_a, start=date(2024, 7, 1),
                                  end=date(2025, 7, 1), holdings=[holding_a])


@pytest.fixture
def period_b(installation_b, holding_b):
    return services.period_create(installation=installation_b, start=date(2024, 7, 1),
                                  end=date(2025, 7, 1), holdings=[holding_b])


@pytest.fixture(autouse=True)
def english_messages():
    """Service-level messages in English for assertions; pages are tested in both languages."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(db):
    """A browser in English. Pages may use the database even when nobody is logged in: the
    shared cache (rate limits) is the database cache."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")
