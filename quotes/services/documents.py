"""Every write around an issued offer's document (docs/DOMAIN.md#signed-pdfs-and-verification):
rendering, signing and storing the PDF once — with the retry policy when that fails — and
sending it by e-mail."""

import hashlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.ratelimit import RateLimit
from quotes import queue, signing
from quotes.actions import Action, require
from quotes.models import Quote, QuoteEvent
from quotes.pdf import render_quote_pdf
from quotes.services.common import locked, record_event
from quotes.verification import verification_url

logger = logging.getLogger(__name__)

# After a failed render or signature the background task tries again after these delays; then
# the offer page shows the last error and staff can try again by hand.
PDF_RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                    timedelta(hours=2), timedelta(hours=8))


def pdf_retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None once the retries are used up."""
    if attempts > len(PDF_RETRY_DELAYS):
        return None
    return now + PDF_RETRY_DELAYS[attempts - 1]


@dataclass(frozen=True)
class PdfOutcome:
    quote: Quote
    failed: bool
    attempts: int


def quote_prepare_pdf(*, quote_id: int) -> PdfOutcome:
    """Render, sign and store an issued offer's PDF with its SHA-256 — once. Runs outside the
    numbering transaction (slow work never holds the number lock). A signature is made once:
    when a hash is stored, nothing is rendered or signed again, so every download returns the
    same bytes and the customer's copy keeps verifying."""
    quote = Quote.objects.get(pk=quote_id)
    if quote.is_draft or quote.pdf_sha256:
        return PdfOutcome(quote, failed=False, attempts=quote.pdf_attempts)
    try:
        signed = signing.sign_pdf(render_quote_pdf(quote))
    except Exception as error:  # noqa: BLE001 - recorded on the offer and retried in the background
        logger.exception("Rendering or signing %s failed", quote.number)
        with transaction.atomic():
            quote = locked(quote)
            quote.pdf_attempts += 1
            quote.pdf_error = f"{type(error).__name__}: {error}"[:2000]
            quote.save(update_fields=["pdf_attempts", "pdf_error"])
        return PdfOutcome(quote, failed=True, attempts=quote.pdf_attempts)
    digest = hashlib.sha256(signed).hexdigest()
    with transaction.atomic():
        quote = locked(quote)
        if quote.pdf_sha256:  # another worker stored its copy first; keep that one
            return PdfOutcome(quote, failed=False, attempts=quote.pdf_attempts)
        name = default_storage.save(f"offers/{quote.number_year}/{quote.number}.pdf",
                                    ContentFile(signed))
        quote.pdf.name = name
        quote.pdf_sha256 = digest
        quote.pdf_attempts += 1
        quote.pdf_error = ""
        quote.save(update_fields=["pdf", "pdf_sha256", "pdf_attempts", "pdf_error"])
    return PdfOutcome(quote, failed=False, attempts=quote.pdf_attempts)


def quote_prepare_pdf_or_retry(*, quote_id: int) -> PdfOutcome:
    """`quote_prepare_pdf`, and on failure queue the next attempt (`PDF_RETRY_DELAYS`)."""
    outcome = quote_prepare_pdf(quote_id=quote_id)
    if outcome.failed:
        retry_at = pdf_retry_at(outcome.attempts, timezone.now())
        if retry_at is not None:
            queue.enqueue("prepare_offer_pdf", quote_id, run_after=retry_at)
    return outcome


def prepare_pdf_after_commit(quote_id: int, *, render_now: bool = True) -> None:
    """Called once the issuing transaction has committed: render at once (or only queue it,
    `render_now=False`), leaving failures to the background task's retries. The offer is issued
    whatever happens here, so nothing may escape into the response: even when the database
    itself is gone (then no retry can be queued either, and `manage.py prepare_missing_pdfs`
    picks the offer up later)."""
    try:
        if render_now:
            quote_prepare_pdf_or_retry(quote_id=quote_id)
        else:
            queue.enqueue("prepare_offer_pdf", quote_id)
    except Exception:  # noqa: BLE001 - logged; the sweeper retries offers still without a PDF
        logger.exception("Preparing the PDF of offer %s after issuing failed", quote_id)


def quote_prepare_missing_pdfs(*, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Queue the PDF of every issued offer that has none, issued more than `older_than` ago and
    not already waiting for a retry (e.g. the database went away while it was being stored)."""
    cutoff = timezone.now() - older_than
    missing = list(Quote.objects.issued().filter(pdf_sha256="", issued_at__lt=cutoff,
                                                 pdf_attempts=0).values_list("pk", flat=True))
    for quote_id in missing:
        queue.enqueue("prepare_offer_pdf", quote_id)
    return missing


def quote_pdf_bytes(*, quote: Quote) -> bytes:
    """The stored signed PDF, checked against its hash. A missing or altered file is an
    operator error (DomainError); it is never papered over by signing again."""
    if not quote.pdf_sha256:
        raise DomainError(_("The signed PDF is being prepared; try again in a minute."))
    try:
        with default_storage.open(quote.pdf.name, "rb") as stored:
            data = stored.read()
    except OSError:
        logger.error("Signed PDF of %s is missing from storage: %s", quote.number, quote.pdf.name)
        raise DomainError(_("The signed PDF of %(number)s is missing from storage. This is an "
                            "operator error: restore the file from backup (it cannot be signed "
                            "again).") % {"number": quote.number}) from None
    if hashlib.sha256(data).hexdigest() != quote.pdf_sha256:
        logger.error("Signed PDF of %s does not match its stored hash", quote.number)
        raise DomainError(_("The stored PDF of %(number)s does not match its recorded hash. "
                            "This is an operator error: restore the file from backup.") % {
            "number": quote.number})
    return data


# Offers a user may send by e-mail in an hour: a stolen login cannot turn the portal into a mail
# cannon (docs/SECURITY.md#rate-limits).
OFFER_MAILS_PER_USER = RateLimit("offer-mail", limit=60, window=3600)


def quote_send_email(*, quote: Quote, user: User, to: list[str], cc: list[str],
                     message: str) -> Quote:
    """Send the signed offer to the customer (the reseller copied) in the offer's language, and
    record the sending on the timeline. A failure says so and changes nothing."""
    require(Action.SEND, quote, user, timezone.localdate())
    if not to:
        raise DomainError(_("Give at least one recipient."), field="to")
    pdf = quote_pdf_bytes(quote=quote)
    if not OFFER_MAILS_PER_USER.hit(str(user.pk)):
        raise DomainError(_("You have sent too many offers by e-mail in a short time; nothing "
                            "was sent. Try again later, within the hour."))
    with translation.override(quote.language):
        subject = _("Offer %(number)s: SSA upgrade agreement") % {"number": quote.number}
        body = render_to_string("quotes/email/offer.txt", {
            "quote": quote, "message": message.strip(), "sender": user,
            "distributor": settings.SSA_DISTRIBUTOR_NAME,
            "verification_url": verification_url(quote),
        })
    email = EmailMessage(subject=subject, body=body, to=to, cc=cc,
                         reply_to=[user.email] if user.email else None)
    email.attach(f"{quote.number}.pdf", pdf, "application/pdf")
    try:
        email.send(fail_silently=False)
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("Sending %s failed: %s", quote.number, error)
        raise DomainError(_("The e-mail could not be sent (%(error)s). Nothing was recorded; "
                            "try again.") % {"error": error}) from error
    record_event(quote, QuoteEvent.Kind.EMAILED, user, ", ".join([*to, *cc]))
    return quote
