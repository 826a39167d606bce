"""What the printed offer tells the customer (docs/DOMAIN.md#signed-pdfs-and-verification): the
distributor's letterhead (phone, web, Foretaksregisteret, a configured logo), what SSC means and
why retroactive months are paid, who invoices and on which terms, how to reach the reseller to
accept, the standing exclusions, VAT on the comparison, and no internal price-book name."""

import base64
import subprocess
from datetime import date

import pytest

from customers.models import Reseller
from quotes import services
from quotes.pdf import _logo_data_uri, render_quote_html, render_quote_pdf
from tests.quotes.factories import example_d, example_e
from tests.quotes.test_pdf import pdf_text

TODAY = date(2026, 3, 5)  # the suite's frozen clock
# A 2 × 1 PNG (one red, one transparent pixel).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR4nGP4z8DAwMDAwMAAAA0ABSCeyfoAAAAAS"
    "UVORK5CYII=")


def issued(customer, installations, user, staff, language="nb"):
    draft = services.quote_create(customer=customer, installations=installations, user=user,
                                  language=language)
    return services.quote_issue(quote=draft, user=staff, today=TODAY, prepare_pdf=False)


@pytest.fixture
def reseller_contact(reseller_a):
    Reseller.objects.filter(pk=reseller_a.pk).update(email="salg@alfa.example.no",
                                                     phone="+47 55 12 34 56")


@pytest.mark.parametrize(("language", "phrases"), [
    ("nb", ("Tlf. +47 22 00 00 00", "www.example.no", "Foretaksregisteret · org.nr. 923 609 016",
            "Prisene er oppgitt i SSC (Software Service Credits)",
            "én SSC kr 1,40 eks. mva.", "SSA løper uten opphold",
            "Nordic Unified AS fakturerer avtalen når tilbudet er akseptert.",
            "Betalingsbetingelser: 30 dager netto.",
            "Alfa Tele AS: salg@alfa.example.no · Tlf. +47 55 12 34 56",
            "(kr 1 036,00 eks. mva.)", "Gyldig til og med 12.03.2025",
            "Prisgrunnlag: kr 1,40 per SSC")),
    ("en", ("Tel. +47 22 00 00 00", "www.example.no",
            "Foretaksregisteret (Register of Business Enterprises) · org. no. 923 609 016",
            "Prices are given in SSC (Software Service Credits)",
            "one SSC costs NOK 1.40 excl. VAT.", "The SSA runs without gaps",
            "Nordic Unified AS invoices the agreement once the offer is accepted.",
            "Payment terms: 30 days net.",
            "Alfa Tele AS: salg@alfa.example.no · Tel. +47 55 12 34 56",
            "(NOK 1,036.00 excl. VAT)", "This offer is valid through 12 March 2025",
            "Price basis: NOK 1.40 per SSC")),
])
def test_the_offer_explains_ssc_retroactive_months_invoicing_and_how_to_reach_the_reseller(
        reseller_contact, staff, user_a, customer_a, tmp_path, language, phrases):
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a, language=language)
    offer = services.quote_issue(quote=draft, user=staff, today=date(2025, 2, 10),
                                 prepare_pdf=False)
    text = pdf_text(render_quote_pdf(offer, today=TODAY), tmp_path)
    for phrase in phrases:
        assert phrase in text, phrase
    assert "Standard (FAQ)" not in text and "prisbok" not in text.lower()
    assert "price book" not in text.lower()


@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_offer_states_the_standing_exclusions(staff, user_a, customer_a, tmp_path,
                                                    language):
    """An offer with nothing excluded on it and no skyPBX installation still says what the SSA
    never includes: maintenance, skyPBX, third-party licenses
    (docs/DOMAIN.md#what-the-ssa-does-not-include)."""
    offer = issued(customer_a, [example_e(customer_a)], user_a, staff, language)
    text = pdf_text(render_quote_pdf(offer, today=TODAY), tmp_path)
    if language == "nb":
        expected = ("Vedlikehold og service.", "skyPBX-anlegg – abonnementet inkluderer",
                    "Lisenser og tilleggsprodukter fra tredjepart", "gateway-kanallisenser",
                    "Leide lisenser")
    else:
        expected = ("Maintenance and service.", "skyPBX installations – the subscription",
                    "Third-party licenses and add-ons", "gateway channel licenses",
                    "Rented licenses")
    for phrase in expected:
        assert phrase in text, phrase


