"""Canary sweep: nothing reseller A's user can load shows anything of reseller B's.

Reseller B's objects (tests/security_world.py) carry unique markers: the customer's name
("…CANARY-B"), e-mail, contact, street and organisation number, installation names
("CANARYB …"), the numbers and verification tokens of its issued offers, a price-less draft,
a renewal draft and a failed renewal, the reseller's own name and its user's e-mail.

The sweep loads, as reseller A's user, every GET URL of the project (all URL patterns, each
object keyword filled with every one of A's objects, in English and Norwegian), the searches,
filters and CSV exports, A's offer PDFs (text extracted with pdftotext), error pages (403,
404, 405), the dashboard and the verification page; it asserts that no B marker occurs in any
status line, header, redirect or body. The same URLs filled with B's objects must answer 404
(or 405 for a POST-only URL, whose POST must then answer 404 and change nothing), again
without a marker. A reverse spot check does the same for B's user and A's markers, and the
outsider sees neither. Each test counts what it swept and asserts a floor, so a sweep that
silently loads nothing fails.
"""

import html
import subprocess
from collections import Counter

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from api.models import ApiToken, WebhookEndpoint
from customers.models import (
    AgreementPeriod,
    Customer,
    ImportJob,
    Installation,
    LicenseHolding,
)
from quotes import services as quote_services
from quotes.models import PriceBook, Quote, QuoteEvent, RenewalBatch, RenewalItem
from quotes.services.customer_side import link_create
from tests.security_world import all_url_names, build_world, url_kwarg_names

#: Which kind of object fills each URL keyword argument. A new URL pattern with arguments
#: fails `test_every_url_pattern_with_arguments_is_swept` until it is listed here.
URL_OBJECTS = {
    "customer_detail": "customer", "customer_edit": "customer", "customer_move": "customer",
    "customer_history": "customer", "installation_history": "installation",
    "holding_history": "holding",
    "installation_create": "customer", "quote_create": "customer",
    "quote_form_totals": "customer", "customer_offers": "customer",
    "installation_offers": "installation", "period_offer": "period",
    "installation_detail": "installation", "installation_edit": "installation",
    "installation_preview": "installation", "holding_create": "installation",
    "period_create": "installation", "pbx_import": "installation",
    "pbx_import_proposal": "installation", "pbx_import_review": "installation",
    "pbx_import_apply": "installation",
    "holding_edit": "holding", "holding_end": "holding", "holding_delete": "holding",
    "period_edit": "period", "period_delete": "period",
    "quote_detail": "quote", "quote_edit": "quote", "quote_ready": "quote",
    "quote_issue": "quote", "quote_revise": "quote", "quote_accept": "quote",
    "quote_decline": "quote", "quote_undo_acceptance": "quote", "quote_delete": "quote",
    "quote_pdf": "quote", "quote_pdf_retry": "quote", "quote_send": "quote",
    "renewal_batch_detail": "batch", "renewal_batch_retry": "batch",
    "api_token_revoke": "api_token", "webhook_endpoint_detail": "webhook",
    "webhook_endpoint_resume": "webhook", "webhook_endpoint_delete": "webhook",
    # Not a reseller's object: price books are the distributor's (resellers get 404 for all).
    "price_book_detail": "book", "price_book_copy": "book", "price_book_edit": "book",
    "price_book_publish": "book", "price_book_delete": "book",
    # Public and guarded by a secret: whoever holds B's token may use it (by design).
    "verify_link": "token", "password_reset_confirm": "reset_link",
    "csv_import_job": "import_job",
    "offer_link": "link", "offer_link_pdf": "link", "offer_link_accept": "link",
    "offer_link_decline": "link",
}
PUBLIC_BY_SECRET = {"verify_link", "password_reset_confirm", "offer_link", "offer_link_pdf",
                    "offer_link_accept", "offer_link_decline"}
