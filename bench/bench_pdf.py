"""Issuing one signed offer PDF, warm, in one process (issue 8).

A two-page Norwegian offer (three installations, several license types each, retroactive and
forward lines) is issued through `quotes.services` inside a transaction that is rolled back at the
end, so the benchmark depends on no seeded data and leaves none behind. Then, all in this run:

(a) `render_quote_pdf` against a bare WeasyPrint render of the exact HTML it prints, as the same
    kind of PDF (PDF/A-3b, tagged): the portal's own overhead (building the context from the
    frozen snapshot, the template, the URL fetcher).
    `render_quote_pdf` hands WeasyPrint the offer's stylesheet parsed once per process and a
    leaner user-agent stylesheet; the bare render gets `render_quote_html`, where the same
    stylesheet is inline in a <style> (parsed every time), with WeasyPrint's defaults;
(b) render + `sign_pdf` against wkhtmltopdf (the renderer Odoo uses for its quotations) turning
    the same HTML into an unsigned PDF as a new process, as such tools do: a signed offer should
    be no slower than the peer's unsigned one. Signing alone is reported too.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from datetime import date
from io import BytesIO
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.db import transaction

from bench.common import Result, median, samples

REPEAT = int(os.environ.get("BENCH_PDF_REPEAT", "15"))
WARMUP = 2
ISSUE_DATE = date(2026, 3, 5)
PREFIX = "Bench PDF"
# Per installation: (license code, quantity, activated on); the first installation also has
# EXTRA. Paid until PAID_UNTIL, so each holding gets a retroactive line (07.2025 – 02.2026) and
# a forward line (03.2026 – 06.2026): 28 lines, so the line table runs onto page 2.
PAID_UNTIL = date(2025, 7, 1)
HOLDINGS = (("port", 48, date(2021, 9, 14)), ("uc", 20, date(2022, 2, 1)),
            ("switchboard", 2, date(2023, 4, 3)), ("mobility", 10, date(2024, 1, 8)))
EXTRA = (("voicemail", 12, date(2022, 2, 1)), ("reporting", 1, date(2023, 4, 3)))
INSTALLATIONS = (("Hovedkontor Bergen", "IP811", "14r2"), ("Avdeling Stavanger", "IP411", "13r3"),
                 ("Lager Haugesund", "IP311", "14r1"))


class _Rollback(Exception):
    """Raised to leave the benchmark's transaction without keeping anything."""


def run() -> list[Result]:
    results: list[Result] = []
    try:
        with transaction.atomic():
            quote = issue_offer()
            results = measure(quote)
            raise _Rollback
    except _Rollback:
        pass
    return results


def issue_offer():
    """A staff user, a reseller, a customer with three installations due since 07.2025, and the
    offer issued on ISSUE_DATE (its PDF is left to us: `prepare_pdf=False`, and the queued task
    is rolled back with everything else)."""
    from customers import services as customer_services
    from customers.access import STAFF_GROUP
    from customers.models import LicenseType, Reseller
    from quotes import services

    staff = User.objects.create_user(username="bench-pdf-staff@ssa.example.no")
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    reseller = Reseller.objects.create(name=f"{PREFIX} Forhandler AS")
    customer = customer_services.customer_create(
        user=staff, reseller=reseller, name=f"{PREFIX} Fjordtann Tannklinikker AS",
        org_number="923609016", city="Bergen", street="Strandkaien 14", postal_code="5013",
        contact_name="Kari Nordmann", email="kari@fjordtann.example.no", phone="",
        language="nb")
    types = {t.code: t for t in LicenseType.objects.filter(
        code__in=[h[0] for h in HOLDINGS + EXTRA])}
    installations = []
    for n, (name, model, firmware) in enumerate(INSTALLATIONS):
        installation = customer_services.installation_create(
            customer=customer, name=name, deployment="on-premise", hardware_model=model,
            firmware_version=firmware, serial_number="", notes="")
        holdings = [customer_services.holding_add(
            installation=installation, license_type=types[code], quantity=quantity,
            activated_on=activated)
            for code, quantity, activated in HOLDINGS + (EXTRA if n == 0 else ())]
        customer_services.period_create(
            installation=installation, start=PAID_UNTIL.replace(year=PAID_UNTIL.year - 1),
            end=PAID_UNTIL, holdings=holdings)
        installations.append(installation)
    draft = services.quote_create(customer=customer, installations=installations, user=staff)
    return services.quote_issue(quote=draft, user=staff, today=ISSUE_DATE, prepare_pdf=False)


