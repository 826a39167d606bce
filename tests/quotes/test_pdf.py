"""The printable offer (docs/DOMAIN.md#signed-pdfs-and-verification): real WeasyPrint, read
back with poppler's pdftotext."""

import re
import subprocess
from datetime import date

import pytest

from customers import services as customer_services
from customers.models import LicenseType
from quotes import services
from quotes.pdf import DRAFT_MARK, render_quote_html, render_quote_pdf
from quotes.verification import verification_url
from tests.conftest import make_installation
from tests.quotes.factories import add_ports, example_d, example_e

D_ISSUE = date(2025, 2, 10)
TODAY = date(2026, 3, 5)  # the suite's frozen clock


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text with every run of whitespace (non-breaking spaces too) as one space."""
    path = tmp_path / "offer.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return squash(text)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_count(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def draft(customer, installations, user, language=None):
    return services.quote_create(customer=customer, installations=installations, user=user,
                                 language=language)


def issued(customer, installations, user, staff, language=None, today=D_ISSUE):
    return services.quote_issue(quote=draft(customer, installations, user, language),
                                user=staff, today=today)


def skypbx(customer):
    installation = customer_services.installation_create(
        customer=customer, name="Skykontor", deployment="skypbx", hardware_model="",
        firmware_version="", serial_number="", notes="")
    add_ports(installation, 4, date(2024, 1, 1))
    return installation


@pytest.fixture
def offer_d(staff, user_a, customer_a):
    """Example D issued in Norwegian: 1406 SSC, net kr 1 968,40, gross kr 2 460,50."""
    return issued(customer_a, [example_d(customer_a)], user_a, staff)


def test_an_issued_norwegian_offer_shows_its_number_customer_and_gross_total(offer_d,
                                                                            tmp_path):
    text = pdf_text(render_quote_pdf(offer_d, today=TODAY), tmp_path)
    assert offer_d.number == "SSA-2025-00001"
    assert "SSA-2025-00001" in text
    assert "Fjordtann AS CANARY-A" in text
    assert squash("kr\u00a02\u00a0460,50") in text
    assert "Sum eks. mva." in text and "Mva. 25 %" in text and "kr 492,10" in text
    assert "Alfa Tele AS" in text and "923 609 016" in text


def test_a_norwegian_offer_is_written_in_norwegian_throughout(offer_d, tmp_path):
    text = pdf_text(render_quote_pdf(offer_d, today=TODAY), tmp_path)
    for phrase in ("Tilbudsnummer", "Gyldig til og med", "Tilbudet gjelder til og med 12.03.2025",
                   "10.02.2025", "Forhandler", "ETTERSKUDD", "FORSKUDD", "07.2024 – 01.2025",
                   "02.2025 – 06.2025", "Betalt til og med 06.2024",
                   "Kjøpt etterskuddsvis senere ville den samme perioden kostet 740 SSC "
                   "(kr 1 036,00 eks. mva.)", "Vedlikehold og service", "opptak (recording)",
                   "kr 1,40 per SSC", "Side 1 av 1", "Portlisens (per registrert telefon)"):
        assert phrase in text, phrase
    for english in ("Valid until", "Total incl. VAT", "retroactive", "Page 1", "Port license"):
        assert english not in text


def test_an_english_offer_has_english_texts_and_nok_amounts(staff, user_a, customer_a,
                                                             tmp_path):
    offer = issued(customer_a, [example_d(customer_a)], user_a, staff, language="en")
    text = pdf_text(render_quote_pdf(offer, today=TODAY), tmp_path)
    assert "NOK 2,460.50" in text and "NOK 1,968.40" in text and "1,406 SSC" in text
    for phrase in ("Offer number", "Valid through 12 March 2025",
                   "This offer is valid through 12 March 2025", "10 February 2025",
                   "Total incl. VAT", "VAT 25 %", "RETROACTIVE", "FORWARD",
                   "Bought retroactively later, this period would cost 740 SSC "
                   "(NOK 1,036.00 excl. VAT)", "Maintenance and service", "Page 1 of 1",
                   "Port license (per registered phone)"):
        assert phrase in text, phrase
    for norwegian in ("Gyldig til", "inkl. mva", "etterskudd", "Side 1", "Portlisens",
                      "valid until"):
        assert norwegian not in text


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_draft_is_a_preview_marked_utkast_draft_without_a_verification_link(
    user_a, customer_a, tmp_path, language
):
    preview = draft(customer_a, [example_d(customer_a)], user_a, language)
    text = pdf_text(render_quote_pdf(preview, today=D_ISSUE), tmp_path)
    assert DRAFT_MARK == "UTKAST / DRAFT — not an offer"
    assert DRAFT_MARK in text
    assert "/verify/" not in text and "127.0.0.1" not in text
    assert "SSA-20" not in text, "a draft has no number"
    gross = "kr 2 460,50" if language == "nb" else "NOK 2,460.50"
    assert gross in text, "priced on the day asked for"
    assert 'src="data:image' not in render_quote_html(preview, today=D_ISSUE), "no QR code"


def test_an_issued_offer_is_printed_from_its_snapshot_and_never_repriced(offer_d, tmp_path):
    installation = offer_d.installations.get()
    add_ports(installation, 30, date(2025, 3, 1))  # would change any new pricing
    text = pdf_text(render_quote_pdf(offer_d, today=TODAY), tmp_path)
    assert "kr 2 460,50" in text and "1 406 SSC" in text
    assert "UTKAST" not in text


def test_a_skypbx_section_in_a_mixed_offer_shows_not_applicable(staff, user_a, customer_a,
                                                                tmp_path):
    installations = [example_d(customer_a), skypbx(customer_a)]
    english = issued(customer_a, installations, user_a, staff, language="en")
    text = pdf_text(render_quote_pdf(english, today=TODAY), tmp_path)
    assert "Skykontor" in text
    assert "Not applicable: skyPBX includes all upgrades, so an SSA is not applicable." in text
    norwegian = issued(customer_a, installations, user_a, staff, language="nb")
    text = pdf_text(render_quote_pdf(norwegian, today=TODAY), tmp_path)
    assert "Ikke aktuelt: skyPBX inkluderer alle oppgraderinger" in text
    assert "kr 2 460,50" in text, "the skyPBX installation is not priced"


def test_the_pdf_starts_with_the_pdf_signature_and_has_pages(offer_d, tmp_path):
    pdf = render_quote_pdf(offer_d, today=TODAY)
    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf, tmp_path) >= 1


def test_the_qr_codes_url_is_printed_on_the_page_and_embedded(offer_d, tmp_path):
    url = verification_url(offer_d)
    assert offer_d.verification_token in url
    text = pdf_text(render_quote_pdf(offer_d, today=TODAY), tmp_path)
    assert url in text.replace(" ", "")
    html = render_quote_html(offer_d, today=TODAY)
    assert 'src="data:image/svg+xml;base64,' in html
    assert not re.search(r"""(src|href)=["']?(https?:|//)|url\(""", html), "nothing external"


