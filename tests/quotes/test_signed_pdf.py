"""Signed offers end to end: real WeasyPrint, real pyHanko, poppler as an independent check."""

import hashlib
import subprocess
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django_tasks import default_task_backend

from common.errors import DomainError
from quotes import services, signing, verification
from quotes.models import Quote, QuoteCounter
from tests.quotes.factories import example_d

ISSUE_DAY = date(2026, 3, 5)  # the suite's frozen clock


@pytest.fixture
def issued(staff, user_a, customer_a, django_capture_on_commit_callbacks):
    """Example D issued today; its signed PDF prepared once the issue commits."""
    installation = example_d(customer_a)
    draft = services.quote_create(customer=customer_a, installations=[installation],
                                  user=user_a)
    with django_capture_on_commit_callbacks(execute=True):
        quote = services.quote_issue(quote=draft, user=staff)
    quote.refresh_from_db()
    return quote


def stored_bytes(quote):
    with default_storage.open(quote.pdf.name, "rb") as pdf:
        return pdf.read()


def pdf_text(data: bytes) -> str:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    return " ".join(text.replace("\u00a0", " ").split())


def appended_update(data: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(data))
    writer.root["/SSAChanged"] = generic.BooleanObject(True)
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def flipped_inside_signed_range(data: bytes) -> bytes:
    position = data.index(b"/Type /Page") + 2  # page content, well inside the first range
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]


def signed_by_someone_else(data: bytes) -> bytes:
    """A look-alike offer, signed properly, but with somebody else's key."""
    import weasyprint
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    data = weasyprint.HTML(string="<h1>Tilbud SSA-2026-00001</h1>").write_pdf()
    p12 = signing.build_p12(organisation="Someone Else AS", passphrase=b"x",
                            now=datetime(2026, 1, 1, tzinfo=UTC))
    signer = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=None, passphrase=b"x")
    return signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(data)),
                            signers.PdfSignatureMetadata(field_name="Signature"),
                            signer=signer).getvalue()


def test_issuing_stores_the_signed_pdf_once_with_its_hash_and_it_validates(issued):
    data = stored_bytes(issued)
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == issued.pdf_sha256
    assert verification.check_signature(data).genuine
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    signature = PdfFileReader(BytesIO(data)).embedded_signatures[0]
    status = validate_pdf_signature(signature, ValidationContext(
        trust_roots=[signing.load_signer().signing_cert]))
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE


def test_poppler_independently_sees_one_signature_covering_the_whole_document(issued, tmp_path):
    path = tmp_path / "offer.pdf"
    path.write_bytes(stored_bytes(issued))
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature #1" in report and "Signature #2" not in report
    assert "Total document signed" in report
    assert "ETSI.CAdES.detached" in report


def test_the_pdf_text_has_the_number_the_customer_and_the_gross_total_as_stored(issued):
    from common.formatting import format_nok

    text = pdf_text(stored_bytes(issued))
    assert issued.number in text
    assert issued.customer_name in text
    assert " ".join(format_nok(issued.gross, "nb").replace("\u00a0", " ").split()) in text


def test_a_stored_pdf_is_never_signed_again(issued):
    first = stored_bytes(issued)
    outcome = services.quote_prepare_pdf(quote_id=issued.pk)
    assert not outcome.failed
    issued.refresh_from_db()
    assert stored_bytes(issued) == first
    assert hashlib.sha256(first).hexdigest() == issued.pdf_sha256


def test_one_flipped_byte_inside_the_signed_range_fails_validation(issued):
    check = verification.check_signature(flipped_inside_signed_range(stored_bytes(issued)))
    assert not check.genuine
    assert check.problem in (signing.PROBLEM_TAMPERED, signing.PROBLEM_UNREADABLE)


def test_an_incremental_update_appended_after_signing_is_detected(issued):
    check = verification.check_signature(appended_update(stored_bytes(issued)))
    assert check == signing.SignatureCheck(False, signing.PROBLEM_CHANGED_AFTER_SIGNING)


