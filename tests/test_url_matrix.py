"""Every URL pattern of the project × every role, in one table.

Roles: anonymous, a user of reseller A (who owns the objects in the URLs), a user of reseller B,
distributor staff, a price admin, and an outsider (logged in, no reseller, not staff).
Another reseller's objects answer 404; a role too weak answers 403; anonymous goes to login.
A denied POST changes nothing. Adding a URL pattern without a row here fails the suite.
"""

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api import tokens as api_tokens
from api import webhooks
from api.models import ApiToken, WebhookEndpoint
from customers import services
from customers.import_views import CSV_SALT
from customers.imports import pbx
from customers.models import (
    AgreementPeriod,
    Customer,
    ImportJob,
    Installation,
    LicenseHolding,
    Membership,
)
from quotes import services as services_quotes
from quotes.models import (
    Acceptance,
    NotificationSettings,
    OutgoingEmail,
    PriceBook,
    PriceBookRate,
    Quote,
    QuoteEvent,
    RenewalBatch,
    RenewalItem,
)
from tests.conftest import make_installation

ROLES = ("anonymous", "reseller_a", "reseller_b", "staff", "price_admin", "outsider")


def statuses(spec: str) -> dict[str, int]:
    """'302 200 404 200 200 404' → one status per role, in ROLES order."""
    codes = [int(code) for code in spec.split()]
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


@dataclass
class Row:
    kwargs: dict[str, str] = field(default_factory=dict)  # URL kwarg → object name
    get: str = ""
    post: str | None = None  # None: the URL takes no POST action worth testing
    data: dict = field(default_factory=dict)  # a valid POST body (object names resolved)
    unchanged: tuple[str, ...] = ()  # roles whose POST is turned away with a redirect


OWN = "302 200 404 200 200 404"  # an object of reseller A's: B and outsiders get 404
OWN_POST = "302 302 404 302 302 404"
PUBLIC = "200 200 200 200 200 200"
LOGGED_IN = "302 200 200 200 200 200"
STAFF_READ = "302 404 404 200 200 404"
PRICE_PAGE = "302 404 404 403 200 404"
PRICE_WRITE = "302 404 404 403 302 404"

