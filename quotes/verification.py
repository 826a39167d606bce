"""The public verification of offers: the link in the QR code, and uploaded PDFs
(docs/DOMAIN.md#verifying-an-offer). Genuine means: signed with one of the certificates the
distributor ever signed with (quotes/certificates.py; no private key is needed), intact, the
signature covering the whole file, and the very bytes stored for an issued offer. Whatever the
file, the answer is a verdict with its reason, never an error."""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quotes import certificates, signing
from quotes.models import DisplayState, Quote

logger = logging.getLogger(__name__)


def verification_url(quote) -> str:
    """The public link printed on the offer: an unguessable token, never the offer number."""
    path = reverse("verify_link", args=[quote.verification_token])
    return settings.SSA_PUBLIC_BASE_URL.rstrip("/") + path


# --- checking an offer ------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Verdict:
    """What the public verification page says. `quote` is set only for a genuine offer."""

    genuine: bool
    message: str
    quote: object = None


def _state_sentence(quote, today) -> str:
    state = quote.display_state(today)
    if state == DisplayState.ISSUED:
        return _("It is valid through %(date)s.") % {"date": f"{quote.valid_until:%d.%m.%Y}"}
    if state == DisplayState.EXPIRED:
        return _("It expired on %(date)s.") % {"date": f"{quote.valid_until:%d.%m.%Y}"}
    if state == DisplayState.ACCEPTED:
        acceptance = quote.acceptances.filter(undone_at__isnull=True).first()
        if acceptance is None:
            return _("It has been accepted.")
        day = f"{timezone.localtime(acceptance.accepted_at):%d.%m.%Y}"
        if acceptance.online:
            return _("It was accepted online by %(name)s on %(date)s.") % {
                "name": acceptance.name, "date": day}
        return _("It was accepted by %(name)s on %(date)s.") % {"name": acceptance.name,
                                                                "date": day}
    if state == DisplayState.DECLINED:
        return _("It was declined.")
    successor = Quote.objects.of_number(quote).filter(revision__gt=quote.revision).order_by(
        "-revision").first()
    if successor is not None:
        return _("It has been superseded by %(number)s.") % {"number": successor.number}
    return _("It has been superseded.")


def _genuine(quote, today) -> Verdict:
    return Verdict(True, _state_sentence(quote, today), quote)


def verify_token(token: str, *, today) -> Verdict | None:
    """The QR link: the token names an issued offer, or nothing (no lookup by number)."""
    quote = Quote.objects.issued().filter(verification_token=token).first() if token else None
    return _genuine(quote, today) if quote else None


NOT_A_PDF = gettext_lazy("This file is not a PDF. Upload the offer exactly as you received it.")
EMPTY = gettext_lazy("The file is empty.")
TOO_LARGE = gettext_lazy("The file is larger than 10 MB; an offer PDF is much smaller.")
PROBLEMS = {
    signing.PROBLEM_UNREADABLE: gettext_lazy("This PDF cannot be read; it may be damaged."),
    signing.PROBLEM_UNSIGNED: gettext_lazy(
        "This PDF carries no signature, so it is not a genuine offer from %(distributor)s."),
    signing.PROBLEM_BROKEN_SIGNATURE: gettext_lazy(
        "The signature of this PDF is damaged or incomplete, so it cannot be checked. It is not "
        "a genuine offer from %(distributor)s."),
    signing.PROBLEM_OTHER_SIGNER: gettext_lazy(
        "This PDF is signed by someone else, not by %(distributor)s. It is not a genuine offer."),
    signing.PROBLEM_TAMPERED: gettext_lazy(
        "This PDF has been altered after %(distributor)s signed it. It is not a genuine offer."),
    signing.PROBLEM_CHANGED_AFTER_SIGNING: gettext_lazy(
        "Something was added to this PDF after %(distributor)s signed it. It is not the offer "
        "as issued."),
}
UNKNOWN = gettext_lazy(
    "The signature is %(distributor)s's, but this document is not one of its issued offers.")


def check_signature(data: bytes) -> signing.SignatureCheck:
    """`signing.check_signature` against every certificate the distributor ever signed with."""
    now = timezone.now()
    return signing.check_signature(
        data, is_ours=lambda fingerprint: certificates.is_ours(fingerprint, now=now))


def verify_upload(data: bytes, *, today) -> Verdict:
    """An uploaded PDF: signed by us, intact, covering the whole file, and byte for byte the
    signed PDF stored for an issued offer. Each refusal is logged at INFO in one line."""
    names = {"distributor": settings.SSA_DISTRIBUTOR_NAME}
    if not data:
        return _refused(EMPTY, "empty")
    if len(data) > MAX_UPLOAD_BYTES:
        return _refused(TOO_LARGE, "too-large")
    if not data.lstrip()[:5] == b"%PDF-":
        return _refused(NOT_A_PDF, "not-a-pdf")
    check = check_signature(data)
    if not check.genuine:
        return _refused(PROBLEMS[check.problem], check.problem, check.detail, names)
    digest = hashlib.sha256(data).hexdigest()
    quote = Quote.objects.issued().filter(pdf_sha256=digest).first()
    if quote is None:
        return _refused(UNKNOWN, "unknown-document", f"sha256 {digest}", names)
    return _genuine(quote, today)


def _refused(message, code: str, detail: str = "", names=None) -> Verdict:
    logger.info("Uploaded PDF not genuine: %s%s", code, f" ({detail})" if detail else "")
    text = str(message)
    return Verdict(False, text % names if names else text)
