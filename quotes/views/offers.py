"""Offers (docs/DOMAIN.md#offers): the list and its export, the form with live totals, the offer
page, every action on an offer behind a confirmation, and the live price preview of one
installation. Which actions an offer allows is `quotes.actions`; what it shows is
`quotes.presentation`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import DomainError
from common.months import first_of_month
from common.web import paginate, querystring_without_page, show_error, sort_links
from customers import access as customer_access
from quotes import access, selectors, services
from quotes.actions import Action, ActionRefused, Answer, allowed_actions, refusal
from quotes.exports import csv_response
from quotes.forms import AcceptForm, DeclineForm, PreviewForm, QuoteFilterForm, QuoteForm
from quotes.models import Quote
from quotes.presentation import present_offer, summarize_offer

# --- the live price preview ------------------------------------------------------------------


@login_required
def installation_preview(request, pk: int):
    """What an offer for this installation would carry: lines, totals, and why (htmx)."""
    installation = customer_access.get_installation_for_user(request.user, pk)
    today = timezone.localdate()
    form = PreviewForm(request.GET or None)
    result = book = None
    error = None
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if form.is_bound else {}
        loaded = selectors.with_pricing_data(
            customer_access.installations_for(request.user).filter(pk=installation.pk))
        try:
            result, book = selectors.price_installations(
                installations=list(loaded), quote_date=data.get("quote_date") or today,
                end=data.get("end"))
        except DomainError as unavailable:
            error = unavailable.message
    template = ("quotes/_preview.html" if request.headers.get("HX-Request")
                else "quotes/preview_page.html")
    section = result.installations[0] if result else None
    return render(request, template, {
        "installation": installation, "form": form, "result": result, "book": book,
        "error": error, "today": today, "section": section,
        "end_value": request.GET.get("end") or (f"{section.end:%Y-%m}" if section else ""),
        "date_value": request.GET.get("quote_date") or today.isoformat(),
    })


# --- the offer form --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def quote_create(request, customer_pk: int):
    customer = customer_access.get_customer_for_user(request.user, customer_pk)
    if request.method == "POST":
        form = QuoteForm(request.POST, customer=customer, today=timezone.localdate())
        if form.is_valid():
            try:
                quote = services.quote_create(
                    customer=customer, installations=list(form.cleaned_data["installations"]),
                    user=request.user, end=form.end_override(),
                    language=form.cleaned_data["language"])
            except DomainError as error:
                show_error(form, error)
            else:
                messages.success(request, _("Draft offer created."))
                return redirect(quote)
    else:
        form = QuoteForm.for_new_offer(customer, today=timezone.localdate(),
                                       start_from=request.GET.get("installation"))
    return _render_quote_form(request, form, title=_("New offer for %(name)s") % {
        "name": customer.name}, cancel_url=customer.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def quote_edit(request, pk: int):
    quote = access.get_quote_for_user(request.user, pk)
    refused = refusal(Action.EDIT, quote, request.user, timezone.localdate())
    if refused is not None:
        return answer_refusal(request, quote, refused.message, refused.answer)
    if request.method == "POST":
        form = QuoteForm(request.POST, customer=quote.customer, today=timezone.localdate())
        if form.is_valid():
            try:
                services.quote_update_draft(
                    quote=quote, user=request.user,
                    installations=list(form.cleaned_data["installations"]),
                    end=form.end_override(), language=form.cleaned_data["language"])
            except DomainError as error:
                show_error(form, error)
            else:
                messages.success(request, _("Draft saved."))
                return redirect(quote)
    else:
        form = QuoteForm.for_draft(quote, today=timezone.localdate())
    return _render_quote_form(request, form, title=_("Edit draft offer"),
                              cancel_url=quote.get_absolute_url())


def _render_quote_form(request, form: QuoteForm, *, title: str, cancel_url: str):
    today = timezone.localdate()
    priced = form.price(today)
    return render(request, "quotes/quote_form.html", {
        "form": form, "customer": form.customer, "title": title, "cancel_url": cancel_url,
        "result": priced.result, "book": priced.book, "error": priced.error,
        "start": priced.result.start if priced.result else first_of_month(today),
    })


@login_required
def quote_form_totals(request, customer_pk: int):
    """The live totals beside the offer form (htmx), priced on today's date."""
    customer = customer_access.get_customer_for_user(request.user, customer_pk)
    today = timezone.localdate()
    priced = QuoteForm(request.GET, customer=customer, today=today).price(today)
    return render(request, "quotes/_form_totals.html", {
        "result": priced.result, "book": priced.book, "error": priced.error})


