"""Every e-mail the portal sends goes through here (docs/DOMAIN.md#notifications-and-reminders):
rendered once in the recipient's language (plain text and HTML), stored, and delivered by the
task worker, which tries again after a failure and, when it gives up, shows the failure on the
offer — a message is never silently lost."""

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from common import queue
from common.errors import DomainError
from quotes.models import OutgoingEmail, Quote, QuoteEvent
from quotes.services.common import record_event
from quotes.services.documents import quote_pdf_bytes

logger = logging.getLogger(__name__)

EMAIL_RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                      timedelta(hours=2), timedelta(hours=8))


def render_email(template: str, context: dict, language: str) -> tuple[str, str, str]:
    """Subject, plain text and HTML of `templates/quotes/email/<template>.*` in `language`."""
    with translation.override(language):
        context = {**context, "distributor": settings.SSA_DISTRIBUTOR_NAME,
                   "distributor_email": settings.SSA_DISTRIBUTOR_EMAIL, "language": language,
                   # Who invoices, as the offer itself says (quotes/pdf.py).
                   "invoiced_by_reseller": settings.SSA_INVOICING_PARTY == "reseller"}
        subject = render_to_string(f"quotes/email/{template}.subject.txt", context)
        text = render_to_string(f"quotes/email/{template}.txt", context)
        html = render_to_string(f"quotes/email/{template}.html", context)
    return " ".join(subject.split()), text, html


def email_queue(*, kind: str, to: Iterable[str], language: str, template: str, context: dict,
                quote: Quote | None = None, installation=None, cc: Iterable[str] = (),
                reply_to: Iterable[str] = (), attach_pdf: bool = False,
                dedupe_key: str | None = None, user: User | None = None) -> OutgoingEmail | None:
    """Store an e-mail and queue its delivery once the transaction commits. With a
    `dedupe_key` already used, nothing is stored and None is returned (reminders)."""
    subject, text, html = render_email(template, context, language)
    try:
        with transaction.atomic():
            email = OutgoingEmail.objects.create(
                kind=kind, quote=quote, installation=installation, to=list(to), cc=list(cc),
                reply_to=list(reply_to), language=language, subject=subject[:300], text=text,
                html=html, attach_pdf=attach_pdf, dedupe_key=dedupe_key, created_by=user)
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    transaction.on_commit(lambda: queue.enqueue("deliver_email", email.pk))
    return email


def email_deliver(*, email_id: int, now: datetime | None = None) -> OutgoingEmail:
    """Send one stored e-mail (idempotent: a sent or given-up e-mail is left alone). A failure
    is retried after EMAIL_RETRY_DELAYS; the last one marks it not delivered, on the offer's
    timeline too."""
    now = now or timezone.now()
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update(of=("self",)).select_related("quote").get(
            pk=email_id)
        if email.status != OutgoingEmail.Status.QUEUED:
            return email
        try:
            _send(email)
        except (OSError, smtplib.SMTPException, DomainError) as error:
            logger.warning("E-mail %s (%s) failed: %s", email.pk, email.kind, error)
            _failed(email, error, now)
        else:
            email.status, email.sent_at = OutgoingEmail.Status.SENT, now
            email.attempts += 1
            email.save(update_fields=["status", "sent_at", "attempts"])
            if email.quote is not None:
                record_event(email.quote, QuoteEvent.Kind.MESSAGE_SENT, None,
                             f"{email.get_kind_display()}: {', '.join(email.to)}")
    return email


def _send(email: OutgoingEmail) -> None:
    message = EmailMultiAlternatives(subject=email.subject, body=email.text, to=email.to,
                                     cc=email.cc, reply_to=email.reply_to or None)
    if email.html:
        message.attach_alternative(email.html, "text/html")
    if email.attach_pdf and email.quote is not None:
        message.attach(f"{email.quote.number}.pdf", quote_pdf_bytes(quote=email.quote),
                       "application/pdf")
    message.send(fail_silently=False)


def _failed(email: OutgoingEmail, error: Exception, now: datetime) -> None:
    email.attempts += 1
    email.last_error = str(getattr(error, "message", error))[:500]
    retry = email.attempts <= len(EMAIL_RETRY_DELAYS)
    if not retry:
        email.status = OutgoingEmail.Status.FAILED
    email.save(update_fields=["attempts", "last_error", "status"])
    if retry:
        run_after = now + EMAIL_RETRY_DELAYS[email.attempts - 1]
        transaction.on_commit(
            lambda: queue.enqueue("deliver_email", email.pk, run_after=run_after))
    elif email.quote is not None:
        record_event(email.quote, QuoteEvent.Kind.MESSAGE_FAILED, None,
                     f"{email.get_kind_display()}: {', '.join(email.to)} — {email.last_error}")