MATRIX: dict[str, Row] = {
    "dashboard": Row(get=LOGGED_IN),
    "dashboard_renewal_estimate": Row(get=LOGGED_IN),
    "dashboard_pipeline": Row(get=LOGGED_IN),
    "healthz": Row(get=PUBLIC),
    "customer_list": Row(get=LOGGED_IN),
    "search": Row(get=LOGGED_IN),
    "customer_create": Row(
        get="302 200 200 200 200 302",
        # The outsider belongs to no reseller: sent back with a message, nothing created.
        post="302 302 302 302 302 302",
        data={"name": "Ny Kunde AS", "org_number": "", "language": "nb",
              "reseller": "reseller_a"},
        unchanged=("outsider",),
    ),
    "customer_detail": Row({"pk": "customer"}, OWN),
    "customer_history": Row({"pk": "customer"}, OWN),
    "installation_history": Row({"pk": "installation"}, OWN),
    "holding_history": Row({"pk": "holding"}, OWN),
    "customer_edit": Row({"pk": "customer"}, OWN, OWN_POST,
                         {"name": "Renamed AS", "org_number": "", "language": "en"}),
    "customer_move": Row({"pk": "customer"}, "302 403 404 200 200 404",
                         "302 403 404 302 302 404", {"reseller": "reseller_b"}),
    "installation_create": Row({"customer_pk": "customer"}, OWN, OWN_POST,
                               {"name": "Filial", "deployment": "on-premise"}),
    "installation_detail": Row({"pk": "installation"}, OWN),
    "installation_edit": Row({"pk": "installation"}, OWN, OWN_POST,
                             {"name": "Renamed", "deployment": "skypbx"}),
    "holding_create": Row({"installation_pk": "installation"}, OWN, OWN_POST,
                          {"license_type": "port_type", "quantity": "3",
                           "activated_on": "2026-02-01"}),
    "holding_edit": Row({"pk": "holding"}, OWN, OWN_POST,
                        {"license_type": "port_type", "quantity": "4",
                         "activated_on": "2026-01-10"}),
    "holding_end": Row({"pk": "holding"}, OWN, OWN_POST, {"ended_on": "2026-04", "keep": "1"}),
    "holding_delete": Row({"pk": "holding"}, OWN, OWN_POST),
    "period_create": Row({"installation_pk": "installation"}, OWN, OWN_POST,
                         {"start": "2025-07", "end": "2026-07", "holdings": "holding"}),
    "period_edit": Row({"pk": "period"}, OWN, OWN_POST,
                       {"start": "2023-08", "end": "2024-08", "holdings": "paid_holding"}),
    "period_delete": Row({"pk": "period"}, OWN, OWN_POST),
    # Imports: uploading and previewing change nothing; confirming and applying write. The
    # outsider belongs to no reseller and is sent back; reseller B's rows name reseller A.
    "csv_import": Row(get="302 200 200 200 200 302", post="302 200 200 200 200 302",
                      data={"file": "csv_file"}, unchanged=ROLES),
    "csv_import_confirm": Row(get="302 302 302 302 302 302", post="302 302 200 302 302 302",
                              data={"payload": "csv_payload"},
                              unchanged=("reseller_b", "outsider")),
    "csv_import_sample": Row(get=LOGGED_IN),
    "csv_import_job": Row({"pk": "import_job"}, "302 200 404 404 404 404"),
    "pbx_import": Row({"pk": "installation"}, OWN, "302 200 404 200 200 404",
                      {"file": "pbx_file"}, unchanged=ROLES),
    "pbx_import_proposal": Row({"pk": "installation"}, "302 302 404 302 302 404",
                               "302 200 404 200 200 404",
                               {"upload": "pbx_upload", "location": "oslo"}, unchanged=ROLES),
    "pbx_import_review": Row({"pk": "installation"}, "302 302 404 302 302 404",
                             "302 200 404 200 200 404",
                             {"upload": "pbx_upload", "location": "oslo", "port": "4"},
                             unchanged=ROLES),
    # The plan ends ports: confirmed (the confirmation page is tested in test_pbx_import.py).
    "pbx_import_apply": Row({"pk": "installation"}, "302 302 404 302 302 404", OWN_POST,
                            {"plan": "pbx_plan", "confirm": "1"}),
    # Accounts
    "login": Row(get="200 302 302 302 302 302"),
    "logout": Row(get="405 405 405 405 405 405", post="302 302 302 302 302 302"),
    "password_reset": Row(get=PUBLIC),
    "password_reset_done": Row(get=PUBLIC),
    "password_reset_confirm": Row({"uidb64": "uid", "token": "token"}, PUBLIC),
    "password_reset_complete": Row(get=PUBLIC),
    "password_change": Row(get=LOGGED_IN),
    "password_change_done": Row(get=LOGGED_IN),
    "invite": Row(get="302 403 403 200 200 403", post="302 403 403 302 302 403",
                  data={"email": "new@example.no", "first_name": "Nina",
                        "reseller": "reseller_a"}),
    # Price books: staff read, price admins write, resellers and outsiders get 404.
    "price_book_list": Row(get=STAFF_READ),
    "price_book_detail": Row({"pk": "book"}, STAFF_READ),
    "price_book_copy": Row({"pk": "book"}, "302 405 405 405 405 405", PRICE_WRITE),
    "price_book_edit": Row({"pk": "draft"}, PRICE_PAGE, PRICE_WRITE,
                           {"name": "Renamed draft", "effective_from": "2026-07-01",
                            "nok_per_ssc": "1.5", "retroactive_factor": "2",
                            "vat_percent": "25"}),
    "price_book_publish": Row({"pk": "draft"}, PRICE_PAGE, PRICE_WRITE),
    "price_book_delete": Row({"pk": "draft"}, PRICE_PAGE, PRICE_WRITE),
    "installation_preview": Row({"pk": "installation"}, OWN),
    # Offers: drafts and issued offers of reseller A's customer.
    "quote_list": Row(get=LOGGED_IN),
    "quote_create": Row({"customer_pk": "customer"}, OWN, OWN_POST,
                        {"installations": "installation", "language": "en", "end": ""}),
    "quote_form_totals": Row({"customer_pk": "customer"}, OWN),
    "quote_detail": Row({"pk": "draft_quote"}, OWN),
    "quote_edit": Row({"pk": "draft_quote"}, OWN, OWN_POST,
                      {"installations": "installation", "language": "en", "end": ""}),
    # Staff issue drafts themselves: marking one ready is refused with a message.
    "quote_ready": Row({"pk": "draft_quote"}, "302 405 405 405 405 405", OWN_POST,
                       {"ready": "1"}, unchanged=("staff", "price_admin")),
    "quote_issue": Row({"pk": "draft_quote"}, "302 403 404 200 200 404",
                       "302 403 404 302 302 404"),
    "quote_revise": Row({"pk": "issued_quote"}, OWN, OWN_POST),
    "quote_accept": Row({"pk": "issued_quote"}, OWN, OWN_POST,
                        {"accepted_by_name": "Kari Kunde"}),
    "quote_decline": Row({"pk": "issued_quote"}, OWN, OWN_POST, {"reason": "Too dear"}),
    "quote_undo_acceptance": Row({"pk": "accepted_quote"}, "302 403 404 200 200 404",
                                 "302 403 404 302 302 404", {"reason": "mistake"}),
    "quote_delete": Row({"pk": "draft_quote"}, OWN, OWN_POST),
    # A customer's and an installation's offers; the offer whose acceptance made a period.
    "customer_offers": Row({"pk": "customer"}, OWN),
    "installation_offers": Row({"pk": "installation"}, OWN),
    "period_offer": Row({"pk": "quote_period"}, "302 302 404 302 302 404"),
    # The signed PDF (not yet prepared in this world: the page explains), e-mail, verification.
    "quote_pdf": Row({"pk": "issued_quote"}, "302 302 404 302 302 404"),
    "quote_pdf_retry": Row({"pk": "issued_quote"}, "302 405 405 405 405 405",
                           "302 403 404 302 302 404"),
    # Sending needs the signed PDF: until it is stored, the form sends back with a message.
    "quote_send": Row({"pk": "issued_quote"}, OWN_POST, "302 302 404 302 302 404",
                      {"to": "kunde@example.no", "cc": "", "message": "Hei"},
                      unchanged=("reseller_a", "staff", "price_admin")),
    "verify": Row(get=PUBLIC, post=PUBLIC, unchanged=ROLES),
    "verify_link": Row({"token": "verify_token"}, PUBLIC),
    # Renewals and exports.
    # A confirmed run (the confirmation page itself is tested in tests/quotes/test_renewals.py).
    "renewal_list": Row(get=LOGGED_IN, post="302 302 302 302 302 302",
                        data={"installation": "installation", "confirm": "1"},
                        unchanged=("reseller_b", "outsider")),
    "renewal_export": Row(get=LOGGED_IN),
    "renewal_totals": Row(get=LOGGED_IN),
    "quote_export": Row(get=LOGGED_IN),
    "renewal_batch_detail": Row({"pk": "batch"}, OWN),
    "renewal_batch_retry": Row({"pk": "batch"}, "302 405 405 405 405 405", OWN_POST),
    # The customer's pages: anyone holding the personal link (the offer has no PDF yet here, so
    # its download sends back to the page; a first POST is the confirmation step).
    "offer_link": Row({"token": "link_token"}, PUBLIC),
    "offer_link_pdf": Row({"token": "link_token"}, "302 302 302 302 302 302"),
    "offer_link_accept": Row({"token": "link_token"}, PUBLIC, PUBLIC,
                             {"name": "Kari Kunde", "role": "CFO", "email": "k@example.no",
                              "terms": "on"}, unchanged=ROLES),
    "offer_link_decline": Row({"token": "link_token"}, PUBLIC, PUBLIC,
                              {"name": "Kari Kunde", "reason": "For dyrt"}, unchanged=ROLES),
    "notification_settings": Row(get=LOGGED_IN, post="302 302 302 302 302 302",
                                 data={"language": "en"}),
    # The icon browsers ask for: a redirect to the static file, for anyone.
    "favicon": Row(get="302 302 302 302 302 302"),
    "set_language": Row(get="302 302 302 302 302 302", post="302 302 302 302 302 302",
                        data={"language": "en", "next": "/"}),
    # API tokens are personal: another user's token is 404, whoever asks. Webhook endpoints
    # are the reseller's; the outsider (no reseller) may not register one.
    "api_token_list": Row(get=LOGGED_IN, post="302 200 200 200 200 200",
                          data={"name": "Fakturering", "access": "read"}),
    "api_token_revoke": Row({"pk": "api_token"}, "302 405 405 405 405 405",
                            "302 302 404 404 404 404"),
    "webhook_endpoint_list": Row(get=LOGGED_IN, post="302 200 200 200 200 302",
                                 data={"url": "http://127.0.0.1:9/hook", "events": "issued"},
                                 unchanged=("outsider",)),
    "webhook_endpoint_detail": Row({"pk": "webhook"}, OWN),
    "webhook_endpoint_resume": Row({"pk": "webhook"}, "302 405 405 405 405 405", OWN_POST),
    "webhook_endpoint_delete": Row({"pk": "webhook"}, OWN, OWN_POST),
}


