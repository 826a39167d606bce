"""The public verification of uploaded offers, hardened: a damaged file is a verdict with its
reason (never a server error), verification needs only the certificates the distributor ever
signed with (never the private key), offers signed before a key change keep verifying, and
anonymous uploads never fill the error log (docs/DOMAIN.md#verifying-an-offer,
docs/SECURITY.md)."""

import logging
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from quotes import certificates, services, signing, verification
from quotes.models import FrozenError, Quote, SigningCertificate
from tests.quotes.factories import example_d
from tests.quotes.test_signed_pdf import appended_update


@pytest.fixture(scope="session")
def second_signing_key(tmp_path_factory):
    """Another development key of the distributor: the key after a change."""
    path = tmp_path_factory.mktemp("signing-2") / "second-signing.p12"
    path.write_bytes(signing.build_p12(organisation="Nordic Unified AS",
                                       passphrase=b"second-passphrase",
                                       now=datetime(2026, 2, 1, tzinfo=UTC)))
    return path


def issue(customer, user, staff, capture, name="Example D"):
    draft = services.quote_create(customer=customer, installations=[example_d(customer, name)],
                                  user=user)
    with capture(execute=True):
        quote = services.quote_issue(quote=draft, user=staff)
    quote.refresh_from_db()
    return quote


@pytest.fixture
def issued(staff, user_a, customer_a, django_capture_on_commit_callbacks):
    return issue(customer_a, user_a, staff, django_capture_on_commit_callbacks)


def stored_bytes(quote) -> bytes:
    with default_storage.open(quote.pdf.name, "rb") as pdf:
        return pdf.read()


def upload(client, data: bytes):
    return client.post("/verify/", {"pdf": SimpleUploadedFile("offer.pdf", data,
                                                              "application/pdf")})


def contents_span(data: bytes) -> tuple[int, int]:
    """Where the hex digits of the signature's /Contents lie in the file."""
    start = data.index(b"/Contents <") + len(b"/Contents <")
    return start, data.index(b">", start)


def with_hex_digit_changed(data: bytes, position: int) -> bytes:
    digit = data[position:position + 1]
    return data[:position] + (b"1" if digit == b"0" else b"0") + data[position + 1:]


# --- a damaged signature, or no key at hand, is a verdict, never a server error ------------


@pytest.mark.parametrize(("offset", "expected"), [
    (8, "cannot be read"), (40, "cannot be read"),  # the CMS header
    (300, "damaged or incomplete"), (700, "damaged or incomplete"),  # inside the certificate
    (1500, "damaged or incomplete"), (2200, None), (3000, None),
])
def test_a_hex_digit_changed_in_the_signature_contents_gets_a_verdict_not_a_server_error(
    client, issued, offset, expected
):
    data = stored_bytes(issued)
    start, end = contents_span(data)
    position = start + offset
    assert position < end
    client.raise_request_exception = False
    response = upload(client, with_hex_digit_changed(data, position))
    assert response.status_code == 200
    verdict = response.context["verdict"]
    assert not verdict.genuine and verdict.message
    assert expected is None or expected in verdict.message


def test_the_verdict_on_a_damaged_file_is_in_norwegian_for_a_norwegian_reader(issued):
    from django.test import Client

    response = upload(Client(HTTP_ACCEPT_LANGUAGE="nb"), appended_update(stored_bytes(issued)))
    assert ("Noe er lagt til i denne PDF-en etter at Nordic Unified AS signerte den."
            in response.content.decode())


def test_an_upload_is_verified_while_the_signing_key_is_unavailable(client, issued, settings,
                                                                     tmp_path):
    settings.SSA_SIGNING_P12 = tmp_path / "gone.p12"
    client.raise_request_exception = False
    response = upload(client, stored_bytes(issued))
    assert response.status_code == 200
    assert response.context["verdict"].genuine
    assert response.context["verdict"].quote == issued


