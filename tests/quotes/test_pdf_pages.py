"""The printed offer page by page (docs/DOMAIN.md#signed-pdfs-and-verification): a page that
continues an installation's lines says which installation and which run (kind, period, months,
factor) it continues, under the repeated table header; the totals, how they are calculated and
what the SSA does and does not include stay together, with the last lines; 9-digit figures and
long unbroken names stay inside their columns. Real WeasyPrint, read back with poppler one page
at a time.

To look at the offers these tests render, set SSA_OFFER_PNG_DIR to a folder: each is written
there as PDF and as one PNG per page (`pdftoppm -r 60`).
"""

import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.utils import translation

from customers import services as customer_services
from customers.models import LicenseType
from quotes import services
from quotes.pdf import offer_context, render_quote_pdf
from tests.conftest import make_installation
from tests.quotes.factories import add_ports, paid_until
from tests.quotes.test_pdf import squash

TODAY = date(2026, 3, 5)  # the suite's frozen clock
# Every covered type but port, in the catalogue's order.
OTHER_TYPES = ("uc", "mypbx", "voicemail", "switchboard", "reporting", "queue-monitor",
               "standby", "mobility", "video", "fax", "app-sharing")
LINE = re.compile(r"\d[\d ,]* × .+? (?:at|à) [\d ,]+ SSC/(?:year|år)")


def lapsed(customer, name, types=OTHER_TYPES, ports=40):
    """An installation paid until 07.2025 with `ports` ports and 5 of each of `types`: each
    type gets a retroactive line (07.2025 – 02.2026, 2×) and a forward one (03.2026 – 06.2026)."""
    installation = make_installation(customer, name)
    holdings = [add_ports(installation, ports, date(2021, 3, 1))]
    holdings += [customer_services.holding_add(
        installation=installation, quantity=5, activated_on=date(2021, 3, 1),
        license_type=LicenseType.objects.get(code=code)) for code in types]
    paid_until(installation, date(2025, 7, 1), holdings)
    return installation


def issue(customer, installations, user, staff, language):
    draft = services.quote_create(customer=customer, installations=installations, user=user,
                                  language=language)
    return services.quote_issue(quote=draft, user=staff, today=TODAY, prepare_pdf=False)