def test_issuing_without_a_configured_key_refuses_and_uses_no_number(settings, tmp_path, staff,
                                                                     user_a, customer_a):
    settings.SSA_SIGNING_P12 = tmp_path / "missing.p12"
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    with pytest.raises(DomainError, match="No signing key is configured"):
        services.quote_issue(quote=draft, user=staff)
    draft.refresh_from_db()
    assert draft.is_draft and draft.number is None
    assert not QuoteCounter.objects.exists()


def test_a_wrong_passphrase_refuses_the_issue_too(settings, staff, user_a, customer_a):
    settings.SSA_SIGNING_PASSPHRASE = "wrong"
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    with pytest.raises(DomainError, match="cannot be"):
        services.quote_issue(quote=draft, user=staff)
    assert not QuoteCounter.objects.exists()


def test_a_failed_render_is_recorded_and_retried_by_a_background_task(
    monkeypatch, staff, user_a, customer_a, django_capture_on_commit_callbacks
):
    def broken(quote, **kwargs):
        raise RuntimeError("fonts are gone")

    monkeypatch.setattr("quotes.services.documents.render_quote_pdf", broken)
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    with django_capture_on_commit_callbacks(execute=True):
        quote = services.quote_issue(quote=draft, user=staff)
    quote.refresh_from_db()
    assert quote.number and not quote.pdf_sha256
    assert quote.pdf_attempts == 1 and "fonts are gone" in quote.pdf_error
    queued = [r for r in default_task_backend.results if r.task.name == "prepare_offer_pdf"]
    assert [(r.task.name, r.args) for r in queued] == [("prepare_offer_pdf", [quote.pk])]
    assert queued[0].task.run_after is not None, "retried later, not at once"
    monkeypatch.undo()
    from quotes.tasks import prepare_offer_pdf

    prepare_offer_pdf.call(quote.pk)  # what the worker does when the retry is due
    quote.refresh_from_db()
    assert quote.pdf_sha256 and quote.pdf_error == ""


def test_issuing_from_the_page_leaves_the_pdf_to_the_worker_and_the_page_refreshes_itself(
        client, staff, user_a, customer_a, django_capture_on_commit_callbacks):
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/offers/{draft.pk}/issue/")
    quote = Quote.objects.get(pk=draft.pk)
    assert quote.number and not quote.pdf_sha256, "nothing rendered in the request"
    queued = [(r.task.name, r.args) for r in default_task_backend.results
              if r.task.name == "prepare_offer_pdf"]
    assert queued == [("prepare_offer_pdf", [quote.pk])]
    page = client.get(f"/offers/{quote.pk}/").content.decode()
    assert "PDF being prepared" in page and 'hx-trigger="every 2s"' in page
    prepare = next(r for r in default_task_backend.results if r.task.name == "prepare_offer_pdf")
    prepare.task.call(quote.pk)  # the worker
    page = client.get(f"/offers/{quote.pk}/").content.decode()
    assert "PDF being prepared" not in page and "every 2s" not in page
    assert f"/offers/{quote.pk}/pdf/" in page


def test_the_offer_page_says_pdf_being_prepared_until_it_is_stored(client, staff, user_a,
                                                                   customer_a):
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    quote = services.quote_issue(quote=draft, user=staff)  # on_commit not run: no PDF yet
    client.force_login(user_a)
    assert "PDF being prepared" in client.get(f"/offers/{quote.pk}/").content.decode()
    response = client.get(f"/offers/{quote.pk}/pdf/", follow=True)
    assert "being prepared" in response.content.decode()


def test_downloads_carry_safe_headers_and_return_the_same_bytes_every_time(client, user_a,
                                                                          issued):
    client.force_login(user_a)
    first = client.get(f"/offers/{issued.pk}/pdf/")
    second = client.get(f"/offers/{issued.pk}/pdf/")
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == f'attachment; filename="{issued.number}.pdf"'
    assert {"private", "no-store"} <= {part.strip() for part in first["Cache-Control"].split(",")}
    assert first["X-Content-Type-Options"] == "nosniff"
    assert first.content == second.content == stored_bytes(issued)


def test_another_reseller_gets_404_and_anonymous_goes_to_login(client, user_b, issued):
    assert client.get(f"/offers/{issued.pk}/pdf/")["Location"].startswith("/accounts/login/")
    client.force_login(user_b)
    assert client.get(f"/offers/{issued.pk}/pdf/").status_code == 404