def test_a_wrong_passphrase_does_not_stop_verification_either(client, issued, settings):
    settings.SSA_SIGNING_PASSPHRASE = "wrong"
    client.raise_request_exception = False
    response = upload(client, stored_bytes(issued))
    assert response.status_code == 200 and response.context["verdict"].genuine


# --- after a key change, older offers still verify ----------------------------------------


def test_an_offer_signed_before_a_key_change_still_verifies_on_upload_and_by_its_link(
    client, issued, settings, second_signing_key
):
    settings.SSA_SIGNING_P12 = second_signing_key
    settings.SSA_SIGNING_PASSPHRASE = "second-passphrase"
    response = upload(client, stored_bytes(issued))
    assert response.context["verdict"].genuine, response.context["verdict"].message
    assert response.context["verdict"].quote == issued
    assert client.get(f"/verify/{issued.verification_token}/").context["verdict"].genuine


# --- anonymous uploads never log pyHanko tracebacks at WARNING or ERROR --------------------


def test_an_appended_update_is_logged_at_info_in_one_line_without_a_traceback(client, issued,
                                                                             caplog):
    caplog.set_level(logging.DEBUG)
    response = upload(client, appended_update(stored_bytes(issued)))
    assert "added to this PDF after" in response.content.decode()
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not loud, [(r.name, r.levelname, r.getMessage()) for r in loud]
    assert not [r for r in caplog.records if r.exc_info]
    (reason,) = [r for r in caplog.records if r.name == "quotes.verification"]
    assert reason.levelno == logging.INFO
    assert "changed-after-signing" in reason.getMessage()
    assert "\n" not in reason.getMessage()


# --- the certificates ever used: recorded at signing, named by each offer ---------------------


def configured_fingerprint() -> str:
    return signing.certificate_fingerprint(signing.load_signer().signing_cert)


def test_signing_records_the_certificate_once_and_each_offer_names_the_one_that_signed_it(
    staff, user_a, customer_a, django_capture_on_commit_callbacks, frozen_clock
):
    from asn1crypto import pem, x509

    first = issue(customer_a, user_a, staff, django_capture_on_commit_callbacks, "One")
    frozen_clock.shift(3600)
    second = issue(customer_a, user_a, staff, django_capture_on_commit_callbacks, "Two")
    (recorded,) = SigningCertificate.objects.all()
    assert first.signing_certificate == second.signing_certificate == recorded
    assert recorded.fingerprint == configured_fingerprint()
    assert recorded.first_used_at == first.issued_at == recorded.recorded_at
    assert "Nordic Unified AS" in recorded.subject
    _, _, der = pem.unarmor(recorded.pem.encode())
    certificate = x509.Certificate.load(der)
    assert signing.certificate_fingerprint(certificate) == recorded.fingerprint
    assert (recorded.not_before, recorded.not_after) == (certificate.not_valid_before,
                                                         certificate.not_valid_after)


def test_the_pdf_hash_and_signing_certificate_of_an_offer_are_set_once(issued,
                                                                       second_signing_key):
    other = certificates.record(signing.load_signer(second_signing_key,
                                                    b"second-passphrase").signing_cert,
                                now=issued.issued_at)
    issued.signing_certificate = other
    with pytest.raises(FrozenError, match="signing_certificate_id cannot change"):
        issued.save()
    issued.refresh_from_db()
    issued.pdf_sha256 = "0" * 64
    with pytest.raises(FrozenError, match="pdf_sha256 cannot change"):
        issued.save()


def test_a_recorded_certificate_is_never_changed_or_deleted(issued):
    recorded = issued.signing_certificate
    recorded.subject = "Someone Else AS"
    with pytest.raises(FrozenError):
        recorded.save()
    with pytest.raises(FrozenError):
        recorded.delete()


def test_a_pdf_signed_with_the_distributors_key_but_never_issued_is_not_genuine(client, db):
    import weasyprint

    signed = signing.sign_pdf(weasyprint.HTML(string="<h1>Tilbud SSA-2026-09999</h1>")
                              .write_pdf())
    verdict = upload(client, signed.data).context["verdict"]
    assert not verdict.genuine
    assert "not one of its issued offers" in verdict.message