# --- the offer page and its actions ----------------------------------------------------------


@login_required
def quote_detail(request, pk: int):
    quote = access.get_quote_for_user(request.user, pk)
    today = timezone.localdate()
    # Only revisions the user may open: after a move, the old reseller must not learn of the
    # new reseller's revisions of its offer.
    visible = access.quotes_for(request.user)
    revisions = list(visible.filter(revision_of=quote).order_by("-pk"))  # newest first
    successor = None if quote.is_draft else visible.of_number(quote).filter(
        revision__gt=quote.revision).order_by("-revision").first()
    return render(request, "quotes/quote_detail.html", {
        "quote": quote, "today": today,
        # Evaluated only when the template needs it: an issued offer's frozen sections come
        # from the fragment cache (templates/quotes/quote_detail.html).
        "shown": SimpleLazyObject(lambda: present_offer(quote, today=today)),
        "display_state": quote.display_state(today),
        "actions": allowed_actions(quote, request.user, today),
        "events": quote.events.select_related("by"),
        "emails": quote.emails.all()[:20],
        "acceptance": quote.acceptances.filter(undone_at__isnull=True).first(),
        "revisions": revisions,
        "successor": successor,
    })


def answer_refusal(request, quote: Quote, message: str, answer: Answer):
    """A refused action: 403 for a role too weak, 404 for an offer no longer the user's to act
    on, else the reason on the offer's page."""
    if answer == Answer.FORBIDDEN:
        raise PermissionDenied(message)
    if answer == Answer.NOT_FOUND:
        raise Http404(message)
    messages.error(request, message)
    return redirect(quote)


def _quote_action(request, pk, *, action: Action, template: str, run, success,
                  form_class=None):
    """GET: a confirmation page (with the form, if any) when the action is allowed. POST: one
    service call; its refusal is shown next to the form field it names, or on the offer."""
    quote = access.get_quote_for_user(request.user, pk)
    today = timezone.localdate()
    refused = refusal(action, quote, request.user, today)
    if refused is not None:
        return answer_refusal(request, quote, refused.message, refused.answer)
    form = form_class(request.POST or None) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            result = run(quote, form.cleaned_data if form else {})
        except ActionRefused as error:
            return answer_refusal(request, quote, error.message, error.answer)
        except DomainError as error:
            if form is None or error.field not in form.fields:
                messages.error(request, error.message)
                return redirect(quote)
            show_error(form, error)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(result if isinstance(result, Quote) else quote)
    return render(request, template, {"quote": quote, "form": form, "today": today,
                                      "shown": present_offer(quote, today=today)})


@login_required
@require_http_methods(["GET", "POST"])
def quote_issue(request, pk: int):
    return _quote_action(
        request, pk, action=Action.ISSUE, template="quotes/quote_issue.html",
        # The signed PDF is made by the worker, never in the request: the offer page shows
        # "PDF being prepared" and refreshes itself until it is stored.
        run=lambda quote, data: services.quote_issue(quote=quote, user=request.user,
                                                     prepare_pdf=False),
        success=lambda quote: _("Issued as %(number)s.") % {"number": quote.number})


@login_required
@require_POST
def quote_ready(request, pk: int):
    quote = access.get_quote_for_user(request.user, pk)
    ready = request.POST.get("ready") != "0"
    try:
        services.quote_mark_ready(quote=quote, user=request.user, ready=ready)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Marked ready to issue; the distributor's staff will issue "
                                    "it.") if ready else _("No longer marked ready to issue."))
    return redirect(quote)