NOT_RESELLER_OWNED = {name for name, kind in URL_OBJECTS.items() if kind == "book"}

# Search terms that find B's objects if scoping failed (none is a marker itself, so a search
# box echoing the term is no false alarm).
SEARCH_TERMS = ["CANARY", "Nordlys", "Regnskap", "Tromsø", "986345", "Kommunikasjon",
                "SSA-2026", "Hovedkontor", "Fornyelse", "Prisløs", "kontakt@", "a", ""]


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data,
                            capture_output=True, check=True, timeout=60)
    return result.stdout.decode("utf-8")


def response_text(response) -> str:
    """Everything a response shows: status, headers, redirects and body (a streamed body read
    to its end, a PDF as its extracted text)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        shown = pdf_text(body)
    else:
        shown = html.unescape(body.decode("utf-8", "replace"))  # "986&nbsp;345" is shown too
    chain = " ".join(url for url, _status in getattr(response, "redirect_chain", []))
    headers = " ".join(f"{key}: {value}" for key, value in response.items())
    text = f"{response.status_code} {headers} {chain} {shown}"
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split()).casefold()


SWEPT: Counter = Counter()  # responses checked per sweep, for the module's summary


@pytest.fixture(scope="module", autouse=True)
def report_total():
    yield
    if SWEPT:
        print(f"\ncanary: {sum(SWEPT.values())} responses swept in total", flush=True)


class Sweep:
    """Counts the responses it checks and fails on the first marker found."""

    def __init__(self, markers, *, label):
        self.markers = [marker.casefold() for marker in markers]
        self.label = label
        self.count = 0
        self.statuses: Counter = Counter()
        self.texts: list[str] = []

    def check(self, response, what: str) -> str:
        text = response_text(response)
        for marker in self.markers:
            assert marker not in text, f"{what} shows {marker!r} ({self.label})"
        self.count += 1
        SWEPT[self.label] += 1
        self.statuses[response.status_code] += 1
        self.texts.append(text)
        return text

    def report(self, floor: int) -> None:
        statuses = " ".join(f"{status}×{n}" for status, n in sorted(self.statuses.items()))
        print(f"\ncanary {self.label}: {self.count} responses swept ({statuses})", flush=True)
        assert self.count >= floor, f"only {self.count} responses swept, expected ≥ {floor}"


@pytest.fixture
def world(staff, price_admin, outsider, user_a, user_b, customer_a, customer_b, port):
    world = build_world(staff=staff, price_admin=price_admin, outsider=outsider,
                        user_a=user_a, user_b=user_b, customer_a=customer_a,
                        customer_b=customer_b, port=port)
    # A's issued offer with its signed PDF, as the background task leaves it.
    outcome = quote_services.quote_prepare_pdf(quote_id=world.a.issued_quote.pk)
    assert not outcome.failed, outcome.quote.pdf_error
    return world


def client_for(user, language="en") -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def objects_of(side, world) -> dict[str, list]:
    """Every object of one reseller, by URL keyword kind, read from the database (so each
    object the world builder made along the way is swept, too)."""
    customer = side.customer
    return {
        "customer": [customer],
        "installation": list(Installation.objects.filter(customer=customer)),
        "holding": list(LicenseHolding.objects.filter(installation__customer=customer)),
        "period": list(AgreementPeriod.objects.filter(installation__customer=customer)),
        "quote": list(Quote.objects.filter(customer=customer)),
        "batch": list(RenewalBatch.objects.filter(reseller=side.reseller)),
        "api_token": list(ApiToken.objects.filter(user=side.user)),
        "webhook": list(WebhookEndpoint.objects.filter(reseller=side.reseller)),
        "book": [world.book, world.draft_book],
        "token": [quote.verification_token for quote in Quote.objects.filter(
            customer=customer).exclude(verification_token=None)],
        "import_job": [ImportJob.objects.create(created_by=side.user, filename="CANARY.csv",
                                                text="")],
        "link": [link_create(quote=quote, email="kunde@example.no", user=None)[1]
                 for quote in Quote.objects.filter(customer=customer).exclude(number=None)],
        "reset_link": [(urlsafe_base64_encode(force_bytes(side.user.pk)),
                        default_token_generator.make_token(side.user))],
    }


def urls_with(objects: dict[str, list], names) -> list[tuple[str, str]]:
    """(name, url) for every named pattern, each argument filled with every object of its
    kind; patterns without arguments once."""
    urls = []
    for name in sorted(names):
        arguments = url_kwarg_names(name)
        if not arguments:
            urls.append((name, reverse(name)))
            continue
        for obj in objects[URL_OBJECTS[name]]:
            if name == "password_reset_confirm":
                kwargs = {"uidb64": obj[0], "token": obj[1]}
            else:
                kwargs = {arguments[0]: obj if isinstance(obj, str) else obj.pk}
            urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


def snapshot() -> list:
    return [list(model.objects.order_by("pk").values()) for model in (
        Customer, Installation, LicenseHolding, AgreementPeriod, Quote, QuoteEvent,
        RenewalBatch, RenewalItem, PriceBook)]


# --- the sweeps ------------------------------------------------------------------------------


def test_every_url_pattern_with_arguments_is_swept():
    names = all_url_names()
    missing = sorted(n for n in names if url_kwarg_names(n) and n not in URL_OBJECTS)
    assert not missing, f"URL patterns the canary sweep cannot fill: {missing}"
    assert not set(URL_OBJECTS) - names, "URL_OBJECTS names a pattern that no longer exists"


@pytest.mark.parametrize("language", ["en", "nb"])
def test_every_get_url_filled_with_a_objects_shows_no_b_marker(world, language):
    client = client_for(world.a.user, language)
    sweep = Sweep(world.b.markers, label=f"A's objects, every GET URL ({language})")
    a_seen = 0
    for name, url in urls_with(objects_of(world.a, world), all_url_names()):
        response = client.get(url, follow=True)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        text = sweep.check(response, f"GET {url} ({name})")
        a_seen += "canary-a" in text
    # The pages really showed A's data (not, say, a login page every time).
    assert a_seen >= 40, f"only {a_seen} pages showed reseller A's customer"
    assert {200, 403, 404, 405} <= set(sweep.statuses)
    sweep.report(floor=100)


def test_every_url_filled_with_b_objects_answers_404_and_leaks_nothing(world):
    client = client_for(world.a.user)
    sweep = Sweep(world.b.markers, label="B's objects in A's URLs")
    names = all_url_names() - PUBLIC_BY_SECRET - NOT_RESELLER_OWNED
    before = snapshot()
    for name, url in urls_with(objects_of(world.b, world), names):
        if not url_kwarg_names(name):
            continue
        response = client.get(url)
        sweep.check(response, f"GET {url} ({name})")
        if response.status_code == 405:  # a POST-only URL: its POST must not find B's object
            response = client.post(url)
            sweep.check(response, f"POST {url} ({name})")
        assert response.status_code == 404, f"{name} {url}: {response.status_code}, not 404"
    assert snapshot() == before, "a request with B's objects changed something"
    sweep.report(floor=100)


def test_searches_filters_exports_and_error_pages_show_no_b_marker(world):
    a, b = world.a, world.b
    sweep = Sweep(b.markers, label="searches, filters, exports, error pages")
    client = client_for(a.user)
    b_installation = b.installation.pk
    requests = []
    for term in SEARCH_TERMS:
        requests += [("customer_list", {"q": term}), ("quote_list", {"q": term}),
                     ("search", {"q": term}),
                     ("renewal_list", {"q": term}), ("quote_export", {"q": term}),
                     ("renewal_export", {"q": term}), ("renewal_totals", {"q": term})]
    requests += [("quote_list", {"state": state}) for state in
                 ("", "draft", "ready", "open", "expired", "accepted", "declined",
                  "superseded")]
    requests += [
        ("quote_list", {"customer": b.customer.pk}), ("quote_list", {"reseller": b.reseller.pk}),
        ("quote_list", {"expiring_within": 366}), ("quote_export", {"customer": b.customer.pk}),
        ("quote_export", {"reseller": b.reseller.pk}), ("quote_export", {}),
        ("renewal_list", {"reseller": b.reseller.pk}), ("renewal_list", {"lapsed": "on"}),
        ("renewal_list", {"window_end": "2027-07"}), ("renewal_list", {"order": "reseller"}),
        ("renewal_list", {"order": "customer", "page": 2}), ("renewal_export", {}),
        ("renewal_export", {"reseller": b.reseller.pk, "window_end": "2030-07"}),
        ("customer_list", {"page": 2}), ("dashboard", {}), ("verify", {}),
        ("csv_import", {}), ("csv_import_sample", {}), ("invite", {}), ("customer_create", {}),
        ("price_book_list", {}),
    ]
    for name, query in requests:
        response = client.get(reverse(name), query)
        assert response.status_code < 500
        sweep.check(response, f"{name} {query}")
    # A's own pages given B's ids in the query string, and the htmx fragments.
    for url, query, headers in [
        (reverse("quote_create", args=[a.customer.pk]), {"installation": b_installation}, {}),
        (reverse("quote_form_totals", args=[a.customer.pk]),
         {"installations": [b_installation, a.installation.pk], "language": "en"}, {}),
        (reverse("quote_form_totals", args=[a.customer.pk]),
         {"installations": a.installation.pk, "language": "en"}, {"hx-request": "true"}),
        (reverse("installation_preview", args=[a.installation.pk]), {}, {"hx-request": "true"}),
        (reverse("installation_preview", args=[a.installation.pk]),
         {"end": "2027-07", "quote_date": "2026-03-05"}, {}),
        (reverse("renewal_batch_detail", args=[a.batch.pk]), {}, {"hx-request": "true"}),
        (reverse("verify_link", args=[a.issued_quote.verification_token]), {}, {}),
        (reverse("verify_link", args=["no-such-token"]), {}, {}),
    ]:
        response = client.get(url, query, headers=headers)
        assert response.status_code < 500
        sweep.check(response, f"{url} {query}")
    # Error pages: 404, 403 and 405 bodies.
    for url, status in [("/no-such-page/", 404), ("/customers/999999999/", 404),
                        (reverse("quote_issue", args=[a.draft_quote.pk]), 403),
                        (reverse("customer_move", args=[a.customer.pk]), 403),
                        (reverse("invite"), 403), (reverse("logout"), 405),
                        (reverse("quote_ready", args=[a.draft_quote.pk]), 405)]:
        response = client.get(url)
        assert response.status_code == status, f"{url}: {response.status_code}"
        sweep.check(response, f"error page {url}")
    # The verification upload of A's genuine offer: the verdict names A's customer only.
    a.issued_quote.refresh_from_db()
    genuine = quote_services.quote_pdf_bytes(quote=a.issued_quote)
    response = client_for(None).post(reverse("verify"), {"pdf": _file(genuine)})
    text = sweep.check(response, "verify upload of A's offer")
    assert a.issued_quote.number.casefold() in text
    sweep.report(floor=100)


def _file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("offer.pdf", content, content_type="application/pdf")


def test_a_offer_pdfs_show_no_b_marker(world):
    a = world.a
    sweep = Sweep(world.b.markers, label="A's offer PDFs")
    client = client_for(a.user)
    signed = client.get(reverse("quote_pdf", args=[a.issued_quote.pk]))
    assert signed.status_code == 200 and signed["Content-Type"] == "application/pdf"
    text = sweep.check(signed, "A's signed offer PDF")
    assert a.issued_quote.number.casefold() in text and "canary-a" in text, (
        "pdftotext found nothing: the check would be empty")
    draft = client.get(reverse("quote_pdf", args=[a.draft_quote.pk]))
    assert draft.status_code == 200 and draft["Content-Type"] == "application/pdf"
    assert "canary-a" in sweep.check(draft, "A's draft preview PDF")
    # Also the stored file itself, as the e-mail attaches it.
    a.issued_quote.refresh_from_db()
    stored = pdf_text(quote_services.quote_pdf_bytes(quote=a.issued_quote)).casefold()
    assert not [m for m in sweep.markers if m in stored]
    sweep.report(floor=2)


@pytest.mark.parametrize("viewer", ["b", "outsider"])
def test_reverse_spot_check_a_markers_are_not_shown_to_others(world, viewer):
    a = world.a
    user = world.b.user if viewer == "b" else world.outsider
    markers = a.markers + (world.b.markers if viewer == "outsider" else [])
    sweep = Sweep(markers, label=f"A's markers, seen as {viewer}")
    client = client_for(user)
    pages = [reverse(name) for name in ("dashboard", "customer_list", "quote_list",
                                        "renewal_list", "quote_export", "renewal_export",
                                        "verify", "csv_import")]
    pages += [reverse(name) + "?q=" + term for name in ("customer_list", "quote_list", "search",
                                                        "renewal_list", "quote_export")
              for term in ("CANARY", "Fjordtann", "SSA-2026", "Hovedkontor")]
    pages += [reverse("quote_list") + f"?customer={a.customer.pk}",
              reverse("renewal_list") + f"?reseller={a.reseller.pk}"]
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code < 500
        sweep.check(response, f"GET {url}")
    own = {name: url for name, url in urls_with(objects_of(a, world), all_url_names())
           if url_kwarg_names(name) and name not in PUBLIC_BY_SECRET | NOT_RESELLER_OWNED}
    for name, url in urls_with(objects_of(a, world), set(own)):
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url)
        assert response.status_code == 404, f"{viewer}: {name} {url} {response.status_code}"
        sweep.check(response, f"GET {url}")
    sweep.report(floor=60)


def test_the_sweep_catches_a_marker_in_html_csv_and_pdf(world):
    """The detector itself: B's own pages, export and draft PDF all trip it."""
    from django.http import HttpResponse, StreamingHttpResponse

    from quotes.pdf import render_quote_pdf

    sweep = Sweep(world.b.markers, label="self-test")
    b_client = client_for(world.b.user)
    html = b_client.get(reverse("customer_detail", args=[world.b.customer.pk]))
    export = b_client.get(reverse("quote_export"))
    pdf = HttpResponse(render_quote_pdf(world.b.draft_quote), content_type="application/pdf")
    streamed = StreamingHttpResponse(iter([b"x;", b" Canarybveien 17"]))
    spaced = HttpResponse("org. nr. 986\u00a0345\u00a0604")
    for response in (html, export, pdf, streamed, spaced):
        with pytest.raises(AssertionError, match="shows"):
            sweep.check(response, "B's own page")


def test_the_world_has_every_kind_of_b_object(world):
    """The markers stand for real objects: a price-less draft, an issued and a declined offer
    with numbers, a renewal draft and a failed renewal."""
    b = world.b
    quotes = Quote.objects.filter(customer=b.customer)
    assert quotes.filter(state="draft").count() >= 3
    assert quotes.filter(state="issued").exists() and quotes.filter(state="declined").exists()
    assert RenewalItem.objects.filter(batch__reseller=b.reseller, status="done").exists()
    assert RenewalItem.objects.filter(batch__reseller=b.reseller, status="failed").exists()
    assert Installation.objects.filter(customer=b.customer, holdings=None).exists()
    assert all(q.number in b.markers for q in quotes.exclude(number=None))
    assert b.customer.org_number in b.markers