def forget_certificates(quote):
    """As if `quote` was signed before certificates were recorded."""
    Quote.objects.filter(pk=quote.pk).update(signing_certificate=None)
    SigningCertificate.objects.all().delete()


def test_an_offer_signed_before_certificates_were_recorded_verifies_while_its_key_is_configured(
    client, issued, settings, second_signing_key
):
    fingerprint = issued.signing_certificate_id
    forget_certificates(issued)
    assert upload(client, stored_bytes(issued)).context["verdict"].genuine
    recorded = SigningCertificate.objects.get()
    assert recorded.fingerprint == fingerprint, "recorded on first use"
    assert recorded.first_used_at is None, "its first use was before recording began"
    settings.SSA_SIGNING_P12 = second_signing_key
    settings.SSA_SIGNING_PASSPHRASE = "second-passphrase"
    assert upload(client, stored_bytes(issued)).context["verdict"].genuine, "after a key change"
    Quote.objects.filter(pk=issued.pk).update(signing_certificate=fingerprint)


def test_an_unrecorded_offer_while_the_key_is_unreadable_is_a_verdict_not_an_error(
    client, issued, settings, tmp_path, signing_key
):
    """The one case the recorded certificates cannot answer: an offer signed before recording
    began, its certificate never recorded (`manage.py record_signing_certificate` at start
    prevents this), and the key unreadable."""
    fingerprint = issued.signing_certificate_id
    forget_certificates(issued)
    settings.SSA_SIGNING_P12 = tmp_path / "gone.p12"
    client.raise_request_exception = False
    response = upload(client, stored_bytes(issued))
    assert response.status_code == 200
    assert "signed by someone else" in response.context["verdict"].message
    settings.SSA_SIGNING_P12 = signing_key
    certificates.record_configured(now=issued.issued_at)
    Quote.objects.filter(pk=issued.pk).update(signing_certificate=fingerprint)


# --- key rotation ------------------------------------------------------------------------------


@pytest.fixture
def own_key_file(settings, signing_key, tmp_path):
    """A copy of the session key to rotate (the session's own file stays as it is)."""
    path = tmp_path / "signing" / "dev-signing.p12"
    path.parent.mkdir()
    path.write_bytes(signing_key.read_bytes())
    settings.SSA_SIGNING_P12 = path
    return path