@login_required
@require_http_methods(["GET", "POST"])
def quote_revise(request, pk: int):
    return _quote_action(
        request, pk, action=Action.REVISE, template="quotes/quote_revise.html",
        run=lambda quote, data: services.quote_revise(quote=quote, user=request.user),
        success=_("Revision created as a draft. Change it, then have it issued."))


@login_required
@require_http_methods(["GET", "POST"])
def quote_accept(request, pk: int):
    return _quote_action(
        request, pk, action=Action.ACCEPT, form_class=AcceptForm,
        template="quotes/quote_accept.html",
        run=lambda quote, data: services.quote_accept(
            quote=quote, user=request.user, accepted_by_name=data["accepted_by_name"]),
        success=_("Accepted. The agreement periods are recorded on the installations."))


@login_required
@require_http_methods(["GET", "POST"])
def quote_decline(request, pk: int):
    return _quote_action(
        request, pk, action=Action.DECLINE, form_class=DeclineForm,
        template="quotes/quote_decline.html",
        run=lambda quote, data: services.quote_decline(
            quote=quote, user=request.user, reason=data["reason"]),
        success=_("Declined."))


@login_required
@require_http_methods(["GET", "POST"])
def quote_undo_acceptance(request, pk: int):
    return _quote_action(
        request, pk, action=Action.UNDO_ACCEPTANCE, form_class=DeclineForm,
        template="quotes/quote_undo_acceptance.html",
        run=lambda quote, data: services.quote_undo_acceptance(
            quote=quote, user=request.user, reason=data["reason"]),
        success=_("Acceptance undone; its agreement periods were removed."))


@login_required
@require_http_methods(["GET", "POST"])
def quote_delete(request, pk: int):
    quote = access.get_quote_for_user(request.user, pk)
    refused = refusal(Action.DELETE, quote, request.user, timezone.localdate())
    if refused is not None:
        return answer_refusal(request, quote, refused.message, refused.answer)
    if request.method == "POST":
        try:
            services.quote_delete_draft(quote=quote, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(quote)
        messages.success(request, _("Draft deleted."))
        return redirect(quote.customer)
    return render(request, "customers/confirm.html", {
        "title": _("Delete this draft offer?"), "cancel_url": quote.get_absolute_url(),
        "button": _("Delete"),
    })


# --- the list and its export -----------------------------------------------------------------


def _filtered_quotes(request, today):
    """The user's offers, filtered as the list's query string says."""
    form = QuoteFilterForm(request.GET or None,
                           resellers=customer_access.resellers_for(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    return form, selectors.offers_for(request.user, today=today, **filters)


@login_required
def quote_list(request):
    today = timezone.localdate()
    form, quotes = _filtered_quotes(request, today)
    page = paginate(request, quotes)
    return render(request, "quotes/quote_list.html", {
        "form": form, "page": page, "today": today, "totals": selectors.offer_totals(quotes),
        "sort": sort_links(request, ("number", "customer", "gross", "valid_until", "created"),
                           default="-created"),
        "offers": [(quote, summarize_offer(quote, today=today)) for quote in page],
        "querystring": querystring_without_page(request),
    })


@login_required
def quote_export(request):
    """The offer list as CSV, with the list's filters and scope."""
    today = timezone.localdate()
    _form, quotes = _filtered_quotes(request, today)
    header = [_("Offer"), _("State"), _("Customer"), _("Reseller"), _("Issued"),
              _("Valid until"), _("SSC"), _("Net NOK"), _("VAT NOK"), _("Gross NOK")]
    offers = (summarize_offer(quote, today=today) for quote in quotes.iterator())
    return csv_response(f"offers-{today:%Y-%m-%d}.csv", header, (
        [offer.number or _("draft"), offer.state.label, offer.customer.name,
         offer.customer.reseller, offer.issue_date, offer.valid_until, offer.ssc, offer.net,
         offer.vat, offer.gross]
        for offer in offers))
