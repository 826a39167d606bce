"""The license catalogue names each type in bokmål and in English
(docs/DOMAIN.md#the-license-catalogue): pages in the reader's language, a draft in the reader's
(or, printed, the offer's) language, an issued offer in its own language for good."""

from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from customers.models import LicenseType
from quotes import services
from quotes.presentation import present_offer
from tests.quotes.factories import add_ports, example_d

TODAY = date(2026, 3, 5)  # the suite's frozen clock


def test_every_seeded_license_type_has_a_bokmal_and_an_english_name(db):
    names = {t.code: (t.name, t.name_en) for t in LicenseType.objects.all()}
    assert names["port"] == ("Portlisens (per registrert telefon)",
                             "Port license (per registered phone)")
    assert names["voicemail"] == ("Talepost", "Voicemail")
    assert names["switchboard"] == ("Sentralbord (operatør)", "Switchboard (operator)")
    assert names["queue-monitor"] == ("Køovervåking", "Queue monitor")
    assert names["recording"] == ("Opptak", "Recording")
    assert all(bokmal and english for bokmal, english in names.values())


def test_a_type_without_an_english_name_is_named_in_bokmal_to_english_readers(db):
    license_type = LicenseType.objects.create(code="ny", name="Ny lisens", sort_order=5)
    assert license_type.name_in("en") == "Ny lisens"
    with translation.override("en"):
        assert str(license_type) == "Ny lisens"


def test_a_draft_names_its_licenses_in_the_readers_language(user_a, customer_a):
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a, language="nb")
    for language, name in (("en", "Port license (per registered phone)"),
                           ("nb", "Portlisens (per registrert telefon)")):
        with translation.override(language):
            shown = present_offer(draft, today=TODAY)
        assert {line.license_name for line in shown.lines} == {name}


@pytest.mark.parametrize(("language", "name"), [
    ("en", "Port license (per registered phone)"), ("nb", "Portlisens (per registrert telefon)")])
def test_an_issued_offer_keeps_the_name_in_its_own_language_whoever_reads_it(
        language, name, staff, user_a, customer_a):
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a, language=language)
    other = "nb" if language == "en" else "en"
    with translation.override(other):  # the staff member issuing reads the other language
        offer = services.quote_issue(quote=draft, user=staff, today=TODAY, prepare_pdf=False)
    LicenseType.objects.filter(code="port").update(name="Omdøpt", name_en="Renamed")
    for reader in ("nb", "en"):
        with translation.override(reader):
            shown = present_offer(offer, today=TODAY)
        assert {line.license_name for line in shown.lines} == {name}


@pytest.mark.parametrize(("language", "name"), [
    ("en", "Port license (per registered phone)"), ("nb", "Portlisens (per registrert telefon)")])
def test_the_installation_page_names_licenses_in_the_readers_language(
        language, name, user_a, installation_a):
    add_ports(installation_a, 3, date(2025, 1, 6))
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user_a)
    page = client.get(f"/installations/{installation_a.pk}/").content.decode()
    assert name in page


def test_lines_follow_the_catalogues_order(staff, user_a, customer_a, installation_a):
    from customers import services as customer_services

    for code in ("voicemail", "app-sharing", "switchboard"):
        customer_services.holding_add(installation=installation_a, quantity=1,
                                      activated_on=date(2026, 1, 5),
                                      license_type=LicenseType.objects.get(code=code))
    add_ports(installation_a, 3, date(2026, 1, 5))
    LicenseType.objects.filter(code="app-sharing").update(sort_order=1)
    draft = services.quote_create(customer=customer_a, installations=[installation_a],
                                  user=user_a)
    lines = present_offer(draft, today=TODAY).lines
    for kind in ("retroactive", "forward"):
        codes = [line.license_code for line in lines if line.kind == kind]
        assert codes == ["app-sharing", "port", "voicemail", "switchboard"]
