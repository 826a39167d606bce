"""An offer's document (docs/DOMAIN.md#signed-pdfs-and-verification): the signed PDF (a draft's
unsigned preview), sending it by e-mail, and the public verification page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common import uploads
from common.clients import client_ip
from common.errors import DomainError
from common.ratelimit import RateLimit
from common.web import show_error
from quotes import access, services, verification
from quotes.actions import Action, refusal
from quotes.exports import pdf_response
from quotes.forms import SendForm, VerifyForm
from quotes.pdf import render_quote_pdf
from quotes.presentation import present_offer
from quotes.views.offers import answer_refusal


@login_required
def quote_pdf(request, pk: int):
    """The signed PDF, the same bytes every time; a draft's unsigned preview."""
    quote = access.get_quote_for_user(request.user, pk)
    if quote.is_draft:
        return pdf_response(render_quote_pdf(quote), f"draft-{quote.pk}.pdf")
    try:
        data = services.quote_pdf_bytes(quote=quote)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(quote)
    return pdf_response(data, f"{quote.number}.pdf")


@login_required
@require_POST
def quote_pdf_retry(request, pk: int):
    """Staff try the PDF again at once after a failure (it is never re-signed once stored)."""
    quote = access.get_quote_for_user(request.user, pk)
    refused = refusal(Action.RETRY_PDF, quote, request.user, timezone.localdate())
    if refused is not None:
        return answer_refusal(request, quote, refused.message, refused.answer)
    outcome = services.quote_prepare_pdf(quote_id=quote.pk)
    if outcome.failed:
        messages.error(request, _("Preparing the PDF failed again: %(error)s") % {
            "error": outcome.quote.pdf_error})
    else:
        messages.success(request, _("The signed PDF is ready."))
    return redirect(quote)


@login_required
@require_http_methods(["GET", "POST"])
def quote_send(request, pk: int):
    quote = access.get_quote_for_user(request.user, pk)
    today = timezone.localdate()
    refused = refusal(Action.SEND, quote, request.user, today)
    if refused is not None:
        return answer_refusal(request, quote, refused.message, refused.answer)
    form = SendForm(request.POST or None, initial={
        "to": quote.customer_email, "cc": quote.reseller.email if quote.reseller else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_send_to_customer(quote=quote, user=request.user,
                                            **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("On its way to %(to)s, with a personal link to accept "
                                        "or decline; its delivery shows on the timeline.") % {
                "to": ", ".join(form.cleaned_data["to"])})
            return redirect(quote)
    return render(request, "quotes/quote_send.html", {
        "quote": quote, "form": form, "today": today,
        "shown": present_offer(quote, today=today)})


# A sensible limit per client address on the public upload (pyHanko work is not free).
VERIFY_UPLOADS = RateLimit("verify-upload", limit=30, window=600)


def _too_many_checks(request):
    """The rate limit, answered before the upload is read (common/uploads.py)."""
    if VERIFY_UPLOADS.hit(client_ip(request)):
        return None
    form = VerifyForm(data={})  # bound to nothing: the upload is never read
    form.fields["pdf"].required = False
    form.add_error(None, _("Too many checks from your address; wait a few minutes."))
    return render(request, "quotes/verify.html", {"form": form, "verdict": None}, status=429)


@uploads.limit_upload(verification.MAX_UPLOAD_BYTES, before=_too_many_checks)
def verify(request):
    """Public: is this offer genuine, and what is its state now? Upload the PDF."""
    verdict = None
    form = VerifyForm()
    if request.method == "POST":
        bound = VerifyForm(request.POST, request.FILES)  # reading them applies the size limit
        if uploads.too_large(request):
            verdict = verification.Verdict(False, str(verification.TOO_LARGE))
        elif bound.is_valid():
            upload = bound.cleaned_data["pdf"]
            if upload.size > verification.MAX_UPLOAD_BYTES:
                verdict = verification.Verdict(False, str(verification.TOO_LARGE))
            else:
                verdict = verification.verify_upload(upload.read(),
                                                     today=timezone.localdate())
        else:
            form = bound
    return render(request, "quotes/verify.html", {"form": form, "verdict": verdict})


def verify_link(request, token: str):
    """Public: the QR code's link. An unknown token says only that it is unknown."""
    verdict = verification.verify_token(token[:100], today=timezone.localdate())
    return render(request, "quotes/verify.html", {
        "form": VerifyForm(), "verdict": verdict, "unknown_link": verdict is None},
        status=200 if verdict else 404)
