"""The printable offer (docs/DOMAIN.md#signed-pdfs-and-verification): a WeasyPrint rendering of
templates/quotes/pdf/offer.html.

An issued offer is drawn from its frozen snapshot and never re-priced; a draft is an unsigned
preview priced on `today`, marked "UTKAST / DRAFT — not an offer" and without a QR code. The
document is written in the offer's language: the template and the engine's texts are translated
by gettext (locale/nb), with the context "offer document" where the printed offer words a text
differently from the portal's pages (the engine's texts read the same on both).

Everything the document shows is embedded (the QR code is an inline SVG data URI, the logo of
SSA_LOGO_FILE a data URI read once per process, the fonts come from fontconfig); the URL fetcher
refuses anything but `data:` URLs, so rendering never touches the network. The PDF is PDF/A-3b
and tagged (PDF_VARIANT). Signing is not done here.
"""

import base64
import functools
import re
import threading
from datetime import date
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_noop

from common.formatting import format_factor, format_org_number, format_unit_price, long_date
from common.languages import offer_language
from common.months import span_label
from quotes import pricing
from quotes.presentation import present_offer
from quotes.verification import verification_url

TEMPLATE = "quotes/pdf/offer.html"
TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "quotes" / "pdf"
DRAFT_MARK = "UTKAST / DRAFT — not an offer"
# PDF/A-3b for archiving (XMP identification, the sRGB output intent, every font embedded), and
# tagged (a structure tree, /Lang, alternative texts) for screen readers:
# docs/DOMAIN.md#signed-pdfs-and-verification.
PDF_VARIANT = "pdf/a-3b"

@functools.cache
def _weasyprint():
    """WeasyPrint, imported once per process on first use (the import takes about a second).
    Only the module is shared; every render builds its own HTML object (not thread-safe)."""
    import weasyprint

    return weasyprint


_fonts = threading.local()


def _font_config():
    """One Fontconfig/Pango font configuration per thread, reused by every render: a new one
    loads the Fontconfig configuration and every font face again (about 5 % of a render).
    The offer declares no @font-face, so nothing accumulates in it between documents."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def render_quote_pdf(quote, *, today: date | None = None) -> bytes:
    """The offer as PDF bytes (unsigned), in the offer's language."""
    html = _render_html(quote, today=today, inline_css=False)
    weasyprint = _weasyprint()
    document = _lean_html_class()(
        string=html, base_url=str(TEMPLATE_DIR),
        url_fetcher=weasyprint.URLFetcher(allowed_protocols=("data",)),
    )
    return document.write_pdf(font_config=_font_config(), stylesheets=[_offer_stylesheet()],
                              pdf_variant=PDF_VARIANT, pdf_tags=True)


def render_quote_html(quote, *, today: date | None = None) -> str:
    """The HTML that `render_quote_pdf` prints, self-contained: the offer's stylesheet is inline
    here (to inspect the document, or to print it with another tool), where `render_quote_pdf`
    gives WeasyPrint the same stylesheet parsed once per process instead."""
    return _render_html(quote, today=today, inline_css=True)


def _render_html(quote, *, today: date | None, inline_css: bool) -> str:
    today = today or timezone.localdate()
    language = offer_language(quote.language)
    with translation.override(language):
        context = offer_context(quote, today=today, language=language)
        return render_to_string(TEMPLATE, {**context, "inline_css": inline_css})


@functools.cache
def _offer_stylesheet():
    """templates/quotes/pdf/offer.css parsed once per process (parsing it and compiling its
    selectors was about a tenth of a render). WeasyPrint only reads a stylesheet while it
    renders, so every render and thread shares this one; the offer's own strings (the footer)
    are in a small <style> of the document."""
    weasyprint = _weasyprint()
    return weasyprint.CSS(filename=str(TEMPLATE_DIR / "offer.css"), base_url=str(TEMPLATE_DIR),
                          url_fetcher=weasyprint.URLFetcher(allowed_protocols=("data",)))


# WeasyPrint's user-agent stylesheet gives every element five pseudo-elements for footnotes and
# notes (::footnote-call, ::note-marker, ...) and a ::marker; the cascade then computes a style
# for each of them, for every element: a tenth of a render. The offer has no footnotes and only
# list items have markers, so it gets WeasyPrint's own stylesheet without those rules.
_NOTE_RULES = re.compile(r"^::(?:footnote|note)-[a-z-]+ *\{[^}]*\}\n", re.MULTILINE)
_ANY_MARKER = re.compile(r"^::marker ", re.MULTILINE)