def test_a_lost_file_is_reported_as_an_operator_error_not_signed_again(client, user_a, issued):
    default_storage.delete(issued.pdf.name)
    client.force_login(user_a)
    response = client.get(f"/offers/{issued.pk}/pdf/", follow=True)
    assert "missing from storage" in response.content.decode()
    assert "operator error" in response.content.decode()
    services.quote_prepare_pdf(quote_id=issued.pk)
    assert not default_storage.exists(issued.pdf.name), "never re-signed to paper over it"
    Quote.objects.filter(pk=issued.pk).update(pdf_sha256="")  # keep the suite's check quiet


def test_a_draft_gets_an_unsigned_preview_marked_draft(client, user_a, customer_a):
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    client.force_login(user_a)
    response = client.get(f"/offers/{draft.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert verification.check_signature(response.content).problem == signing.PROBLEM_UNSIGNED
    assert "UTKAST / DRAFT" in pdf_text(response.content)


# --- sending ---------------------------------------------------------------------------------


def deliver_queued_mail():
    """What the worker does with the queued e-mails."""
    for result in list(default_task_backend.results):
        if result.task.name == "deliver_email":
            result.task.call(*result.args)


def test_sending_puts_one_message_with_the_signed_pdf_in_the_outbox_and_on_the_timeline(
    client, user_a, issued, django_capture_on_commit_callbacks
):
    client.force_login(user_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/offers/{issued.pk}/send/", {
            "to": "it@kunde.example.no", "cc": "salg@alfa.example.no", "message": "Hei!"})
    assert response.status_code == 302
    assert not mail.outbox, "delivered by the worker, not in the request"
    deliver_queued_mail()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["it@kunde.example.no"] and message.cc == ["salg@alfa.example.no"]
    assert issued.number in message.subject
    assert "Hei!" in message.body and "https://ssa.example.no/verify/" in message.body
    (name, content, mimetype), = message.attachments
    assert (name, mimetype) == (f"{issued.number}.pdf", "application/pdf")
    assert content == stored_bytes(issued)
    event = issued.events.get(kind="emailed")
    assert "it@kunde.example.no" in event.note and event.by == user_a
    assert issued.events.filter(kind="message_sent").exists()


