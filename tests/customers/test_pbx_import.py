"""The innovaphone PBX user-list import (docs/DOMAIN.md#the-pbx-user-list-import): count per
location, propose, diff, apply as new holdings activated today and ended holdings from next
month."""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.errors import DomainError
from customers import services
from customers.imports import ImportFileError, pbx
from customers.models import LicenseHolding, LicenseType
from tests.conftest import TODAY, make_installation

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-userlist.xml"
NEXT_MONTH = date(2026, 4, 1)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<info><user cn="&lol9;" loc="oslo" uclic="x"/></info>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE info [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<info><user cn="&xxe;" loc="oslo"/></info>
"""


def sample_list() -> pbx.UserList:
    return pbx.parse_user_list(SAMPLE.read_bytes())


def xml_file(data: bytes, name: str = "users.xml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/xml")


def snapshot() -> list:
    return list(LicenseHolding.objects.order_by("pk").values())


# --- counting --------------------------------------------------------------------------------


def test_the_sample_user_list_is_counted_per_location_as_counted_by_hand():
    users = sample_list()
    assert {name: loc.users for name, loc in users.locations.items()} == {
        "oslo": 12, "bergen": 7, "trondheim": 2}
    license_attributes = ("uclic", "mypbx", "voicemail", "reporting", "mobility", "video",
                          "fax", "app-sharing")
    oslo, bergen, trondheim = (users.locations[name] for name in ("oslo", "bergen", "trondheim"))
    assert {a: oslo.attributes[a] for a in license_attributes} == {
        "uclic": 8, "mypbx": 2, "voicemail": 7, "reporting": 2, "mobility": 1, "video": 2,
        "fax": 1, "app-sharing": 1}
    assert {a: bergen.attributes[a] for a in license_attributes} == {
        "uclic": 5, "mypbx": 1, "voicemail": 5, "reporting": 1, "mobility": 1, "video": 0,
        "fax": 1, "app-sharing": 0}
    assert {a: trondheim.attributes[a] for a in license_attributes} == {
        "uclic": 1, "mypbx": 0, "voicemail": 1, "reporting": 0, "mobility": 0, "video": 0,
        "fax": 0, "app-sharing": 0}


@pytest.mark.parametrize("kind", ["users", "location entries"])
def test_a_list_with_more_locations_than_a_pbx_has_is_refused_with_a_message(kind):
    count = pbx.MAX_LOCATIONS + 1
    if kind == "users":
        elements = "".join(f'<user cn="u{i}" loc="L{i}"/>' for i in range(count))
    else:
        elements = "".join(f'<user cn="L{i}" h323="L{i}"><pseudo type="loc"/></user>'
                           for i in range(count))
    with pytest.raises(ImportFileError, match="more than 1000 locations"):
        pbx.parse_user_list(f"<info>{elements}</info>".encode())
    within = "".join(f'<user cn="u{i}" loc="L{i}"/>' for i in range(pbx.MAX_LOCATIONS))
    assert len(pbx.parse_user_list(f"<info>{within}</info>".encode()).locations) == 1000


def test_an_empty_license_attribute_does_not_count():
    users = pbx.parse_user_list(b'<info><user cn="A" loc="x" uclic="" voicemail=" "/>'
                                b'<user cn="B" loc="x" uclic="1"/></info>')
    assert users.locations["x"].attributes["uclic"] == 1
    assert users.locations["x"].attributes["voicemail"] == 0


def test_config_templates_and_location_entries_are_not_counted_as_users():
    users = sample_list()
    assert SAMPLE.read_bytes().count(b"<user ") == 27
    assert users.users == 21
    assert users.location_objects == ["oslo", "bergen", "trondheim"]
    assert users.templates == 2
    assert users.other_objects == 1  # the SIP trunk
    # The two templates in Oslo carry uclic and voicemail; the counts above leave them out.
    assert users.locations["oslo"].attributes["uclic"] == 8


def test_the_proposal_maps_attributes_through_the_catalogue(db):
    proposal = pbx.propose(sample_list().locations["oslo"], pbx.catalogue())
    assert proposal.quantities() == {
        "port": 12, "uc": 8, "mypbx": 2, "voicemail": 7, "reporting": 2, "mobility": 1,
        "video": 2, "fax": 1, "app-sharing": 1}
    assert proposal.lines[0].is_estimate and proposal.lines[0].code == "port"


def test_unknown_attributes_are_listed_as_not_mapped(db):
    users = sample_list()
    assert pbx.propose(users.locations["oslo"], pbx.catalogue()).not_mapped == [
        ("nolic", 1), ("teams", 1), ("video2", 1)]
    assert pbx.propose(users.locations["bergen"], pbx.catalogue()).not_mapped == [("teams", 1)]
    assert pbx.propose(users.locations["trondheim"], pbx.catalogue()).not_mapped == []


def test_the_mapping_is_read_from_the_catalogue_not_hard_coded(db):
    LicenseType.objects.filter(code="video").update(pbx_attribute="video2")
    LicenseType.objects.filter(code="switchboard").update(pbx_attribute="teams")
    proposal = pbx.propose(sample_list().locations["oslo"], pbx.catalogue())
    assert proposal.quantities()["video"] == 1
    assert proposal.quantities()["switchboard"] == 1
    assert proposal.not_mapped == [("nolic", 1), ("video", 2)]


# --- refusing bad files ----------------------------------------------------------------------


@pytest.mark.parametrize(("data", "message"), [
    (BILLION_LAUGHS, "DTD or entity declarations"),
    (EXTERNAL_ENTITY, "DTD or entity declarations"),
    (b'<info><user cn="A" loc="oslo"></info>', "not well-formed XML (line 1"),
    (b'<info><user cn="A" loc="oslo"/>', "not well-formed XML"),
    (b"reseller;customer;installation\nAlfa;Kunde;PBX\n", "not an XML file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not an XML file"),
    (b"   ", "The file is empty."),
    (b"<html><body><p>Login required</p></body></html>", "no <user> elements"),
])
def test_a_file_that_is_not_a_safe_user_list_is_refused_with_a_message(data, message):
    with pytest.raises(ImportFileError) as refused:
        pbx.parse_user_list(data)
    assert message in refused.value.message


@pytest.mark.parametrize("data", [BILLION_LAUGHS, b"<info><user></info>", b"not xml at all"])
def test_the_upload_page_refuses_a_bad_file_and_writes_nothing(
    client, user_a, installation_a, holding_a, data
):
    client.force_login(user_a)
    before = snapshot()
    response = client.post(f"/installations/{installation_a.pk}/pbx-import/",
                           {"file": xml_file(data)})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert "Choose the location" not in response.content.decode()
    assert snapshot() == before


# --- diff and apply --------------------------------------------------------------------------


@pytest.fixture
def stocked(installation_a):
    """Installation A before the import: ports in two batches, voicemail, uc, fax in two
    batches, and a switchboard the user list cannot speak about."""
    def add(code, quantity, activated_on, **kwargs):
        return services.holding_add(
            installation=installation_a, license_type=LicenseType.objects.get(code=code),
            quantity=quantity, activated_on=activated_on, **kwargs)

    return {
        "port_old": add("port", 10, date(2024, 3, 14)),
        "port_new": add("port", 4, date(2025, 6, 1)),
        "voicemail": add("voicemail", 9, date(2024, 3, 14)),
        "uc": add("uc", 8, date(2024, 3, 14)),
        "fax_old": add("fax", 1, date(2023, 1, 10)),
        "fax_new": add("fax", 2, date(2025, 9, 1)),
        "switchboard": add("switchboard", 1, date(2024, 3, 14)),
        "gone": add("mobility", 5, date(2023, 1, 10), ended_on=date(2025, 1, 1)),
    }


def walk_to_review(client, installation, *, location="oslo", port="12"):
    base = f"/installations/{installation.pk}/pbx-import/"
    response = client.post(base, {"file": xml_file(SAMPLE.read_bytes(), "brukere.xml")})
    assert response.status_code == 200
    upload = response.context["upload"]
    choices = [value for value, _label in response.context["form"].fields["location"].choices]
    assert choices == ["oslo", "bergen", "trondheim"]
    response = client.post(base + "proposal/", {"upload": upload, "location": location})
    assert response.status_code == 200
    proposal = response.context["proposal"]
    assert response.context["port_form"].initial["port"] == proposal.users
    return client.post(base + "review/", {"upload": upload, "location": location, "port": port})


def test_the_diff_shows_current_and_new_quantities_per_license_type(client, user_a,
                                                                     installation_a, stocked):
    client.force_login(user_a)
    before = snapshot()
    response = walk_to_review(client, installation_a)
    assert response.status_code == 200
    assert [(line.code, line.current, line.new, line.change)
            for line in response.context["lines"]] == [
        ("port", 14, 12, -2), ("uc", 8, 8, 0), ("mypbx", 0, 2, 2), ("voicemail", 9, 7, -2),
        ("reporting", 0, 2, 2), ("mobility", 0, 1, 1), ("video", 0, 2, 2), ("fax", 3, 1, -2),
        ("app-sharing", 0, 1, 1)]
    html = response.content.decode()
    assert "Apply 8 changes" in html
    assert snapshot() == before  # reviewing writes nothing


def test_the_apply_produces_exactly_the_expected_holdings(client, user_a, installation_a,
                                                          stocked):
    client.force_login(user_a)
    plan = walk_to_review(client, installation_a).context["plan"]
    response = client.post(f"/installations/{installation_a.pk}/pbx-import/apply/",
                           {"plan": plan, "confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/installations/{installation_a.pk}/"
    rows = sorted(
        (h.license_type.code, h.quantity, h.activated_on, h.ended_on)
        for h in installation_a.holdings.select_related("license_type")
    )
    assert rows == sorted([
        # Port 14 → 12: the newest batch (4) ends next month and 2 of it continue.
        ("port", 10, date(2024, 3, 14), None),
        ("port", 4, date(2025, 6, 1), NEXT_MONTH),
        ("port", 2, NEXT_MONTH, None),
        ("uc", 8, date(2024, 3, 14), None),  # unchanged: untouched
        # Voicemail 9 → 7: one batch, ends next month keeping 7.
        ("voicemail", 9, date(2024, 3, 14), NEXT_MONTH),
        ("voicemail", 7, NEXT_MONTH, None),
        # Fax 3 → 1: the newest batch of 2 ends whole; the old one stays.
        ("fax", 1, date(2023, 1, 10), None),
        ("fax", 2, date(2025, 9, 1), NEXT_MONTH),
        # Increases: new holdings activated on the import date.
        ("mypbx", 2, TODAY, None),
        ("reporting", 2, TODAY, None),
        ("mobility", 1, TODAY, None),
        ("mobility", 5, date(2023, 1, 10), date(2025, 1, 1)),  # ended long ago: untouched
        ("video", 2, TODAY, None),
        ("app-sharing", 1, TODAY, None),
        ("switchboard", 1, date(2024, 3, 14), None),  # not in the user list: untouched
    ])
    in_use_next_month = {}
    for holding in installation_a.holdings.active_on(NEXT_MONTH).select_related("license_type"):
        code = holding.license_type.code
        in_use_next_month[code] = in_use_next_month.get(code, 0) + holding.quantity
    assert in_use_next_month == {"port": 12, "uc": 8, "mypbx": 2, "voicemail": 7,
                                 "reporting": 2, "mobility": 1, "video": 2, "fax": 1,
                                 "app-sharing": 1, "switchboard": 1}


def test_the_port_estimate_can_be_corrected_before_applying(client, user_a, installation_a,
                                                            stocked):
    client.force_login(user_a)
    response = walk_to_review(client, installation_a, port="20")
    port = response.context["lines"][0]
    assert (port.code, port.current, port.new) == ("port", 14, 20)
    client.post(f"/installations/{installation_a.pk}/pbx-import/apply/",
                {"plan": response.context["plan"], "confirm": "1"})
    assert installation_a.holdings.get(license_type__code="port", activated_on=TODAY).quantity == 6


def test_a_bad_port_figure_is_asked_again_and_nothing_is_written(client, user_a,
                                                                  installation_a, stocked):
    client.force_login(user_a)
    before = snapshot()
    response = walk_to_review(client, installation_a, port="-1")
    assert response.status_code == 200
    assert response.context["port_form"].errors["port"]
    assert snapshot() == before


def test_a_second_apply_of_the_same_review_is_refused(client, user_a, installation_a, stocked):
    client.force_login(user_a)
    plan = walk_to_review(client, installation_a).context["plan"]
    apply_url = f"/installations/{installation_a.pk}/pbx-import/apply/"
    client.post(apply_url, {"plan": plan, "confirm": "1"})
    after_first = snapshot()
    response = client.post(apply_url, {"plan": plan, "confirm": "1"}, follow=True)
    assert "changed after you reviewed" in response.content.decode()
    assert snapshot() == after_first


def test_the_apply_refuses_when_the_licenses_changed_since_the_review(
    client, user_a, installation_a, stocked, port
):
    client.force_login(user_a)
    plan = walk_to_review(client, installation_a).context["plan"]
    services.holding_add(installation=installation_a, license_type=port, quantity=1,
                         activated_on=TODAY)
    before = snapshot()
    response = client.post(f"/installations/{installation_a.pk}/pbx-import/apply/",
                           {"plan": plan, "confirm": "1"})
    assert response.status_code == 302
    assert snapshot() == before


def test_matching_licenses_change_nothing(client, user_a, installation_a):
    client.force_login(user_a)
    services.installation_pbx_apply(installation=installation_a,
                                    targets={"port": 2, "uc": 1, "voicemail": 1},
                                    activated_on=date(2025, 1, 1))
    before = snapshot()
    response = walk_to_review(client, installation_a, location="trondheim", port="2")
    assert all(line.change == 0 for line in response.context["lines"])
    assert not response.context["changes"]
    assert "Nothing to change" in response.content.decode()
    assert snapshot() == before


def test_the_service_applies_nothing_when_one_change_is_refused(installation_a, stocked,
                                                               monkeypatch):
    before = snapshot()

    def refuse(**kwargs):
        raise DomainError("no")

    monkeypatch.setattr(services, "holding_end", refuse)
    with pytest.raises(DomainError):
        services.installation_pbx_apply(installation=installation_a,
                                        targets={"mypbx": 2, "port": 1}, activated_on=TODAY)
    assert snapshot() == before


def test_a_token_for_another_installation_is_refused(client, user_a, installation_a, stocked,
                                                     customer_a):
    other = make_installation(customer_a, "Filial")
    client.force_login(user_a)
    plan = walk_to_review(client, installation_a).context["plan"]
    before = snapshot()
    response = client.post(f"/installations/{other.pk}/pbx-import/apply/",
                           {"plan": plan, "confirm": "1"}, follow=True)
    assert "expired or are not valid" in response.content.decode()
    upload = pbx.dump_upload(sample_list(), installation_pk=installation_a.pk, filename="x.xml")
    response = client.post(f"/installations/{other.pk}/pbx-import/proposal/",
                           {"upload": upload, "location": "oslo"}, follow=True)
    assert "expired or is not valid" in response.content.decode()
    assert snapshot() == before


def test_a_skypbx_installation_may_import_its_user_list_too(client, staff, installation_a):
    services.installation_update(installation=installation_a, name="Sky", deployment="skypbx")
    client.force_login(staff)
    plan = walk_to_review(client, installation_a, location="bergen", port="7").context["plan"]
    client.post(f"/installations/{installation_a.pk}/pbx-import/apply/",
                {"plan": plan, "confirm": "1"})
    assert installation_a.holdings.get(license_type__code="port").quantity == 7


# --- access ----------------------------------------------------------------------------------


def test_reseller_b_gets_404_on_reseller_a_installations_import(client, user_b, installation_a,
                                                               holding_a):
    client.force_login(user_b)
    upload = pbx.dump_upload(sample_list(), installation_pk=installation_a.pk, filename="x.xml")
    plan = pbx.dump_plan(installation_pk=installation_a.pk, location="oslo",
                         targets={"port": 1}, current={"port": 10}, filename="x.xml")
    base = f"/installations/{installation_a.pk}/pbx-import/"
    before = snapshot()
    assert client.get(base).status_code == 404
    assert client.post(base, {"file": xml_file(SAMPLE.read_bytes())}).status_code == 404
    for step in ("proposal/", "review/"):
        assert client.get(base + step).status_code == 404
        assert client.post(base + step, {"upload": upload, "location": "oslo",
                                         "port": "1"}).status_code == 404
    assert client.post(base + "apply/", {"plan": plan}).status_code == 404
    assert snapshot() == before


def test_the_installation_page_offers_the_import(client, user_a, installation_a):
    client.force_login(user_a)
    html = client.get(f"/installations/{installation_a.pk}/").content.decode()
    assert f"/installations/{installation_a.pk}/pbx-import/" in html


# --- the pure parts --------------------------------------------------------------------------


def test_a_decrease_ends_the_newest_holdings_first_and_keeps_the_rest():
    batches = [pbx.Batch(1, 10, date(2022, 1, 1)), pbx.Batch(2, 3, date(2024, 1, 1)),
               pbx.Batch(3, 5, date(2023, 1, 1))]
    assert pbx.plan_decrease(batches, 2) == [(2, 1)]
    assert pbx.plan_decrease(batches, 3) == [(2, 0)]
    assert pbx.plan_decrease(batches, 6) == [(2, 0), (3, 2)]
    assert pbx.plan_decrease(batches, 18) == [(2, 0), (3, 0), (1, 0)]
    with pytest.raises(ValueError):
        pbx.plan_decrease(batches, 19)


def test_the_diff_keeps_the_order_of_the_targets():
    lines = pbx.diff({"port": 5, "uc": 2}, {"port": 3, "uc": 2, "fax": 1},
                     {"port": "Port", "uc": "UC"})
    assert [(line.code, line.name, line.change) for line in lines] == [
        ("port", "Port", -2), ("uc", "UC", 0), ("fax", "fax", 1)]


def test_an_import_that_ends_licenses_asks_for_a_confirmation_first(client, user_a,
                                                                     installation_a, stocked):
    """Like a bulk renewal run: how many licenses end, of how many, and only a second POST
    applies; an import that only adds licenses applies at once."""
    client.force_login(user_a)
    plan = walk_to_review(client, installation_a, port="1").context["plan"]
    apply_url = f"/installations/{installation_a.pk}/pbx-import/apply/"
    before = snapshot()
    response = client.post(apply_url, {"plan": plan})
    assert response.status_code == 200
    assert response.templates[0].name == "customers/imports/pbx_confirm.html"
    port = next(line for line in response.context["endings"] if line["code"] == "port")
    assert (port["current"], port["ending"], port["remaining"], port["percent"]) == (
        14, 13, 1, 93)
    assert "93 %" in response.content.decode()
    assert snapshot() == before, "nothing changes before the confirmation"
    response = client.post(apply_url, {"plan": plan, "confirm": "1"})
    assert response.status_code == 302 and snapshot() != before
