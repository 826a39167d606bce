"""Reseller A's and reseller B's objects for the security tests (test_fuzz.py, test_canary.py).

Both resellers get the same kinds of objects: customers, installations, holdings, periods, a
draft, issued and answered offers, renewal batches. Every object of B carries a marker string
(``B_MARKERS`` and the offer numbers and verification tokens added at build time) that must
never reach anything reseller A's user can load, and A's objects carry "CANARY-A"/"CANARYA"
for the reverse check. The names avoid each other: no marker is a substring of the other
side's text.
"""

from dataclasses import dataclass, field
from datetime import date

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from stdnum.no import orgnr

from customers import services
from customers.models import (
    AgreementPeriod,
    Customer,
    Installation,
    LicenseHolding,
    LicenseType,
    Reseller,
)
from quotes import services as quote_services
from quotes.models import PriceBook, Quote, RenewalBatch, RenewalItem

B_ORG_NUMBER = "986345604"  # valid mod 11; reseller B's customer only
B_EMAIL = "kontakt@canaryb-nordlys.example"
B_CONTACT = "Berit Canarybsen"
B_STREET = "Canarybveien 17"
B_DECLINE_REASON = "CANARYB for dyrt"
B_BATCH_ERROR = "CANARYB renewal failed"

#: B's fixed markers; `Side.markers` adds the offer numbers and tokens known after issuing.
B_MARKERS = (
    "CANARY-B", "CANARYB", B_ORG_NUMBER, orgnr.format(B_ORG_NUMBER), B_EMAIL, "Canarybsen",
    "Canarybveien", "Beta Kommunikasjon", "b@beta.example.no",
)
A_MARKERS = ("CANARY-A", "CANARYA", "Alfa Tele", "a@alfa.example.no")


@dataclass(repr=False)
class Side:
    """One reseller's objects. `installation` has a manual period (`period`, which paid for
    `paid_holding`) and an unpaid `holding`; every offer kind has one example."""

    reseller: Reseller
    user: object
    customer: Customer
    installation: Installation
    holding: LicenseHolding
    paid_holding: LicenseHolding
    period: AgreementPeriod
    draft_quote: Quote
    issued_quote: Quote
    answered_quote: Quote  # accepted (A) or declined (B)
    batch: RenewalBatch
    installations: list[Installation] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<Side of {self.reseller}>"

    def _repr_pretty_(self, printer, cycle):  # Hypothesis prints fixtures of failing cases
        printer.text(repr(self))


@dataclass(repr=False)
class World:
    a: Side
    b: Side
    staff: object
    price_admin: object
    outsider: object
    book: PriceBook  # the published book in force
    draft_book: PriceBook  # a price admin's draft copy of it
    port: LicenseType

    def __repr__(self) -> str:
        return "<World of tests/security_world.py>"

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))


def _installation(customer, name, *, deployment="on-premise"):
    return services.installation_create(
        customer=customer, name=name, deployment=deployment, hardware_model="IP811",
        firmware_version="14r2", serial_number="", notes="")


def _ports(installation, port, quantity, activated_on):
    return services.holding_add(installation=installation, license_type=port,
                                quantity=quantity, activated_on=activated_on)


def _issue(customer, installations, *, author, staff):
    draft = quote_services.quote_create(customer=customer, installations=installations,
                                        user=author)
    return quote_services.quote_issue(quote=draft, user=staff)


def _offer_markers(quotes) -> list[str]:
    markers = []
    for quote in quotes:
        if quote.number:
            markers += [quote.number, quote.verification_token]
    return markers


def _api_objects(user, marker: str) -> None:
    """A personal API token and a webhook endpoint of the side (its URL carries the marker)."""
    from api import tokens, webhooks

    tokens.token_create(user=user, name=f"{marker} token", read_only=True)
    webhooks.endpoint_create(user=user, url=f"http://127.0.0.1:9/{marker.lower()}-hook",
                             events=["issued"], description=f"{marker} hook")


def build_side_a(*, user, customer, staff, port) -> Side:
    main = _installation(customer, "CANARYA Hovedkontor")
    paid = _ports(main, port, 10, date(2023, 5, 2))
    period = services.period_create(installation=main, start=date(2023, 7, 1),
                                    end=date(2024, 7, 1), holdings=[paid])
    holding = _ports(main, port, 2, date(2026, 1, 10))
    draft = quote_services.quote_create(customer=customer, installations=[main], user=user)
    store = _installation(customer, "CANARYA Lager")
    _ports(store, port, 4, date(2026, 2, 2))
    issued = _issue(customer, [store], author=user, staff=staff)
    branch = _installation(customer, "CANARYA Filial")
    _ports(branch, port, 3, date(2026, 2, 2))
    accepted = quote_services.quote_accept(
        quote=_issue(customer, [branch], author=user, staff=staff), user=user,
        accepted_by_name="Kari CANARYA")
    batch = quote_services.renewal_batch_create(user=user, installations=[store],
                                                window_end=date(2026, 7, 1)).batch
    batch.items.update(status=RenewalItem.Status.FAILED, reason_code="nothing_due",
                       reason_params={"date": "01.07.2027"})
    quotes = [draft, issued, accepted]
    _api_objects(user, "CANARYA")
    return Side(
        reseller=customer.reseller, user=user, customer=customer, installation=main,
        holding=holding, paid_holding=paid, period=period, draft_quote=draft,
        issued_quote=issued, answered_quote=accepted, batch=batch,
        installations=[main, store, branch], quotes=quotes,
        markers=[*A_MARKERS, *_offer_markers(quotes)])