@functools.cache
def _lean_html_class():
    """weasyprint.HTML with that leaner user-agent stylesheet (the same as WeasyPrint's when
    its stylesheet is not laid out as expected, so an upgrade can only cost speed)."""
    weasyprint = _weasyprint()
    try:
        from weasyprint.css.counters import CounterStyle

        ua = (resources.files("weasyprint.css") / "html5_ua.css").read_text("utf-8")
    except (ImportError, OSError):
        return weasyprint.HTML
    lean, notes = _NOTE_RULES.subn("", ua)
    lean, markers = _ANY_MARKER.subn("li::marker ", lean)
    if (notes, markers) != (5, 1) or not hasattr(weasyprint.HTML, "_ua_stylesheets"):
        return weasyprint.HTML
    # Its @counter-style rules are WeasyPrint's own, already known to every document.
    stylesheet = weasyprint.CSS(string=lean, counter_style=CounterStyle())

    class OfferHTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms=False):
            return [stylesheet]

    return OfferHTML


def qr_code_svg(text: str) -> str:
    """A QR code of `text` as a compact SVG document: one path of 1-unit-wide strokes, one
    per run of dark modules in a row (two path commands a run, which WeasyPrint parses in
    Python on every render), and a 2-module quiet zone on the page's white."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                run = x
                while run < len(row) and row[run]:
                    run += 1
                parts.append(f"M{x} {y}.5h{run - x}")
                x = run
            else:
                x += 1
    size = len(matrix)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
            f'width="{size}" height="{size}" shape-rendering="crispEdges">'
            f'<path stroke="#000" stroke-width="1" d="{"".join(parts)}"/></svg>')


def qr_code_data_uri(text: str) -> str:
    svg = qr_code_svg(text).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


# --- the template's context ------------------------------------------------------------------


def offer_context(quote, *, today: date, language: str) -> dict:
    """Everything the offer template shows: the offer's one presentation (quotes.presentation)
    and the distributor's letterhead and terms. Call it with `language` active (dates, factors
    and the license types' names follow the active language)."""
    shown = present_offer(quote, today=today)
    summary = shown.summary
    draft = summary.is_draft
    number = summary.number
    footer = f"{number} · {settings.SSA_DISTRIBUTOR_NAME}" if number else DRAFT_MARK
    url = "" if draft else verification_url(quote)
    customer = summary.customer
    several = len(shown.sections) > 1
    return {
        "lang": language,
        "quote": quote,
        "shown": shown,
        "is_draft": draft,
        "draft_mark": DRAFT_MARK,
        "number": number,
        "revision_of": shown.revision_of,
        "issue_date": long_date(summary.issue_date, language),
        "valid_until": long_date(summary.valid_until, language),
        "priced_on": long_date(today, language),
        "distributor": {
            "name": settings.SSA_DISTRIBUTOR_NAME,
            "address": settings.SSA_DISTRIBUTOR_ADDRESS,
            "org_number": format_org_number(settings.SSA_DISTRIBUTOR_ORG_NUMBER),
            "email": settings.SSA_DISTRIBUTOR_EMAIL,
            "phone": settings.SSA_DISTRIBUTOR_PHONE,
            "web": settings.SSA_DISTRIBUTOR_WEB,
            "logo": logo_data_uri(),
        },
        "customer": {"name": customer.name, "org_number": format_org_number(customer.org_number),
                     "address_lines": customer.address_lines, "contact": customer.contact,
                     "email": customer.email, "reseller": customer.reseller,
                     "reseller_email": customer.reseller_email,
                     "reseller_phone": customer.reseller_phone},
        "invoiced_by_reseller": settings.SSA_INVOICING_PARTY == "reseller",
        "payment_days": settings.SSA_PAYMENT_TERMS_DAYS,
        "error": shown.error,
        "sections": [_section(section, language, position if several else 0)
                     for position, section in enumerate(shown.sections, start=1)],
        "several": several,
        "subtotals": shown.several_priced,
        "has_lines": shown.has_lines,
        "kinds": shown.kinds,
        "ssc": shown.ssc, "net": shown.net, "vat": shown.vat,
        "gross": shown.gross, "vat_rate": shown.vat_rate,
        "later_ssc": shown.later_ssc, "later_nok": shown.later_nok,
        "forward_ssc": shown.forward_ssc,
        "forward_nok": shown.forward_nok,
        "factor": shown.factor,
        "nok_per_ssc": format_unit_price(shown.nok_per_ssc, language),
        "verification_url": url,
        "qr_code": qr_code_data_uri(url) if url else "",
        "footer_left": css_string(footer),
        "page_label": css_string(translation.pgettext("Page 1 of 2", "Page")),
        "page_of": css_string(translation.pgettext("Page 1 of 2", "of")),
    }