def test_a_norwegian_offer_is_sent_with_a_norwegian_message(user_a, issued,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.quote_send_to_customer(quote=issued, user=user_a, to=["a@example.no"], cc=[],
                                        message="")
    deliver_queued_mail()
    message = mail.outbox[0]
    assert message.subject == f"Tilbud {issued.number}: SSA-oppgraderingsavtale"
    assert "Med vennlig hilsen" in message.body


def test_a_reseller_cannot_send_another_resellers_offer(client, user_b, issued):
    client.force_login(user_b)
    response = client.post(f"/offers/{issued.pk}/send/", {"to": "x@example.no"})
    assert response.status_code == 404
    assert not mail.outbox


def test_a_send_the_mail_server_refuses_is_kept_and_tried_again(
        client, user_a, issued, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    client.force_login(user_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/offers/{issued.pk}/send/", {"to": "x@example.no"})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        deliver_queued_mail()
    email = issued.emails.get(kind="offer")
    assert (email.status, email.attempts) == ("queued", 1) and email.last_error
    retries = [r for r in default_task_backend.results
               if r.task.name == "deliver_email" and r.task.run_after is not None]
    assert len(retries) == 1, "tried again later"


@pytest.mark.parametrize("to", ["not-an-address", "", "a@example.no, b@"])
def test_bad_recipients_are_explained_next_to_the_field(client, user_a, issued, to):
    client.force_login(user_a)
    response = client.post(f"/offers/{issued.pk}/send/", {"to": to})
    assert "to" in response.context["form"].errors
    assert not mail.outbox


# --- the public verification page ------------------------------------------------------------


def upload(client, data: bytes, name="offer.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/verify/", {"pdf": SimpleUploadedFile(name, data, "application/pdf")})


def test_a_genuine_offer_uploaded_is_named_with_customer_total_and_state(client, issued):
    response = upload(client, stored_bytes(issued))
    html = response.content.decode()
    assert response.context["verdict"].genuine
    assert "Genuine offer from Nordic Unified AS" in html
    assert issued.number in html and issued.customer_name in html
    from common.formatting import format_nok

    assert format_nok(issued.gross, "en") in html
    assert "valid through 04.04.2026" in html


def test_the_qr_link_shows_the_same_without_an_upload(client, issued):
    response = client.get(f"/verify/{issued.verification_token}/")
    assert response.status_code == 200
    assert response.context["verdict"].quote == issued


@pytest.mark.parametrize("guess", ["SSA-2026-00001", "1", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
def test_guessing_tokens_or_offer_numbers_reveals_nothing(client, issued, guess):
    response = client.get(f"/verify/{guess}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert issued.customer_name not in html and issued.number not in html
    assert "not known" in html


@pytest.mark.parametrize(("make", "expected"), [
    (lambda data: b"", "The file is empty."),
    (lambda data: b"GIF89a not a pdf at all", "not a PDF"),
    (lambda data: b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
    (lambda data: b"%PDF-1.7\ngarbage", "cannot be read"),
    (flipped_inside_signed_range, "not a genuine offer"),
    (appended_update, "added to this PDF after"),
    (signed_by_someone_else, "signed by someone else"),
])
def test_each_bad_upload_gets_its_own_clear_message(client, issued, make, expected):
    response = upload(client, make(stored_bytes(issued)))
    assert response.status_code == 200
    assert not response.context["verdict"].genuine
    assert expected in response.content.decode()


def test_an_unsigned_pdf_is_not_genuine(client):
    import weasyprint

    response = upload(client, weasyprint.HTML(string="<p>Tilbud SSA-2026-00001</p>").write_pdf())
    assert "carries no signature" in response.content.decode()


def test_a_missing_file_field_is_a_form_error_not_a_crash(client):
    response = client.post("/verify/", {})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_the_state_now_reads_expired_accepted_declined_or_superseded(client, staff, user_a,
                                                                     issued, frozen_clock):
    from quotes.verification import verify_token

    def state(day):
        return verify_token(issued.verification_token, today=day).message

    assert state(date(2026, 4, 4)) == "It is valid through 04.04.2026."
    assert state(date(2026, 4, 5)) == "It expired on 04.04.2026."
    revision = services.quote_issue(quote=services.quote_revise(quote=issued, user=user_a),
                                    user=staff, prepare_pdf=False)
    issued.refresh_from_db()
    assert state(ISSUE_DAY) == f"It has been superseded by {revision.number}."
    services.quote_accept(quote=revision, user=user_a, accepted_by_name="Kari")
    assert verify_token(revision.verification_token, today=ISSUE_DAY).message == (
        "It was accepted by Kari on 05.03.2026.")


def test_uploads_are_rate_limited_per_address(client, settings):
    from django.core.cache import cache

    cache.clear()
    statuses = [upload(client, b"not a pdf").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    cache.clear()


def test_a_database_failure_while_storing_the_pdf_never_turns_the_issue_into_an_error(
    monkeypatch, client, staff, user_a, customer_a, django_capture_on_commit_callbacks
):
    from django.db import OperationalError

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("quotes.services.documents.quote_prepare_pdf", database_gone)
    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/offers/{draft.pk}/issue/")
    assert response.status_code == 302
    quote = Quote.objects.get(pk=draft.pk)
    assert quote.number and not quote.pdf_sha256


def test_offers_left_without_a_pdf_are_picked_up_by_the_sweeper(staff, user_a, customer_a,
                                                                frozen_clock):
    from quotes.tasks import prepare_offer_pdf

    draft = services.quote_create(customer=customer_a, installations=[example_d(customer_a)],
                                  user=user_a)
    quote = services.quote_issue(quote=draft, user=staff)  # its on_commit never ran
    assert services.quote_prepare_missing_pdfs() == [], "too fresh: it may still be running"
    frozen_clock.shift(300)
    assert services.quote_prepare_missing_pdfs() == [quote.pk]
    (queued,) = default_task_backend.results
    assert queued.task.name == prepare_offer_pdf.name and queued.args == [quote.pk]