def test_the_invoicing_party_and_payment_terms_follow_the_settings(
        settings, staff, user_a, customer_a, tmp_path):
    settings.SSA_INVOICING_PARTY = "reseller"
    settings.SSA_PAYMENT_TERMS_DAYS = 14
    offer = issued(customer_a, [example_e(customer_a)], user_a, staff, "en")
    text = pdf_text(render_quote_pdf(offer, today=TODAY), tmp_path)
    assert "Your reseller Alfa Tele AS invoices the agreement once the offer is accepted." in text
    assert "Payment terms: 14 days net." in text
    settings.SSA_PAYMENT_TERMS_DAYS = 1
    assert "Payment terms: 1 day net." in pdf_text(render_quote_pdf(offer, today=TODAY),
                                                   tmp_path)


def test_the_reseller_contact_is_printed_as_it_was_at_issue(reseller_contact, reseller_a, staff,
                                                            user_a, customer_a, tmp_path):
    offer = issued(customer_a, [example_e(customer_a)], user_a, staff)
    Reseller.objects.filter(pk=reseller_a.pk).update(email="ny@alfa.example.no", phone="")
    text = pdf_text(render_quote_pdf(offer, today=TODAY), tmp_path)
    assert "salg@alfa.example.no · Tlf. +47 55 12 34 56" in text
    assert "ny@alfa.example.no" not in text


def test_a_draft_shows_the_resellers_contact_as_it_is_now(reseller_contact, user_a,
                                                          customer_a, tmp_path):
    draft = services.quote_create(customer=customer_a, installations=[example_e(customer_a)],
                                  user=user_a)
    text = pdf_text(render_quote_pdf(draft, today=TODAY), tmp_path)
    assert "Alfa Tele AS: salg@alfa.example.no · Tlf. +47 55 12 34 56" in text


def test_a_configured_logo_is_embedded_in_the_letterhead_and_nothing_is_fetched(
        settings, staff, user_a, customer_a, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    settings.SSA_LOGO_FILE = logo
    _logo_data_uri.cache_clear()
    offer = issued(customer_a, [example_e(customer_a)], user_a, staff)
    html = render_quote_html(offer, today=TODAY)
    assert 'src="data:image/png;base64,' + base64.b64encode(PNG).decode() in html
    path = tmp_path / "offer.pdf"
    path.write_bytes(render_quote_pdf(offer, today=TODAY))
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                            check=True).stdout
    assert any(row.split()[3:5] == ["2", "1"] for row in images.splitlines()[2:]), images
    logo.write_bytes(b"changed")  # read once per process
    assert base64.b64encode(PNG).decode() in render_quote_html(offer, today=TODAY)
    _logo_data_uri.cache_clear()


def test_without_a_logo_the_letterhead_has_none(settings, staff, user_a, customer_a):
    settings.SSA_LOGO_FILE = None
    offer = issued(customer_a, [example_e(customer_a)], user_a, staff)
    assert 'class="logo"' not in render_quote_html(offer, today=TODAY)


def test_a_logo_too_large_to_embed_is_refused_with_its_name(settings, tmp_path):
    logo = tmp_path / "huge.png"
    logo.write_bytes(PNG + b"\0" * 600_000)
    settings.SSA_LOGO_FILE = logo
    _logo_data_uri.cache_clear()
    from quotes.pdf import logo_data_uri

    with pytest.raises(ValueError, match="huge.png"):
        logo_data_uri()
    _logo_data_uri.cache_clear()