def all_url_names() -> set[str]:
    """Every named pattern outside the admin, which has its own test below, and the API, which
    has its own matrix (tests/test_api_matrix.py)."""
    names: set[str] = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace not in ("admin", "api"):
                assert pattern.name, f"URL pattern {pattern.pattern} has no name"
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_pattern_has_a_row_in_the_matrix():
    missing = all_url_names() - set(MATRIX)
    stale = set(MATRIX) - all_url_names()
    assert not missing, f"URL patterns without a row in the access matrix: {sorted(missing)}"
    assert not stale, f"rows for URL patterns that no longer exist: {sorted(stale)}"


def import_objects(installation) -> dict[str, SimpleNamespace]:
    """The uploads and signed step payloads the import rows post. The matrix resolves a POST
    value through `.pk`, so each travels in a namespace; files are fresh for every test."""
    csv_text = ("reseller;customer;installation;license_code;quantity;activated_on\n"
                "Alfa Tele AS;Matrise Import AS;Kontor;port;3;2026-01-15\n")
    user_list = b'<info><user cn="A" loc="oslo" uclic="x"/><user cn="B" loc="oslo"/></info>'
    current = pbx.current_quantities(installation, today=timezone.localdate(),
                                     codes=["port", "uc"])
    return {
        "csv_file": SimpleNamespace(pk=SimpleUploadedFile("import.csv", csv_text.encode())),
        "csv_payload": SimpleNamespace(pk=signing.dumps(
            {"text": csv_text, "file": "import.csv"}, salt=CSV_SALT, compress=True)),
        "pbx_file": SimpleNamespace(pk=SimpleUploadedFile("users.xml", user_list)),
        "pbx_upload": SimpleNamespace(pk=pbx.dump_upload(
            pbx.parse_user_list(user_list), installation_pk=installation.pk,
            filename="users.xml")),
        "pbx_plan": SimpleNamespace(pk=pbx.dump_plan(
            installation_pk=installation.pk, location="oslo", targets={"port": 5, "uc": 1},
            current=current, filename="users.xml")),
    }


