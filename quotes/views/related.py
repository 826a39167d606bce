"""An object's offers, for the pages of the customers app (which cannot read offers itself:
quotes → customers, never back). The customer and installation pages load these fragments with
htmx; without it they are pages of their own. Reads go through the access helpers only."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from customers import access as customer_access
from quotes import access
from quotes.models import DisplayState
from quotes.presentation import summarize_offer

SHOWN = 20


def _render(request, offers, *, title, customer, installation=None, all_url=""):
    today = timezone.localdate()
    rows = [(quote, summarize_offer(quote, today=today))
            for quote in offers.select_related("customer", "customer__reseller")
            .order_by("-created_at", "-pk")[:SHOWN + 1]]
    states = [offer.state for _quote, offer in rows[:SHOWN]]
    counts = {"open": sum(1 for s in states if s in (DisplayState.ISSUED, DisplayState.DRAFT)),
              "accepted": states.count(DisplayState.ACCEPTED),
              "expired": states.count(DisplayState.EXPIRED)}
    template = ("quotes/_related_offers.html" if request.headers.get("HX-Request")
                else "quotes/related_offers_page.html")
    return render(request, template, {
        "rows": rows[:SHOWN], "more": len(rows) > SHOWN, "counts": counts, "title": title,
        "customer": customer, "installation": installation, "all_url": all_url,
    })


@login_required
def customer_offers(request, pk: int):
    customer = customer_access.get_customer_for_user(request.user, pk)
    return _render(request, access.quotes_for(request.user).filter(customer=customer),
                   title=customer.name, customer=customer, all_url=True)


@login_required
def installation_offers(request, pk: int):
    installation = customer_access.get_installation_for_user(request.user, pk)
    return _render(request, access.quotes_for(request.user).filter(installations=installation),
                   title=installation.name, customer=installation.customer,
                   installation=installation)


@login_required
def period_offer(request, pk: int):
    """The offer whose acceptance made an agreement period (404 when there is none, or when the
    user may not see it: an issued offer stays with the reseller named on it)."""
    period = customer_access.get_period_for_user(request.user, pk)
    quote = access.quotes_for(request.user).filter(periods=period).order_by("-pk").first()
    if quote is None:
        raise Http404
    return redirect(quote)
