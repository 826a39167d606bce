"""Golden text of the printable offer: the `pdftotext` of fixed offers in both languages, issued
and draft, compared word for word with files kept beside this test.

Written before the offer template moved from per-language branches to gettext, so that the move
is proven to change no word. A deliberate change of wording updates the files:
`SSA_UPDATE_GOLDEN=1 pytest tests/quotes/test_pdf_golden.py`, then read the diff.
"""

import os
import re
from datetime import date
from pathlib import Path

import pytest

from customers import services as customer_services
from customers.models import LicenseType
from quotes import services
from quotes.pdf import render_quote_pdf
from tests.conftest import make_installation
from tests.quotes.factories import add_ports, example_d, example_e
from tests.quotes.test_pdf import pdf_text, skypbx

GOLDEN = Path(__file__).parent / "golden"
ISSUE_DAY = date(2026, 3, 5)  # the suite's frozen clock


def _offer_inputs(customer):
    """Every kind of line and note: retroactive, co-term and forward lines, an uncovered and a
    rented holding, an old firmware warning, and a skyPBX installation not applicable."""
    lapsed = example_d(customer, "Hovedkontor")
    coterm = example_e(customer, "Lager Åsane")
    recording = LicenseType.objects.get(code="recording")
    customer_services.holding_add(installation=lapsed, license_type=recording, quantity=2,
                                  activated_on=date(2023, 1, 10))
    customer_services.holding_add(installation=coterm, license_type=LicenseType.objects.get(
        code="uc"), quantity=3, activated_on=date(2025, 1, 1), rented=True)
    old = make_installation(customer, "Gammel sentral")
    customer_services.installation_update(installation=old, name="Gammel sentral",
                                          deployment="on-premise", hardware_model="IP0011",
                                          firmware_version="11", serial_number="", notes="")
    add_ports(old, 3, date(2025, 11, 3))
    return [lapsed, coterm, old, skypbx(customer)]


def _normalised(text: str) -> str:
    """The verification token is fixed by the tests below (a random one may contain a hyphen,
    where the printed link may break); the rest of a fixed offer is fixed anyway."""
    return re.sub(r"/verify/[A-Za-z0-9_-]+/", "/verify/TOKEN/", text)


def _check(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    text = _normalised(text) + "\n"
    if os.environ.get("SSA_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name}: the offer's text changed"


@pytest.mark.parametrize("language", ["nb", "en"])
def test_an_issued_offer_reads_word_for_word_as_its_golden_text(language, staff, user_a,
                                                                 customer_a, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr("quotes.services.offers.secrets.token_urlsafe",
                        lambda size: "GoldenTokenGoldenTokenGoldenTok")
    draft = services.quote_create(customer=customer_a, installations=_offer_inputs(customer_a),
                                  user=user_a, language=language)
    offer = services.quote_issue(quote=draft, user=staff, today=ISSUE_DAY, prepare_pdf=False)
    _check(f"offer-issued-{language}",
           pdf_text(render_quote_pdf(offer, today=ISSUE_DAY), tmp_path))


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_draft_preview_reads_word_for_word_as_its_golden_text(language, user_a, customer_a,
                                                                tmp_path):
    draft = services.quote_create(customer=customer_a, installations=_offer_inputs(customer_a),
                                  user=user_a, language=language)
    _check(f"offer-draft-{language}", pdf_text(render_quote_pdf(draft, today=ISSUE_DAY), tmp_path))