@pytest.fixture
def world(reseller_a, reseller_b, user_a, user_b, staff, price_admin, outsider, customer_a,
          installation_a, customer_b, port):
    paid_holding = services.holding_add(installation=installation_a, license_type=port,
                                        quantity=10, activated_on=date(2023, 5, 2))
    period = services.period_create(installation=installation_a, start=date(2023, 7, 1),
                                    end=date(2024, 7, 1), holdings=[paid_holding])
    holding = services.holding_add(installation=installation_a, license_type=port, quantity=2,
                                   activated_on=date(2026, 1, 10))
    book = PriceBook.objects.get()
    draft_quote = services_quotes.quote_create(customer=customer_a,
                                               installations=[installation_a], user=user_a)
    third = make_installation(customer_a, "Lager")
    services.holding_add(installation=third, license_type=port, quantity=4,
                         activated_on=date(2026, 2, 2))
    issued_quote = services_quotes.quote_issue(
        quote=services_quotes.quote_create(customer=customer_a, installations=[third],
                                           user=user_a),
        user=staff)
    second = make_installation(customer_a, "Filial")
    services.holding_add(installation=second, license_type=port, quantity=3,
                         activated_on=date(2026, 2, 2))
    accepted_quote = services_quotes.quote_accept(
        quote=services_quotes.quote_issue(
            quote=services_quotes.quote_create(customer=customer_a, installations=[second],
                                               user=user_a), user=staff),
        user=user_a, accepted_by_name="Kari")
    batch = services_quotes.renewal_batch_create(user=user_a, installations=[third],
                                                 window_end=date(2026, 7, 1)).batch
    batch.items.update(status="failed", reason_code="missing_rate",
                       reason_params={"codes": "port"})
    return {
        "objects": {
            **import_objects(installation_a),
            "customer": customer_a, "installation": installation_a, "holding": holding,
            "paid_holding": paid_holding, "period": period, "reseller_a": reseller_a,
            "reseller_b": reseller_b, "port_type": port, "uid": "MQ", "token": "bad-token",
            "book": book, "draft": services_quotes.price_book_create_draft(source=book,
                                                                           user=price_admin),
            "draft_quote": draft_quote, "issued_quote": issued_quote,
            "accepted_quote": accepted_quote,
            "quote_period": accepted_quote.periods.first(),
            "verify_token": issued_quote.verification_token, "batch": batch,
            "link_token": _link_token(issued_quote),
            "import_job": ImportJob.objects.create(created_by=user_a, filename="x.csv",
                                                   text=""),
            "api_token": api_tokens.token_create(user=user_a, name="Matrise", read_only=True)[0],
            "webhook": paused_webhook(user_a),
        },
        "users": {"anonymous": None, "reseller_a": user_a, "reseller_b": user_b,
                  "staff": staff, "price_admin": price_admin, "outsider": outsider},
    }