def test_a_long_offer_of_three_installations_paginates_with_numbered_pages(
    staff, user_a, customer_a, tmp_path
):
    stavanger = example_e(customer_a, "Avdeling Stavanger")
    bergen = example_d(customer_a, "Hovedkontor Bergen")
    alesund = make_installation(customer_a, "Lager Ålesund")
    add_ports(alesund, 40, date(2021, 3, 1))
    for code, quantity in (("uc", 25), ("voicemail", 40), ("switchboard", 2), ("mobility", 10),
                           ("reporting", 1), ("fax", 3), ("video", 4), ("app-sharing", 4)):
        customer_services.holding_add(
            installation=alesund, quantity=quantity, activated_on=date(2021, 3, 1),
            license_type=LicenseType.objects.get(code=code))
    offer = issued(customer_a, [stavanger, bergen, alesund], user_a, staff, today=TODAY)
    pdf = render_quote_pdf(offer, today=TODAY)
    pages = page_count(pdf, tmp_path)
    text = pdf_text(pdf, tmp_path)
    assert pages >= 2
    assert f"Side 1 av {pages}" in text and f"Side {pages} av {pages}" in text
    for name in ("1. Avdeling Stavanger", "2. Hovedkontor Bergen", "3. Lager Ålesund",
                 "Sum Lager Ålesund", "SAMKJØRT"):
        assert name in text, name
    assert text.count("LISENS") >= 3, "a table per installation"


def test_a_sections_firmware_warning_and_not_included_licenses_are_printed(
    staff, user_a, customer_a, tmp_path
):
    old = example_d(customer_a, "Gammel sentral")
    old.firmware_version, old.hardware_model = "12r2", "IP0011"
    old.save()
    customer_services.holding_add(installation=old, quantity=2, activated_on=date(2023, 1, 1),
                                  license_type=LicenseType.objects.get(code="recording"))
    offer = issued(customer_a, [old], user_a, staff, language="nb")
    text = pdf_text(render_quote_pdf(offer, today=TODAY), tmp_path)
    assert "IP0011 · firmware 12r2" in text
    assert "Ingen support for denne versjonen" in text
    assert "Ikke inkludert: 2 × Opptak (ikke dekket av SSA)" in text


def test_a_draft_that_cannot_be_priced_says_why_instead_of_failing(user_a, customer_a,
                                                                   tmp_path):
    preview = draft(customer_a, [example_d(customer_a)], user_a, "en")
    text = pdf_text(render_quote_pdf(preview, today=date(2000, 1, 1)), tmp_path)
    assert "No price book is in force on 01.01.2000" in text
    assert DRAFT_MARK in text and "Total incl. VAT" not in text


def test_rendering_an_issued_offer_twice_gives_the_same_bytes(offer_d):
    assert render_quote_pdf(offer_d, today=TODAY) == render_quote_pdf(offer_d, today=TODAY)