def build_side_b(*, user, customer, staff, port) -> Side:
    """B's customer gets every kind of personal data, and B every kind of offer: a priced
    draft, a price-less draft, an issued and a declined offer, a renewal draft and a failed
    renewal."""
    services.customer_update(
        customer=customer, user=user, name=customer.name, org_number=B_ORG_NUMBER,
        contact_name=B_CONTACT, email=B_EMAIL, phone="", street=B_STREET, postal_code="9008",
        city=customer.city, language=customer.language)
    main = _installation(customer, "CANARYB Hovedkontor")
    paid = _ports(main, port, 7, date(2024, 3, 14))
    period = services.period_create(installation=main, start=date(2024, 7, 1),
                                    end=date(2025, 7, 1), holdings=[paid])
    holding = _ports(main, port, 1, date(2026, 1, 20))
    draft = quote_services.quote_create(customer=customer, installations=[main], user=user)
    empty = _installation(customer, "CANARYB Prisløs")
    priceless = quote_services.quote_create(customer=customer, installations=[empty], user=user)
    issued_site = _installation(customer, "CANARYB Utstedt")
    _ports(issued_site, port, 5, date(2026, 2, 2))
    issued = _issue(customer, [issued_site], author=user, staff=staff)
    declined_site = _installation(customer, "CANARYB Avslått")
    _ports(declined_site, port, 2, date(2026, 2, 2))
    declined = quote_services.quote_decline(
        quote=_issue(customer, [declined_site], author=user, staff=staff), user=user,
        reason=B_DECLINE_REASON)
    renewal_site = _installation(customer, "CANARYB Fornyelse")
    renewal_holding = _ports(renewal_site, port, 3, date(2024, 1, 5))
    services.period_create(installation=renewal_site, start=date(2024, 7, 1),
                           end=date(2025, 7, 1), holdings=[renewal_holding])
    batch = quote_services.renewal_batch_create(user=user, installations=[renewal_site],
                                                window_end=date(2026, 7, 1)).batch
    renewal = quote_services.renewal_item_run(item_id=batch.items.get().pk).quote
    failed = quote_services.renewal_batch_create(user=user, installations=[main],
                                                 window_end=date(2026, 7, 1)).batch
    failed.items.update(status=RenewalItem.Status.FAILED, reason_code="refused",
                        reason_params={"message": B_BATCH_ERROR})
    quotes = [draft, priceless, issued, declined, renewal]
    _api_objects(user, "CANARYB")
    return Side(
        reseller=customer.reseller, user=user, customer=customer, installation=main,
        holding=holding, paid_holding=paid, period=period, draft_quote=draft,
        issued_quote=issued, answered_quote=declined, batch=batch,
        installations=[main, empty, issued_site, declined_site, renewal_site], quotes=quotes,
        markers=[*B_MARKERS, *_offer_markers(quotes)])


def build_world(*, staff, price_admin, outsider, user_a, user_b, customer_a, customer_b,
                port) -> World:
    a = build_side_a(user=user_a, customer=customer_a, staff=staff, port=port)
    b = build_side_b(user=user_b, customer=customer_b, staff=staff, port=port)
    book = PriceBook.objects.in_force_on(timezone.localdate())
    draft_book = quote_services.price_book_create_draft(source=book, user=price_admin)
    return World(a=a, b=b, staff=staff, price_admin=price_admin, outsider=outsider, book=book,
                 draft_book=draft_book, port=port)


def all_url_names() -> set[str]:
    """Every named URL pattern of the project outside the Django admin and the API (whose
    tenancy tests/test_api_matrix.py checks with tokens)."""
    names: set[str] = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif (isinstance(pattern, URLPattern) and namespace not in ("admin", "api")
                  and pattern.name):
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def url_kwarg_names(name: str) -> list[str]:
    """The keyword arguments the named pattern takes."""
    possibilities = get_resolver().reverse_dict.getlist(name)
    return sorted({param for possibility, _p, _d, _c in possibilities
                   for _result, params in possibility for param in params})