def _section(section, language: str, position: int) -> dict:
    """One installation of the offer with its texts in the offer's language, and what a page
    that continues its lines repeats at its top (offer.css: the named string "cont")."""
    title = f"{position}. {section.name}" if position else section.name
    continued = translation.pgettext("offer document", "%(name)s (continued)") % {"name": title}
    return {
        "title": title,
        "name": section.name,
        "continued": continued,
        "skypbx": section.skypbx,
        "hardware_model": section.hardware_model,
        "firmware_version": section.firmware_version,
        "paid_until": section.paid_until,
        "start": section.start,
        "end": section.end,
        "end_text": long_date(section.end, language),
        "applicable": section.applicable,
        "reason": engine_text(section.not_applicable_reason),
        "warnings": [engine_text(w) for w in section.warnings],
        "excluded": [{"license_name": e.license_name, "quantity": e.quantity,
                      "reason": engine_text(e.reason)} for e in section.excluded],
        "lines": section.lines,
        "groups": [_group(group, language, continued) for group in section.groups],
        "ssc": section.ssc,
        "nok": section.nok,
    }


_KIND_LABELS = {pricing.KIND_RETROACTIVE: gettext_noop("RETROACTIVE"),
                pricing.KIND_COTERM: gettext_noop("CO-TERM"),
                pricing.KIND_FORWARD: gettext_noop("FORWARD")}


def _group(group, language: str, continued: str) -> dict:
    """A run of lines of one kind and period: its heading ("RETROACTIVE · 07.2025 – 02.2026 ·
    8 MONTHS · FACTOR 2×"), and the same after the installation for a page it continues on."""
    months = translation.ngettext("%(months)s MONTH · FACTOR %(factor)s",
                                  "%(months)s MONTHS · FACTOR %(factor)s", group.months) % {
        "months": group.months, "factor": format_factor(group.factor, language)}
    heading = (f"{translation.gettext(_KIND_LABELS[group.kind])} · "
               f"{span_label(group.start, group.end)} · {months}")
    return {"kind": group.kind, "heading": heading, "continued": f"{continued} · {heading}",
            "lines": group.lines}


_LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".svg": "image/svg+xml"}
MAX_LOGO_BYTES = 512 * 1024


def logo_data_uri() -> str:
    """The configured logo (SSA_LOGO_FILE) as a data: URI, or "" without one."""
    path = settings.SSA_LOGO_FILE
    return _logo_data_uri(str(path)) if path else ""


@functools.cache
def _logo_data_uri(path: str) -> str:
    """Read once per process, like the signing key; embedded in every offer, so it must stay
    small. A file that cannot be read fails the render, which is recorded on the offer and
    retried (docs/DOMAIN.md#signed-pdfs-and-verification)."""
    file = Path(path)
    data = file.read_bytes()
    if len(data) > MAX_LOGO_BYTES:
        raise ValueError(f"SSA_LOGO_FILE {path} is larger than {MAX_LOGO_BYTES // 1024} KB.")
    mime = _LOGO_TYPES[file.suffix.lower()]
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# --- formatting --------------------------------------------------------------------------------


def engine_text(text: str) -> str:
    """A pricing engine text (quotes/selectors.py ENGINE_TEXTS) in the active language."""
    return translation.gettext(text) if text else text


def css_string(text: str) -> SafeString:
    """`text` as a quoted CSS string, safe inside a <style> element."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;·—–-_/()&@+" else f"\\{ord(ch):x} " for ch in text
    )
    return mark_safe(f'"{escaped}"')  # noqa: S308 - escaped above for a CSS string
