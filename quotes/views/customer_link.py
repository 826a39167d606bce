"""The customer's pages, opened with the personal acceptance link and no login
(docs/DOMAIN.md#the-acceptance-link): the offer as on the PDF, the signed PDF, and accepting or
declining it, each behind a confirmation step. Rate-limited per client address, a wrong token
costing more than a right one; tokens are masked in every log (common/logs.py)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from common.clients import client_ip
from common.errors import DomainError
from common.ratelimit import RateLimit
from common.web import show_error
from quotes import services
from quotes.actions import CUSTOMER, Action, refusal
from quotes.exports import pdf_response
from quotes.forms import OnlineAcceptForm, OnlineDeclineForm
from quotes.presentation import present_offer

ACCEPTED = gettext_lazy("Thank you: the offer is accepted. A confirmation is on its way to you "
                        "by e-mail.")
DECLINED = gettext_lazy("The offer is declined. Thank you for telling us why.")
# Per client address: link pages seen, and tokens that opened nothing (a wrong token costs
# more: after ten, the address waits for the window to pass, right tokens too).
LINK_PAGES = RateLimit("offer-link", limit=120, window=600)
WRONG_TOKENS = RateLimit("offer-link-wrong", limit=10, window=600)


def _too_many(request) -> bool:
    address = client_ip(request)
    return (WRONG_TOKENS.used(address) >= WRONG_TOKENS.limit
            or not LINK_PAGES.hit(address))


def _offer(request, token: str):
    """The link and the offer it leads to, or a refusal: 429 when the address has tried too
    much, 404 for a token that opens nothing (and it counts)."""
    if _too_many(request):
        return None, render(request, "quotes/customer/too_many.html", status=429)
    found = services.link_find(token)
    if found is None:
        WRONG_TOKENS.hit(client_ip(request))
        raise Http404
    return found, None


def _context(link, quote, today) -> dict:
    return {"link": link, "quote": quote, "shown": present_offer(quote, today=today),
            "state": quote.display_state(today), "revised": quote.pk != link.quote_id,
            "can_answer": refusal(Action.ACCEPT, quote, CUSTOMER, today) is None,
            "acceptance": quote.acceptances.filter(undone_at__isnull=True).first()}


def offer_link(request, token: str):
    found, refused = _offer(request, token)
    if refused:
        return refused
    link, quote = found
    services.link_opened(link=link, quote=quote)
    today = timezone.localdate()
    with translation.override(quote.language):
        return render(request, "quotes/customer/offer.html", {
            **_context(link, quote, today), "token": token})


def offer_link_pdf(request, token: str):
    found, refused = _offer(request, token)
    if refused:
        return refused
    _link, quote = found
    try:
        data = services.quote_pdf_bytes(quote=quote)
    except DomainError as error:
        with translation.override(quote.language):
            messages.error(request, error.message)
        return redirect("offer_link", token=token)
    return pdf_response(data, f"{quote.number}.pdf")


def _answer(request, token: str, *, action: Action, form_class, template: str, run, done):
    """GET: the form. POST: the confirmation step; POST with `confirm`: the answer, through the
    same services as an answer recorded in the portal."""
    found, refused = _offer(request, token)
    if refused:
        return refused
    link, quote = found
    today = timezone.localdate()
    with translation.override(quote.language):
        cannot = refusal(action, quote, CUSTOMER, today)
        if cannot is not None:
            messages.error(request, cannot.message)
            return redirect("offer_link", token=token)
        form = form_class(request.POST or None)
        confirming = False
        if request.method == "POST" and form.is_valid():
            if request.POST.get("confirm") == "1":
                try:
                    run(link, quote, form.cleaned_data, today)
                except DomainError as error:
                    if error.field in form.fields:
                        show_error(form, error)
                    else:
                        messages.error(request, error.message)
                        return redirect("offer_link", token=token)
                else:
                    messages.success(request, done)
                    return redirect("offer_link", token=token)
            else:
                confirming = True
        return render(request, template, {**_context(link, quote, today), "token": token,
                                          "form": form, "confirming": confirming})


@require_http_methods(["GET", "POST"])
def offer_link_accept(request, token: str):
    return _answer(
        request, token, action=Action.ACCEPT, form_class=OnlineAcceptForm,
        template="quotes/customer/accept.html",
        run=lambda link, quote, data, today: services.quote_accept_online(
            link=link, quote=quote, name=data["name"], role=data["role"], email=data["email"],
            purchase_order=data["purchase_order"], client_ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""), today=today),
        done=ACCEPTED)


@require_http_methods(["GET", "POST"])
def offer_link_decline(request, token: str):
    return _answer(
        request, token, action=Action.DECLINE, form_class=OnlineDeclineForm,
        template="quotes/customer/decline.html",
        run=lambda link, quote, data, today: services.quote_decline_online(
            quote=quote, name=data["name"], reason=data["reason"], today=today),
        done=DECLINED)