def _link_token(quote) -> str:
    from quotes.services.customer_side import link_create

    return link_create(quote=quote, email="kunde@example.no", user=None)[1]


def paused_webhook(user):
    endpoint, _secret = webhooks.endpoint_create(user=user, url="http://127.0.0.1:9/hook",
                                                 events=["issued", "accepted"])
    return webhooks.endpoint_update(endpoint=endpoint, paused=True)


def url_for(name: str, world) -> str:
    kwargs = {key: getattr(world["objects"][obj], "pk", world["objects"][obj])
              for key, obj in MATRIX[name].kwargs.items()}
    return reverse(name, kwargs=kwargs)


def login(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)


def snapshot() -> list:
    """Everything a write in this project could change."""
    return [
        list(Customer.objects.order_by("pk").values()),
        list(Installation.objects.order_by("pk").values()),
        list(LicenseHolding.objects.order_by("pk").values()),
        list(AgreementPeriod.objects.order_by("pk").values()),
        list(AgreementPeriod.holdings.through.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values("pk", "username", "password")),
        list(Membership.objects.order_by("pk").values()),
        list(PriceBook.objects.order_by("pk").values()),
        list(PriceBookRate.objects.order_by("pk").values()),
        list(Quote.objects.order_by("pk").values()),
        list(QuoteEvent.objects.order_by("pk").values()),
        list(RenewalBatch.objects.order_by("pk").values()),
        list(RenewalItem.objects.order_by("pk").values()),
        list(NotificationSettings.objects.order_by("pk").values()),
        list(ImportJob.objects.order_by("pk").values()),
        list(Acceptance.objects.order_by("pk").values()),
        list(OutgoingEmail.objects.order_by("pk").values()),
        list(ApiToken.objects.order_by("pk").values("pk", "name", "read_only", "revoked_at")),
        list(WebhookEndpoint.objects.order_by("pk").values()),
    ]


GET_CASES = [(name, role) for name in MATRIX for role in ROLES]
POST_CASES = [(name, role) for name, row in MATRIX.items() if row.post for role in ROLES]


@pytest.mark.parametrize(("name", "role"), GET_CASES)
def test_get_answers_as_the_matrix_says(client, world, name, role):
    login(client, world, role)
    response = client.get(url_for(name, world))
    expected = statuses(MATRIX[name].get)[role]
    assert response.status_code == expected
    if expected == 302 and role == "anonymous" and name not in ("set_language", "offer_link_pdf",
                                                             "favicon"):
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "role"), POST_CASES)
def test_post_answers_as_the_matrix_says_and_a_denied_write_changes_nothing(
    client, world, name, role
):
    row = MATRIX[name]
    data = {key: getattr(world["objects"].get(value), "pk", value) if isinstance(value, str)
            else value for key, value in row.data.items()}
    login(client, world, role)
    before = snapshot()
    response = client.post(url_for(name, world), data)
    expected = statuses(row.post)[role]
    assert response.status_code == expected
    if expected in (403, 404) or role in row.unchanged or (
        role == "anonymous" and name not in ("logout", "set_language")
    ):
        assert snapshot() == before, "a denied write changed something"
    elif name not in ("logout", "set_language"):
        assert snapshot() != before, "an allowed write did nothing (is the POST body valid?)"


@pytest.mark.parametrize("role", ["anonymous", "reseller_a", "outsider"])
def test_the_django_admin_is_closed_to_everyone_but_admin_users(client, world, role):
    login(client, world, role)
    for path in ("/admin/", "/admin/customers/customer/",
                 f"/admin/customers/customer/{world['objects']['customer'].pk}/change/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