def pages(pdf: bytes, tmp_path, name: str) -> list[str]:
    """Each page's text top to bottom (`pdftotext -layout -f N -l N`), whitespace squashed; the
    offer is also written to SSA_OFFER_PNG_DIR, when set, to be looked at."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    look = os.environ.get("SSA_OFFER_PNG_DIR")
    if look:
        Path(look).mkdir(parents=True, exist_ok=True)
        (Path(look) / f"{name}.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(Path(look) / name)],
                       check=True)
    return [squash(subprocess.run(
        ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"],
        capture_output=True, text=True, check=True).stdout) for n in range(1, count + 1)]


def printed_lines(offer, language) -> list[tuple[str, str]]:
    """(installation title, run heading) of every line, in the order printed."""
    with translation.override(language):
        context = offer_context(offer, today=TODAY, language=language)
    return [(section["title"], squash(group["heading"]))
            for section in context["sections"] for group in section["groups"]
            for _line in group["lines"]]


@pytest.fixture
def four_pages(staff, user_a, customer_a):
    """Four lapsed installations with every covered type: 96 lines over four pages."""
    installations = [lapsed(customer_a, f"Avdeling {name}")
                     for name in ("Bergen", "Stavanger", "Haugesund", "Voss")]

    def make(language):
        return issue(customer_a, installations, user_a, staff, language)

    return make


@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_page_with_lines_names_its_installation_and_the_run_of_its_first_line(
        four_pages, language, tmp_path):
    offer = four_pages(language)
    texts = pages(render_quote_pdf(offer, today=TODAY), tmp_path, f"offer-4-pages-{language}")
    expected = printed_lines(offer, language)
    assert len(texts) == 4
    header = "LISENS SSC BELØP" if language == "nb" else "LICENSE SSC AMOUNT"
    continued = "(forts.)" if language == "nb" else "(continued)"
    seen = 0
    for number, text in enumerate(texts, start=1):
        lines = LINE.findall(text)
        if not lines:
            continue
        title, heading = expected[seen]
        before = text[:text.index(lines[0])]
        assert title in before, f"page {number} does not name {title}"
        assert heading in before, f"page {number} does not say {heading}"
        assert header in before, f"page {number} has no table header"
        if number > 1 and not before.lstrip().startswith(title):
            assert f"{title} {continued}" in before, f"page {number} continues {title}"
        seen += len(lines)
    assert seen == len(expected) == 96
    assert any(f"{continued} · " in text for text in texts), "a run continues onto a page"


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_totals_their_explanation_and_the_exclusions_stay_together_with_the_last_lines(
        four_pages, language, tmp_path):
    texts = pages(render_quote_pdf(four_pages(language), today=TODAY), tmp_path,
                  f"offer-closing-{language}")
    closing = ("Sum eks. mva.", "Å betale inkl. mva.", "Slik er prisen beregnet",
               "SSA omfatter ikke", "Gyldighet og aksept") if language == "nb" else (
        "Total excl. VAT", "Total incl. VAT", "How the price is calculated",
        "The SSA does not include", "Validity and acceptance")
    last = texts[-1]
    for phrase in closing:
        assert phrase in last, phrase
        assert all(phrase not in text for text in texts[:-1]), f"{phrase} split off"
    assert LINE.search(last), "the closing never stands alone on its page"


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_lapsed_offer_for_one_installation_is_one_page_with_its_exclusions(
        staff, user_a, customer_a, language, tmp_path):
    offer = issue(customer_a, [lapsed(customer_a, "Hovedkontor", types=("uc",))], user_a,
                  staff, language)
    (text,) = pages(render_quote_pdf(offer, today=TODAY), tmp_path, f"offer-1-page-{language}")
    if language == "nb":
        phrases = ("ETTERSKUDD · 07.2025 – 02.2026", "Å betale inkl. mva.", "SSA omfatter ikke",
                   "Vedlikehold og service.", "skyPBX-anlegg", "fra tredjepart")
    else:
        phrases = ("RETROACTIVE · 07.2025 – 02.2026", "Total incl. VAT",
                   "The SSA does not include", "Maintenance and service.",
                   "skyPBX installations", "Third-party licenses")
    for phrase in phrases:
        assert phrase in text, phrase


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_two_page_offer_repeats_the_table_header_on_its_second_page(
        staff, user_a, customer_a, language, tmp_path):
    installations = [lapsed(customer_a, f"Avdeling {n}", types=OTHER_TYPES[:6])
                     for n in ("Nord", "Sør")]
    offer = issue(customer_a, installations, user_a, staff, language)
    texts = pages(render_quote_pdf(offer, today=TODAY), tmp_path, f"offer-2-pages-{language}")
    assert len(texts) == 2
    header = "LISENS SSC BELØP" if language == "nb" else "LICENSE SSC AMOUNT"
    assert all(header in text for text in texts if LINE.search(text))


# --- what stays inside its column ------------------------------------------------------------

MM = 72 / 25.4
A4_WIDTH = 210 * MM
MARGIN = 17 * MM  # offer.css @page, left and right


def words(pdf: bytes, tmp_path) -> list[tuple[str, float, float]]:
    """Every word on the first page with its left and right edge (pdftotext -bbox)."""
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [(word, float(x_min), float(x_max)) for x_min, x_max, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
        html)]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_nine_digit_amounts_and_a_long_unbroken_name_stay_inside_their_columns(
        staff, user_a, customer_a, language, tmp_path):
    customer_a.name = "Fjordtann" + "X" * 191  # 200 characters, no space
    customer_a.save()
    installation = lapsed(customer_a, "Hovedkontor" + "Y" * 189, types=(), ports=1_000_000)
    offer = issue(customer_a, [installation], user_a, staff, language)
    assert offer.gross >= 100_000_000 and offer.total_ssc >= 100_000_000, "9 digits"
    pdf = render_quote_pdf(offer, today=TODAY)
    placed = words(pdf, tmp_path)
    outside = [w for w in placed if w[1] < MARGIN - 1 or w[2] > A4_WIDTH - MARGIN + 1]
    assert not outside, f"past the margins: {outside[:5]}"
    meta_left = max(x_min for word, x_min, _ in placed if word in ("Tilbudsnummer", "Offer"))
    name_parts = [w for w in placed if w[0].startswith(("Fjordtann", "XXX"))]
    assert name_parts and all(x_max < meta_left for _, _, x_max in name_parts), (
        "the customer's name runs into the dates")
    amounts = re.findall(r"(?:kr|NOK)\s?[\d\s.,]{11,}", squash(
        subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                       check=True).stdout.decode()))
    assert amounts, "9-digit amounts printed whole"
    pages(pdf, tmp_path, f"offer-big-figures-{language}")