def page_count(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


def measure(quote) -> list[Result]:
    from quotes.pdf import (
        PDF_VARIANT,
        TEMPLATE_DIR,
        _weasyprint,
        render_quote_html,
        render_quote_pdf,
    )
    from quotes.signing import sign_pdf

    weasyprint = _weasyprint()
    html = render_quote_html(quote, today=ISSUE_DATE)
    pdf = render_quote_pdf(quote, today=ISSUE_DATE)
    pages = page_count(pdf)

    def portal():
        render_quote_pdf(quote, today=ISSUE_DATE)

    def bare():  # the same PDF: PDF/A-3b, tagged
        weasyprint.HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf(
            pdf_variant=PDF_VARIANT, pdf_tags=True)

    def sign():
        sign_pdf(pdf)

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as folder:
        source = os.path.join(folder, "offer.html")
        with open(source, "w", encoding="utf-8") as file:
            file.write(html)
        target = os.path.join(folder, "offer.pdf")

        def peer():
            subprocess.run(  # noqa: S603 - the Debian package, our own temporary files
                ["wkhtmltopdf", "--quiet", "--page-size", "A4", source, target],  # noqa: S607
                check=True, stdin=subprocess.DEVNULL)

        peer()
        peer_pages = page_count(Path(target).read_bytes())
        # Interleave the candidates round by round, so a slow spell of the machine hits all.
        rounds = {"portal": [], "bare": [], "sign": [], "peer": []}
        functions = {"portal": portal, "bare": bare, "sign": sign, "peer": peer}
        for function in functions.values():
            samples(function, repeat=0, warmup=WARMUP)
        for _ in range(REPEAT):
            for name, function in functions.items():
                rounds[name].extend(samples(function, repeat=1, warmup=0))

    portal_ms, bare_ms, sign_ms, peer_ms = (1000 * median(rounds[k])
                                           for k in ("portal", "bare", "sign", "peer"))
    overhead = portal_ms / bare_ms
    versus_peer = (portal_ms + sign_ms) / peer_ms
    runs = f"median of {REPEAT}, warm"
    return [
        Result("pdf", "render_quote_pdf (2-page offer)", portal_ms, "ms", baseline=runs),
        Result("pdf", "bare WeasyPrint of the same HTML", bare_ms, "ms", baseline=runs),
        Result("pdf", "(a) render_quote_pdf / bare WeasyPrint", overhead, "ratio", "<= 1.15",
               overhead <= 1.15, f"{portal_ms:.0f} ms / {bare_ms:.0f} ms"),
        Result("pdf", "wkhtmltopdf, same HTML, new process", peer_ms, "ms",
               baseline=f"{runs}; {peer_pages} page(s), unsigned"),
        Result("pdf", "sign_pdf alone (PAdES)", sign_ms, "ms", baseline=runs),
        Result("pdf", "(b) (render + sign) / wkhtmltopdf", versus_peer, "ratio", "<= 1.0",
               versus_peer <= 1.0,
               f"({portal_ms:.0f} + {sign_ms:.0f}) ms / {peer_ms:.0f} ms"),
        Result("pdf", "pages of the measured offer", pages, "pages", "2", pages == 2,
               f"{quote.number}, {quote.sections.count()} installations"),
    ]