def rotate(*args) -> str:
    out = StringIO()
    call_command("rotate_signing_key", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_rotating_the_development_key_keeps_older_offers_verifying_and_signs_new_ones_anew(
    client, staff, user_a, customer_a, django_capture_on_commit_callbacks, own_key_file,
    frozen_clock
):
    before = issue(customer_a, user_a, staff, django_capture_on_commit_callbacks, "Before")
    old_fingerprint = configured_fingerprint()
    old_key = own_key_file.read_bytes()
    frozen_clock.shift(86400)
    output = rotate()
    assert own_key_file.read_bytes() != old_key, "the old key is gone"
    assert f"Outgoing certificate recorded: {old_fingerprint}" in output
    new_fingerprint = configured_fingerprint()
    assert new_fingerprint != old_fingerprint and new_fingerprint in output
    after = issue(customer_a, user_a, staff, django_capture_on_commit_callbacks, "After")
    assert before.signing_certificate_id == old_fingerprint
    assert after.signing_certificate_id == new_fingerprint
    for offer in (before, after):
        verdict = upload(client, stored_bytes(offer)).context["verdict"]
        assert verdict.genuine and verdict.quote == offer, verdict.message
        assert client.get(f"/verify/{offer.verification_token}/").context["verdict"].genuine
    assert list(SigningCertificate.objects.values_list("fingerprint", flat=True)) == [
        old_fingerprint, new_fingerprint]


def test_installing_a_production_key_records_it_and_after_the_switch_both_keys_offers_verify(
    client, staff, user_a, customer_a, django_capture_on_commit_callbacks, settings,
    monkeypatch, second_signing_key
):
    settings.PRODUCTION = True
    before = issue(customer_a, user_a, staff, django_capture_on_commit_callbacks, "Before")
    monkeypatch.setenv("SSA_NEW_SIGNING_PASSPHRASE", "second-passphrase")
    output = rotate("--new-p12", str(second_signing_key))
    assert f"Now set SSA_SIGNING_P12={second_signing_key}" in output
    new = SigningCertificate.objects.exclude(fingerprint=before.signing_certificate_id).get()
    assert new.first_used_at is None, "recorded, not yet used"
    settings.SSA_SIGNING_P12 = second_signing_key  # what the operator sets, then restarts
    settings.SSA_SIGNING_PASSPHRASE = "second-passphrase"
    after = issue(customer_a, user_a, staff, django_capture_on_commit_callbacks, "After")
    assert after.signing_certificate == new
    for offer in (before, after):
        assert upload(client, stored_bytes(offer)).context["verdict"].genuine


def test_rotation_refuses_a_wrong_passphrase_the_same_key_and_a_generated_key_in_production(
    settings, monkeypatch, db, signing_key, second_signing_key
):
    monkeypatch.setenv("SSA_NEW_SIGNING_PASSPHRASE", "wrong")
    with pytest.raises(CommandError, match="cannot be"):
        rotate("--new-p12", str(second_signing_key))
    monkeypatch.setenv("SSA_NEW_SIGNING_PASSPHRASE", "test-passphrase")
    with pytest.raises(CommandError, match="is the one configured now"):
        rotate("--new-p12", str(signing_key))
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="--new-p12"):
        rotate()
    assert SigningCertificate.objects.count() == 1, "only the outgoing certificate"


def test_recording_the_configured_certificate_at_start_is_idempotent_and_tolerates_no_key(
    settings, db, tmp_path
):
    out = StringIO()
    call_command("record_signing_certificate", stdout=out)
    call_command("record_signing_certificate", stdout=out)
    assert SigningCertificate.objects.get().fingerprint == configured_fingerprint()
    assert out.getvalue().count(configured_fingerprint()) == 2
    settings.SSA_SIGNING_P12 = tmp_path / "gone.p12"
    err = StringIO()
    call_command("record_signing_certificate", stdout=StringIO(), stderr=err)
    assert "cannot be read" in err.getvalue()


def test_create_signing_cert_never_replaces_a_key_and_points_to_rotation(own_key_file):
    with pytest.raises(CommandError, match="rotate_signing_key"):
        call_command("create_signing_cert", stdout=StringIO())
    call_command("create_signing_cert", "--if-missing", stdout=StringIO())


def test_pyhankos_warnings_while_signing_are_left_as_they_are(caplog, issued):
    """Only checking an upload quiets pyHanko; its loggers pass everything on otherwise."""
    assert verification.check_signature(stored_bytes(issued)).genuine  # the filters are on
    caplog.set_level(logging.INFO)
    logging.getLogger("pyhanko.pdf_utils.reader").warning("a warning while signing")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pyhanko")] == [
        "a warning while signing"]


def test_pyhankos_warning_about_an_upload_goes_to_debug_in_one_line(client, issued, caplog):
    caplog.set_level(logging.DEBUG)
    data = stored_bytes(issued)
    at = data.rindex(b"startxref\n") + len(b"startxref")
    response = upload(client, data[:at] + b" " + data[at + 1:])  # offset on the same line
    assert not response.context["verdict"].genuine
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    (relayed,) = [r for r in caplog.records if r.name == "quotes.signing"]
    assert relayed.levelno == logging.DEBUG
    assert relayed.getMessage() == ("pyHanko (pyhanko.pdf_utils.reader, WARNING): startxref on "
                                    "same line as offset")
